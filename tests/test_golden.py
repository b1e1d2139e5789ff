"""The restructuring changed no decision: for fixed days on the seed plan and the progress the
seed documents report, `rrf status --format json` (LV and EN), the digests a check decides and
the statuses and explanations of `rrf audit log --format json` equal the golden files in
tests/golden/. They were recorded before the code moved (tests/golden/record_before_move.py);
the only later changes to them are the Latvian fixes of the message catalogues (see the README)
and, in each digest, the line saying that the institution report is attached (no portal URL set);
and issue 15's two rules: the NGO target is judged from its measure's start (25.11.2022), and the
specialists' target names the sources' disagreement on its deadline (`conflicts`, explanation);
and a missed item's request to its contacts no longer says "the payment request is at risk" (the
shipped plan declares no payment request: the digest's "Money at stake" line says it where one does);
and the NGO target's explanation names the breakdown key with no gain (engine 0.3.0); and a Latvian
milestone sentence names it "atskaites punkts “…”", so that its participle agrees ("Nav izpildīts:
atskaites punkts “Pabeigta LBIS prototipa izveide” netika izpildīts …"); and the roadmap's row 6.4
came into the plan (2.3.2.2.i/ict-skills-standard: its statuses, entries and messages are added,
and nothing else changed); and an item's contacts, who may not acknowledge, are no longer told how to.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SEED_PROGRESS, SHIPPED_PLAN
from rrf.cli.main import app

GOLDEN = Path(__file__).resolve().parent / "golden"
DAYS = ("2026-03-16", "2026-09-15")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, object]:
    """Every output the golden files hold, made by today's engine in a folder of its own."""
    folder = tmp_path_factory.mktemp("golden")
    common = ["--plan", str(SHIPPED_PLAN), "--db", f"sqlite:///{folder / 'golden.db'}"]
    runner = CliRunner()

    def rrf(*args: str) -> str:
        result = runner.invoke(app, [*args, *common])
        assert result.exit_code == 0, result.output
        return result.stdout

    rrf("import", str(SEED_PROGRESS))
    made: dict[str, object] = {}
    for day in DAYS:
        for lang in ("lv", "en"):
            made[f"status-{day}-{lang}.json"] = json.loads(rrf("status", "--as-of", day, "--format", "json",
                                                               "--lang", lang))
        made[f"messages-{day}.json"] = json.loads(rrf("check", "--direct", "--as-of", day, "--format", "json"))["messages"]
    log = json.loads(rrf("audit", "log", "--format", "json", "--kind", "evaluation"))
    made["audit-log.json"] = [{"id": e["id"], "as_of": e["as_of"], "status": e["status"], "decision": e["decision"],
                               "escalations": e["escalations"]} for e in log]
    return made


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_the_output_equals_its_golden_file(outputs, name):
    """It produces, byte for byte as JSON data, what the golden file recorded."""
    assert outputs[name] == json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def test_every_output_has_a_golden_file(outputs):
    """It checks every output it makes (none is made without a file to compare it with)."""
    assert sorted(outputs) == sorted(p.name for p in GOLDEN.glob("*.json"))
