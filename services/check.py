"""The compliance check: read records, evaluate, decide escalations, append one whole run to the
evaluation log with its outbox messages, then deliver. `rrf check --direct`, the Prefect flow's
tasks and `rrf outbox --send` call these; the clock is passed in (`clock`).
"""

import hashlib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy.engine import Engine

from rrf.models import audit, escalations, progress
from rrf.models import db as dbm
from rrf.models.db import session_scope
from rrf.models.tables import Notice as NoticeRow
from rrf.models.tables import Outbox
from rrf.notifications.config import NotifyConfig, addresses, recipient
from rrf.notifications.deliver import redact, send_with_retries
from rrf.notifications.render import Message, digest
from rrf import __version__
from rrf.services.context import Clock, Context
from rrf.services.store import readable, writable
from rrf.rules import Decision, LoadedPlan, evaluate
from rrf.rules.escalate import Notice, decide
from rrf.rules.serialize import decision_dict, inputs_to_json
from rrf.rules.vocab import RecipientKey


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    unaddressed: int = 0


@dataclass(frozen=True)
class CheckResult:
    run_id: str | None
    as_of: date
    decisions: list[Decision]
    entries: int
    head_hash: str | None
    notices: list[Notice] = field(default_factory=list)
    messages: dict[RecipientKey, Message] = field(default_factory=dict)
    delivery: Delivery = Delivery()
    missed_days: list[date] = field(default_factory=list)


def evaluation_entries(loaded: LoadedPlan, decisions: list[Decision], notices: list[Notice],
                       evaluated_at: datetime) -> list[audit.NewEntry]:
    """One entry per item: inputs, numbers, status, explanation and whom it was decided to tell."""
    told: dict[str, list[dict]] = defaultdict(list)
    for n in notices:
        told[n.item_id].append({"recipient": str(n.recipient), "level": n.level, "kind": n.kind, "why": n.why})
    return [
        audit.NewEntry(
            kind=audit.EVALUATION, item_id=d.item_id, status=d.status,
            payload={
                "engine_version": __version__,
                "plan_sha256": loaded.sha256,
                "evaluated_at": evaluated_at.isoformat(timespec="microseconds"),
                "decision": decision_dict(loaded.plan.item(d.item_id), d),
                "inputs": inputs_to_json(d.inputs),
                "escalations": told.get(d.item_id, []),
            },
        )
        for d in decisions
    ]


def messages_for(loaded: LoadedPlan, decisions: list[Decision], notices: list[Notice], config: NotifyConfig,
                 as_of: date) -> dict[RecipientKey, Message]:
    """One digest per recipient, listing all their items."""
    by_id = {d.item_id: d for d in decisions}
    grouped: dict[RecipientKey, list[Notice]] = defaultdict(list)
    for n in notices:
        grouped[n.recipient].append(n)
    return {key: digest(recipient(key, loaded.plan, config), ns, by_id, loaded.plan, as_of)
            for key, ns in grouped.items()}


def run_check(*, loaded: LoadedPlan, engine: Engine, as_of: date, clock: Clock, dry_run: bool = False,
              config: NotifyConfig = NotifyConfig(), sleep: Callable[[float], None] = time.sleep,
              deliver: bool = True, expect_daily: bool = False) -> CheckResult:
    """Evaluate as of `as_of`, decide who is told what, and (unless `dry_run`) log it all in one
    transaction, then (if `deliver`) deliver every pending message. With `expect_daily` (a
    scheduled check), days since the previous check on which none ran are reported as missed.

    If anything fails after the run began, a failed run is logged in a transaction of its own
    and the error is raised again; an interrupted process leaves nothing half-written.
    """
    started = clock()
    run_id = uuid.uuid4().hex
    if dry_run:
        with session_scope(engine) as session:
            decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
            sent, acks = escalations.history(session=session)
        notices = decide(loaded.plan, decisions, sent, acks, as_of)
        return CheckResult(None, as_of, decisions, 0, None, notices,
                           messages_for(loaded, decisions, notices, config, as_of))
    try:
        with session_scope(engine) as session:
            audit.lock_chain(session=session)  # concurrent checks: one after the other, whole
            decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
            sent, acks = escalations.history(session=session)
            notices = decide(loaded.plan, decisions, sent, acks, as_of)
            messages = messages_for(loaded, decisions, notices, config, as_of)
            missed = missed_days(audit.last_checked_day(session=session, before=as_of), as_of) if expect_daily else []
            finished = clock()
            audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=finished)
            entries = evaluation_entries(loaded, decisions, notices, finished)
            run = audit.append_run(
                session=session, run_id=run_id, as_of=as_of, started_at=started, finished_at=finished,
                outcome="finished", plan_sha256=loaded.sha256, engine_version=__version__, entries=entries,
                extra={"statuses": _counts(decisions), "messages": len(messages),
                       "missed_days": [d.isoformat() for d in missed]},
            )
            _write_outbox(session, run_id, as_of, finished, notices, messages)
    except Exception as exc:
        _log_failure(engine, run_id, as_of, started, loaded, exc, clock)
        raise
    delivery = deliver_pending(engine=engine, loaded=loaded, config=config, clock=clock, sleep=sleep) if deliver else Delivery()
    return CheckResult(run.id, as_of, decisions, len(entries), run.head_hash, notices, messages, delivery, missed)


def missed_days(previous: date | None, day: date) -> list[date]:
    """The days strictly between the previous check and this one: a daily schedule missed them."""
    if previous is None:
        return []
    return [date.fromordinal(n) for n in range(previous.toordinal() + 1, day.toordinal())]


def _write_outbox(session, run_id: str, as_of: date, at: datetime, notices: list[Notice],  # noqa: ANN001
                  messages: dict[RecipientKey, Message]) -> None:
    ids: dict[RecipientKey, int | None] = {}
    for key, m in messages.items():
        fingerprint = hashlib.sha256(f"{m.subject}\n{m.body}".encode("utf-8")).hexdigest()[:16]
        row = escalations.add_outbox(session=session, message=Outbox(
            run_id=run_id, created_at=at, recipient=str(key), language=m.language,
            level=m.level, subject=m.subject, body=m.body, items=",".join(m.items),
            dedup_key=f"{key}|{as_of.isoformat()}|{fingerprint}"))
        ids[key] = row.id if row else None
    escalations.add_notices(session=session, notices=[
        NoticeRow(run_id=run_id, day=as_of, item_id=n.item_id, recipient=str(n.recipient), level=n.level, kind=n.kind,
                  status=n.status, why=n.why, outbox_id=ids.get(n.recipient))
        for n in notices
    ])


def deliver_pending(*, engine: Engine, loaded: LoadedPlan, config: NotifyConfig, clock: Clock,
                    sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send every pending message whose recipient has an address; each attempt is recorded.
    A message that fails stays pending and is tried again by the next run."""
    with session_scope(engine) as session:
        waiting = [(m.id, RecipientKey.parse(m.recipient), m.subject, m.body) for m in escalations.pending(session=session)]
    sent = failed = unaddressed = 0
    for message_id, key, subject, body in waiting:
        urls = addresses(key, loaded.plan, config)
        if not urls:
            unaddressed += 1
            continue
        with session_scope(engine) as session:  # another process may be delivering it right now
            claimed = escalations.claim(session=session, message_id=message_id, at=clock())
        if not claimed:
            continue
        ok, error, tries = send_with_retries(urls, subject, body, config.delivery.attempts,
                                             config.delivery.backoff_seconds, sleep=sleep)
        with session_scope(engine) as session:
            escalations.mark_attempt(session=session, message_id=message_id, at=clock(), ok=ok, error=error,
                                     tries=tries)
        sent, failed = sent + ok, failed + (not ok)
    return Delivery(sent, failed, unaddressed)


def _log_failure(engine: Engine, run_id: str, as_of: date, started: datetime, loaded: LoadedPlan,
                 exc: Exception, clock: Clock) -> None:
    error = redact(f"{type(exc).__name__}: {exc}")[:2000]
    with session_scope(engine) as session:
        audit.lock_chain(session=session)
        finished = clock()
        audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=finished)
        audit.append_run(
            session=session, run_id=run_id, as_of=as_of, started_at=started, finished_at=finished,
            outcome="failed", plan_sha256=loaded.sha256, engine_version=__version__, entries=[], error=error,
        )


def _counts(decisions: list[Decision]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return counts


def check(ctx: Context, *, as_of: date, dry_run: bool = False, deliver: bool = True,
          expect_daily: bool = False) -> CheckResult:
    """The whole check in this process: `rrf check --direct` and `--dry-run`, and the flow's task
    (which delivers in a task of its own). A dry run on a store that does not exist yet reads
    an empty one and creates nothing."""
    engine = readable(ctx.url) if dry_run else writable(ctx.url)
    if engine is None:
        engine = dbm.open_engine("sqlite://")
        dbm.upgrade(engine)
    try:
        return run_check(loaded=ctx.loaded, engine=engine, as_of=as_of, clock=ctx.clock, dry_run=dry_run,
                         config=ctx.notify, deliver=deliver, expect_daily=expect_daily)
    finally:
        engine.dispose()


def deliver(ctx: Context, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Deliver every pending message now (`rrf outbox --send`, the flow's delivery task)."""
    engine = readable(ctx.url, writer=True)  # it claims and marks messages
    if engine is None:  # no store yet: nothing was ever decided
        return Delivery()
    try:
        return deliver_pending(engine=engine, loaded=ctx.loaded, config=ctx.notify, clock=ctx.clock, sleep=sleep)
    finally:
        engine.dispose()


def refuse_bad_input(ctx: Context) -> None:
    """Read the plan, the notification configuration and the database URL now, so that a flow
    run (which reads them again in its own process) is not started on bad input."""
    ctx.loaded, ctx.notify  # noqa: B018  (loaded and checked once; raise RrfError when bad)
    dbm.open_engine(ctx.url).dispose()
