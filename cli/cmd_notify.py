"""Escalations: `rrf ack` (stop the climb), `rrf waive` (silence it for a while) and `rrf outbox`
(what was, or is still to be, sent).

The services are imported in the commands' bodies (see rrf.cli.main)."""

import json
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rrf.cli.text import shown

from rrf.cli.app import app
from rrf.cli.common import DbOpt, NotifyOpt, PlanOpt, TableOrJson, as_of_day, context, format_of, input_errors, out, say
from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words, fmt_time

if TYPE_CHECKING:
    from rrf.services.access import Viewer
    from rrf.services.context import Context


def _user(ctx: "Context", name: Optional[str]) -> "Viewer | None":
    """`--by NAME`: an enabled portal user, who then acts, if the operator may act for them
    (services.identity.on_behalf); None: the operator acts."""
    if name is None:
        return None
    from rrf.services import identity

    return identity.on_behalf(ctx, name)


@app.command()
@input_errors
def ack(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="the milestone or target")],
    by: Annotated[Optional[str], typer.Option("--by", help="the portal user who acknowledges (default: the operator)")] = None,
    reason: Annotated[str, typer.Option("--reason", help="what is being done about it")] = "",
    until: Annotated[Optional[str], typer.Option("--until", help="stop the climb until this day (default: until the status worsens)")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="the check's day it speaks for (default: today in Riga)")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Acknowledge an item: it stops climbing the ladder until DATE or until its status worsens."""
    from rrf.services import ack as acks

    ctx = context(plan, db)
    a = acks.acknowledge(ctx, item_id=item_id, reason=reason, until=until, by=_user(ctx, by),
                         as_of=as_of_day(as_of, ctx))
    held = f"level {a.level}" if a.level else "no escalation yet"
    say(f"acknowledged {a.item_id} ({a.status}, {held}) by {a.by} as of {a.day}"
        + (f" until {a.until}" if a.until else " until its status worsens"))


@app.command()
@input_errors
def waive(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="the milestone or target")],
    reason: Annotated[str, typer.Option("--reason", help="why its escalation is waived")] = "",
    until: Annotated[str, typer.Option("--until", help="the last day the waiver holds")] = "",
    key: Annotated[Optional[str], typer.Option("--key", help="waive only this breakdown key's shortfall")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="the portal user (a coordinator) who approves (default: the operator)")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="the first day it holds (default: today in Riga)")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Waive an item's escalation (or one breakdown key's shortfall) until DATE: coordinators only."""
    from rrf.services import waiver as waivers

    if not until:
        raise RrfError("--until is required: the last day the waiver holds")
    ctx = context(plan, db)
    w = waivers.grant(ctx, item_id=item_id, reason=reason, expires=until, key=key, by=_user(ctx, by),
                      as_of=as_of_day(as_of, ctx))
    what = f"{w.item_id} (breakdown key {w.breakdown_key})" if w.breakdown_key else w.item_id
    say(f"waived {what} from {w.day} until {w.expires}, approved by {w.approver}")


@app.command("outbox")
@input_errors
def outbox_(
    status: Annotated[Optional[str], typer.Option("--status", help="pending, sending, sent or superseded")] = None,
    run: Annotated[Optional[str], typer.Option("--run", help="only messages of this run (id or prefix)")] = None,
    show: Annotated[Optional[int], typer.Option("--show", help="print this message in full")] = None,
    send: Annotated[bool, typer.Option("--send", help="deliver what is pending now")] = False,
    fmt: TableOrJson = "table",
    notify_config: NotifyOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """The messages decided by checks: pending (not yet delivered), being sent, sent, or superseded by a newer one. No addresses are shown."""
    from rrf.cli.render import Col, fitted
    from rrf.services import outbox as outboxes

    outboxes.status_of(status)
    format_of(fmt)
    _ = Words("en")  # the operators' lines are English (README)
    ctx = context(plan, db, notify_config)
    delivery = None
    if send:  # no store yet: nothing to deliver
        from rrf.services import check as checks  # the notifications' channels (apprise), for sending only

        outboxes.require(ctx, send=True)
        delivery = checks.deliver(ctx)
    rows = outboxes.messages(ctx, status=status, run=run)
    if delivery is not None:
        d = delivery
        say(f"delivery: {d.sent} sent, {d.failed} failed (kept), {d.unaddressed} waiting for an address")
        for held in outboxes.leased(ctx):  # claimed by a delivery that has not said how it went
            say(_("#{id} to {to} was not sent now: another delivery has had it since {since} (if that one stopped, "
                  "it is sent again from {until})", id=held.id, to=held.recipient, since=fmt_time(held.since),
                  until=fmt_time(held.until)))
    if show is not None:
        rows = [outboxes.message(rows, show)]
    ways = outboxes.channels(ctx, rows)
    # the status, and while some channels have the message and others not yet, those: "pending: email"
    states = [f"{m.status}: {', '.join(w.pending)}" if w.pending else m.status for m, w in zip(rows, ways)]
    if show is not None:
        m = rows[0]
        tries = _.ngettext("{n} attempt", "{n} attempts", m.attempts)
        say(f"#{m.id} to {m.recipient} ({states[0]}, {tries})\n{m.subject}\n\n{m.body}")
        return
    if fmt == "json":
        sys.stdout.write(json.dumps([{
            "id": m.id, "run": m.run_id, "created_at": m.created_at.isoformat(), "recipient": m.recipient,
            "language": m.language, "level": m.level, "subject": m.subject, "items": m.items.split(","),
            "status": m.status, "superseded_by": m.superseded_by, "attempts": m.attempts, "last_error": m.last_error,
            "last_attempt_at": m.last_attempt_at.isoformat() if m.last_attempt_at else None,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "delivered_to": w.delivered, "pending_to": w.pending, "body": m.body} for m, w in zip(rows, ways)],
            ensure_ascii=False, indent=2) + "\n")
        return
    columns = [Col("#", justify="right", whole=True, side=True), Col("created", whole=True, side=True),
               Col("to", side=True), Col("subject"), Col("status", side=True), Col("tries", whole=True, side=True),
               Col("last error")]
    cells = [[str(m.id), fmt_time(m.created_at), shown(m.recipient), shown(m.subject), state, str(m.attempts),
              shown(f"{fmt_time(m.last_attempt_at)}: {m.last_error}" if m.last_error and m.last_attempt_at
                    else m.last_error or "")] for m, state in zip(rows, states)]
    out.print(fitted(out, columns, cells, title=_.ngettext("outbox: {n} message", "outbox: {n} messages", len(rows))))
