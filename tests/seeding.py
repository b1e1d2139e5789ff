"""A store holding the progress that the seed documents themselves report (examples/)."""

import csv
from datetime import date, datetime, timezone
from pathlib import Path

from rrf.models import db as dbm
from rrf.models import progress
from rrf.rules import load_plan
from rrf.rules.records import check_record

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "milestones.toml"
SEED = ROOT / "examples" / "seed-progress.csv"


def seed(url: str) -> str:
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    plan = load_plan(PLAN).plan
    with dbm.session_scope(engine) as session, SEED.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            progress.append_record(session=session, record=check_record(
                plan, item_id=row["id"], value=row["value"], as_of=row["as_of"], source=row["source"],
                today=date(2026, 11, 22), breakdown=row["breakdown"] or None, reporter=row["reporter"]),
                recorded_at=datetime.now(timezone.utc))
    engine.dispose()
    return url
