"""Escalations: `rrf ack` (stop the climb) and `rrf outbox` (what was, or is still to be, sent)."""

import json
import sys
import uuid
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from rrf.flows.check import deliver_pending
from rrf.models import audit, escalations
from rrf.models import db as dbm
from rrf.models import progress
from rrf.models.tables import Acknowledgement
from rrf import __version__
from rrf.cli.app import app
from rrf.cli.common import (
    BadInput, format_of, DbOpt, NotifyOpt, PlanOpt, db_of, input_errors, notify_config_of, out, plan_of, readable, say,
    today_in_riga, writable,
)
from rrf.rules import evaluate
from rrf.rules.dates import parse_date
from rrf.rules.escalate import episode


@app.command()
@input_errors
def ack(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="the milestone or target")],
    by: Annotated[str, typer.Option("--by", help="who acknowledges")] = "",
    reason: Annotated[str, typer.Option("--reason", help="what is being done about it")] = "",
    until: Annotated[Optional[str], typer.Option("--until", help="stop the climb until this day (default: until the status worsens)")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Acknowledge an item: it stops climbing the ladder until DATE or until its status worsens."""
    loaded = plan_of(plan)
    if item_id not in loaded.plan.ids:
        raise BadInput(f"unknown id {item_id!r} (known: {', '.join(loaded.plan.ids)})")
    if not by.strip() or not reason.strip():
        raise BadInput("--by and --reason are required: who acknowledges, and what is being done")
    today = today_in_riga()
    end = parse_date(until) if until else None
    if end is not None and end < today:
        raise BadInput(f"--until {end} is in the past (today is {today} in Riga)")
    engine = writable(db_of(db))
    at = datetime.now(timezone.utc)
    with dbm.session_scope(engine) as session:
        audit.lock_chain(session=session)
        [decision] = [d for d in evaluate(loaded.plan, progress.observations(session=session), today)
                      if d.item_id == item_id]
        sent, acks = escalations.history(session=session)
        level = episode(item_id, sent, acks).level
        row = escalations.add_ack(session=session, ack=Acknowledgement(
            item_id=item_id, day=today, by=by.strip(), reason=reason.strip(), until=end, status=decision.status,
            level=level, recorded_at=at))
        audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=at)
        audit.append_run(
            session=session, run_id=uuid.uuid4().hex, as_of=today, started_at=at, finished_at=at, outcome="ack",
            plan_sha256=loaded.sha256, engine_version=__version__,
            entries=[audit.NewEntry("ack", item_id, decision.status, {
                "plan_sha256": loaded.sha256, "by": row.by, "reason": row.reason,
                "until": end.isoformat() if end else None, "level": level, "status": decision.status})])
    engine.dispose()
    held = f"level {level}" if level else "no escalation yet"
    say(f"acknowledged {item_id} ({decision.status}, {held}) by {row.by}"
        + (f" until {end}" if end else " until its status worsens"))


@app.command("outbox")
@input_errors
def outbox_(
    status: Annotated[Optional[str], typer.Option("--status", help="pending or sent")] = None,
    run: Annotated[Optional[str], typer.Option("--run", help="only messages of this run (id or prefix)")] = None,
    show: Annotated[Optional[int], typer.Option("--show", help="print this message in full")] = None,
    send: Annotated[bool, typer.Option("--send", help="deliver what is pending now")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    notify_config: NotifyOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """The messages decided by checks: pending (not yet delivered) and sent. No addresses are shown."""
    if status not in (None, "pending", "sent"):
        raise BadInput(f"--status {status!r}: expected pending or sent")
    format_of(fmt)
    engine = readable(db_of(db))
    if engine is None:
        say("the outbox is empty: no check has run yet")
        return
    if send:
        d = deliver_pending(engine=engine, loaded=plan_of(plan), config=notify_config_of(notify_config))
        say(f"delivery: {d.sent} sent, {d.failed} failed (kept), {d.unaddressed} waiting for an address")
    with dbm.session_scope(engine) as session:
        rows = escalations.outbox(session=session, status=status, run_id=run)
    engine.dispose()
    if show is not None:
        match = [m for m in rows if m.id == show]
        if not match:
            raise BadInput(f"there is no message #{show}")
        m = match[0]
        say(f"#{m.id} to {m.recipient} ({m.status}, {m.attempts} attempt(s))\n{m.subject}\n\n{m.body}")
        return
    if fmt == "json":
        sys.stdout.write(json.dumps([{
            "id": m.id, "run": m.run_id, "created_at": m.created_at.isoformat(), "recipient": m.recipient,
            "language": m.language, "level": m.level, "subject": m.subject, "items": m.items.split(","),
            "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None, "body": m.body} for m in rows],
            ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"outbox: {len(rows)} message(s)", expand=True)
    for head in ("#", "created", "to", "subject", "status", "tries", "last error"):
        table.add_column(head, overflow="fold")
    for m in rows:
        table.add_row(str(m.id), f"{m.created_at:%Y-%m-%d %H:%M}", escape(m.recipient), escape(m.subject),
                      m.status, str(m.attempts), escape(m.last_error or ""))
    out.print(table)
