"""The compliance check: read records, evaluate, decide escalations, append one whole run to the
evaluation log with its outbox messages, write every institution's report, then deliver.
`rrf check --direct`, the Prefect flow's tasks and `rrf outbox --send` call these; the clock is
passed in (`clock`).
"""

import gc
import hashlib
import logging
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy.engine import Engine

from rrf.models import audit, escalations, progress
from rrf.models import db as dbm
from rrf.models.db import session_scope
from rrf.models.tables import Notice as NoticeRow
from rrf.models.tables import Outbox
from rrf.notifications.config import NotifyConfig, addresses, recipient
from rrf.notifications.deliver import Attachment, redact, send_with_retries
from rrf.notifications.render import Message, digest, missed_checks
from rrf import __version__
from rrf.services import checkpoint, report
from rrf.services.context import Clock, Context
from rrf.services.store import existing_store, readable, writable
from rrf.services.waiver import as_dicts as waiver_dicts
from rrf.rules import Decision, LoadedPlan, evaluate
from rrf.rules.escalate import Notice, Waiver, decide
from rrf.rules.amend import in_force
from rrf.rules.exposure import exposure, request_dict, with_exposure
from rrf.rules.serialize import decision_dict, inputs_to_json
from rrf.rules.errors import RrfError
from rrf.rules.plan import Plan
from rrf.rules.schedule import Missed, Schedule, missed_runs
from rrf.rules.vocab import COORDINATOR, RecipientKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    unaddressed: int = 0
    unattached: int = 0  # sent without their institution report: its file was not there


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
    missed: Missed | None = None  # scheduled runs on which no check ran (a scheduled check)
    backdated_after: date | None = None  # a forced check for a day before the latest check's: nobody told
    reports: list[report.Report] = field(default_factory=list)  # written by this check
    report_error: str | None = None  # why the reports were not (all) written; the run stands


def evaluation_entries(loaded: LoadedPlan, decisions: list[Decision], notices: list[Notice],
                       evaluated_at: datetime, waivers: Iterable[Waiver] = ()) -> Iterator[audit.NewEntry]:
    """One entry per item, made as the log takes it (a generator: a large run never holds every
    payload at once): inputs, numbers, status, explanation and whom it was decided to tell; and
    the item's waivers in force (`waivers`), only when it has any, so that an entry without
    waivers reads (and hashes) as before there were waivers."""
    told: dict[str, list[dict]] = defaultdict(list)
    for n in notices:
        told[n.item_id].append({"recipient": str(n.recipient), "level": n.level, "kind": n.kind, "why": n.why})
    waived: dict[str, list[Waiver]] = defaultdict(list)
    for w in waivers:
        waived[w.item_id].append(w)
    stamp = evaluated_at.isoformat(timespec="microseconds")
    for d in decisions:
        yield audit.NewEntry(
            kind=audit.EVALUATION, item_id=d.item_id, status=d.status,
            payload={
                "engine_version": __version__,
                "plan_sha256": loaded.sha256,
                "evaluated_at": stamp,
                "decision": with_exposure(decision_dict(d.item, d), loaded.plan, d),
                "inputs": inputs_to_json(d.inputs),
                "escalations": told.get(d.item_id, []),
                **({"waivers": waiver_dicts(waived[d.item_id])} if waived.get(d.item_id) else {}),
            },
        )


def institution_of(key: RecipientKey, plan: Plan) -> str | None:
    """The institution a recipient works for: a role's (`role:<role>@<institution>`), or the
    contact's `institution` in the plan; None for a contact without one."""
    if key.is_role:
        return key.institution
    contact = plan.contacts.get(key.name)
    return contact.institution if contact else None


def report_for(key: RecipientKey, plan: Plan) -> str | None:
    """The institution whose report goes with a recipient's digest, when a check writes one."""
    institution = institution_of(key, plan)
    return institution if institution and report.has_report(plan, institution) else None


def messages_for(loaded: LoadedPlan, decisions: list[Decision], notices: list[Notice], config: NotifyConfig,
                 as_of: date, *, portal_url: str | None = None, attach: bool = False) -> dict[RecipientKey, Message]:
    """One digest per recipient, listing all their items. With `portal_url` each links to the
    portal; with `attach` (no portal to link to) each carries the recipient's institution report."""
    by_id = {d.item_id: d for d in decisions}
    grouped: dict[RecipientKey, list[Notice]] = defaultdict(list)
    for n in notices:
        grouped[n.recipient].append(n)
    return {key: digest(recipient(key, loaded.plan, config), ns, by_id, loaded.plan, as_of, portal_url=portal_url,
                        report=report_for(key, loaded.plan) if attach else None)
            for key, ns in grouped.items()}


def run_check(*, loaded: LoadedPlan, engine: Engine, as_of: date, clock: Clock, dry_run: bool = False,
              config: NotifyConfig = NotifyConfig(), sleep: Callable[[float], None] = time.sleep,
              deliver: bool = True, schedule: Schedule | None = None, portal_url: str | None = None,
              attach: bool = False, reports_dir: Path | None = None, backdate: bool = False) -> CheckResult:
    """Evaluate as of `as_of`, decide who is told what, and (unless `dry_run`) log it all in one
    transaction, then (if `deliver`) deliver every pending message. With a `schedule` (a
    scheduled check), the schedule's fire times since the previous check on which none ran are
    reported as missed, and the coordinator is sent one message about them.

    A check for a day before the latest logged check's day (backdated) is refused
    (BackdatedCheck), unless `backdate`: then it is evaluated and logged, marked as backdated,
    and nobody is told anything (its notices would answer a later day's as if it had not been).
    `portal_url` and `attach` shape the digests (see messages_for); an attached report is read
    from `reports_dir` when the message is delivered.

    If anything fails after the run began, a failed run is logged in a transaction of its own
    and the error is raised again; an interrupted process leaves nothing half-written.
    """
    started = clock()
    run_id = uuid.uuid4().hex
    if dry_run:  # what a logged check would do: for a day before the latest check's, tell nobody
        with session_scope(engine) as session:
            backdated = _backdated(as_of, audit.latest_check(session=session)[0], allowed=True)
            decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
            sent, acks = escalations.history(session=session)
            waivers = escalations.waivers(session=session, day=as_of)
        notices = [] if backdated else decide(loaded.plan, decisions, sent, acks, as_of, waivers)
        return CheckResult(None, as_of, decisions, 0, None, notices,
                           messages_for(loaded, decisions, notices, config, as_of, portal_url=portal_url,
                                        attach=attach), backdated_after=backdated)
    try:
        with session_scope(engine) as session:
            audit.lock_chain(session=session)  # concurrent checks: one after the other, whole
            latest_day, latest_start = audit.latest_check(session=session)
            backdated = _backdated(as_of, latest_day, allowed=backdate)
            with quiet_gc():  # millions of long-lived records: the collector would rescan them again and again
                decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
            sent, acks = escalations.history(session=session)
            waivers = escalations.waivers(session=session, day=as_of)
            notices = [] if backdated else decide(loaded.plan, decisions, sent, acks, as_of, waivers)
            messages = messages_for(loaded, decisions, notices, config, as_of, portal_url=portal_url, attach=attach)
            missed = missed_runs(schedule, latest_start, started) if schedule else None
            if missed:
                failed = audit.failed_runs_since(session=session, since=latest_start)  # type: ignore[arg-type]
                messages[COORDINATOR] = missed_checks(recipient(COORDINATOR, loaded.plan, config), missed, as_of,
                                                      (len(failed), failed[-1].error or "") if failed else None)
            finished = clock()
            audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=finished)
            entries = evaluation_entries(loaded, decisions, notices, finished, waivers)
            with quiet_gc():
                run = audit.append_run(
                    session=session, run_id=run_id, as_of=as_of, started_at=started, finished_at=finished,
                    outcome="finished", plan_sha256=loaded.sha256, engine_version=__version__, entries=entries,
                    count=len(decisions),
                    extra={"statuses": _counts(decisions), "messages": len(messages),
                           **_versions(loaded.plan, as_of, decisions),
                           **({"missed_runs": missed.as_dict()} if missed else {}),
                           **({"backdated_after": backdated.isoformat()} if backdated else {})},
                )
            _write_outbox(session, run_id, as_of, finished, notices, messages)
    except BackdatedCheck:
        raise  # refused before anything was read or written: not a failed run
    except Exception as exc:
        _log_failure(engine, run_id, as_of, started, loaded, exc, clock)
        raise
    delivery = (deliver_pending(engine=engine, loaded=loaded, config=config, clock=clock, sleep=sleep,
                                reports_dir=reports_dir) if deliver else Delivery())
    return CheckResult(run.id, as_of, decisions, run.entries, run.head_hash, notices, messages, delivery, missed,
                       backdated_after=backdated)


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a hot loop: what is alive on entry (the plan, the
    records) is frozen out of its scans, and collections wait for the loop's end. Nothing the loop
    makes is cyclic garbage that must go sooner (its objects live until the run ends). A collector
    that was off on entry stays off."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def _backdated(as_of: date, latest: date | None, *, allowed: bool) -> date | None:
    """The latest logged check's day when `as_of` is before it (BackdatedCheck unless `allowed`)."""
    if latest is None or as_of >= latest:
        return None
    if not allowed:
        raise BackdatedCheck(as_of, latest)
    return latest


def refuse_future(as_of: date, today: date) -> None:
    """Refuse (FutureCheck) to log a check for a day after today: its log cannot be undone, and
    every later check for a real day would then be refused as backdated."""
    if as_of > today:
        raise FutureCheck(as_of, today)


class FutureCheck(RrfError):
    """A logged check for a day after today (a mistyped year, most often)."""

    def __init__(self, as_of: date, today: date) -> None:
        super().__init__(f"--as-of {as_of.isoformat()} is after today ({today.isoformat()} in Riga): a logged "
                         "check cannot be undone, and every check for a real day after it would be refused")
        self.closing = "Nothing was written. To see where things would stand that day: rrf check --dry-run --as-of DAY."


class BackdatedCheck(RrfError):
    """A check for a day before the latest logged check's day, without `--backdate`."""

    def __init__(self, as_of: date, latest: date) -> None:
        self.as_of, self.latest = as_of, latest
        super().__init__(f"--as-of {as_of.isoformat()} is before the day of the latest logged check "
                         f"({latest.isoformat()}): a check for an earlier day would tell people things that "
                         "later checks have already told them otherwise")
        self.closing = ("Nothing was written. To see that day: rrf check --dry-run --as-of DAY, or rrf audit replay; "
                        "to log it anyway without telling anyone: --backdate.")


def _write_outbox(session, run_id: str, as_of: date, at: datetime, notices: list[Notice],  # noqa: ANN001
                  messages: dict[RecipientKey, Message]) -> None:
    ids: dict[RecipientKey, int | None] = {}
    for key, m in messages.items():
        fingerprint = hashlib.sha256(f"{m.subject}\n{m.body}".encode("utf-8")).hexdigest()[:16]
        row = escalations.add_outbox(session=session, message=Outbox(
            run_id=run_id, created_at=at, recipient=str(key), language=m.language,
            level=m.level, subject=m.subject, body=m.body, items=",".join(m.items),
            attachment=report.relative_path(m.report, m.language, as_of) if m.report else None,
            dedup_key=f"{key}|{as_of.isoformat()}|{fingerprint}"))
        ids[key] = row.id if row else None
    escalations.add_notices(session=session, notices=[
        NoticeRow(run_id=run_id, day=as_of, item_id=n.item_id, recipient=str(n.recipient), level=n.level, kind=n.kind,
                  status=n.status, why=n.why, outbox_id=ids.get(n.recipient))
        for n in notices
    ])


def deliver_pending(*, engine: Engine, loaded: LoadedPlan, config: NotifyConfig, clock: Clock,
                    sleep: Callable[[float], None] = time.sleep, reports_dir: Path | None = None) -> Delivery:
    """Send every pending message whose recipient has an address; each attempt is recorded.
    A message goes to each channel of its recipient (e-mail, each of its URLs) once: each channel
    that accepts it is recorded at once, and a later attempt or run sends only to the others. A
    message that some channel has not accepted stays pending and is tried again by the next run.

    A message decided with an institution report attaches the file from `reports_dir`. When the
    file is not there (the check could not write it, or the folder was cleared), the message goes
    out without it: an escalation is not held back for its attachment (counted as `unattached`).

    A message no channel has received, to a recipient who has a newer one waiting that covers
    every item of it, is superseded by that one and not sent (`superseded`): a recipient whose
    address came late, or whose server was down for weeks, gets the current figures once."""
    with session_scope(engine) as session:
        rows = escalations.pending(session=session)
        reached_any = escalations.delivered(session=session, message_ids=[m.id for m in rows if m.id is not None])
        stale = {old: new for old, new in superseded(rows, set(reached_any)).items()
                 if escalations.supersede(session=session, message_id=old, by=new)}
        waiting = [(m.id, RecipientKey.parse(m.recipient), m.subject, m.body, m.attachment)
                   for m in rows if m.id not in stale]
    sent = failed = unaddressed = unattached = 0
    for message_id, key, subject, body, attachment in waiting:
        urls = addresses(key, loaded.plan, config)
        if not urls:
            unaddressed += 1
            continue
        with session_scope(engine) as session:  # another process may be delivering it right now
            claimed = escalations.claim(session=session, message_id=message_id, at=clock(),
                                        lease_seconds=config.delivery.lease_seconds)
            reached = escalations.delivered(session=session, message_ids=[message_id]).get(message_id, [])
        if not claimed:
            continue
        left = {channel: url for channel, url in urls.items() if channel not in reached}
        attach = _attachment(reports_dir, attachment)
        if attachment and attach is None:
            log.warning("message %s goes out without its report %s: no such file", message_id, attachment)
            unattached += 1
        ok, error, tries = send_with_retries(left, subject, body, config.delivery.attempts,
                                             config.delivery.backoff_seconds, sleep=sleep, attachment=attach,
                                             reached=partial(_reached, engine, clock, message_id))
        with session_scope(engine) as session:
            escalations.mark_attempt(session=session, message_id=message_id, at=clock(), ok=ok, error=error,
                                     tries=tries)
        sent, failed = sent + ok, failed + (not ok)
    return Delivery(sent, failed, unaddressed, unattached)


def superseded(rows: list[Outbox], reached: set[int]) -> dict[int, int]:
    """{older message: the newer one that supersedes it} among waiting messages: to the same
    recipient, about items (not a message without any, such as the coordinator's), each item of the
    older one in the newer one, the older one still pending (not being sent) and received by no
    channel."""
    newest: dict[str, Outbox] = {}
    for m in rows:  # oldest first
        if m.items:
            newest[m.recipient] = m
    out: dict[int, int] = {}
    for m in rows:
        latest = newest.get(m.recipient)
        if (latest is not None and m.id != latest.id and m.items and m.status == "pending" and m.id not in reached
                and set(m.items.split(",")) <= set(latest.items.split(","))):
            out[m.id] = latest.id  # type: ignore[index, assignment]  (stored rows have their ids)
    return out


def _reached(engine: Engine, clock: Clock, message_id: int, channel: str) -> None:
    """Record, in a transaction of its own, that a channel accepted the message."""
    with session_scope(engine) as session:
        escalations.add_delivery(session=session, message_id=message_id, channel=channel, at=clock())


def _attachment(reports_dir: Path | None, relative: str | None) -> Attachment | None:
    """The stored report reference (`<as-of>/<institution>.<lang>.html`) as a file to attach,
    named `rrf-<as-of>-<institution>.<lang>.html` for the recipient; None when it is not there."""
    if not relative or reports_dir is None:
        return None
    path = reports_dir / relative
    if not path.is_file():
        return None
    return Attachment(path, f"rrf-{path.parent.name}-{path.name}", "text/html")


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


def log_unloadable_plan(ctx: Context, as_of: date, exc: RrfError) -> None:
    """A scheduled check whose plan cannot be loaded (`exc`, its PlanError) is logged as a failed
    run, with the plan file's text as it was when it could be read: nobody is at the terminal of
    `rrf serve`, and the coordinator's next message about the missed runs names the failure. A
    store that cannot be reached or written is left alone (the error is raised by the caller)."""
    started = ctx.now()
    path = Path(ctx.settings.plan_path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")  # stored only as the very text its SHA-256 is of (the chain checks it)
        if "\x00" in text:  # PostgreSQL's text holds no NUL
            raise ValueError
    except (OSError, ValueError):
        raw = text = None
    error = redact(f"the plan {path} cannot be loaded: " + "; ".join(exc.lines()))[:2000]
    try:
        with session_scope(writable(ctx.url)) as session:
            audit.lock_chain(session=session)
            sha = hashlib.sha256(raw).hexdigest() if raw is not None else None
            if sha is not None and text is not None:
                audit.store_plan_text(session=session, sha256=sha, text=text, at=started)
            audit.append_run(session=session, run_id=uuid.uuid4().hex, as_of=as_of, started_at=started,
                             finished_at=ctx.now(), outcome="failed", plan_sha256=sha, engine_version=__version__,
                             entries=[], error=error)
    except Exception:  # noqa: BLE001  (no log to write to: the run's own error says enough)
        log.exception("the failed run could not be logged")


def _versions(plan: Plan, as_of: date, decisions: list[Decision]) -> dict[str, object]:
    """What the run's closing entry says of the plan version in force and of the money at risk
    (only for a plan with amendments, or with payment requests)."""
    out: dict[str, object] = {}
    if plan.amendments:
        out["plan_version"] = in_force(plan, as_of).as_dict()
    if plan.payment_requests:
        out["exposure"] = [request_dict(r) for r in exposure(plan, decisions, as_of).requests]
    return out


def _counts(decisions: list[Decision]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return counts


def check(ctx: Context, *, as_of: date, dry_run: bool = False, deliver: bool = True,
          schedule: Schedule | None = None, backdate: bool = False) -> CheckResult:
    """The whole check in this process: `rrf check --direct` and `--dry-run`, and the flow's task
    (which delivers in a task of its own). A dry run on a store that does not exist is refused
    (NoDatabase, naming it) and creates nothing.

    After the run is logged (and before delivery, so that digests can carry them), every
    institution's report is written in both languages (services.report.write_all, into
    `<reports folder>/<as-of>/`; not on a dry run). Digests link to the portal when
    `settings.portal_url` is set, and otherwise carry the recipient's institution report.

    A report that cannot be written does not fail or undo the check: the run, its log entries and
    its outbox are already committed and stay; `report_error` says why (the command prints it as a
    warning, the flow logs it), `reports` is empty, and the messages go out without the report.
    """
    if not dry_run:
        refuse_future(as_of, ctx.today())
    # a dry run reads: a misspelt --db is named (NoDatabase), never read as an empty store
    engine = existing_store(ctx.url) if dry_run else writable(ctx.url)
    portal_url = ctx.settings.portal_url or None
    try:
        result = run_check(loaded=ctx.loaded, engine=engine, as_of=as_of, clock=ctx.clock, dry_run=dry_run,
                           config=ctx.notify, deliver=False, schedule=schedule, portal_url=portal_url,
                           attach=portal_url is None, backdate=backdate)
        if dry_run:
            return result
        checkpoint.after_write(ctx)  # the logged run's heads, signed outside the database
        written, problem = write_reports(ctx, result)
        delivery = deliver_pending(engine=engine, loaded=ctx.loaded, config=ctx.notify, clock=ctx.clock,
                                   reports_dir=ctx.settings.reports_path) if deliver else Delivery()
        return replace(result, reports=written, report_error=problem, delivery=delivery)
    finally:
        engine.dispose()


def write_reports(ctx: Context, result: CheckResult) -> tuple[list[report.Report], str | None]:
    """The institution reports of a logged run, or none and why not (never raises: see check)."""
    try:
        return report.write_all(ctx, as_of=result.as_of, run_id=result.run_id or ""), None
    except Exception as exc:  # noqa: BLE001 (a report never costs the check: decided, documented in check)
        error = redact(f"{type(exc).__name__}: {exc}")[:500]  # no traceback: its values may hold secrets
        log.warning("the institution reports of run %s were not written: %s", result.run_id, error)
        return [], error


def deliver(ctx: Context, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Deliver every pending message now (`rrf outbox --send`, the flow's delivery task)."""
    engine = readable(ctx.url, writer=True)  # it claims and marks messages
    if engine is None:  # no store yet: nothing was ever decided
        return Delivery()
    try:
        return deliver_pending(engine=engine, loaded=ctx.loaded, config=ctx.notify, clock=ctx.clock, sleep=sleep,
                               reports_dir=ctx.settings.reports_path)
    finally:
        engine.dispose()


def require_checker(ctx: Context, *, dry_run: bool) -> None:
    """The command line's operator may run this check (`rrf check`): a coordinator logs one, who
    sees every item may dry-run one; an RRF_OPERATOR that is no enabled user is refused. (The
    scheduled runs of `rrf serve` act for the office.)"""
    from rrf.services import identity
    from rrf.services.access import require_check

    require_check(identity.acting(ctx, None), logged=not dry_run)


def refuse_bad_input(ctx: Context) -> None:
    """Read the plan, the notification configuration and the database URL now, so that a flow
    run (which reads them again in its own process) is not started on bad input; a database
    server is reached once (OperationalError when it cannot be: the command says where)."""
    ctx.loaded, ctx.notify  # noqa: B018  (loaded and checked once; raise RrfError when bad)
    engine = dbm.open_engine(ctx.url)
    try:
        if dbm.sqlite_file(ctx.url) is None:  # a server: is it there? (a SQLite file is made when written)
            with engine.connect():
                pass
    finally:
        engine.dispose()


def refuse_backdated(ctx: Context, as_of: date, *, backdate: bool = False) -> None:
    """Refuse a logged check for a day after today (FutureCheck), or before the latest logged
    check's (BackdatedCheck) unless `backdate`: asked before a flow run starts (`check` and
    run_check ask again, the latter under the chain's lock)."""
    refuse_future(as_of, ctx.today())
    engine = None if backdate else readable(ctx.url)
    if engine is None:
        return
    try:
        with session_scope(engine) as session:
            latest, _ = audit.latest_check(session=session)
    finally:
        engine.dispose()
    _backdated(as_of, latest, allowed=False)
