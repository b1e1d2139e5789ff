"""Recorded progress as the pure core sees it, and its state on any day.

A target's records are cumulative: each states the total reached as of its date.
With a breakdown, a record names one key and states that key's total; the
target's total is the sum of each key's latest value. A record without a key on
a breakdown target states an overall total whose split is not known: it counts
toward the total (the larger of it and the keyed sum) but toward no key.
Records are never changed: for the same item and key, the record with the later
as-of date wins, and on the same date the one recorded later (higher `seq`).
A reduction or level indicator has no breakdown: its value is its latest record's.
A correction is a record that names the one it replaces (`corrects`): the corrected
record is no longer read at all; a correction with neither value nor `done`
withdraws it.
"""

from dataclasses import dataclass
from types import MappingProxyType
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping, NamedTuple


@dataclass(frozen=True, slots=True)
class Observation:
    """One progress record: `value` for a target, `done` for a milestone."""

    seq: int
    item_id: str
    as_of: date
    value: Decimal | None = None
    done: bool | None = None
    key: str | None = None
    corrects: int | None = None
    evidence_for: str | None = None  # the required document (Item.evidence_required) its evidence is

    @property
    def withdraws(self) -> bool:
        return self.value is None and self.done is None


NO_KEYS: Mapping[str, Decimal] = MappingProxyType({})  # the keys of a state without any (shared, read-only)


class State(NamedTuple):
    """What the records say as of one day (a named tuple: a million are made in a large check)."""

    day: date
    total: Decimal | None
    done: bool | None
    keys: Mapping[str, Decimal] = NO_KEYS
    used: tuple[int, ...] = ()


def standing(observations: Iterable[Observation]) -> list[Observation]:
    """The records still in force: none that a later correction replaced, no withdrawals."""
    obs = list(observations)
    replaced = {o.corrects for o in obs if o.corrects is not None}
    if not replaced:  # the common case: `not o.withdraws` inline, no property call for each of millions
        return [o for o in obs if o.value is not None or o.done is not None]
    return [o for o in obs if o.seq not in replaced and not o.withdraws]


def timeline(observations: Iterable[Observation]) -> list[State]:
    """The state after each distinct as-of date, oldest first (corrections applied)."""
    obs = sorted(standing(observations), key=lambda o: (o.as_of, o.seq))
    latest: dict[str | None, Observation] = {}
    states: list[State] = []
    for n, o in enumerate(obs):
        latest[o.key] = o
        if n + 1 < len(obs) and obs[n + 1].as_of == o.as_of:
            continue
        states.append(_state(o.as_of, latest))
    return states


def _state(day: date, latest: dict[str | None, Observation]) -> State:
    keyed = {k: o.value for k, o in latest.items() if k is not None and o.value is not None}
    overall = latest.get(None)
    total: Decimal | None = None
    if keyed:
        total = sum(keyed.values(), Decimal(0))
    if overall is not None and overall.value is not None:
        total = overall.value if total is None else max(total, overall.value)
    done = overall.done if overall is not None else None
    used = tuple(sorted(o.seq for o in latest.values()))
    return State(day=day, total=total, done=done, keys=keyed, used=used)


def state_on(states: list[State], day: date) -> State | None:
    """The latest state on or before `day`, or None when nothing was recorded by then."""
    found = None
    for s in states:
        if s.day > day:
            break
        found = s
    return found
