"""Server-side SVG charts of one item: its way toward the goal, and its breakdown by key.

The SVG is plain text built here (no JavaScript, no network, no chart library), so a chart
reads the same in the portal, in the one-file HTML report and in an e-mail attachment. Every
text is escaped, and every word comes from the message catalogues (`Words`). Each element
carries a CSS class (goal, actual, record, baseline, checkpoint cp-met…, deadline, today,
projection, key-met, key-short) for the page's style, and inline stroke/fill as a fallback.
A chart is as wide as its container (`width="100%"` and a viewBox); its text stays readable
when a phone shrinks it.
"""

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from markupsafe import Markup, escape

from rrf.rules.evaluate import Decision
from rrf.rules.i18n import Words
from rrf.rules.plan import Item
from rrf.rules.progress import State, timeline
from rrf.rules.vocab import milestone_value

__all__ = ["trajectory", "breakdown"]

SVG = "http://www.w3.org/2000/svg"
W = 480  # viewBox width; text is 13 units high, about 10 px on a phone
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 40, 28  # margins: tick labels, deadline and as-of labels, dates
FAR = timedelta(days=730)  # the time axis reaches a projected day at most this long after the deadline
ROW = 40  # a breakdown key's row
GREY, GREEN, BLUE, RED = "#57606a", "#1a7f37", "#0969da", "#cf222e"
COLOUR = {  # fallback colours where no style sheet sets the classes
    "axis": GREY, "tick": GREY, "date": GREY, "today": GREY, "empty": GREY, "grid": "#d0d7de",
    "goal": GREEN, "actual": BLUE, "projection": BLUE, "deadline": RED, "cp-met": GREEN, "cp-met-late": "#bf8700",
    "cp-missed": RED, "cp-pending": "#8c959f", "key-met": GREEN, "key-short": RED, "track": "#eaeef2",
    "minimum": "#24292f",
}
Point = tuple[date, Decimal]


def _el(name: str, *children: object, **attrs: object) -> Markup:
    """One element; `class_` is written class and `font_size` font-size. Text and values are
    escaped (a Markup child is markup already). Plain string building: Markup.format costs
    ten times as much, and a report draws thousands of elements."""
    head = [name]
    for key, value in attrs.items():
        if value is not None:
            shown = f"{value:.1f}" if isinstance(value, float) else value
            head.append(f'{key.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    opening = " ".join(head)
    if not children:
        return Markup(f"<{opening}/>")
    return Markup(f"<{opening}>{''.join(escape(c) for c in children)}</{name}>")


def _text(x: float, y: float, body: str, cls: str, anchor: str = "start") -> Markup:
    return _el("text", body, x=x, y=y, class_=cls, text_anchor=anchor, fill=COLOUR.get(cls, "#24292f"))


def _beside(x: float, y: float, body: str, cls: str, gap: float = 4) -> Markup:
    """A label beside `x`: to its right in the plot's left half, to its left in the right half."""
    if x > (LEFT + W - RIGHT) / 2:
        return _text(x - gap, y, body, cls, "end")
    return _text(x + gap, y, body, cls)


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, **attrs: object) -> Markup:
    return _el("line", x1=x1, y1=y1, x2=x2, y2=y2, class_=cls, stroke=COLOUR[cls], **attrs)


def _svg(item: Item, kind: str, height: int, title: str, desc: str, body: list[Markup]) -> Markup:
    ident = f"chart-{re.sub(r'[^A-Za-z0-9]+', '-', item.id)}-{kind}"
    return _el(
        "svg", _el("title", title, id=f"{ident}-title"), _el("desc", desc, id=f"{ident}-desc"), *body,
        xmlns=SVG, viewBox=f"0 0 {W} {height}", width="100%", role="img", class_=f"chart {kind}",
        aria_labelledby=f"{ident}-title {ident}-desc", font_family="sans-serif", font_size=13,
    )


@dataclass(frozen=True)
class _Frame:
    """Where a day and a value go: days d0..d1 across, values 0..top up the plot."""

    d0: date
    d1: date
    top: Decimal
    height: int

    def x(self, day: date) -> float:
        share = (day - self.d0).days / (self.d1 - self.d0).days
        return LEFT + (W - LEFT - RIGHT) * min(max(share, 0.0), 1.0)

    def y(self, value: Decimal) -> float:
        return self.height - BOTTOM - (self.height - TOP - BOTTOM) * float(value / self.top)


def _days(item: Item, d: Decision, first: date | None) -> tuple[date, date]:
    """From the start or first record to the deadline or as-of day, or the projected day if not too far."""
    d0 = min(filter(None, (item.start, first, d.as_of, d.due, *(c.date for c in d.checkpoints))))
    d1 = max(d.due, d.as_of)
    if d.projection.on and d1 < d.projection.on <= d.due + FAR:
        d1 = d.projection.on
    room = timedelta(days=max((d1 - d0).days // 20, 7))  # right of the last line, within the calendar (9999)
    end = d1 + min(room, date.max - d1)
    return (d0 if d0 < end else end - timedelta(days=1)), end


def _ticks(high: Decimal) -> list[Decimal]:
    """0 and 3 or 4 round steps (1, 2, 2.5 or 5 times a power of ten) reaching at least `high`."""
    unit = Decimal(1).scaleb((high / 4).adjusted())
    step = next(unit * Decimal(m) for m in ("1", "2", "2.5", "5", "10") if high <= 4 * unit * Decimal(m))
    return [step * n for n in range(math.ceil(high / step) + 1)]


def _time(f: _Frame, d: Decision, _: Words, axis_y: float) -> list[Markup]:
    """The dates of the time axis, and the deadline and as-of lines with their labels."""
    out = [_text(LEFT, f.height - 8, _.date(f.d0), "date"), _text(W - RIGHT, f.height - 8, _.date(f.d1), "date", "end")]
    for day, cls, label, y in ((d.due, "deadline", _("deadline {date}", date=_.date(d.due)), 14),
                               (d.as_of, "today", _("as of {date}", date=_.date(d.as_of)), 30)):
        x = f.x(day)
        dashes = "4 3" if cls == "today" else None
        # both lines start below both labels, so that neither crosses the other's label
        out += [_line(x, 34, x, axis_y, cls, stroke_width=1.5, stroke_dasharray=dashes), _beside(x, y, label, cls)]
    return out


def trajectory(item: Item, decision: Decision, words: Words) -> Markup:
    """The item's course as an SVG: records, goal, checkpoints, deadline, as-of day and projection."""
    _ = words
    title = _("{name}: {what}", name=_.pick(item), what=_.label(decision.status))
    desc = decision.explanation.get(_.lang) or title
    states = timeline(decision.inputs)
    if item.kind == "milestone":
        return _svg(item, "trajectory", 110, title, desc, _milestone(item, decision, _, states))
    points = [(s.day, s.total) for s in states if s.total is not None]
    return _svg(item, "trajectory", 300, title, desc, _target(item, decision, _, points))


def _milestone(item: Item, d: Decision, _: Words, states: list[State]) -> list[Markup]:
    """One row: a dot per record day, filled when done, hollow when not."""
    records = [s for s in states if s.done is not None]
    f = _Frame(*_days(item, d, records[0].day if records else None), Decimal(1), 110)
    row = (TOP + f.height - BOTTOM) / 2
    out = [_line(LEFT, row, W - RIGHT, row, "axis"), *_time(f, d, _, f.height - BOTTOM)]
    for s in records:
        tip = _el("title", _("{date}: {value}", date=_.date(s.day), value=_.actual(milestone_value(s.done))))
        out.append(_el("circle", tip, cx=f.x(s.day), cy=row, r=6, class_="record done" if s.done else "record not-done",
                       stroke=BLUE, stroke_width=2, fill=BLUE if s.done else "#ffffff"))
    if not records:
        out.append(_text((LEFT + W - RIGHT) / 2, row - 12, _("no records yet"), "empty", "middle"))
    return out


def _target(item: Item, d: Decision, _: Words, points: list[Point]) -> list[Markup]:
    """Value ticks, goal, checkpoints, baseline, the total as a step line with its record days, projection."""
    assert isinstance(item.goal, Decimal)
    high = max([item.goal, item.baseline, *(v for _day, v in points), *(c.goal for c in d.checkpoints)])
    ticks = _ticks(high * Decimal("1.1"))
    f = _Frame(*_days(item, d, points[0][0] if points else None), ticks[-1], 300)
    out = [_el("g", _line(LEFT, f.y(t), W - RIGHT, f.y(t), "axis" if t == 0 else "grid"),
               _text(LEFT - 6, f.y(t) + 4, _.number(t), "tick", "end"), class_="ytick") for t in ticks]
    out += _time(f, d, _, f.y(Decimal(0)))
    gy = f.y(item.goal)
    out += [_line(LEFT, gy, W - RIGHT, gy, "goal", stroke_width=1.5, stroke_dasharray="6 3"),
            _text(LEFT + 4, gy - 5, _("goal {n}", n=_.number(item.goal)), "goal")]
    for cp in d.checkpoints:
        x, y, cls = f.x(cp.date), f.y(cp.goal), "cp-" + cp.status.replace("_", "-")
        status = _.pgettext("checkpoint", "pending") if cp.status == "pending" else _.label(cp.status)
        tip = _el("title", _("checkpoint {value} by {date}: {status}",
                             value=_.number(cp.goal), date=_.date(cp.date), status=status))
        out += [_el("path", tip, d=f"M{x:.1f},{y - 7:.1f}l7,7l-7,7l-7,-7z", class_=f"checkpoint {cls}",
                    fill=COLOUR[cls], stroke="#ffffff"),
                _beside(x, y - 8, _.number(cp.goal), cls, gap=8)]
    if item.start:
        out.append(_el("circle", cx=f.x(item.start), cy=f.y(item.baseline), r=4, class_="baseline",
                       fill="#ffffff", stroke=BLUE, stroke_width=2))
    if not points:
        out.append(_text((LEFT + W - RIGHT) / 2, f.y(Decimal(0)) - 24, _("no records yet"), "empty", "middle"))
        return out
    steps = [(item.start, item.baseline)] if item.start and item.start < points[0][0] else []
    steps += [*points, (d.as_of, points[-1][1])]  # the latest total holds until the as-of day
    path = f"M{f.x(steps[0][0]):.1f},{f.y(steps[0][1]):.1f}" + "".join(
        f"H{f.x(day):.1f}V{f.y(v):.1f}" for day, v in steps[1:])
    out.append(_el("path", d=path, class_="actual", fill="none", stroke=BLUE, stroke_width=2))
    for day, v in points:
        tip = _el("title", _("{date}: {value}", date=_.date(day), value=_.number(v)))
        out.append(_el("circle", tip, cx=f.x(day), cy=f.y(v), r=3.5, class_="record", fill=BLUE))
    return out + _projection(f, d, _, points[-1], item.goal)


def _projection(f: _Frame, d: Decision, _: Words, last: Point, goal: Decimal) -> list[Markup]:
    """A dashed line from the latest record to the goal on the projected day (or to the right edge)."""
    (day, total), p = last, d.projection
    x0, y0 = f.x(day), f.y(total)
    if p.never:
        return [_beside(x0, y0 - 8, _("no progress"), "projection")]
    if p.on is None:
        return []
    if p.on <= f.d1:
        end, value, label = p.on, goal, _.date(p.on)
    else:  # off the axis (up to date.max, "after the calendar"): aim at the goal, stop at the edge
        share = Decimal((f.d1 - day).days) / Decimal((p.on - day).days)
        end, value, label = f.d1, total + (goal - total) * share, _("reached after {date}", date=_.date(f.d1))
    x1, y1 = f.x(end), f.y(value)
    return [_line(x0, y0, x1, y1, "projection", stroke_width=1.5, stroke_dasharray="5 4"),
            _beside(x1, y1 - 8, label, "projection")]


def breakdown(item: Item, decision: Decision, words: Words) -> Markup:
    """One bar per breakdown key, in plan order: its actual, a tick at its minimum, met or short."""
    _ = words
    if item.breakdown is None:
        return Markup("")
    results = {k.key: k for k in decision.breakdown}
    keys = item.breakdown.keys
    actuals = [k.actual for k in decision.breakdown if k.actual is not None]
    top = max([spec.minimum for spec in keys.values()] + actuals) * Decimal("1.1") or Decimal(1)
    span = W - 16

    def x(value: Decimal) -> float:
        return 8 + span * float(value / top)

    out: list[Markup] = []
    for n, (key, spec) in enumerate(keys.items()):
        result = results.get(key)
        actual = result.actual if result else None
        cls, y = "key-met" if result and result.met else "key-short", 8 + n * ROW
        value = _("{actual} / {minimum}", actual=_.actual(actual), minimum=_.number(spec.minimum))
        out += [
            _text(8, y + 12, _.pick(spec), "key-name"),
            _text(W - 8, y + 12, value, "key-value", "end"),
            _el("rect", x=8, y=y + 18, width=float(span), height=12, class_="track", fill=COLOUR["track"]),
            _el("rect", x=8, y=y + 18, width=x(actual or Decimal(0)) - 8, height=12, class_=f"bar {cls}",
                fill=COLOUR[cls]),
            _line(x(spec.minimum), y + 15, x(spec.minimum), y + 33, "minimum", stroke_width=2),
        ]
    met = sum(1 for k in decision.breakdown if k.met)
    title = _("{name}: {what}", name=_.pick(item), what=_.pick(item.breakdown))
    desc = _("{breakdown}: {met} of {n} at or above the minimum",
             breakdown=_.pick(item.breakdown), met=met, n=len(keys))
    return _svg(item, "breakdown", 16 + len(keys) * ROW, title, desc, out)
