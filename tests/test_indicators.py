"""evaluate() judges reductions, point-in-time levels, single records against the trajectory's
start, required verification evidence and the plan version in force on the day.

Every case is (plan, records, as_of) -> expected, worked out by hand in its comment.
"""

from datetime import date
from decimal import Decimal

import pytest

from rrf.rules import Observation, Plan, PlanError, evaluate, parse_plan
from rrf.rules.amend import in_force
from synthetic import HEAD

D = date.fromisoformat
SOURCES = [{"doc": "s", "quote": "q"}]


def make_plan(*items: dict, measure_start: str | None = None, plan_start: str | None = None,
              amendments: list | None = None) -> Plan:
    return Plan.model_validate({
        "schema_version": 1,
        "plan": {"title_lv": "t", "title_en": "t", **({"start": plan_start} if plan_start else {})},
        "sources": {"s": {"file": "f.txt", "title_lv": "t", "title_en": "t"}},
        "institutions": {"inst": {"name_lv": "i", "name_en": "i"}},
        "contacts": {},
        "measures": {"1.1.i": {"name_lv": "m", "name_en": "m", "type": "investment", "institution": "inst",
                               **({"start": measure_start} if measure_start else {})}},
        "items": list(items),
        "amendments": amendments or [],
    })


BACKLOG = {  # a reduction: 1 000 pending cases at the baseline, at most 600 by 31.12.2026, from 01.01.2026
    "id": "1.1.i/backlog", "kind": "target", "name_lv": "Uzkrājums", "name_en": "Backlog",
    "unit_lv": "lietas", "unit_en": "cases", "baseline": 1000, "goal": 600, "due": "2026-12-31",
    "start": "2026-01-01", "direction": "decrease", "indicator": "level", "sources": SOURCES,
}
SHARE = {  # a level: 40 % at the baseline, 75 % by 31.12.2026 (latest value counts)
    "id": "1.1.i/share", "kind": "target", "name_lv": "Daļa", "name_en": "Share", "unit_lv": "%",
    "unit_en": "%", "baseline": 40, "goal": 75, "due": "2026-12-31", "indicator": "level", "sources": SOURCES,
}
COUNT = {  # 100 trained by 31.08.2026, no start of its own
    "id": "1.1.i/count", "kind": "target", "name_lv": "Skaits", "name_en": "Count", "unit_lv": "apmācīti",
    "unit_en": "trained", "goal": 100, "due": "2026-08-31", "sources": SOURCES,
}
ACT = {  # a milestone whose verification needs the signed act and the publication
    "id": "1.1.i/act", "kind": "milestone", "name_lv": "Akts", "name_en": "Act", "goal": "done",
    "due": "2026-06-30", "sources": SOURCES,
    "evidence_required": [
        {"name": "signed-act", "title_lv": "Parakstīts akts", "title_en": "Signed act"},
        {"name": "publication", "title_lv": "Publikācija", "title_en": "Publication"},
    ],
}


def obs(seq: int, item: dict, as_of: str, value=None, evidence_for: str | None = None) -> Observation:
    if value in ("done", "not-done"):
        return Observation(seq, item["id"], D(as_of), done=value == "done", evidence_for=evidence_for)
    return Observation(seq, item["id"], D(as_of), value=Decimal(str(value)), evidence_for=evidence_for)


REDUCTIONS = [
    # name, records, as_of, status, projected_on, reasons
    # 1000 -> 900 in 90 days (01.01 to 01.04): 10/9 a day; 300 more to fall: ceil(270) = 270 days -> 27.12.2026
    ("falling fast enough from the baseline", [obs(1, BACKLOG, "2026-04-01", 900)], "2026-04-02", "on_track",
     "2026-12-27", ()),
    # 1000 -> 950 in 90 days: 5/9 a day; 350 more: 630 days -> 22.12.2027, after the deadline
    ("falling too slowly", [obs(1, BACKLOG, "2026-04-01", 950)], "2026-04-02", "at_risk", "2027-12-22",
     ("pace_behind",)),
    ("rising instead of falling", [obs(1, BACKLOG, "2026-04-01", 1100)], "2026-04-02", "at_risk", None,
     ("no_progress",)),
    ("at the goal exactly: reached", [obs(1, BACKLOG, "2026-06-01", 600)], "2026-06-02", "met", None, ()),
    ("below the goal", [obs(1, BACKLOG, "2026-06-01", 420)], "2027-01-05", "met", None, ()),
    ("reached, then back above the goal", [obs(1, BACKLOG, "2026-06-01", 580), obs(2, BACKLOG, "2026-09-01", 640)],
     "2026-09-02", "reversed", None, ()),
    ("above the goal after the deadline", [obs(1, BACKLOG, "2026-12-31", 601)], "2027-01-01", "missed", None, ()),
]


@pytest.mark.parametrize("name,records,as_of,status,projected,reasons", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
def test_a_reduction_is_reached_when_the_value_falls_to_the_goal_or_below(name, records, as_of, status, projected,
                                                                           reasons):
    d = evaluate(make_plan(BACKLOG), records, D(as_of))[0]
    assert (d.status, d.reasons) == (status, reasons)
    if projected is not None:
        assert d.projection.on == D(projected)


def test_a_reduction_explains_itself_as_a_fall_to_the_goal():
    """It says the value and the goal "or below", in both languages."""
    d = evaluate(make_plan(BACKLOG), [obs(1, BACKLOG, "2026-04-01", 950)], D("2026-04-02"))[0]
    assert "950 cases (to fall to 600 or below)" in d.explanation["en"]
    assert "600" in d.explanation["lv"] and "950" in d.explanation["lv"]


def test_a_level_indicator_takes_the_latest_value_not_a_sum():
    """60 % then 55 %: the level is 55, not 115; the goal 75 is not reached."""
    d = evaluate(make_plan(SHARE), [obs(1, SHARE, "2026-02-01", 60), obs(2, SHARE, "2026-03-01", 55)],
                 D("2026-03-02"))[0]
    assert (d.actual, d.status) == (Decimal(55), "at_risk")  # fell since the first record: no gain


@pytest.mark.parametrize("where,kwargs,status", [
    # one record of 6 on 25.08.2026, six days before the deadline. From a start on 01.01.2026 with
    # baseline 0: 6 in 236 days, 94 more take ceil(94 / (6/236)) = 3 698 days: at risk.
    ("the measure's start", {"measure_start": "2026-01-01"}, "at_risk"),
    ("the plan's start", {"plan_start": "2026-01-01"}, "at_risk"),
    ("no start anywhere", {}, "on_track"),
])
def test_one_record_is_judged_from_the_baseline_at_the_start(where, kwargs, status):
    """Without its own start, an item's trajectory starts at its measure's start, else the plan's;
    with none of them one record cannot be judged and the explanation says so plainly."""
    d = evaluate(make_plan(COUNT, **kwargs), [obs(1, COUNT, "2026-08-25", 6)], D("2026-08-25"))[0]
    assert d.status == status
    if status == "on_track":
        assert "one record and no start date for the item, its measure or the plan" in d.explanation["en"]
    else:
        assert d.trajectory_start == D("2026-01-01") and "pace_behind" in d.reasons


EVIDENCE = [
    # records, status, evidence_missing
    ([obs(1, ACT, "2026-05-01", "done")], "met", ("signed-act", "publication")),
    ([obs(1, ACT, "2026-05-01", "done", evidence_for="signed-act")], "met", ("publication",)),
    ([obs(1, ACT, "2026-05-01", "done", evidence_for="signed-act"),
      obs(2, ACT, "2026-05-03", "done", evidence_for="publication")], "met", ()),
    # not reached: nothing is missing yet (the evidence is asked for once the item is reached)
    ([obs(1, ACT, "2026-05-01", "not-done", evidence_for="signed-act")], "on_track", ()),
    # a correction that withdraws the record takes its evidence with it
    ([obs(1, ACT, "2026-05-01", "done", evidence_for="signed-act"),
      Observation(2, ACT["id"], D("2026-05-02"), corrects=1),
      obs(3, ACT, "2026-05-02", "done")], "met", ("signed-act", "publication")),
]


@pytest.mark.parametrize("records,status,missing", EVIDENCE)
def test_a_reached_item_carries_the_evidence_it_still_lacks(records, status, missing):
    """A reached item keeps its status and names each required document no standing record carries."""
    d = evaluate(make_plan(ACT), records, D("2026-05-10"))[0]
    assert (d.status, d.evidence_missing) == (status, missing)
    if missing:
        assert "Signed act" in d.explanation["en"] or "Publication" in d.explanation["en"]
        assert "not attached" in d.explanation["en"]


AMENDED = [{  # from 01.03.2026 the count's deadline moves to 31.12.2026 and its goal to 80
    "effective": "2026-03-01", "title_lv": "Grozījumi", "title_en": "Amendment",
    "change": [{"id": "1.1.i/count", "due": "2026-12-31", "goal": 80}],
}]


@pytest.mark.parametrize("as_of,due,goal,status,version", [
    ("2026-02-28", "2026-08-31", 100, "on_track", 0),  # before the amendment: the plan as adopted
    ("2026-03-01", "2026-12-31", 80, "on_track", 1),
    # not missed, as it would be under the adopted deadline; at risk: the pace says 80 by 04.03 but no record shows it
    ("2026-09-01", "2026-12-31", 80, "at_risk", 1),
])
def test_an_amendment_changes_the_due_date_from_its_effective_day(as_of, due, goal, status, version):
    """The decision as of a day uses the plan in force that day, and names its version."""
    plan = make_plan(COUNT, amendments=AMENDED, plan_start="2026-01-01")
    records = [obs(1, COUNT, "2026-02-01", 40)]  # 40 in 31 days: 80 long before either deadline
    d = evaluate(plan, records, D(as_of))[0]
    assert (d.due, d.goal, d.status, d.plan_version) == (D(due), Decimal(goal), status, version)


def test_an_amendment_adds_and_removes_items():
    """Added items are evaluated from the effective day; removed ones are no longer."""
    plan = make_plan(COUNT, SHARE, amendments=[{
        "effective": "2026-06-01", "title_lv": "G", "title_en": "A", "remove": ["1.1.i/share"], "add": [BACKLOG]}])
    before = [d.item_id for d in evaluate(plan, [], D("2026-05-31"))]
    after = [d.item_id for d in evaluate(plan, [], D("2026-06-01"))]
    assert (before, after) == (["1.1.i/count", "1.1.i/share"], ["1.1.i/count", "1.1.i/backlog"])
    assert in_force(plan, D("2026-06-01")).label() == "amendment 1 of 2026-06-01"


BASE_TOML = HEAD + """
[[items]]
id = "1.1.i/count"
kind = "target"
name_lv = "S"
name_en = "C"
unit_lv = "a"
unit_en = "t"
goal = 100
due = 2026-08-31
sources = [{ doc = "s", quote = "q" }]
"""


@pytest.mark.parametrize("extra,path,message", [
    ('[[amendments]]\neffective = 2026-03-01\ntitle_lv = "G"\ntitle_en = "A"\n'
     '[[amendments.change]]\nid = "1.1.i/nope"\ngoal = 5\n',
     "amendments[0].change[0] (1.1.i/nope)", "not an item in force"),
    ('[[amendments]]\neffective = 2026-03-01\ntitle_lv = "G"\ntitle_en = "A"\n'
     '[[amendments.change]]\nid = "1.1.i/count"\ngoal = -5\n',
     "amendments[0].change[0] (1.1.i/count)", "goal must be a positive number"),
    ('[[amendments]]\neffective = 2026-03-01\ntitle_lv = "G"\ntitle_en = "A"\nremove = ["1.1.i/count"]\n'
     '[[amendments]]\neffective = 2026-02-01\ntitle_lv = "G"\ntitle_en = "A"\n',
     "amendments[1].effective", "is before the previous amendment"),
    ('[[items]]\nid = "1.1.i/cut"\nkind = "target"\nname_lv = "S"\nname_en = "C"\nunit_lv = "a"\nunit_en = "t"\n'
     'baseline = 10\ngoal = 20\ndirection = "decrease"\ndue = 2026-08-31\nsources = [{ doc = "s", quote = "q" }]\n',
     "items[1] (1.1.i/cut)", "is above the baseline 10"),
])
def test_a_bad_amendment_or_reduction_is_named_by_its_key(extra, path, message):
    """Loading refuses the plan and names the key path and the problem."""
    with pytest.raises(PlanError) as caught:
        parse_plan((BASE_TOML + extra).encode(), "p.toml")
    assert any(p.path == path and message in p.message for p in caught.value.problems), caught.value.problems
