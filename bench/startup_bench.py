"""How fast the light commands start (issue 16): `rrf --help`, `rrf validate` and `rrf status`,
each as a ratio to a floor measured in the same run, and what each imports.

    .venv/bin/python bench/startup_bench.py [--runs 10] [--top 8]

Each command is run --runs times, every run a fresh process, interleaved round by round with its
floor, so that what else the machine does weighs on both alike; the table shows medians. Then
each command runs once under `python -X importtime`, and its heaviest imports are listed. It
asserts nothing: tests/test_startup.py says what each command may import.

Floors (the least a Python program doing the command's work must spend):
- bare start: `python -c pass` with this interpreter (its site-packages and .pth files too).
- read the plan: the bare start, plus reading and parsing the plan's TOML (`tomllib`): what
  `rrf validate` cannot do without.
- read plan + store: the same, plus opening the SQLite store read-only with the standard
  library's `sqlite3` and fetching every progress record: what `rrf status` cannot do without.
Beside them, not a floor of any ratio: the stack's imports, `import typer, rich.table,
pydantic_settings, sqlmodel`, what the libraries the design names cost before rrf does anything.

Goals (issue 16) were set in seconds against the figures of the time: `rrf status` 0.64-0.70 s
and `rrf --help` 35x a bare start, i.e. a bare start of about 0.019 s (REFERENCE_START). As
ratios, which carry from a busy machine to a quiet one: `rrf --help` <= 0.25 s is 13x the bare
start; `rrf status` <= 0.35 s is 18x the bare start, which is goal / (REFERENCE_START x its
floor's cost in bare starts) times its own floor, worked out in each run (about 11x). `rrf
validate` has no goal; it is shown for comparison.

Every process runs with its modules' compiled bytecode cached, as an installed rrf has it (pip
compiles at install): in a cache of the run's own (PYTHONPYCACHEPREFIX, filled by the unmeasured
first runs), so the checkout is not written and PYTHONDONTWRITEBYTECODE does not leave our
modules to be compiled again at every start.

To measure another tree (e.g. the code before a change), put it first on PYTHONPATH: every
command and floor runs in a child process of this interpreter.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "milestones.toml"
SEED_PROGRESS = ROOT / "examples" / "seed-progress.csv"
AS_OF = "2026-09-15"
REFERENCE_START = 0.019  # s: the bare start when the goals were set (0.66 s = 35x)
PY = sys.executable
STACK = "the stack's imports"
# Libraries the light commands should not load (tests/test_startup.py), and those they may.
WATCHED = ("prefect", "alembic", "jinja2", "apprise", "fastapi", "uvicorn", "openpyxl", "cryptography", "argon2",
           "sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings", "rich", "typer")


def rrf_command() -> list[str]:
    """The `rrf` console script beside this interpreter (what users run), else `python -m rrf`."""
    script = Path(PY).parent / "rrf"
    return [str(script)] if script.is_file() else [PY, "-m", "rrf"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed


def import_times(args: list[str], cwd: Path) -> list[tuple[int, int, int, str]]:
    """(self µs, cumulative µs, depth, module) for every import of `rrf ARGS`, in order."""
    done = subprocess.run([PY, "-X", "importtime", "-m", "rrf", *args], cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m[1]), int(m[2]), (len(m[3]) - 1) // 2, m[4]))
    return rows


def package(module: str) -> str:
    """A module's library, or for ours its layer (rrf.rules, rrf.models, ...)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "rrf" and len(parts) > 1 else parts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command and floor (default 10)")
    parser.add_argument("--top", type=int, default=8, help="imports listed per command (default 8)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rrf-startup-"))
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    try:
        measure(args.runs, args.top, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(runs: int, top: int, work: Path) -> None:
    store = work / "seed.db"
    rrf = rrf_command()
    done = subprocess.run([*rrf, "import", str(SEED_PROGRESS), "--plan", str(PLAN), "--db", f"sqlite:///{store}"],
                          cwd=work, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"seeding the store failed:\n{done.stderr}")

    read_plan = f"import tomllib; tomllib.loads(open({str(PLAN)!r}, 'rb').read().decode())"
    floors = {
        "bare start": [PY, "-c", "pass"],
        "read the plan": [PY, "-c", read_plan],
        "read plan + store": [PY, "-c", f"{read_plan}; import sqlite3; "
                                        f"sqlite3.connect('file:{store}?mode=ro', uri=True)"
                                        f".execute('SELECT * FROM progress_record').fetchall()"],
        # not a floor of any ratio: what importing the libraries `rrf status` runs on costs by itself
        # (the design's Typer and Rich, pydantic-settings, SQLModel over SQLAlchemy)
        STACK: [PY, "-c", "import typer, rich.table, pydantic_settings, sqlmodel"],
    }
    # name, arguments, floor, the goal in seconds as issue 16 set it
    commands = [
        ("rrf --help", ["--help"], "bare start", 0.25),
        ("rrf validate", ["validate", "--plan", str(PLAN)], "read the plan", None),
        ("rrf status", ["status", "--as-of", AS_OF, "--plan", str(PLAN), "--db", f"sqlite:///{store}"],
         "read plan + store", 0.35),
    ]
    for _ in range(2):  # unmeasured: the bytecode cache filled, files in the page cache, any failure now
        for cmd in [*floors.values(), *([*rrf, *c[1]] for c in commands)]:
            timed(cmd, work)

    times: dict[str, list[float]] = {name: [] for name in [*floors, *(c[0] for c in commands)]}
    for _ in range(runs):
        for name, cmd in floors.items():
            times[name].append(timed(cmd, work))
        for name, argv, *_ in commands:
            times[name].append(timed([*rrf, *argv], work))
    median = {name: statistics.median(t) for name, t in times.items()}

    print(f"Start-up of the light commands: median of {runs} runs, interleaved with the floors "
          f"({os.cpu_count()} cores, Python {sys.version.split()[0]}, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())})\n")
    print("| command | goal | measured | floor | ratio | met |")
    print("| --- | --- | ---: | --- | ---: | --- |")
    bare = median["bare start"]
    for name, _argv, floor, goal in commands:
        ratio = median[name] / median[floor]
        if goal is None:
            goal_text, met = "—", "—"
        else:  # the goal's seconds at the reference start, as a ratio to this floor
            goal_ratio = goal / (REFERENCE_START * median[floor] / bare)
            goal_text, met = f"<= {goal_ratio:.1f}x floor (<= {goal:g} s)", "yes" if ratio <= goal_ratio else "no"
        print(f"| `{name}` | {goal_text} | {median[name]:.3f} s | {floor}: {median[floor]:.3f} s | "
              f"{ratio:.1f}x | {met} |")
    print(f"\nfloors: {'; '.join(f'{n} {median[n]:.3f} s = {median[n] / bare:.2f}x bare' for n in floors if n != STACK)}. "
          f"Commands as multiples of the bare start: "
          f"{'; '.join(f'{c[0]} {median[c[0]] / bare:.1f}x' for c in commands)}.")
    stack = median[STACK]
    print(f"\nImporting the libraries `rrf status` runs on (Typer, Rich, pydantic-settings, SQLModel and "
          f"SQLAlchemy), nothing of rrf's, takes {stack:.3f} s ({stack / bare:.1f}x the bare start); `rrf status` "
          f"spends {median['rrf status'] - stack:.3f} s beyond that (plan, tables, records, evaluation, table).")

    for name, argv, *_ in commands:
        rows = import_times(argv, work)
        total = sum(r[0] for r in rows)
        by_package: Counter[str] = Counter()
        for self_us, _cum, _depth, module in rows:
            by_package[package(module)] += self_us
        watched = [w for w in WATCHED if any(r[3] == w or r[3].startswith(w + ".") for r in rows)]
        print(f"\n### `{name}`: {len(rows)} modules imported, {total / 1000:.0f} ms of import time "
              "(under -X importtime, which slows imports)")
        print(f"watched libraries loaded: {', '.join(watched) or 'none'}")
        print("heaviest libraries (their modules' own time): " + ", ".join(
            f"{p} {us / 1000:.0f} ms" for p, us in by_package.most_common(top)))
        print("heaviest imports (cumulative, with what they import):")
        for self_us, cum, depth, module in sorted(rows, key=lambda r: -r[1])[:top]:
            print(f"  {cum / 1000:7.1f} ms  {module} (depth {depth})")


if __name__ == "__main__":
    main()
