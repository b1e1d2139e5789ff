"""Plan amendments: which version of the plan was in force on a day.

A plan file holds the plan as adopted (`[[items]]`) and its amendments (`[[amendments]]`), each
in force from its `effective` day (inclusive). Version 0 is the plan as adopted; version N is
version N-1 with amendment N applied: its `remove` ids dropped, its `change` fields set on the
named items (a changed `due` drops the item's `due_alternatives`: the amendment settles the
date), its `add` items appended. Amendments are applied in file order, and their effective days
must not go back in time. Evaluation as of a day uses the latest version in force that day.
"""

from dataclasses import dataclass
from functools import cached_property
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rrf.rules.errors import labelled

if TYPE_CHECKING:
    from rrf.rules.plan import Amendment, Item, Plan


class AmendmentError(ValueError):
    """An amendment that cannot be applied: `problems` holds (key path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class PlanVersion:
    number: int  # 0: as adopted
    effective: date | None  # None: as adopted
    amendment: "Amendment | None"
    plan: "Plan"  # the plan with this version's items (and no amendments of its own)
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def label(self) -> str:
        return "as adopted" if self.effective is None else f"amendment {self.number} of {self.effective.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        """What the log and status JSON say of the version that decided."""
        return {"number": self.number, "effective": self.effective.isoformat() if self.effective else None}


def versions(plan: "Plan") -> list[PlanVersion]:
    """Every version, oldest first; AmendmentError names every amendment that cannot apply."""
    base = _copy(plan, amendments=[])
    out = [PlanVersion(0, None, None, base)]
    problems: list[tuple[str, str]] = []
    items = list(plan.items)
    for n, a in enumerate(plan.amendments):
        where = f"amendments[{n}]"
        if n and a.effective < plan.amendments[n - 1].effective:
            problems.append((f"{where}.effective", f"{a.effective} is before the previous amendment's "
                                                   f"{plan.amendments[n - 1].effective}: list them in order"))
        items, found = _apply(items, a, where)
        problems += found
        version_plan = _copy(base, items=items)
        out.append(PlanVersion(n + 1, a.effective, a, version_plan, tuple(c.id for c in a.change),
                               tuple(i.id for i in a.add), tuple(a.remove)))
    if problems:
        raise AmendmentError(problems)
    return out


def in_force(plan: "Plan", day: date) -> PlanVersion:
    """The version in force on `day`: the latest whose effective day is on or before it."""
    found = plan.versions[0]
    for v in plan.versions[1:]:
        if v.effective is not None and v.effective <= day:
            found = v
    return found


def _copy(plan: "Plan", **update: Any) -> "Plan":
    """A copy with fields replaced, without the original's cached lookups (they would be stale:
    model_copy carries every cached_property's value over)."""
    copied = plan.model_copy(update=update)
    for name, attribute in vars(type(plan)).items():
        if isinstance(attribute, cached_property):
            copied.__dict__.pop(name, None)
    return copied


def _apply(items: list["Item"], a: "Amendment", where: str) -> tuple[list["Item"], list[tuple[str, str]]]:
    from rrf.rules.plan import Item

    problems: list[tuple[str, str]] = []
    ids = {i.id for i in items}
    for k, item_id in enumerate(a.remove):
        if item_id not in ids:
            problems.append((f"{where}.remove[{k}]", f"{item_id!r} is not an item in force before this amendment"))
    out = [i for i in items if i.id not in set(a.remove)]
    by_id = {i.id: n for n, i in enumerate(out)}
    for k, change in enumerate(a.change):
        path = labelled(f"{where}.change[{k}]", change.id)
        if change.id not in by_id:
            problems.append((path, f"{change.id!r} is not an item in force before this amendment"))
            continue
        fields = {f: v for f, v in change.model_dump(exclude={"id"}).items() if v is not None}
        if not fields:
            problems.append((path, "changes nothing: give goal, due, baseline, start, checkpoints, "
                                   "evidence_required, importance or a name"))
            continue
        data = {**out[by_id[change.id]].model_dump(), **fields}
        if "due" in fields:
            data["due_alternatives"] = []
        try:
            out[by_id[change.id]] = Item.model_validate(data)
        except ValidationError as exc:
            problems += [(path, e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
    for k, item in enumerate(a.add):
        if item.id in by_id:
            problems.append((labelled(f"{where}.add[{k}]", item.id), f"{item.id!r} is already an item in force"))
            continue
        by_id[item.id] = len(out)
        out.append(item)
    return out, problems
