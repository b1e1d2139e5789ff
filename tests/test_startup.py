"""Commands that start fast: `rrf --help`, `rrf validate` and `rrf status` import nothing they do
not use (issue 16). Each runs as the program runs (`python -m rrf`, in a fresh interpreter), and
the modules it loaded are read from its `sys.modules` when it ends; nothing here is timed
(bench/startup_bench.py measures).

- `rrf --help` lists every subcommand with its one-line help, the same text as when everything is
  imported, without importing any implementation: no settings, service, model or plan model, and
  neither pydantic nor SQLAlchemy (Typer and Rich only).
- `rrf validate` loads the plan (pydantic) and no database module (not SQLAlchemy).
- `rrf status` reads the database (SQLAlchemy), in both formats, but loads neither migrations
  (Alembic: models.db reads the schema's revision itself) nor templates, channels, spreadsheets,
  the portal, signatures or passwords.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from conftest import SEED_PROGRESS
from conftest import SHIPPED_PLAN as PLAN
from rrf.cli.main import app

# Never on these paths: the flows and their server, migrations, templates, message channels, the
# portal, spreadsheets, signatures and password hashing.
NEVER = ("prefect", "alembic", "jinja2", "apprise", "fastapi", "starlette", "uvicorn", "openpyxl", "cryptography",
         "argon2", "rrf.flows", "rrf.web", "rrf.views", "rrf.notifications", "rrf.importers")
NOT_FOR_HELP = ("pydantic", "sqlalchemy", "sqlmodel", "rrf.settings", "rrf.services",
                "rrf.models", "rrf.rules.plan", "rrf.rules.evaluate", "rrf.cli.render")
NOT_FOR_VALIDATE = ("sqlalchemy", "sqlmodel", "rrf.models", "rrf.services.store", "rrf.services.database")

# Runs `rrf ARGS...` as `python -m rrf ARGS...` does, then writes the names of the loaded modules to
# the file named first (whatever the command's exit). The modules named in RRF_TEST_PRELOAD are
# imported first.
PROBE = """
import importlib, json, os, runpy, sys
report, sys.argv = sys.argv[1], ["rrf", *sys.argv[2:]]
for name in os.environ.get("RRF_TEST_PRELOAD", "").split():
    importlib.import_module(name)
try:
    runpy.run_module("rrf", run_name="__main__", alter_sys=True)
finally:
    with open(report, "w", encoding="utf-8") as f:
        json.dump(sorted(sys.modules), f)
"""


# Everything the subcommands run, as `rrf --help` loaded it before issue 16.
EVERYTHING = ("rrf.services.audit rrf.services.check rrf.services.checkpoint rrf.services.database "
              "rrf.services.italia rrf.services.outbox rrf.services.plantest rrf.services.progress "
              "rrf.services.sources rrf.services.status rrf.services.users rrf.services.waiver rrf.services.ack "
              "rrf.importers.italia rrf.cli.render rrf.cli.history rrf.settings")


def run_rrf(tmp_path: Path, *args: str, preload: str = "") -> tuple[subprocess.CompletedProcess, set[str]]:
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRF_")} | {"COLUMNS": "80",
                                                                                "RRF_TEST_PRELOAD": preload}
    done = subprocess.run([sys.executable, "-c", PROBE, str(report), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done, set(json.loads(report.read_text(encoding="utf-8")))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Those of `names` (packages or modules) of which anything is loaded."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.fixture
def seeded_url(workdir) -> str:
    """A database with the seed progress imported (in the test's own folder, see conftest.workdir)."""
    url = f"sqlite:///{workdir / 'seed.db'}"
    result = CliRunner().invoke(app, ["import", str(SEED_PROGRESS), "--plan", str(PLAN), "--db", url])
    assert result.exit_code == 0, result.output
    return url


def test_help_lists_every_subcommand_without_importing_them(tmp_path):
    """`rrf --help` prints what it prints with every module imported: each subcommand and group,
    with its one-line help; and loads none of the implementations."""
    done, modules = run_rrf(tmp_path, "--help")
    assert loaded(modules, NEVER + NOT_FOR_HELP) == []
    everything, all_modules = run_rrf(tmp_path, "--help", preload=EVERYTHING)
    assert loaded(all_modules, ("sqlalchemy", "jinja2", "rrf.services.check")) != []  # (the preload did load them)
    assert done.stdout == everything.stdout
    group = typer.main.get_command(app)
    listed = dict(re.findall(r"^  (\S+)\s{2,}(\S.*)$", done.stdout.split("Commands:", 1)[1], re.MULTILINE))
    assert sorted(listed) == sorted(group.commands)
    for name, command in group.commands.items():
        short = listed[name].removesuffix("...")
        assert len(short) > 10 and command.get_short_help_str(limit=1000).startswith(short), (name, listed[name])


def test_a_subcommand_help_loads_no_implementation(tmp_path):
    """`rrf import-plan --help` shows the importer's file names without importing the importer (Typer
    itself may load pydantic to describe the options)."""
    done, modules = run_rrf(tmp_path, "import-plan", "--help")
    assert loaded(modules, NEVER + tuple(n for n in NOT_FOR_HELP if not n.startswith("pydantic"))) == []
    assert "PNRR_MeT_OAprogrammazione.csv.gz" in done.stdout


def test_the_help_names_the_importers_own_files():
    """The names the command line writes in its help (rrf.cli.cmd_italia) are the importer's."""
    from rrf.cli import cmd_italia
    from rrf.importers import italia

    assert (cmd_italia.FORMAT, cmd_italia.MET_FILE, cmd_italia.MAP_FILE, cmd_italia.REPORTS_FILE) == (
        italia.FORMAT, italia.MET_FILE, italia.MAP_FILE, italia.REPORTS_FILE)


def test_validate_loads_the_plan_and_no_database_module(tmp_path):
    done, modules = run_rrf(tmp_path, "validate", "--plan", str(PLAN))
    assert ": valid: " in done.stdout
    assert "pydantic" in modules and "rrf.rules.load" in modules
    assert loaded(modules, NEVER + NOT_FOR_VALIDATE) == []


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_status_reads_the_database_without_migrations_or_the_rest(tmp_path, seeded_url, fmt):
    done, modules = run_rrf(tmp_path, "status", "--as-of", "2026-09-15", "--format", fmt, "--plan", str(PLAN),
                            "--db", seeded_url)
    if fmt == "json":
        assert len(json.loads(done.stdout)) > 0
    else:
        assert "3.1.1.2.i/specialists-trained" in done.stdout
    assert "sqlalchemy" in modules
    assert loaded(modules, NEVER) == []


def test_the_schema_revision_read_without_alembic_is_alembics():
    """models.db reads the newest revision from the migration files' lines (no Alembic) and gets
    what Alembic gets; a database's revision, read with SQLAlchemy alone, is what Alembic reads."""
    from alembic.script import ScriptDirectory

    from rrf.models import db as dbm

    assert dbm._plain_head() == ScriptDirectory(str(dbm.MIGRATIONS)).get_current_head() == dbm.head_revision()


def test_a_database_revision_read_without_alembic_is_alembics(tmp_path, seeded_url):
    from rrf.models import db as dbm

    engine = dbm.open_engine(seeded_url, readonly=True)
    try:
        assert dbm.stamped_revisions(engine) == [dbm.current_revision(engine)]
        assert dbm.is_current(engine)
    finally:
        engine.dispose()
    empty = dbm.open_engine(f"sqlite:///{tmp_path / 'empty.db'}", readonly=True)
    try:
        assert dbm.stamped_revisions(empty) == [] and dbm.current_revision(empty) is None
        assert not dbm.is_current(empty)
    finally:
        empty.dispose()
