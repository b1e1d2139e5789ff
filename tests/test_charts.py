"""The charts (rrf.views.charts) draw one item as inline SVG for the portal, the one-file HTML
report and e-mail attachments: `trajectory` its way toward the goal (records, goal, checkpoints,
deadline, as-of day, projection), `breakdown` one bar per breakdown key against its minimum.

The SVG is built on the server: no script, no network, as wide as its container. Every text
is escaped and comes from the message catalogues. These specs read the SVG back with
ElementTree and check where things are drawn, not how the text looks.
"""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from markupsafe import Markup

from conftest import MILESTONE, TARGET, VALID_PLAN, edit_plan
from rrf.rules import Observation, evaluate, parse_plan
from rrf.rules.i18n import Words
from rrf.views.charts import breakdown, trajectory

NS = "{http://www.w3.org/2000/svg}"
D = date.fromisoformat
EN, LV = Words("en"), Words("lv")
START = ("due = 2026-08-31\n", "due = 2026-08-31\nstart = 2024-01-01\nbaseline = 100\n")


def without_breakdown(text: str = VALID_PLAN) -> str:
    """The plan with its target's breakdown cut out (the target then counts overall totals only)."""
    return text[: text.index("[items.breakdown]")] + text[text.index("[[items]]\nid = \"3.1.1.2.i/evaluation-done\""):]


def chart(records: list[tuple[str, object]], as_of: str, text: str = VALID_PLAN, item_id: str = TARGET,
          words: Words = EN, draw=trajectory):
    """Evaluate the plan with `records` ((as-of day, value or done), oldest first) and draw one item:
    returns the SVG text, its parsed root and the item's decision."""
    plan = parse_plan(text.encode()).plan
    obs = [Observation(n, item_id, D(day), **({"done": v} if isinstance(v, bool) else {"value": Decimal(v)}))
           for n, (day, v) in enumerate(records, 1)]
    decision = next(d for d in evaluate(plan, obs, D(as_of)) if d.item_id == item_id)
    svg = draw(plan.item(item_id), decision, words)
    assert isinstance(svg, Markup)
    return str(svg), (ET.fromstring(svg) if svg else None), decision


def having(root: ET.Element, cls: str, tag: str = "*") -> list[ET.Element]:
    """The elements (of `tag`) whose class list holds `cls`, in document order."""
    return [e for e in root.iter(f"{NS}{tag}" if tag != "*" else tag) if cls in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def y_of(root: ET.Element, value: Decimal) -> float:
    """Where `value` lies on the y axis, read from the labelled ticks (English numbers)."""
    ticks = [(Decimal(g.find(f"{NS}text").text.replace(" ", "")), float(g.find(f"{NS}line").get("y1")))
             for g in having(root, "ytick", "g")]
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    assert v0 == 0
    return y0 + (y1 - y0) * float(value / v1)


def x_of(root: ET.Element, day: date) -> float:
    """Where `day` lies on the x axis, read from the first and last date labels (English dates)."""
    first, last = having(root, "date", "text")
    d0, d1 = D(first.text), D(last.text)
    x0, x1 = float(first.get("x")), float(last.get("x"))
    return x0 + (x1 - x0) * (day - d0).days / (d1 - d0).days


def vline_x(root: ET.Element, cls: str) -> float:
    (line,) = having(root, cls, "line")
    assert line.get("x1") == line.get("x2")
    return float(line.get("x1"))


SOME = [("2024-03-01", 100), ("2024-09-01", 300), ("2025-02-01", 500)]


# The frame ------------------------------------------------------------------------------------

@pytest.mark.parametrize("records, as_of, text, item_id, draw", [
    (SOME, "2025-03-01", VALID_PLAN, TARGET, trajectory),
    ([], "2025-03-01", VALID_PLAN, TARGET, trajectory),
    ([("2025-01-10", False), ("2025-05-01", True)], "2025-07-01", VALID_PLAN, MILESTONE, trajectory),
    ([], "2025-07-01", VALID_PLAN, MILESTONE, trajectory),
    (SOME, "2025-03-01", VALID_PLAN, TARGET, breakdown),
], ids=["target", "target without records", "milestone", "milestone without records", "breakdown"])
def test_it_draws_an_accessible_svg_as_wide_as_its_container(records, as_of, text, item_id, draw):
    """It returns one <svg> with a viewBox and width 100% (no fixed size), role img, labelled by
    its own <title> (the item's name) and <desc>, and no script or link to load."""
    svg, root, decision = chart(records, as_of, text, item_id, draw=draw)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("height") is None
    assert [float(n) for n in root.get("viewBox").split()][:2] == [0, 0]
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert EN.pick(parse_plan(text.encode()).plan.item(item_id)) in title.text and desc.text
    assert "<script" not in svg and "href" not in svg and "http" not in svg.replace(NS[1:-1], "")


def test_the_title_says_the_status_and_the_description_explains_it():
    """It titles the trajectory "name: status" and describes it with the decision's explanation."""
    _, root, decision = chart(SOME, "2025-03-01")
    assert root.find(f"{NS}title").text == f"Specialists trained: {EN.label(decision.status)}"
    assert root.find(f"{NS}desc").text == decision.explanation["en"]


# A target -------------------------------------------------------------------------------------

@pytest.mark.parametrize("records", [SOME, [("2024-03-01", 2000)], []], ids=["below", "above the goal", "none"])
def test_the_goal_line_lies_at_the_scaled_goal(records):
    """It scales the y axis from 0 to round ticks (3 to 5) just above the highest of the goal and the
    totals, and draws the goal line across the plot at the goal, labelled "goal 1 300"."""
    _, root, _d = chart(records, "2025-03-01")
    ticks = [Decimal(g.find(f"{NS}text").text.replace(" ", "")) for g in having(root, "ytick", "g")]
    assert 3 <= len(ticks) <= 5 and len({b - a for a, b in zip(ticks, ticks[1:])}) == 1
    assert ticks[-1] >= max([Decimal(1300), *(Decimal(v) for _, v in records)]) * Decimal("1.1")
    (goal,) = having(root, "goal", "line")
    assert float(goal.get("y1")) == float(goal.get("y2")) == pytest.approx(y_of(root, Decimal(1300)), abs=0.1)
    assert "goal 1 300" in texts(root)


@pytest.mark.parametrize("records, days", [
    (SOME, 3),
    ([("2024-03-01", 100), ("2024-03-01", 150), ("2024-05-01", 200)], 2),
    ([("2024-05-01", 200)], 1),
], ids=["three days", "two records on one day", "one record"])
def test_it_draws_one_dot_per_record_day_in_date_order(records, days):
    """It puts one dot per day with records at that day's total (the latest record of the day
    counts), left to right by date, joined by a step line."""
    _, root, _d = chart(records, "2025-03-01")
    dots = having(root, "record", "circle")
    assert len(dots) == days
    xs = [float(c.get("cx")) for c in dots]
    assert xs == sorted(xs) and len(set(xs)) == days
    last_day, last_total = records[-1]
    assert xs[-1] == pytest.approx(x_of(root, D(last_day)), abs=0.2)
    assert float(dots[-1].get("cy")) == pytest.approx(y_of(root, Decimal(last_total)), abs=0.1)
    assert len(having(root, "actual", "path")) == 1


def test_the_deadline_and_as_of_lines_lie_at_their_days():
    """It draws the deadline right of a record made before it, and the as-of line at the as-of
    day, each labelled with its date."""
    _, root, _d = chart(SOME, "2025-03-01")
    last_dot = max(float(c.get("cx")) for c in having(root, "record", "circle"))
    assert vline_x(root, "deadline") > vline_x(root, "today") > last_dot
    assert vline_x(root, "deadline") == pytest.approx(x_of(root, D("2026-08-31")), abs=0.2)
    assert vline_x(root, "today") == pytest.approx(x_of(root, D("2025-03-01")), abs=0.2)
    assert {"deadline 2026-08-31", "as of 2025-03-01"} <= set(texts(root))


def test_the_time_axis_starts_at_the_declared_start_with_the_baseline():
    """It starts the time axis at the plan's start and marks the baseline there."""
    _, root, _d = chart(SOME, "2025-03-01", edit_plan(START))
    (base,) = having(root, "baseline", "circle")
    assert having(root, "date", "text")[0].text == "2024-01-01"
    assert float(base.get("cx")) == pytest.approx(x_of(root, D("2024-01-01")), abs=0.2)
    assert float(base.get("cy")) == pytest.approx(y_of(root, Decimal(100)), abs=0.1)


@pytest.mark.parametrize("records, as_of, status", [
    ([("2024-06-01", 100)], "2024-07-01", "pending"),
    ([("2024-12-01", 800)], "2025-01-10", "met"),
    ([("2024-12-01", 100), ("2025-02-01", 800)], "2025-03-01", "met_late"),
    ([("2024-12-01", 100)], "2025-03-01", "missed"),
])
def test_a_checkpoint_marker_carries_its_status(records, as_of, status):
    """It draws the checkpoint (750 by 2024-12-31) as a diamond at its day and value, classed and
    coloured by its status, with its value beside it."""
    _, root, decision = chart(records, as_of)
    assert decision.checkpoints[0].status == status
    (marker,) = having(root, "checkpoint", "path")
    assert f"cp-{status.replace('_', '-')}" in marker.get("class").split() and marker.get("fill")
    top_x, top_y = (float(n) for n in marker.get("d")[1:].split("l")[0].split(","))
    assert top_x == pytest.approx(x_of(root, D("2024-12-31")), abs=0.2)
    assert top_y + 7 == pytest.approx(y_of(root, Decimal(750)), abs=0.1)
    assert "750" in texts(root)


def test_checkpoint_colours_differ_by_status():
    """It gives met, met late, missed and pending checkpoints four different fallback colours."""
    fills = set()
    for records, as_of in ([([("2024-06-01", 100)], "2024-07-01"), ([("2024-12-01", 800)], "2025-01-10"),
                            ([("2024-12-01", 100), ("2025-02-01", 800)], "2025-03-01"),
                            ([("2024-12-01", 100)], "2025-03-01")]):
        fills.add(having(chart(records, as_of)[1], "checkpoint", "path")[0].get("fill"))
    assert len(fills) == 4


PLAIN = without_breakdown()


@pytest.mark.parametrize("records, as_of, line, label", [
    ([("2024-01-01", 100), ("2024-07-01", 400)], "2024-08-01", True, "2025-12-"),
    ([("2024-01-01", 100), ("2024-07-01", 250)], "2024-08-01", True, "2027-12-"),
    ([("2024-01-01", 100), ("2024-07-01", 150)], "2024-08-01", True, "reached after "),
    ([("2024-01-01", 100), ("2024-07-01", "100.001")], "2024-08-01", True, "reached after "),
    ([("2024-01-01", 100), ("2024-07-01", 100)], "2024-08-01", False, "no progress"),
    ([("2024-07-01", 100)], "2024-08-01", False, None),
], ids=["before the deadline", "after the deadline", "years after the deadline", "after the calendar", "never", "unknown"])
def test_the_projection_is_drawn_when_the_reach_date_is_known(records, as_of, line, label):
    """It draws a dashed line from the latest record to the goal on the projected day; a day more
    than about two years after the deadline (up to date.max, after the calendar) is not drawn
    to scale: the line stops at the right edge, "reached after" its date. No gain: "no progress"
    and no line; an unknown pace: nothing."""
    _, root, decision = chart(records, as_of, PLAIN)
    lines, notes = having(root, "projection", "line"), [t.text for t in having(root, "projection", "text")]
    assert bool(lines) == line == (decision.projection.on is not None)
    if label is None:
        assert not notes
        return
    assert len(notes) == 1 and notes[0].startswith(label)
    if not line:
        return
    (proj,) = lines
    last = having(root, "record", "circle")[-1]
    assert (float(proj.get("x1")), float(proj.get("y1"))) == (float(last.get("cx")), float(last.get("cy")))
    edge = float(having(root, "date", "text")[-1].get("x"))
    if label.startswith("reached after"):
        assert float(proj.get("x2")) == edge and notes[0] == f"reached after {having(root, 'date', 'text')[-1].text}"
        assert float(proj.get("y2")) > y_of(root, Decimal(1300))  # below the goal: not reached yet at the edge
    else:
        assert float(proj.get("x2")) == pytest.approx(x_of(root, decision.projection.on), abs=0.2)
        assert (float(proj.get("x2")) < vline_x(root, "deadline")) == (decision.projection.on < decision.due)
        assert float(proj.get("y2")) == pytest.approx(y_of(root, Decimal(1300)), abs=0.1)


def test_a_projection_after_the_calendar_is_named_so():
    """It copes with a projection of date.max (a gain too slow for the calendar): the time axis
    is not stretched toward it, it ends within a year of the deadline."""
    _, root, decision = chart([("2024-01-01", 100), ("2024-07-01", "100.001")], "2024-08-01", PLAIN)
    assert decision.projection.on == date.max
    assert D("2026-08-31") < D(having(root, "date", "text")[-1].text) < D("2027-08-31")


@pytest.mark.parametrize("as_of", ["9990-01-01", "9999-12-30", "9999-12-31"])
@pytest.mark.parametrize("item_id", [TARGET, MILESTONE])
def test_an_as_of_day_at_the_end_of_the_calendar_is_drawn(as_of, item_id):
    """It draws an item seen from a day near 31.12.9999, the last day there is, without room past
    it (the portal answered such a day with a server error)."""
    records = [("2025-01-01", "300")] if item_id == TARGET else [("2025-01-01", True)]
    svg, root, _ = chart(records, as_of, item_id=item_id)
    assert having(root, "today")


def test_without_records_it_draws_the_frame_and_says_so():
    """It draws the axes, the goal, the checkpoints and the deadline, and "no records yet" in the
    middle, but no dots, step line or projection."""
    _, root, _d = chart([], "2024-06-01")
    assert having(root, "goal", "line") and having(root, "checkpoint", "path") and having(root, "deadline", "line")
    (empty,) = having(root, "empty", "text")
    assert empty.text == "no records yet" and empty.get("text-anchor") == "middle"
    assert not having(root, "record") and not having(root, "actual") and not having(root, "projection")


# A milestone ----------------------------------------------------------------------------------

def test_a_milestone_is_a_row_of_done_and_not_done_dots():
    """It draws a milestone as one row: a filled dot on a day it was done, a hollow one on a day it
    was not, in date order, with the deadline and as-of lines; no value axis and no goal line."""
    _, root, _d = chart([("2025-01-10", False), ("2025-05-01", True)], "2025-07-01", item_id=MILESTONE)
    dots = having(root, "record", "circle")
    assert [c.get("class") for c in dots] == ["record not-done", "record done"]
    assert dots[0].get("fill") == "#ffffff" != dots[1].get("fill")
    assert float(dots[0].get("cx")) < float(dots[1].get("cx")) < vline_x(root, "deadline") < vline_x(root, "today")
    assert len({c.get("cy") for c in dots}) == 1
    assert not having(root, "ytick") and not having(root, "goal")
    assert [t.text for t in dots[1].iter(f"{NS}title")] == ["2025-05-01: done"]


def test_a_milestone_without_records_says_so():
    """It draws the deadline and as-of lines and "no records yet"."""
    _, root, _d = chart([], "2025-01-01", item_id=MILESTONE)
    assert having(root, "deadline", "line") and having(root, "today", "line")
    assert [t.text for t in having(root, "empty", "text")] == ["no records yet"]


# Breakdown ------------------------------------------------------------------------------------

def test_breakdown_has_one_bar_per_key_against_its_minimum():
    """It draws the keys in plan order, each with its name, "actual / minimum", a bar as long as its
    actual (none: empty) and a tick at its minimum; a key at its minimum is met, below it short."""
    records = [("2024-05-01", 260, "RPR"), ("2024-05-01", 100, "KPR")]
    plan = parse_plan(VALID_PLAN.encode()).plan
    obs = [Observation(n, TARGET, D(day), value=Decimal(v), key=k) for n, (day, v, k) in enumerate(records, 1)]
    decision = evaluate(plan, obs, D("2024-06-01"))[0]
    root = ET.fromstring(breakdown(plan.item(TARGET), decision, EN))
    names = [t.text for t in having(root, "key-name", "text")]
    assert names == ["Riga Planning Region", "Kurzeme Planning Region", "Latgale Planning Region",
                     "Vidzeme Planning Region", "Zemgale Planning Region"]
    assert [t.text for t in having(root, "key-value", "text")] == ["260 / 260", "100 / 260"] + ["no data / 260"] * 3
    bars, ticks = having(root, "bar", "rect"), having(root, "minimum", "line")
    assert [b.get("class").split()[1] for b in bars] == ["key-met"] + ["key-short"] * 4
    assert len({t.get("x1") for t in ticks}) == 1 and len(ticks) == 5
    left = float(bars[0].get("x"))
    assert left + float(bars[0].get("width")) == pytest.approx(float(ticks[0].get("x1")), abs=0.1)
    assert float(bars[1].get("width")) == pytest.approx(float(bars[0].get("width")) * 100 / 260, abs=0.1)
    assert [float(b.get("width")) for b in bars[2:]] == [0, 0, 0]
    assert root.find(f"{NS}desc").text == "planning region: 1 of 5 at or above the minimum"


@pytest.mark.parametrize("text, item_id", [(VALID_PLAN, MILESTONE), (PLAIN, TARGET)], ids=["milestone", "target"])
def test_breakdown_is_empty_for_an_item_without_one(text, item_id):
    """It returns empty markup when the item has no breakdown."""
    svg, root, _d = chart(SOME[:1] if item_id == TARGET else [], "2025-03-01", text, item_id, draw=breakdown)
    assert svg == "" and root is None


# Text -----------------------------------------------------------------------------------------

HOSTILE = 'Specialists <script>&" trained'


@pytest.mark.parametrize("draw", [trajectory, breakdown])
def test_text_from_the_plan_is_escaped(draw):
    """It escapes the plan's own text (here a name with <script>, & and a quote) in titles and labels."""
    text = edit_plan(('name_en = "Specialists trained"', 'name_en = "Specialists <script>&\\" trained"'),
                     ('name_en = "Riga Planning Region"', 'name_en = "Riga <script>&\\" Region"'))
    svg, root, _d = chart(SOME, "2025-03-01", text, draw=draw)
    assert "<script" not in svg and "&lt;script&gt;&amp;" in svg
    assert root.find(f"{NS}title").text.startswith(HOSTILE)
    if draw is breakdown:
        assert 'Riga <script>&" Region' in texts(root)


@pytest.mark.parametrize("records, as_of, text, item_id, latvian", [
    (SOME, "2025-03-01", VALID_PLAN, TARGET,
     {"mērķis 1 300", "termiņš 31.08.2026", "stāvoklis uz 01.03.2025", "750", "1 500"}),
    ([], "2025-03-01", VALID_PLAN, TARGET, {"vēl nav neviena ieraksta"}),
    ([], "2025-01-01", VALID_PLAN, MILESTONE, {"vēl nav neviena ieraksta", "termiņš 30.06.2025"}),
    ([("2024-01-01", 100), ("2024-07-01", 100)], "2024-08-01", PLAIN, TARGET, {"progresa nav"}),
], ids=["target", "target without records", "milestone without records", "no progress"])
def test_latvian_charts_speak_latvian(records, as_of, text, item_id, latvian):
    """It writes labels, dates and numbers in Latvian with Words("lv")."""
    _, root, decision = chart(records, as_of, text, item_id, words=LV)
    assert latvian <= set(texts(root))
    assert root.find(f"{NS}desc").text == decision.explanation["lv"]


def test_latvian_names_the_projection_beyond_the_axis():
    """It says "sasniegts pēc" and the right edge's Latvian date when the reach date is off the axis."""
    _, root, _d = chart([("2024-01-01", 100), ("2024-07-01", "100.001")], "2024-08-01", PLAIN, words=LV)
    (note,) = having(root, "projection", "text")
    assert note.text.startswith("sasniegts pēc ") and note.text.count(".") == 2


def test_latvian_breakdown_names_keys_in_latvian():
    """It names the keys by their Latvian names and says "nav datu" for a key without records."""
    _, root, _d = chart(SOME, "2025-03-01", words=LV, draw=breakdown)
    assert "Rīgas plānošanas reģions" in texts(root)
    assert "nav datu / 260" in texts(root)
