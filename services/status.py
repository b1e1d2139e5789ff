"""Where the plan stands: `rrf validate` and `rrf status` (both write nothing).

Light to import: `rrf validate` loads neither the database's modules nor the money's; each use
case imports what it needs when called (tests/test_startup.py says what `rrf status` may load).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rrf.services.context import Context

if TYPE_CHECKING:
    from rrf.rules import Decision, LoadedPlan
    from rrf.services.access import Viewer
    from rrf.rules.amend import PlanVersion
    from rrf.rules.escalate import Waiver
    from rrf.rules.exposure import Exposure


@dataclass(frozen=True)
class PlanSummary:
    path: str
    sha256: str
    items: int
    targets: int
    measures: int
    contacts: int
    warnings: list[str]
    versions: "list[PlanVersion]"  # the plan as adopted, then after each amendment
    requests: int  # payment requests declared


def validate(ctx: Context) -> PlanSummary:
    """Load and check the whole plan (raises PlanError naming every problem)."""
    loaded = ctx.loaded
    p = loaded.plan
    return PlanSummary(loaded.path, loaded.sha256, len(p.items), sum(1 for i in p.items if i.kind == "target"),
                       len(p.measures), len(p.contacts), loaded.warnings, p.versions, len(p.payment_requests))


def status(ctx: Context, as_of: date, *, unplanned: "dict[str, int] | None" = None,
           by: "Viewer | None" = None) -> "tuple[LoadedPlan, list[Decision]]":
    """Every item's decision as of a day, from the recorded progress: of the items in the scope of
    who asks (`by`, else the command line's operator). `unplanned`, when given, is filled with the
    ids that have records but are in no version of the plan (renamed or removed from it), and their
    number of records: they count for no item, so `rrf status` names them (to who sees every item)."""
    from rrf.rules import evaluate
    from rrf.services.access import visible_decisions
    from rrf.services.identity import acting
    from rrf.services.store import observations_in

    viewer = acting(ctx, by)  # an RRF_OPERATOR that is no enabled user is refused before anything is read
    records = observations_in(ctx.url)
    if unplanned is not None and viewer.sees_all:
        counts = Counter(r.item_id for r in records)
        unplanned.update((item_id, counts[item_id]) for item_id in sorted(counts) if not ctx.loaded.plan.knows(item_id))
    return ctx.loaded, visible_decisions(viewer, ctx.loaded.plan, evaluate(ctx.loaded.plan, records, as_of))


def waivers(ctx: Context, as_of: date) -> "list[Waiver]":
    """The waivers in force on a day, of every item, oldest first (`rrf status --format json` shows
    them): services.waiver.active, read without the modules that grant them (which sign checkpoints)."""
    from rrf.models import escalations
    from rrf.services.store import reading

    with reading(ctx.url) as session:
        return escalations.waivers(session=session, day=as_of)


def exposure(ctx: Context, as_of: date, *, by: "Viewer | None" = None) -> "tuple[LoadedPlan, list[Decision], Exposure]":
    """The money at risk per payment request as of a day (`rrf exposure`), writing nothing: the whole
    requests, so for who sees every item (a head sees their items' money on their rows)."""
    from rrf.rules.exposure import exposure as exposure_of
    from rrf.services.access import Forbidden
    from rrf.services.identity import acting

    viewer = acting(ctx, by)
    if not viewer.sees_all:
        raise Forbidden(f"the role {viewer.role!r} sees the money of its own items in rrf status, not whole payment requests")
    loaded, decisions = status(ctx, as_of, by=viewer)
    return loaded, decisions, exposure_of(loaded.plan, decisions, as_of)
