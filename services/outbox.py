"""The messages decided by checks (`rrf outbox`): what is pending, what was sent, sending now.

Delivery is at least once: a delivery claims a message (status "sending") for the lease of the
notification configuration (`[delivery] lease_seconds`, 120 s by default), sends it, then marks it
sent. A process that stops after the message went out and before it was marked leaves it claimed;
when the lease ends, the next delivery sends it again. `leased` names the messages in that window.
A message goes to each channel of its recipient once: `channels` says which have it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from rrf.models import escalations
from rrf.models.tables import Outbox
from rrf.notifications.config import addresses
from rrf.rules.errors import RrfError
from rrf.rules.vocab import RecipientKey
from rrf.services.access import Viewer, require_outbox
from rrf.services.context import Context
from rrf.services.identity import acting
from rrf.services.store import reading, store_or_none

STATUSES = ("pending", "sending", "sent", "superseded")


@dataclass(frozen=True)
class Leased:
    """A message claimed by a delivery that has not said how it went: being sent by another
    process since `since`, or left by one that stopped; taken over from `until`."""

    id: int
    recipient: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Channels:
    """A message's channels by name (`email`, `url 1`...: no address): those that have it, and,
    when it is partially delivered (some have it, it is not sent), those of the notification
    configuration that do not have it yet (else none: a message no channel has waits for all)."""

    delivered: list[str]
    pending: list[str]


def status_of(status: str | None) -> str | None:
    if status not in (None, *STATUSES):
        raise RrfError(f"--status {status!r}: expected one of {', '.join(STATUSES)}")
    return status


def require(ctx: Context, *, send: bool = False, by: Viewer | None = None) -> None:
    """Reading the outbox is for coordinators and auditors, delivering it for coordinators: the
    portal's user (`by`), else the command line's operator (RRF_OPERATOR)."""
    require_outbox(acting(ctx, by), send=send)


def messages(ctx: Context, *, status: str | None = None, run: str | None = None,
             by: Viewer | None = None) -> list[Outbox]:
    """The outbox, oldest first. No address is stored in it."""
    require(ctx, by=by)
    status_of(status)
    with reading(ctx.url) as session:
        return escalations.outbox(session=session, status=status, run_id=run)


def channels(ctx: Context, rows: list[Outbox]) -> list[Channels]:
    """The channels of each of these messages, in their order. The plan and the notification
    configuration are read only for a partially delivered message."""
    with reading(ctx.url) as session:
        reached = escalations.delivered(session=session, message_ids=[m.id for m in rows if m.id is not None])
    out = []
    for m in rows:
        have = reached.get(m.id, []) if m.id is not None else []
        left = [c for c in addresses(RecipientKey.parse(m.recipient), ctx.loaded.plan, ctx.notify) if c not in have] \
            if have and m.status != "sent" else []
        out.append(Channels(have, left))
    return out


def leased(ctx: Context) -> list[Leased]:
    """The messages claimed for sending and not yet marked sent or failed, oldest first."""
    lease = timedelta(seconds=ctx.notify.delivery.lease_seconds)
    with store_or_none(ctx.url) as session:
        if session is None:
            return []
        return [Leased(m.id, m.recipient, m.last_attempt_at, m.last_attempt_at + lease)  # type: ignore[arg-type, operator]
                for m in escalations.claimed(session=session) if m.id is not None and m.last_attempt_at is not None]


def message(rows: list[Outbox], number: int) -> Outbox:
    match = [m for m in rows if m.id == number]
    if not match:
        raise RrfError(f"there is no message #{number}")
    return match[0]
