"""models.progress.observations reads the records as SQLAlchemy's own row processing would give
them (issue 16: it uses the driver's cursor and converts each distinct raw value once), on SQLite
and PostgreSQL: every field, the decimals' exact form included; an item's records share one string of its id."""

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import select

from rrf.models import db as dbm
from rrf.models import progress
from rrf.models.tables import ProgressRecord

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
ROWS = [  # item, as of, value, done, key, corrects, evidence_for
    ("1.1.i/a", date(2025, 1, 2), Decimal("12.5"), None, None, None, None),
    ("1.1.i/a", date(2025, 1, 2), Decimal("12.5"), None, "ZPR", None, "act"),
    ("1.1.i/m", date(2025, 1, 3), None, True, None, None, None),
    ("1.1.i/m", date(2025, 1, 4), None, False, None, 3, None),
    ("1.1.i/a", date(2025, 1, 3), Decimal("999999999999999"), None, None, None, None),
    ("1.1.i/a", date(2025, 1, 3), Decimal("0.000001"), None, None, None, None),
    ("1.1.i/a", date(2025, 2, 28), None, None, None, 1, None),
]


def test_the_records_read_are_those_the_orm_reads(db_url):
    engine = dbm.open_engine(db_url)
    dbm.upgrade(engine)
    try:
        with dbm.session_scope(engine) as session:
            for item, day, value, done, key, corrects, ev in ROWS:
                session.execute(insert(ProgressRecord.__table__), [{
                    "item_id": item, "as_of": day, "value": value, "done": done, "breakdown_key": key,
                    "corrects": corrects, "evidence_for": ev, "evidence": "x" if ev else None, "source": "s",
                    "recorded_at": NOW}])
        with dbm.session_scope(engine) as session:
            read = progress.observations(session=session)
            orm = [progress.observation_of(r) for r in session.exec(select(ProgressRecord).order_by(ProgressRecord.id))]
        assert read == orm
        assert [repr(o.value) for o in read] == [repr(o.value) for o in orm]
        assert all(type(o.as_of) is date for o in read) and read[2].done is True and read[3].done is False
        ids = {id(o.item_id) for o in read}  # one string per item, whatever its number of records
        assert len(ids) == len({o.item_id for o in read}) == 2
    finally:
        engine.dispose()
