"""Appending and reading progress records. Every function takes the session as a keyword.

Nothing here updates or deletes a record: a correction is appended like any record.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, func, select

from rrf.models import trail
from rrf.models.tables import ImportBatch, ProgressRecord
from rrf.rules.progress import Observation
from rrf.rules.records import CheckedRecord, ImportRow

CHUNK = 5_000  # rows per INSERT when importing, and per fetch when reading


def _columns(
    record: CheckedRecord, *, evidence_sha256: str | None, recorded_at: datetime,
    import_batch_id: int | None = None, import_row: int | None = None, recorded_by: str | None = None,
    evidence_type: str | None = None,
) -> dict[str, Any]:
    return {
        "item_id": record.item_id,
        "as_of": record.as_of,
        "value": record.value,
        "done": record.done,
        "breakdown_key": record.breakdown_key,
        "source": record.source,
        "reporter": record.reporter,
        "evidence": record.evidence,
        "evidence_sha256": evidence_sha256,
        "recorded_at": recorded_at,
        "corrects": record.corrects,
        "reason": record.reason,
        "import_batch_id": import_batch_id,
        "import_row": import_row,
        "recorded_by": recorded_by,
        "evidence_type": evidence_type,
        "evidence_for": record.evidence_for,
    }


def append_record(
    *, session: Session, record: CheckedRecord, recorded_at: datetime, evidence_sha256: str | None = None,
    recorded_by: str | None = None, evidence_type: str | None = None,
) -> ProgressRecord:
    row = ProgressRecord(**_columns(record, evidence_sha256=evidence_sha256, recorded_at=recorded_at,
                                    recorded_by=recorded_by, evidence_type=evidence_type))
    session.add(row)
    session.flush()
    trail.append_ids(session=session, table="progress_record", ids=[row.id])
    return row


def get_record(*, session: Session, record_id: int) -> ProgressRecord | None:
    return session.get(ProgressRecord, record_id)


def correction_of(*, session: Session, record_id: int) -> ProgressRecord | None:
    """The record that corrects `record_id`, if any."""
    return session.exec(select(ProgressRecord).where(ProgressRecord.corrects == record_id)).first()


def list_records(*, session: Session, item_id: str | None = None) -> list[ProgressRecord]:
    query = select(ProgressRecord).order_by(ProgressRecord.id)
    if item_id is not None:
        query = query.where(ProgressRecord.item_id == item_id)
    return list(session.exec(query))


_COLUMNS = ("id", "item_id", "as_of", "value", "done", "breakdown_key", "corrects", "evidence_for")


def observations(*, session: Session) -> list[Observation]:
    """Every record, as the pure core reads it (streamed from the database in chunks).

    Read with the driver's own cursor, and each raw value converted by the column type's own
    result processor once per distinct value (a check reads millions of rows holding a few
    thousand distinct days and figures): the same values SQLAlchemy's row processing gives. The
    records of one item share one string of its id."""
    conn = session.connection()
    table = ProgressRecord.__table__
    dialect = conn.dialect
    result = conn.exec_driver_sql(f"SELECT {', '.join(_COLUMNS)} FROM progress_record ORDER BY id")
    described = {d[0]: d[1] for d in result.cursor.description}  # the driver's type of each column (PG: its OID)
    day, number, flag = (_cached(table.c[name].type.dialect_impl(dialect).result_processor(dialect, described[name]))
                         for name in ("as_of", "value", "done"))
    ids: dict[str, str] = {}
    one = ids.setdefault  # each item's id held once, not once per record (the driver makes a string per row)
    out: list[Observation] = []
    while rows := result.fetchmany(CHUNK):
        out += [Observation(seq=i, item_id=one(it, it), as_of=day(d), value=number(v), done=flag(dn), key=k,
                            corrects=c, evidence_for=ef)
                for i, it, d, v, dn, k, c, ef in rows]
    return out


def _cached(process):  # noqa: ANN001, ANN202  (a column type's result processor, or None)
    """`process` applied once per distinct raw value (None stays None)."""
    if process is None:
        return lambda raw: raw
    seen: dict = {}

    def convert(raw):  # noqa: ANN001, ANN202
        if raw is None:
            return None
        try:
            return seen[raw]
        except KeyError:
            seen[raw] = value = process(raw)
            return value
        except TypeError:  # an unhashable raw value: converted every time
            return process(raw)
    return convert


def observation_of(r: ProgressRecord) -> Observation:
    return Observation(seq=r.id, item_id=r.item_id, as_of=r.as_of, value=r.value, done=r.done,  # type: ignore[arg-type]
                       key=r.breakdown_key, corrects=r.corrects, evidence_for=r.evidence_for)


def find_batch(*, session: Session, sha256: str) -> ImportBatch | None:
    return session.exec(select(ImportBatch).where(ImportBatch.file_sha256 == sha256)).first()


def append_batch(
    *, session: Session, file_name: str, sha256: str, rows: list[ImportRow], at: datetime,
    on_row=None,  # noqa: ANN001  (a callable advanced once per row, e.g. a progress bar)
    recorded_by: str | None = None,
) -> ImportBatch:
    """All rows of one file, each with its line number, in the caller's transaction.

    Written as multi-row INSERTs of CHUNK rows (ORM objects cost ten times more per row).
    """
    batch = ImportBatch(file_name=file_name, file_sha256=sha256, rows=len(rows), imported_at=at)
    session.add(batch)
    session.flush()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        session.execute(insert(ProgressRecord.__table__), [
            _columns(r.record, evidence_sha256=r.evidence_sha256, recorded_at=at, import_batch_id=batch.id,
                     import_row=r.line, recorded_by=recorded_by) for r in chunk])
        if on_row is not None:
            for _ in chunk:
                on_row()
    trail.append_ids(session=session, table="import_batch", ids=[batch.id])
    trail.append(session=session, table="progress_record", where=ProgressRecord.import_batch_id == batch.id)
    return batch


def batch_of(*, session: Session, batch_id: int) -> ImportBatch | None:
    return session.get(ImportBatch, batch_id)


def version(*, session: Session) -> tuple[int, int]:
    """(number of records, highest id): changes whenever a record is added (they are never changed)."""
    count, top = session.exec(select(func.count(), func.max(ProgressRecord.id))).one()
    return count, top or 0
