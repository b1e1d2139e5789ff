"""The README's examples run as written on a fresh clone (issue 14, item 10).

The marker: a code block of README.md is runnable when the line just before its opening fence
is the HTML comment `<!-- runnable -->` (Markdown shows nothing of it). Blocks that need the
network, a database server or a process that runs until stopped (`rrf serve`, `rrf web`,
PostgreSQL, the Prefect deployment) and the set-up scripts are not marked.

Each marked block runs with `bash -e` in a fresh folder made to look like a fresh clone: the
repository's tracked top-level files and folders are linked into it, so `examples/`, `data/`,
`docs/` and `milestones.toml` are where the README says, and whatever a command writes (rrf.db,
rrf-reports/, italia.toml, an export) lands in the folder itself. HOME is a folder of the
test's own, the repository's .venv/bin comes first on PATH (so `rrf` is this checkout's), and
the RRF_* settings point into the folder; none of the caller's reach the block. It must exit 0
without a traceback.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- runnable -->"
BLOCK = re.compile(r"^" + re.escape(MARKER) + r"\n```(?:sh|bash)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def runnable_blocks() -> list[tuple[int, str]]:
    """(line of the fence, code) of every marked block, in the README's order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 2, m.group(1)) for m in BLOCK.finditer(text)]


def fresh_clone(folder: Path) -> Path:
    """`folder` with the repository's tracked top-level entries linked into it."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in sorted({line.split("/", 1)[0] for line in tracked.splitlines()}):
        (folder / name).symlink_to(ROOT / name)
    return folder


BLOCKS = runnable_blocks()


def test_the_readme_marks_its_runnable_examples():
    """It marks the quick examples, the import, corrections, audit and Italian ones, and only
    blocks of shell commands."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(f"\n{MARKER}\n") == len(BLOCKS) >= 5  # every marker line marks a block
    assert any("rrf import-plan --format italia-domani" in code for _, code in BLOCKS)
    assert not any(re.search(r"^rrf (serve|web)\b", code, re.MULTILINE) for _, code in BLOCKS)


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_a_runnable_readme_block_runs_as_written(tmp_path, line, code):
    (tmp_path / "clone").mkdir()
    clone = fresh_clone(tmp_path / "clone")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RRF_", "PREFECT_"))}
    env.update(HOME=str(home), PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               RRF_DATABASE_URL=f"sqlite:///{clone / 'rrf.db'}", RRF_REPORTS_DIR=str(clone / "rrf-reports"),
               RRF_EVIDENCE_DIR=str(clone / "rrf-evidence"))
    done = subprocess.run(["bash", "-e", "-c", code], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"README.md:{line} exits {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr


def test_the_readmes_first_example_is_what_rrf_status_prints(tmp_path):
    """It prints, on the seed progress, every line the README's first example shows (the table's
    head, the specialists' row and the counts), in that order: the manual's first page stays true."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"^\$ rrf status --as-of 2025-01-05 --lang en\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    expected = [line for line in shown.group(1).splitlines() if line != "..."]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RRF_", "PREFECT_"))}
    env.update(HOME=str(tmp_path), COLUMNS="100", RRF_DATABASE_URL=f"sqlite:///{tmp_path / 'rrf.db'}")
    rrf = str(ROOT / ".venv" / "bin" / "rrf")
    plan = ["--plan", str(ROOT / "milestones.toml")]
    subprocess.run([rrf, "import", str(ROOT / "examples" / "seed-progress.csv"), *plan], cwd=tmp_path, env=env,
                   check=True, capture_output=True)
    printed = subprocess.run([rrf, "status", "--as-of", "2025-01-05", "--lang", "en", *plan], cwd=tmp_path, env=env,
                             check=True, capture_output=True, text=True).stdout.splitlines()
    at = 0
    for line in expected:
        assert line in printed[at:], f"the README shows {line!r}; rrf status printed:\n" + "\n".join(printed)
        at = printed.index(line, at) + 1
