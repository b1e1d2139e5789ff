"""The pure core (plan, evaluation, escalation decisions, vocabulary, errors, message catalogues); imports nothing of ours.

Nothing here reads the clock, a database or the network, or performs an action.
"""

from rrf.rules.evaluate import STATUSES, CheckpointResult, Decision, KeyResult, evaluate
from rrf.rules.load import LoadedPlan, PlanError, Problem, load_plan, parse_plan
from rrf.rules.plan import Item, Plan
from rrf.rules.progress import Observation

__all__ = [
    "STATUSES", "CheckpointResult", "Decision", "KeyResult", "evaluate",
    "LoadedPlan", "PlanError", "Problem", "load_plan", "parse_plan",
    "Item", "Plan", "Observation",
]
