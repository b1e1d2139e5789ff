"""Waivers (`rrf waive`, the portal): a coordinator silences the escalation of an item, or of one
breakdown key's shortfall, from the as-of day until a day (inclusive), and says why. What a
waiver silences is decided by the pure core (rules.escalate, see its docstring). Waivers are
append-only and each is written to the evaluation log (a run of outcome "waiver" with one
entry of kind "waiver") and entered in the trail, then signed by a checkpoint when a signing key is
configured (services.checkpoint); an expired waiver counts no more.
"""

import uuid
from datetime import date

from sqlmodel import Session

from rrf import __version__
from rrf.models import audit, escalations, progress
from rrf.models.tables import Waiver as WaiverRow
from rrf.rules import evaluate
from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError, said
from rrf.rules.escalate import Waiver
from rrf.services import access, checkpoint, identity, status
from rrf.services.access import Viewer
from rrf.services.context import Context
from rrf.services.store import transaction

_ = said  # refusals: English on the command line, the user's language in the portal (rules.errors)

WAIVER = "waiver"


def grant(ctx: Context, *, item_id: str, reason: str, expires: str, key: str | None = None,
          by: Viewer | None = None, as_of: date | None = None) -> WaiverRow:
    """Waive `item_id` (or its breakdown key `key`) from `as_of` (default today in Riga) until
    `expires`; coordinators only. Every problem is refused before anything is written."""
    plan = ctx.loaded.plan
    actor = identity.acting(ctx, by)
    item = access.require(actor, "waive", plan, item_id)
    keys = list(item.breakdown.keys) if item.breakdown else []
    if key is not None and key not in keys:
        known = _("its keys: {keys}", keys=", ".join(keys)) if keys else _("it has no breakdown")
        raise RrfError(_("--key {key} is not a breakdown key of {id} ({known})", key=repr(key), id=item_id,
                            known=known))
    if not reason.strip():
        raise RrfError(_("--reason is required: why the escalation is waived"))
    day = as_of or ctx.today()
    end = parse_date(expires)
    if end < day:
        raise RrfError(_("--until {until} is before the waiver's day {day} (--as-of)", until=end, day=day))
    at = ctx.now()
    with transaction(ctx.url) as session:
        audit.lock_chain(session=session)
        [decision] = [d for d in evaluate(plan, progress.observations(session=session), day) if d.item_id == item_id]
        row = escalations.add_waiver(session=session, waiver=WaiverRow(
            item_id=item_id, breakdown_key=key, approver=actor.name, reason=reason.strip(), day=day, expires=end,
            recorded_at=at))
        audit.store_plan_text(session=session, sha256=ctx.loaded.sha256, text=ctx.loaded.text, at=at)
        audit.append_run(
            session=session, run_id=uuid.uuid4().hex, as_of=day, started_at=at, finished_at=at, outcome=WAIVER,
            plan_sha256=ctx.loaded.sha256, engine_version=__version__,
            entries=[audit.NewEntry(WAIVER, item_id, decision.status, {
                "plan_sha256": ctx.loaded.sha256, "by": row.approver, "role": actor.role, "reason": row.reason,
                "key": key, "day": day.isoformat(), "until": end.isoformat(), "status": decision.status})])
        session.expunge(row)
    checkpoint.after_write(ctx)
    return row


def active(source: Context | Session, day: date) -> list[Waiver]:
    """The waivers in force on `day` (of every item, oldest first), from a use case's context
    or within the caller's session."""
    if isinstance(source, Session):
        return escalations.waivers(session=source, day=day)
    return status.waivers(source, day)


def as_dicts(waivers: list[Waiver]) -> list[dict[str, str | None]]:
    """How status JSON and the evaluation log show waivers."""
    return [{"key": w.key, "approver": w.approver, "reason": w.reason, "until": w.expires.isoformat()}
            for w in waivers]
