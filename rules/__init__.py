"""The pure core (plan, evaluation, escalation decisions, vocabulary, errors, message catalogues); imports nothing of ours.

Nothing here reads the clock, a database or the network, or performs an action.

The names below are loaded when first used (`from rrf.rules import evaluate` imports
rrf.rules.evaluate then), so that importing a light module of the core (rrf.rules.errors,
rrf.rules.i18n, rrf.rules.dates) does not build the plan's pydantic models: `rrf --help` and the
command line's own modules stay fast (tests/test_startup.py). `dir(rrf.rules)` lists only what is
loaded, so that tools that walk every module's names (freezegun does, while the clock is frozen)
import nothing.
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rrf.rules.evaluate import STATUSES, CheckpointResult, Decision, KeyResult, evaluate
    from rrf.rules.load import LoadedPlan, PlanError, Problem, load_plan, parse_plan
    from rrf.rules.plan import Item, Plan
    from rrf.rules.progress import Observation

_WHERE = {
    "STATUSES": "evaluate", "CheckpointResult": "evaluate", "Decision": "evaluate", "KeyResult": "evaluate",
    "evaluate": "evaluate",
    "LoadedPlan": "load", "PlanError": "load", "Problem": "load", "load_plan": "load", "parse_plan": "load",
    "Item": "plan", "Plan": "plan", "Observation": "progress",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> object:
    """`rrf.rules.<name>`, imported from its module when first asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"rrf.rules.{module}"), name)  # (also when this file is imported as `rules`)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """When a submodule is imported, Python sets it as an attribute of this package; for
    `rrf.rules.evaluate`, whose name is also the function the package exports, the function is
    kept instead (as the eager `from rrf.rules.evaluate import evaluate` did), so that
    `from rrf.rules import evaluate` is the function whichever was imported first."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and _WHERE.get(name) == name and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
