"""The auditors' evaluation log: a hash chain of entries, written one whole run at a time.

Each entry's hash is sha256(previous hash + canonical JSON of the entry), so a change,
deletion, insertion or reordering of any entry breaks the chain from there on. Every run
ends with an entry of kind "run" that repeats its audit_run row; the row names its first
and last entry. Every function takes the session as a keyword.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from rrf.models.tables import AuditEntry, AuditRun, PlanText

GENESIS = "0" * 64
RUN = "run"
EVALUATION = "evaluation"


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode  # made once


def canonical(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: json.dumps with these options, without making its
    encoder again for every call (a run encodes two strings per entry)."""
    return _ENCODE(obj)


def stamp(t: datetime) -> str:
    """A time as an entry's hash holds it (UTC, to the microsecond)."""
    return t.astimezone(timezone.utc).isoformat(timespec="microseconds")


_HASHED = ("seq", "run_id", "kind", "item_id", "status", "as_of", "created_at", "payload", "prev_hash")


def entry_hash(e: AuditEntry | dict[str, Any]) -> str:
    """The hash an entry must carry, from its own columns (the payload byte for byte, as written
    in canonical JSON) and its predecessor's hash; `e` is a row or a dict of its columns."""
    c = e if isinstance(e, dict) else {k: getattr(e, k) for k in _HASHED}
    return hash_of(c["prev_hash"], c["seq"], c["run_id"], c["kind"], c["item_id"], c["status"],
                   c["as_of"].isoformat(), stamp(c["created_at"]), c["payload"])


def hash_of(prev_hash: str, seq: int, run_id: str, kind: str, item_id: str | None, status: str | None,
            as_of: str, at: str, payload: str) -> str:
    """The hash of an entry from its columns, its day and time already as the hash holds them
    (`as_of.isoformat()`, `stamp(created_at)`): a run's writer and a walk over the whole log format
    each day and time once for all the entries of a run, not once per entry (entry_hash formats them)."""
    body = {"seq": seq, "run": run_id, "kind": kind, "item": item_id, "status": status, "as_of": as_of, "at": at,
            "data": payload}
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    kind: str
    item_id: str | None
    status: str | None
    payload: dict[str, Any]


def run_summary(run: AuditRun) -> dict[str, Any]:
    """What the closing entry of a run says about it (compared with the row by `verify`)."""
    return {
        "as_of": run.as_of.isoformat(), "started_at": stamp(run.started_at),
        "finished_at": stamp(run.finished_at), "outcome": run.outcome, "plan_sha256": run.plan_sha256,
        "engine_version": run.engine_version, "entries": run.entries, "first_seq": run.first_seq,
        "error": run.error,
    }


def lock_chain(*, session: Session) -> None:
    """One writer of the log at a time, until the transaction ends (on SQLite the writer's
    BEGIN IMMEDIATE already holds the lock). Take it before reading what the run depends on."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(func.pg_advisory_xact_lock(726175)))


def store_plan_text(*, session: Session, sha256: str, text: str, at: datetime) -> None:
    if session.get(PlanText, sha256) is None:
        session.add(PlanText(sha256=sha256, text=text, stored_at=at))
        session.flush()


CHUNK = 5_000  # entries built, hashed and inserted at a time: a large run never holds them all


def append_run(
    *, session: Session, run_id: str, as_of: date, started_at: datetime, finished_at: datetime,
    outcome: str, plan_sha256: str | None, engine_version: str, entries: Iterable[NewEntry], count: int | None = None,
    error: str | None = None, extra: dict[str, Any] | None = None,
) -> AuditRun:
    """Append a whole run (its entries and its closing entry) to the chain, in the caller's
    transaction. `entries` may be a generator (then `count` says how many it yields): they are
    built, hashed and inserted CHUNK at a time, so a run of 100 000 items never holds all its
    payloads at once."""
    lock_chain(session=session)
    if count is None:
        entries = list(entries)
        count = len(entries)
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    run = AuditRun(
        id=run_id, as_of=as_of, started_at=started_at, finished_at=finished_at, outcome=outcome,
        plan_sha256=plan_sha256, engine_version=engine_version, entries=count,
        first_seq=seq + 1, last_seq=seq + count + 1, head_hash="", error=error,
    )
    written = 0
    rows: list[dict[str, Any]] = []  # plain dicts, multi-row INSERTs: ORM objects cost more than the rest of the run
    table = AuditEntry.__table__
    day, at = as_of.isoformat(), stamp(finished_at)  # as every entry's hash holds them, formatted once
    for e in entries:
        seq += 1
        written += 1
        payload = canonical(e.payload)
        linked = hash_of(prev, seq, run_id, e.kind, e.item_id, e.status, day, at, payload)
        rows.append({"seq": seq, "run_id": run_id, "kind": e.kind, "item_id": e.item_id, "status": e.status,
                     "as_of": as_of, "created_at": finished_at, "payload": payload, "prev_hash": prev, "hash": linked})
        prev = linked
        if len(rows) == CHUNK:
            session.execute(insert(table), rows)
            rows = []
    if written != count:
        raise ValueError(f"the run was to log {count} entries, not {written}")
    closing = NewEntry(RUN, None, outcome, {**run_summary(run), **(extra or {})})
    seq += 1
    row = {"seq": seq, "run_id": run_id, "kind": closing.kind, "item_id": None, "status": closing.status,
           "as_of": as_of, "created_at": finished_at, "payload": canonical(closing.payload), "prev_hash": prev}
    row["hash"] = prev = entry_hash(row)
    rows.append(row)
    run.head_hash = prev
    session.execute(insert(table), rows)
    session.add(run)
    session.flush()
    return run


def latest_check(*, session: Session) -> tuple[date | None, datetime | None]:
    """The latest as-of day of a check that finished, and the latest start of one (UTC)."""
    day, started = session.exec(
        select(func.max(AuditRun.as_of), func.max(AuditRun.started_at)).where(AuditRun.outcome == "finished")
    ).one()
    if started is not None and started.tzinfo is None:  # stored without its zone: it was UTC
        started = started.replace(tzinfo=timezone.utc)
    return day, started


def failed_runs_since(*, session: Session, since: datetime) -> list[AuditRun]:
    """The runs that failed and started after `since`, oldest first."""
    return list(session.exec(select(AuditRun).where(AuditRun.outcome == "failed", AuditRun.started_at > since)
                             .order_by(col(AuditRun.started_at))))


def chain_head(*, session: Session) -> AuditEntry | None:
    return session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()


BATCH = 2000  # entries read at once by a walk over the log
COLUMNS = (AuditEntry.seq, AuditEntry.run_id, AuditEntry.kind, AuditEntry.item_id, AuditEntry.status,
           AuditEntry.as_of, AuditEntry.created_at, AuditEntry.payload, AuditEntry.prev_hash, AuditEntry.hash)


def iter_columns(*, session: Session) -> Iterator[Any]:
    """Every entry in chain order as a plain row of its columns, in the order of COLUMNS (seq,
    run_id, kind, item_id, status, as_of, created_at, payload, prev_hash, hash), read in batches
    of BATCH: lighter than ORM objects, for walks over the whole log (`rrf audit
    verify`). One batch is held at a time: the last is let go before the next is read."""
    after = 0
    query = select(*COLUMNS).order_by(AuditEntry.seq).limit(BATCH)
    while True:
        rows = session.connection().execute(query.where(AuditEntry.seq > after)).all()  # Core: no ORM loading
        if not rows:
            return
        yield from rows
        after = rows[-1][0]
        del rows


def runs(*, session: Session) -> dict[str, AuditRun]:
    return {r.id: r for r in session.exec(select(AuditRun))}


def plan_text(*, session: Session, sha256: str) -> PlanText | None:
    return session.get(PlanText, sha256)


def plan_shas(*, session: Session) -> list[str]:
    """The SHA-256 every stored plan text is kept under (their texts are not read)."""
    return list(session.exec(select(PlanText.sha256).order_by(PlanText.sha256)))


def get_entry(*, session: Session, seq: int) -> AuditEntry | None:
    return session.get(AuditEntry, seq)


def find_entries(
    *, session: Session, item_id: str | None = None, run_id: str | None = None, status: str | None = None,
    since: date | None = None, until: date | None = None, kind: str | None = EVALUATION, limit: int | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc() if newest_first else AuditEntry.seq)
    if kind is not None:
        query = query.where(AuditEntry.kind == kind)
    if item_id is not None:
        query = query.where(AuditEntry.item_id == item_id)
    if run_id is not None:
        query = query.where(col(AuditEntry.run_id).startswith(run_id))
    if status is not None:
        query = query.where(AuditEntry.status == status)
    if since is not None:
        query = query.where(AuditEntry.as_of >= since)
    if until is not None:
        query = query.where(AuditEntry.as_of <= until)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def last_run(*, session: Session) -> AuditRun | None:
    return session.exec(select(AuditRun).order_by(col(AuditRun.finished_at).desc()).limit(1)).first()
