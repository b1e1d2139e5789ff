"""Record the golden outputs with the engine as it is (run once, before the restructuring)."""
import json, subprocess, sys, tempfile, os
from pathlib import Path
ROOT = Path("/work/main"); RRF = str(ROOT / ".venv/bin/rrf"); OUT = ROOT / "tests/golden"
DAYS = ("2026-03-16", "2026-09-15")
with tempfile.TemporaryDirectory() as tmp:
    db = f"sqlite:///{tmp}/g.db"; common = ["--plan", str(ROOT / "milestones.toml"), "--db", db]
    def run(*args):
        return subprocess.run([RRF, *args, *common], check=True, capture_output=True, text=True, cwd=tmp).stdout
    run("import", str(ROOT / "examples/seed-progress.csv"))
    for day in DAYS:
        for lang in ("lv", "en"):
            (OUT / f"status-{day}-{lang}.json").write_text(run("status", "--as-of", day, "--format", "json", "--lang", lang))
        check = json.loads(run("check", "--direct", "--as-of", day, "--format", "json"))
        (OUT / f"messages-{day}.json").write_text(json.dumps(check["messages"], ensure_ascii=False, indent=2) + "\n")
    log = json.loads(run("audit", "log", "--format", "json", "--kind", "evaluation"))
    kept = [{"id": e["id"], "as_of": e["as_of"], "status": e["status"], "decision": e["decision"],
             "escalations": e["escalations"]} for e in log]
    (OUT / "audit-log.json").write_text(json.dumps(kept, ensure_ascii=False, indent=2) + "\n")
