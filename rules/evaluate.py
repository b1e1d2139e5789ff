"""The pure core: where each milestone and target stands on a day, and why.

`evaluate(plan, records, as_of)` reads no clock, no database and no network. It
returns one `Decision` per item, in plan order, each with its numbers, the ids of
the records it used, machine-readable reasons and a one-sentence explanation in
Latvian and English. Statuses and their meaning are those of CONTRACT.md.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from math import inf
from operator import attrgetter
from typing import Iterable, Literal

from rrf.rules.amend import in_force
from rrf.rules.dates import riga_day
from rrf.rules.explain import explain
from rrf.rules.pace import NEVER, UNKNOWN, Projection, combine, project, project_short
from rrf.rules.plan import Item, Plan
from rrf.rules.progress import NO_KEYS, Observation, State, standing, state_on, timeline
from rrf.rules.vocab import STATUSES, CheckpointStatus, MilestoneValue, Status, milestone_value

__all__ = ["STATUSES", "CheckpointResult", "Decision", "KeyResult", "Status", "evaluate", "evaluate_item"]



@dataclass(frozen=True)
class KeyResult:
    key: str
    goal: Decimal
    actual: Decimal | None
    met: bool


@dataclass(frozen=True)
class CheckpointResult:
    """`status`: met (held on its date), met_late, missed (passed and still short), pending."""

    date: date
    goal: Decimal
    actual: Decimal | None
    status: CheckpointStatus


class _Decided:
    """The item a decision was made for and its explanation: attributes, not fields (see Decision)."""

    __slots__ = ("_item", "_explained")


# Not frozen: a frozen dataclass sets each of its 20 fields through object.__setattr__, three times the
# cost of plain assignment, for the one decision of every item; nothing changes a decision once made.
# Slots: a decision holds no dictionary (48 bytes less each: 46 MiB for a million).
@dataclass(slots=True)
class Decision(_Decided):
    item_id: str
    kind: Literal["milestone", "target"]
    as_of: date
    due: date
    goal: Decimal | Literal["done"]
    actual: Decimal | MilestoneValue | None
    status: Status
    days_left: int
    reached_on: date | None
    latest_record: date | None
    projection: Projection
    breakdown: tuple[KeyResult, ...]
    checkpoints: tuple[CheckpointResult, ...]
    records_used: tuple[int, ...]
    inputs: tuple[Observation, ...]
    reasons: tuple[str, ...]
    progress: Decimal = Decimal(0)  # the share of the way from the baseline to the goal, 0 to 1
    evidence_missing: tuple[str, ...] = ()  # reached, but these required documents are not attached
    trajectory_start: date | None = None  # the day the pace is measured from (item, measure or plan start)
    plan_version: int = 0  # the plan version that decided (rules.amend): 0 as adopted

    # The item it was decided for and its explanation are slots of _Decided, not fields: set by
    # evaluate_item, not compared, and not walked by tools that visit dataclass fields (Prefect).

    @property
    def item(self) -> Item:
        return self._item  # type: ignore[attr-defined]

    @property
    def explanation(self) -> dict[str, str]:
        """One sentence per language (rules.explain), written when first read: a decision that is
        never shown, logged or sent costs no sentence."""
        said = getattr(self, "_explained", None)
        if said is None:
            said = self._explained = explain(self.item, self)
        return said


def evaluate(plan: Plan, records: Iterable[Observation], as_of: date | datetime) -> list[Decision]:
    """Evaluate every item of the plan in force on the Riga day of `as_of` (rules.amend)."""
    day = riga_day(as_of)
    version = in_force(plan, day)
    by_item, ordered = _grouped(records)
    number = version.number
    return [evaluate_item(item, by_item.pop(item.id, []), day, start=trajectory_start(plan, item),
                          version=number, ordered=ordered)  # each list let go once its decision holds it
            for item in version.plan.items]


def _grouped(records: Iterable[Observation]) -> tuple[dict[str, list[Observation]], bool]:
    """Each item's standing records (rules.progress.standing: a correction replaces its record
    whatever the dates; evaluate_item leaves out those dated after the day), in the order given,
    and whether they were given in `seq` order, as the store reads them (then each item's list is
    in seq order too and is not sorted again).

    One pass when nothing is corrected, the common case: a large check groups millions of
    records, and every further pass over them costs more than the work it does."""
    given = records if isinstance(records, list) else list(records)
    grouped = _group(given, corrections=False)
    return grouped if grouped is not None else _group(standing(given), corrections=True)  # type: ignore[return-value]


def _group(records: list[Observation], *, corrections: bool) -> tuple[dict[str, list[Observation]], bool] | None:
    """`_grouped` over records that are standing but for withdrawals; None when `corrections` is
    False and a record corrects another (the caller applies the corrections first)."""
    by_item: dict[str, list[Observation]] = {}
    known = by_item.get
    ordered, last = True, -inf
    for r in records:
        if r.corrects is not None and not corrections:
            return None
        if r.seq < last:
            ordered = False
        last = r.seq
        if r.value is None and r.done is None:  # a withdrawal (Observation.withdraws, inline)
            continue
        same = known(r.item_id)
        if same is None:
            by_item[r.item_id] = [r]
        else:
            same.append(r)
    return by_item, ordered


def evaluate_one(plan: Plan, item_id: str, records: list[Observation], day: date) -> Decision:
    """One item of the plan in force on `day` (a replay of one logged entry); KeyError when the
    plan in force that day has no such item."""
    version = in_force(plan, day)
    item = version.plan.item(item_id)
    return evaluate_item(item, records, day, start=trajectory_start(plan, item), version=version.number)


def trajectory_start(plan: Plan, item: Item) -> date | None:
    """The day an item's trajectory starts from its baseline (Plan.start_of)."""
    return plan.start_of(item)


def evaluate_item(item: Item, records: list[Observation], day: date, *, start: date | None = None,
                  version: int = 0, lean: bool = True, ordered: bool = False) -> Decision:
    """One item as of `day` from its standing records (corrections already applied); `start` is
    where its trajectory starts when the item has no `start` of its own (trajectory_start);
    `ordered`: the records are already in `seq` order (not sorted again).

    An item without breakdown keys takes the lean path: its state on each day is that day's last
    record alone, so it reads the records themselves (`_last_of_each_day`, `_reached_days`) and
    makes no State (the states of every day only for checkpoints). The same
    decisions as the general one (`lean=False`, kept for the property test that compares them),
    built with fewer objects."""
    start = item.start or start
    dated = [r for r in records if r.as_of <= day]
    inputs = tuple(dated if ordered else sorted(dated, key=_seq))
    days = _last_of_each_day(inputs) if lean and not item.breakdown else None  # None: a record has a key
    plain = days is not None
    now: State | None = None
    if plain:
        last = days[-1] if days else None  # the day's state is its record alone: no State made for it
        reached_days = _reached_days(item, days)
        states = _plain_timeline(days) if item.checkpoints else []
        seen, total, done, used = (last.as_of, last.value, last.done, (last.seq,)) if last else (None, None, None, ())
    else:
        states = timeline(inputs)
        now = states[-1] if states else None
        reached_days = [s.day for s in states if _reached(item, s)]
        seen, total, done, used = (now.day, now.total, now.done, now.used) if now else (None, None, None, ())
    held = bool(reached_days) and reached_days[-1] == seen
    breakdown = _breakdown(item, now) if item.breakdown else ()
    checkpoints = _checkpoints(item, states, day) if item.checkpoints else ()
    projection = UNKNOWN
    reasons: list[str] = []
    due = item.due
    target = item.kind == "target"

    if seen is None:
        status: Status = "missed" if day > due else "no_data"
    elif held:
        status = "met" if reached_days[0] <= due else "met_late"  # the days rise: the first is the earliest
    elif reached_days:
        status = "reversed"
    else:
        if target:
            projection = _project_plain(item, days, start) if plain else _project(item, states, start)
        if day > due:
            status = "missed"
        else:
            if any(c.status == "missed" for c in checkpoints):
                reasons.append("checkpoint_behind")
            if projection.never:
                reasons.append("no_progress")
            elif projection.on is not None and projection.on > due:
                reasons.append("pace_behind")
            elif projection.on is not None and projection.on < day:
                reasons.append("stale")
            status = "at_risk" if reasons else "on_track"
    if breakdown:
        reasons += [f"key_short:{k.key}" for k in breakdown if not k.met]
    missing = _evidence_missing(item, inputs) if item.evidence_required and status in ("met", "met_late") else ()
    decision = Decision(  # in field order, by position: keywords cost three times as much for 20 fields
        item.id,  # item_id
        item.kind,  # kind
        day,  # as_of
        due,  # due
        item.goal,  # goal
        (total if target else milestone_value(done)) if seen else None,  # actual
        status,  # status
        (due - day).days,  # days_left
        reached_days[0] if reached_days else None,  # reached_on
        seen,  # latest_record
        projection,  # projection
        breakdown,  # breakdown
        checkpoints,  # checkpoints
        used,  # records_used
        inputs,  # inputs
        tuple(reasons),  # reasons
        _progress(item, total, done) if seen else _ZERO,  # progress
        missing,  # evidence_missing
        start if target else None,  # trajectory_start
        version,  # plan_version
    )
    decision._item = item  # type: ignore[attr-defined]
    return decision


_seq = attrgetter("seq")  # sort keys read in C: a large check sorts millions of records
_day = attrgetter("as_of")
_ZERO, _ONE = Decimal(0), Decimal(1)


def _last_of_each_day(inputs: tuple[Observation, ...]) -> list[Observation] | None:
    """Of standing records in `seq` order, each distinct day's last one, oldest day first: what
    progress.timeline's state of that day holds, alone. None when a record names a breakdown key
    (then the state of a day is not one record's)."""
    days: list[Observation] = []
    for o in inputs:  # one pass while the days rise with seq (records are mostly written in date order)
        if o.key is not None:
            return None
        if not days or o.as_of > days[-1].as_of:
            days.append(o)
        elif o.as_of == days[-1].as_of:
            days[-1] = o
        else:  # a record dated before an earlier-written one: sort by day (stable: (as_of, seq))
            if any(r.key is not None for r in inputs):
                return None
            obs = sorted(inputs, key=_day)
            return [o for o, after in zip(obs, obs[1:]) if after.as_of != o.as_of] + [obs[-1]]
    return days


def _plain_timeline(days: list[Observation]) -> list[State]:
    """progress.timeline for records without breakdown keys, from `_last_of_each_day`."""
    return [State(o.as_of, o.value, o.done, NO_KEYS, (o.seq,)) for o in days]


def _reached_days(item: Item, days: list[Observation]) -> list[date]:
    """The days whose record reaches the goal, for an item without breakdown (as _reached says)."""
    if item.kind == "milestone":
        return [o.as_of for o in days if o.done is True]
    goal = item.goal
    if item.reduction:
        return [o.as_of for o in days if o.value is not None and o.value <= goal]  # type: ignore[operator]
    return [o.as_of for o in days if o.value is not None and o.value >= goal]  # type: ignore[operator]


def _evidence_missing(item: Item, inputs: tuple[Observation, ...]) -> tuple[str, ...]:
    """The required documents that no standing record as of the day carries."""
    attached = {o.evidence_for for o in inputs if o.evidence_for}
    return tuple(e.name for e in item.evidence_required if e.name not in attached)


def _progress(item: Item, total: Decimal | None, done: bool | None) -> Decimal:
    """How far from the baseline toward the goal, 0 (none) to 1 (reached), from the latest state's
    total (a target) or done (a milestone)."""
    if item.kind == "milestone":
        return _ONE if done is True else _ZERO
    assert isinstance(item.goal, Decimal)
    if total is None:
        return _ZERO
    goal, baseline = item.goal, item.baseline
    span, gained = (baseline - goal, baseline - total) if item.reduction else (goal - baseline, total - baseline)
    if span <= 0:  # a reduction to its own baseline: reached or not at all
        return _ONE if item.reaches(total, goal) else _ZERO
    return min(_ONE, max(_ZERO, gained / span))


def _reached(item: Item, s: State) -> bool:
    if item.kind == "milestone":
        return s.done is True
    assert isinstance(item.goal, Decimal)
    if s.total is None or not item.reaches(s.total, item.goal):
        return False
    keys = item.breakdown.keys if item.breakdown else {}
    return all(s.keys.get(k, Decimal(0)) >= spec.minimum for k, spec in keys.items())


def _breakdown(item: Item, s: State | None) -> tuple[KeyResult, ...]:
    """Each breakdown key against its minimum (for an item with a breakdown)."""
    assert item.breakdown
    out = []
    for key, spec in item.breakdown.keys.items():
        actual = s.keys.get(key) if s else None
        out.append(KeyResult(key, spec.minimum, actual, actual is not None and actual >= spec.minimum))
    return tuple(out)


def _checkpoint_held(item: Item, cp_value: Decimal, cp_keys: dict[str, Decimal], s: State | None) -> bool:
    if s is None or s.total is None or not item.reaches(s.total, cp_value):
        return False
    return all(s.keys.get(k, Decimal(0)) >= v for k, v in cp_keys.items())


def _checkpoints(item: Item, states: list[State], day: date) -> tuple[CheckpointResult, ...]:
    out = []
    now = states[-1] if states else None
    for cp in item.checkpoints:
        at_cp = state_on(states, cp.date)
        if _checkpoint_held(item, cp.value, cp.breakdown, at_cp):
            status = "met"
        elif day <= cp.date:
            status = "pending"
        elif _checkpoint_held(item, cp.value, cp.breakdown, now):
            status = "met_late"
        else:
            status = "missed"
        shown = at_cp if day > cp.date else now
        out.append(CheckpointResult(cp.date, cp.value, shown.total if shown else None, status))
    return tuple(out)


def _project(item: Item, states: list[State], start_day: date | None) -> Projection:
    assert isinstance(item.goal, Decimal)
    start = (start_day, item.baseline) if start_day else None
    totals = [(s.day, s.total) for s in states if s.total is not None]
    parts, keys = [], []  # each part's projection, and which part it is (None: the total)
    if not totals or not item.reaches(totals[-1][1], item.goal):
        parts.append(project(totals, item.goal, start, down=item.reduction))
        keys.append(None)
    if item.breakdown and states:
        now = states[-1]
        for key, spec in item.breakdown.keys.items():
            if now.keys.get(key, Decimal(0)) >= spec.minimum:
                continue
            series = _key_series(states, key)
            key_start = (start_day, Decimal(0)) if start_day else None
            parts.append(project(series, spec.minimum, key_start))
            keys.append(key)
    return combine(parts, keys)


def _project_plain(item: Item, days: list[Observation], start_day: date | None) -> Projection:
    """_project for an item without breakdown, from `_last_of_each_day` (not empty), none of whose
    records reaches the goal (the only case evaluate_item projects): its one series (its first and
    latest values are all the pace reads), and what pace.combine makes of one projection."""
    goal = item.goal
    assert isinstance(goal, Decimal)
    first, latest = days[0], days[-1]
    if first.value is None or latest.value is None:  # records without a figure are not in the series
        valued = [o for o in days if o.value is not None]
        if not valued:
            return UNKNOWN
        first, latest = valued[0], valued[-1]
    alone = project_short((first.as_of, first.value), (latest.as_of, latest.value), goal,  # type: ignore[arg-type]
                          (start_day, item.baseline) if start_day else None, down=item.reduction)
    if alone.never:
        return NEVER
    return alone if alone.on is not None else UNKNOWN


def _key_series(states: list[State], key: str) -> list[tuple[date, Decimal]]:
    series: list[tuple[date, Decimal]] = []
    for s in states:
        v = s.keys.get(key)
        if v is not None:
            series.append((s.day, v))
    return series
