"""The pace rule: when would the goal be reached if progress went on as recorded?

The recorded pace of a series is its average daily gain (for a reduction: its
average daily fall) from a reference point to its latest record. The reference
point is the trajectory's start with the item's baseline (0 for a breakdown key)
when it lies before the latest record; otherwise the series' first record. The
trajectory starts on the item's `start`, else its measure's `start`, else the
plan's `[plan] start`: so a single record is judged against the baseline. The
goal is projected to be reached `ceil((goal - latest) / pace)` days after the
latest record.

- Fewer than two points (no start date anywhere and one record; or a key never
  reported on its own): the pace is unknown.
- No gain (pace <= 0) while short of the goal: it is never reached at this pace.
- A gain so slow that the day falls after 9999-12-31 (the last day a date can
  hold): the projection is that last day, and the explanation says "after 9999".

For a breakdown, the total and every key short of its minimum are projected
the same way; the item is reached on the latest of the known dates, never if
any part is never; it is unknown only when no part can be projected.
"""

import math
from datetime import date
from decimal import Decimal
from typing import NamedTuple


class Projection(NamedTuple):
    """`on` is the projected date; `never` means no gain was recorded; neither: unknown. (A named
    tuple: a large check makes one for every target short of its goal.)"""

    on: date | None = None  # date.max: after the last day the calendar holds
    never: bool = False
    pace_per_day: Decimal | None = None
    stalled: tuple[str, ...] = ()  # the breakdown keys with no gain, when they alone make it `never`

    @property
    def known(self) -> bool:
        return self.on is not None or self.never


UNKNOWN = Projection()  # no projection (immutable: each shared)
NEVER = Projection(never=True)  # never reached at the recorded pace, as an item's whole projection


def project(
    points: list[tuple[date, Decimal]], goal: Decimal, start: tuple[date, Decimal] | None, *, down: bool = False
) -> Projection:
    """Project one series (`points` oldest first) to `goal`: up to it, or `down` to it (a reduction)."""
    if not points:
        return UNKNOWN
    sign = -1 if down else 1
    last_day, last = points[-1]
    if sign * last >= sign * goal:
        return Projection(on=next((d for d, v in points if sign * v >= sign * goal), last_day))
    return project_short(points[0], points[-1], goal, start, down=down)


def project_short(first: tuple[date, Decimal], latest: tuple[date, Decimal], goal: Decimal,
                  start: tuple[date, Decimal] | None, *, down: bool = False) -> Projection:
    """`project` for a series whose latest point is short of `goal`, from its first and latest points
    (the only ones the pace reads)."""
    sign = -1 if down else 1
    last_day, last = latest
    ref = start if start is not None and start[0] < last_day else first
    days = (last_day - ref[0]).days
    if days <= 0:
        return UNKNOWN
    pace = sign * (last - ref[1]) / days
    if pace <= 0:
        return Projection(None, True, pace)
    days_to_goal = math.ceil(sign * (goal - last) / pace)
    if days_to_goal > (date.max - last_day).days:  # beyond the calendar: as late as a date can be
        return Projection(date.max, False, pace)
    return Projection(date.fromordinal(last_day.toordinal() + days_to_goal), False, pace)  # a third of + timedelta's cost


def combine(projections: list[Projection], keys: list[str | None]) -> Projection:
    """The item's projection from its total's and its short keys' projections (`keys`: which part
    each is, None for the total): never when any part is never, naming the keys that are when the
    total is not one of them."""
    if any(p.never for p in projections):
        stalled = [k for k, p in zip(keys, projections) if p.never]
        if not stalled or None in stalled:
            return NEVER
        return Projection(never=True, stalled=tuple(stalled))  # type: ignore[arg-type]
    dates = [p.on for p in projections if p.on is not None]
    if not dates:
        return UNKNOWN
    return Projection(on=max(dates), pace_per_day=projections[0].pace_per_day)
