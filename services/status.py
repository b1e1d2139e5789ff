"""Where the plan stands: `rrf validate` and `rrf status` (both write nothing)."""

from dataclasses import dataclass
from datetime import date

from rrf.rules import Decision, LoadedPlan, evaluate
from rrf.rules.amend import PlanVersion
from rrf.rules.exposure import Exposure, exposure as exposure_of
from rrf.services.context import Context
from rrf.services.store import observations_in


@dataclass(frozen=True)
class PlanSummary:
    path: str
    sha256: str
    items: int
    targets: int
    measures: int
    contacts: int
    warnings: list[str]
    versions: list[PlanVersion]  # the plan as adopted, then after each amendment
    requests: int  # payment requests declared


def validate(ctx: Context) -> PlanSummary:
    """Load and check the whole plan (raises PlanError naming every problem)."""
    loaded = ctx.loaded
    p = loaded.plan
    return PlanSummary(loaded.path, loaded.sha256, len(p.items), sum(1 for i in p.items if i.kind == "target"),
                       len(p.measures), len(p.contacts), loaded.warnings, p.versions, len(p.payment_requests))


def status(ctx: Context, as_of: date) -> tuple[LoadedPlan, list[Decision]]:
    """Every item's decision as of a day, from the recorded progress."""
    return ctx.loaded, evaluate(ctx.loaded.plan, observations_in(ctx.url), as_of)


def exposure(ctx: Context, as_of: date) -> tuple[LoadedPlan, list[Decision], Exposure]:
    """The money at risk per payment request as of a day (`rrf exposure`), writing nothing."""
    loaded, decisions = status(ctx, as_of)
    return loaded, decisions, exposure_of(loaded.plan, decisions, as_of)
