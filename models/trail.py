"""The trail: a second hash chain, over the rows that decide who is told what.

Every progress record (and correction), import file, notice, acknowledgement, waiver and outbox
message gets one trail entry when it is inserted, in the same transaction: the table, the row's
id and the canonical JSON of the row as the database stored it (`row`), its predecessor's hash
and its own, sha256(prev_hash + canonical JSON of {seq, table, id, row}). `rrf audit verify`
then finds a row that was changed, deleted, or inserted behind the engine's back (models.verify).

An outbox message changes while it is delivered: only the columns that say what is sent to whom
are in its entry (MUTABLE lists the others). A column that a later migration adds is absent from
the entries of older rows, which must then hold NULL there.

The format of an entry (`row_json`, `link_hash`) is history: migration 0008 wrote entries with
it, and every entry ever written is checked with it, so it must never change.
"""

import hashlib
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterator, Mapping

from sqlalchemy import ColumnElement, Table, func, insert
from sqlmodel import Session, col, select

from rrf.models.audit import GENESIS, canonical
from rrf.models.tables import (Acknowledgement, AuditEntry, ImportBatch, Notice, Outbox, ProgressRecord, TrailEntry,
                               Waiver)

LOCK = 726176  # the evaluation log's is 726175 (models.audit): a check may hold both, in that order
CHUNK = 5_000
MUTABLE = {"outbox": frozenset({"status", "attempts", "last_attempt_at", "last_error", "sent_at", "superseded_by"})}
TABLES: dict[str, Table] = {m.__tablename__: m.__table__ for m in (  # type: ignore[attr-defined]
    ImportBatch, ProgressRecord, Outbox, Notice, Acknowledgement, Waiver)}


def value_json(v: Any) -> Any:
    """A column's value as the trail writes it: dates ISO, times in UTC to the microsecond
    (a time without a zone is UTC), decimals as plain text without trailing zeros."""
    if isinstance(v, datetime):
        v = v if v.tzinfo else v.replace(tzinfo=timezone.utc)
        return v.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    return v


def row_json(table: str, row: Mapping[str, Any]) -> str:
    """The canonical JSON of a row of `table`, without the columns delivery changes."""
    kept = {k: value_json(v) for k, v in row.items() if k not in MUTABLE.get(table, ())}
    return canonical(kept)


def link_hash(prev_hash: str, seq: int, table: str, row_id: int, row: str) -> str:
    body = canonical({"seq": seq, "table": table, "id": row_id, "row": row})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def lock(*, session: Session) -> None:
    """One appender at a time until the transaction ends (on SQLite the writer's BEGIN
    IMMEDIATE already holds the lock), so two processes never fork the trail."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(func.pg_advisory_xact_lock(LOCK)))


def head(*, session: Session) -> TrailEntry | None:
    return session.exec(select(TrailEntry).order_by(col(TrailEntry.seq).desc()).limit(1)).first()


def append(*, session: Session, table: str, where: ColumnElement[bool]) -> int:
    """Append an entry for every row of `table` that `where` selects (rows of the caller's
    transaction, in id order), read back as the database stored them; the number appended."""
    lock(session=session)
    last = head(session=session)
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    t = TABLES[table]
    rows = []
    for row in session.execute(select(t).where(where).order_by(t.c.id)).mappings():
        seq += 1
        text = row_json(table, row)
        entry = {"seq": seq, "table_name": table, "row_id": row["id"], "row": text, "prev_hash": prev}
        entry["hash"] = prev = link_hash(prev, seq, table, row["id"], text)
        rows.append(entry)
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(TrailEntry.__table__), rows[start:start + CHUNK])
    return len(rows)


def append_ids(*, session: Session, table: str, ids: list[int]) -> int:
    """Append the rows of `table` with these ids (just inserted in the caller's transaction)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return 0
    return append(session=session, table=table, where=TABLES[table].c.id.in_(ids))


def iter_entries(*, session: Session) -> Iterator[Any]:
    """Every entry in chain order, read in batches (CHUNK entries; one held at a time), as
    rows with the entry's columns (lighter than ORM objects: the trail grows with every record)."""
    after = 0
    columns = (TrailEntry.seq, TrailEntry.table_name, TrailEntry.row_id, TrailEntry.row, TrailEntry.prev_hash,
               TrailEntry.hash)
    while True:
        rows = list(session.exec(select(*columns).where(TrailEntry.seq > after).order_by(TrailEntry.seq)
                                 .limit(CHUNK)))
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        del rows


def iter_entered(*, session: Session, table: str) -> Iterator[Any]:
    """The entries of `table`'s rows as (row id, seq, row), by row id, read in batches (CHUNK;
    one held at a time). A row is entered once (see `first_reentry`)."""
    after = None
    query = (select(TrailEntry.row_id, TrailEntry.seq, TrailEntry.row).where(TrailEntry.table_name == table)
             .order_by(TrailEntry.row_id).limit(CHUNK))
    while True:
        rows = session.exec(query if after is None else query.where(TrailEntry.row_id > after)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]
        del rows


def first_reentry(*, session: Session) -> int | None:
    """The first entry, in chain order, that enters a row an earlier entry entered already (None:
    every row is entered once), asked of the database so that a walk keeps no entry."""
    t = TrailEntry
    twice = (select(t.table_name, t.row_id, func.min(t.seq).label("first")).group_by(t.table_name, t.row_id)
             .having(func.count() > 1).subquery())
    return session.exec(select(func.min(t.seq)).join(twice, (t.table_name == twice.c.table_name)
                                                     & (t.row_id == twice.c.row_id) & (t.seq > twice.c.first))).one()


def iter_rows(*, session: Session, table: str) -> Iterator[Mapping[str, Any]]:
    """Every row of a trailed table, in id order, as the database holds it now."""
    t = TABLES[table]
    yield from session.execute(select(t).order_by(t.c.id).execution_options(yield_per=CHUNK)).mappings()


def hash_at(*, session: Session, seq: int) -> str | None:
    """The hash of trail entry `seq` (None: there is no such entry)."""
    return session.exec(select(TrailEntry.hash).where(TrailEntry.seq == seq)).first()


def row_at(*, session: Session, seq: int) -> str:
    """The row text that trail entry `seq` holds."""
    return session.exec(select(TrailEntry.row).where(TrailEntry.seq == seq)).one()


def log_hash_at(*, session: Session, seq: int) -> str | None:
    """The hash of evaluation-log entry `seq` (None: there is no such entry)."""
    return session.exec(select(AuditEntry.hash).where(AuditEntry.seq == seq)).first()


Head = tuple[int, str, int]  # (the last entry's number, its hash, the number of entries)


def heads(*, session: Session) -> tuple[Head, Head]:
    """The heads of the evaluation log and of the trail, as a checkpoint signs them."""
    log_last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    log_count = session.exec(select(func.count()).select_from(AuditEntry)).one()
    trail_last = head(session=session)
    trail_count = session.exec(select(func.count()).select_from(TrailEntry)).one()
    return ((log_last.seq, log_last.hash, log_count) if log_last else (0, GENESIS, 0),
            (trail_last.seq, trail_last.hash, trail_count) if trail_last else (0, GENESIS, 0))
