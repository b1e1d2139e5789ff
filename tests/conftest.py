"""Shared helpers for the specs: a small valid plan, a plan file, and the `rrf` command run
in a throwaway folder with its own database (SQLite, then PostgreSQL: see backends.py).

VALID_PLAN is the smallest plan that exercises every section: one source, one institution,
one contact, one measure, a target with a regional breakdown and an interim checkpoint, and
a milestone. Specs of bad plans are written as one small edit of it (`edit_plan`), so each
bad plan differs from a valid one in exactly the way its test names.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from typer.testing import CliRunner

from backends import db_url  # noqa: F401  (the fixture: every spec that writes runs on both databases)
from rrf.models.tables import ProgressRecord
from rrf.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PLAN = ROOT / "milestones.toml"
SEED_PROGRESS = ROOT / "examples" / "seed-progress.csv"

TARGET = "3.1.1.2.i/specialists-trained"
MILESTONE = "3.1.1.2.i/evaluation-done"
REGIONS = ("RPR", "KPR", "LPR", "VPR", "ZPR")

VALID_PLAN = '''\
schema_version = 1

[plan]
title_lv = "Izmēģinājuma plāns"
title_en = "Test plan"

[sources."001"]
file = "001_test.txt"
title_lv = "Projekta prezentācija"
title_en = "Project presentation"

[institutions.varam]
name_lv = "Vides aizsardzības un reģionālās attīstības ministrija"
name_en = "Ministry of Environmental Protection and Regional Development"

[contacts.baiba-zvejniece]
name = "Baiba Zvejniece"
institution = "varam"
email = "baiba.zvejniece@varam.gov.lv"
doc = "001"

[measures."3.1.1.2.i"]
name_lv = "Pašvaldību kapacitātes stiprināšana"
name_en = "Strengthening the capacity of municipalities"
type = "investment"
institution = "varam"
contacts = ["baiba-zvejniece"]

[[items]]
id = "3.1.1.2.i/specialists-trained"
kind = "target"
name_lv = "Apmācīti speciālisti"
name_en = "Specialists trained"
unit_lv = "apmācīti speciālisti"
unit_en = "specialists trained"
goal = 1300
due = 2026-08-31
checkpoints = [
  { date = 2024-12-31, value = 750, doc = "001", quote = "2024. gadā plānots apmācīt līdz 750" },
]
contacts = ["baiba-zvejniece"]
sources = [{ doc = "001", quote = "mācības vismaz 1300 personām" }]

[items.breakdown]
dimension = "region"
name_lv = "plānošanas reģions"
name_en = "planning region"

[items.breakdown.keys.RPR]
minimum = 260
name_lv = "Rīgas plānošanas reģions"
name_en = "Riga Planning Region"
contacts = ["baiba-zvejniece"]

[items.breakdown.keys.KPR]
minimum = 260
name_lv = "Kurzemes plānošanas reģions"
name_en = "Kurzeme Planning Region"

[items.breakdown.keys.LPR]
minimum = 260
name_lv = "Latgales plānošanas reģions"
name_en = "Latgale Planning Region"

[items.breakdown.keys.VPR]
minimum = 260
name_lv = "Vidzemes plānošanas reģions"
name_en = "Vidzeme Planning Region"

[items.breakdown.keys.ZPR]
minimum = 260
name_lv = "Zemgales plānošanas reģions"
name_en = "Zemgale Planning Region"

[[items]]
id = "3.1.1.2.i/evaluation-done"
kind = "milestone"
name_lv = "Veikts novērtējums"
name_en = "Evaluation done"
goal = "done"
due = 2025-06-30
sources = [{ doc = "001", quote = "veikt pašvaldību publisko pakalpojumu novērtēšanu" }]
'''


def edit_plan(*edits: tuple[str, str], text: str = VALID_PLAN) -> str:
    """VALID_PLAN with each (old, new) replaced; `old` must occur exactly once, so an edit
    that no longer matches the plan fails loudly instead of silently testing a valid plan."""
    for old, new in edits:
        assert text.count(old) == 1, f"edit target occurs {text.count(old)} times: {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture(autouse=True)
def reports_folder(tmp_path_factory, monkeypatch):
    """Every check writes the institution reports (RRF_REPORTS_DIR): in a test, into a folder of
    the test's own, never into the checkout or whatever folder the test runs in."""
    folder = tmp_path_factory.mktemp("rrf-reports")
    monkeypatch.setenv("RRF_REPORTS_DIR", str(folder))
    return folder


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Every CLI spec runs in an empty folder, without RRF_* variables from the caller,
    so that no rrf.db is created in the repository and no default plan is picked up."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_PLAN", raising=False)
    monkeypatch.delenv("RRF_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def plan_file(workdir):
    """Write a plan (text, or bytes as they are) to a file and return its path."""

    def write(content: str | bytes = VALID_PLAN, name: str = "plan.toml") -> Path:
        path = workdir / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@dataclass(frozen=True)
class Store:
    """The database a spec writes to: SQLite or PostgreSQL (see backends.py)."""

    url: str

    def exists(self) -> bool:
        """Whether anything was created: the SQLite file, or any table in PostgreSQL."""
        if self.url.startswith("sqlite"):
            return Path(make_url(self.url).database).exists()
        engine = create_engine(self.url)
        try:
            return bool(inspect(engine).get_table_names())
        finally:
            engine.dispose()


@pytest.fixture
def store(workdir, db_url) -> Store:
    return Store(db_url)


@pytest.fixture
def run(workdir, plan_file, store):
    """Invoke `rrf ARGS... --plan PLAN --db URL` (SQLite, then PostgreSQL) and return the result
    (`exit_code`, `stdout`, `stderr`).

    The plan is VALID_PLAN unless `plan=` names another file. Options go before a `--`
    end-of-options marker.
    """
    runner = CliRunner()
    default_plan = plan_file()

    def invoke(*args: str, plan: Path | None = None):
        options = ["--plan", str(plan or default_plan), "--db", store.url]
        if "--" in args:
            cut = args.index("--")
            return runner.invoke(app, [*args[:cut], *options, *args[cut:]])
        return runner.invoke(app, [*args, *options])

    return invoke


def stored_records(store: Store) -> list[ProgressRecord]:
    """Every progress record in the database, oldest first ([] if there is no database)."""
    return records_at(store.url) if store.exists() else []


def records_at(url: str) -> list[ProgressRecord]:
    """Every progress record at a database URL, oldest first ([] before the first write)."""
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("progress_record"):
            return []
        with Session(engine) as session:
            return list(session.exec(select(ProgressRecord).order_by(ProgressRecord.id)))
    finally:
        engine.dispose()
