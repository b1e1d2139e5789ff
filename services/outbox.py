"""The messages decided by checks (`rrf outbox`): what is pending, what was sent, sending now."""

from rrf.models import escalations
from rrf.models.tables import Outbox
from rrf.rules.errors import RrfError
from rrf.services.context import Context
from rrf.services.store import reading

STATUSES = ("pending", "sent")


def status_of(status: str | None) -> str | None:
    if status not in (None, *STATUSES):
        raise RrfError(f"--status {status!r}: expected pending or sent")
    return status


def messages(ctx: Context, *, status: str | None = None, run: str | None = None) -> list[Outbox] | None:
    """The outbox, oldest first (None: no check has run yet). No address is stored in it."""
    status_of(status)
    with reading(ctx.url) as session:
        return None if session is None else escalations.outbox(session=session, status=status, run_id=run)


def message(rows: list[Outbox], number: int) -> Outbox:
    match = [m for m in rows if m.id == number]
    if not match:
        raise RrfError(f"there is no message #{number}")
    return match[0]
