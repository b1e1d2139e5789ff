"""Appending and reading progress records. Every function takes the session as a keyword."""

from datetime import datetime, timezone

from sqlmodel import Session, select

from models.tables import ImportBatch, ProgressRecord
from rules.progress import Observation
from rules.records import CheckedRecord


def append_record(
    *, session: Session, record: CheckedRecord, evidence_sha256: str | None = None,
    recorded_at: datetime | None = None,
) -> ProgressRecord:
    row = ProgressRecord(
        item_id=record.item_id,
        as_of=record.as_of,
        value=record.value,
        done=record.done,
        breakdown_key=record.breakdown_key,
        source=record.source,
        reporter=record.reporter,
        evidence=record.evidence,
        evidence_sha256=evidence_sha256,
        recorded_at=recorded_at or datetime.now(timezone.utc),
    )
    session.add(row)
    session.flush()
    return row


def list_records(*, session: Session, item_id: str | None = None) -> list[ProgressRecord]:
    query = select(ProgressRecord).order_by(ProgressRecord.id)
    if item_id is not None:
        query = query.where(ProgressRecord.item_id == item_id)
    return list(session.exec(query))


def observations(*, session: Session) -> list[Observation]:
    """Every record, as the pure core reads it."""
    rows = session.exec(
        select(
            ProgressRecord.id, ProgressRecord.item_id, ProgressRecord.as_of,
            ProgressRecord.value, ProgressRecord.done, ProgressRecord.breakdown_key,
        ).order_by(ProgressRecord.id)
    )
    return [Observation(seq=i, item_id=it, as_of=d, value=v, done=dn, key=k) for i, it, d, v, dn, k in rows]


def find_batch(*, session: Session, sha256: str) -> ImportBatch | None:
    return session.exec(select(ImportBatch).where(ImportBatch.file_sha256 == sha256)).first()


def append_batch(
    *, session: Session, file_name: str, sha256: str,
    records: list[tuple[CheckedRecord, str | None]],
) -> ImportBatch:
    """All rows of one file (each with its evidence hash) in the caller's transaction."""
    now = datetime.now(timezone.utc)
    rows = [
        append_record(session=session, record=r, evidence_sha256=h, recorded_at=now)
        for r, h in records
    ]
    batch = ImportBatch(
        file_name=file_name, file_sha256=sha256, rows=len(rows), imported_at=now,
        first_record_id=rows[0].id if rows else None, last_record_id=rows[-1].id if rows else None,
    )
    session.add(batch)
    session.flush()
    return batch
