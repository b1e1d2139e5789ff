"""Acknowledging an item (`rrf ack`, the portal): someone knows and acts, so it stops climbing
the ladder. The acknowledgement is kept (and entered in the trail) and written to the evaluation log;
then, with a signing key configured, a checkpoint signs both chains (services.checkpoint).

Who acknowledges is a user (`by`; the command line's operator when None, see
services.identity) whose role may acknowledge the item (heads of its institution and
coordinators, services.access). The acknowledgement speaks for the check's as-of day (`as_of`,
default today in Riga): that is its `day`, and `until` may not be before it.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from rrf import __version__
from rrf.models import audit, escalations, progress
from rrf.models.tables import Acknowledgement
from rrf.rules import evaluate
from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError, said
from rrf.rules.escalate import episode
from rrf.services import access, checkpoint, identity
from rrf.services.access import Viewer
from rrf.services.context import Context
from rrf.services.store import transaction

_ = said  # refusals: English on the command line, the user's language in the portal (rules.errors)


@dataclass(frozen=True)
class Acknowledged:
    item_id: str
    status: str
    level: int  # the level it is held at (0: no escalation yet)
    by: str
    until: date | None
    day: date


def acknowledge(ctx: Context, *, item_id: str, reason: str, until: str | None = None, by: Viewer | None = None,
                as_of: date | None = None) -> Acknowledged:
    """Hold `item_id` at its current level until `until` or until its status worsens."""
    plan = ctx.loaded.plan
    actor = identity.acting(ctx, by)
    access.require(actor, "acknowledge", plan, item_id)
    if not reason.strip():
        raise RrfError(_("--reason is required: what is being done about it"))
    day = as_of or ctx.today()
    end = parse_date(until) if until else None
    if end is not None and end < day:
        raise RrfError(_("--until {until} is before the acknowledgement's day {day} (--as-of)", until=end, day=day))
    at = ctx.now()
    with transaction(ctx.url) as session:
        audit.lock_chain(session=session)
        [decision] = [d for d in evaluate(plan, progress.observations(session=session), day) if d.item_id == item_id]
        sent, acks = escalations.history(session=session)
        level = episode(item_id, sent, acks).level
        row = escalations.add_ack(session=session, ack=Acknowledgement(
            item_id=item_id, day=day, by=actor.name, reason=reason.strip(), until=end, status=decision.status,
            level=level, recorded_at=at))
        audit.store_plan_text(session=session, sha256=ctx.loaded.sha256, text=ctx.loaded.text, at=at)
        audit.append_run(
            session=session, run_id=uuid.uuid4().hex, as_of=day, started_at=at, finished_at=at, outcome="ack",
            plan_sha256=ctx.loaded.sha256, engine_version=__version__,
            entries=[audit.NewEntry("ack", item_id, decision.status, {
                "plan_sha256": ctx.loaded.sha256, "by": row.by, "role": actor.role, "reason": row.reason,
                "until": end.isoformat() if end else None, "level": level, "status": decision.status})])
    checkpoint.after_write(ctx)
    return Acknowledged(item_id, decision.status, level, row.by, end, day)
