"""Escalations: `rrf ack` (stop the climb) and `rrf outbox` (what was, or is still to be, sent)."""

import json
import sys
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from rrf.cli.app import app
from rrf.cli.common import DbOpt, NotifyOpt, PlanOpt, context, format_of, input_errors, out, say
from rrf.services import ack as acks
from rrf.services import check as checks
from rrf.services import outbox as outboxes


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
    a = acks.acknowledge(context(plan, db), item_id=item_id, by=by, reason=reason, until=until)
    held = f"level {a.level}" if a.level else "no escalation yet"
    say(f"acknowledged {a.item_id} ({a.status}, {held}) by {a.by}"
        + (f" until {a.until}" if a.until else " until its status worsens"))


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
    outboxes.status_of(status)
    format_of(fmt)
    ctx = context(plan, db, notify_config)
    delivery = checks.deliver(ctx) if send else None  # no store yet: nothing to deliver
    rows = outboxes.messages(ctx, status=status, run=run)
    if rows is None:
        say("the outbox is empty: no check has run yet")
        return
    if delivery is not None:
        d = delivery
        say(f"delivery: {d.sent} sent, {d.failed} failed (kept), {d.unaddressed} waiting for an address")
    if show is not None:
        m = outboxes.message(rows, show)
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
