"""evaluate(plan, records, as_of) says where each milestone and target stands on a Riga day, and why.

It reads no clock, database or network: every case below is (item, records, as_of) -> expected.
"""

import copy
import pickle
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from rrf.rules import Observation, Plan, evaluate
from rrf.rules.explain import lv_days

D = date.fromisoformat
UTC = timezone.utc

SOURCES = [{"doc": "s", "quote": "q"}]


def make_plan(*items: dict) -> Plan:
    return Plan.model_validate({
        "schema_version": 1,
        "plan": {"title_lv": "t", "title_en": "t"},
        "sources": {"s": {"file": "f.txt", "title_lv": "t", "title_en": "t"}},
        "institutions": {"inst": {"name_lv": "i", "name_en": "i"}},
        "contacts": {},
        "measures": {"1.1.i": {"name_lv": "m", "name_en": "m", "type": "investment", "institution": "inst"}},
        "items": list(items),
    })


TARGET = {  # 100 by 31.08.2026, counted from 01.01.2026
    "id": "1.1.i/target", "kind": "target", "name_lv": "Mērķis", "name_en": "Target",
    "unit_lv": "apmācīti", "unit_en": "trained", "goal": 100, "due": "2026-08-31",
    "start": "2026-01-01", "sources": SOURCES,
}
NO_START = {k: v for k, v in TARGET.items() if k != "start"}
SPLIT = {  # 30 by 31.08.2026, at least 15 in each of a and b
    **NO_START, "id": "1.1.i/split", "goal": 30,
    "breakdown": {"dimension": "field", "name_lv": "joma", "name_en": "field",
                  "keys": {"a": {"minimum": 15, "name_lv": "a", "name_en": "a"},
                           "b": {"minimum": 15, "name_lv": "b", "name_en": "b"}}},
}
INTERIM = {  # 1 300 by 31.08.2026, with 750 by 31.12.2024
    **NO_START, "id": "1.1.i/interim", "goal": 1300,
    "checkpoints": [{"date": "2024-12-31", "value": 750, "doc": "s", "quote": "q"}],
}
MILESTONE = {
    "id": "1.1.i/milestone", "kind": "milestone", "name_lv": "Regulējums spēkā",
    "name_en": "Framework in force", "goal": "done", "due": "2025-06-30", "sources": SOURCES,
}


def rec(seq: int, item: dict, as_of: str, value=None, key=None) -> Observation:
    if value in ("done", "not-done"):
        return Observation(seq, item["id"], D(as_of), done=value == "done", key=key)
    return Observation(seq, item["id"], D(as_of), value=Decimal(value), key=key)


def one(item: dict, records: list[Observation], as_of):
    return evaluate(make_plan(item), records, as_of)[0]


CASES = [
    # id, item, records, as_of, status
    ("nothing recorded before the deadline", TARGET, [], "2026-05-01", "no_data"),
    ("nothing recorded on the due day", TARGET, [], "2026-08-31", "no_data"),
    ("nothing recorded after the deadline", TARGET, [], "2026-09-01", "missed"),
    ("records dated after as_of are not yet known", TARGET, [rec(1, TARGET, "2026-06-01", 120)], "2026-05-31", "no_data"),
    ("goal reached on the due day", TARGET, [rec(1, TARGET, "2026-08-31", 100)], "2026-08-31", "met"),
    ("goal reached early and still held", TARGET, [rec(1, TARGET, "2026-03-01", 100)], "2027-01-01", "met"),
    ("goal reached the day after", TARGET, [rec(1, TARGET, "2026-09-01", 100)], "2026-09-05", "met_late"),
    ("short after the deadline", TARGET, [rec(1, TARGET, "2026-08-31", 99)], "2026-09-01", "missed"),
    ("ahead of the pace needed", TARGET, [rec(1, TARGET, "2026-05-01", 50)], "2026-05-02", "on_track"),
    ("behind the pace needed", TARGET, [rec(1, TARGET, "2026-05-01", 30)], "2026-05-02", "at_risk"),
    ("no gain between records", NO_START,
     [rec(1, NO_START, "2026-02-01", 30), rec(2, NO_START, "2026-04-01", 30)], "2026-04-02", "at_risk"),
    ("one record and no start: pace unknown", NO_START, [rec(1, NO_START, "2026-02-01", 10)], "2026-02-02", "on_track"),
    ("reached, then a later record falls below the goal", TARGET,
     [rec(1, TARGET, "2026-06-01", 120), rec(2, TARGET, "2026-07-01", 90)], "2026-07-02", "reversed"),
    ("reversal stays reversed after the deadline", TARGET,
     [rec(1, TARGET, "2026-06-01", 120), rec(2, TARGET, "2026-07-01", 90)], "2026-12-01", "reversed"),
    ("reversal not yet known on the day before it", TARGET,
     [rec(1, TARGET, "2026-06-01", 120), rec(2, TARGET, "2026-07-01", 90)], "2026-06-30", "met"),
    ("a same-day correction supersedes: never reached, not reversed", TARGET,
     [rec(1, TARGET, "2026-06-01", 100), rec(2, TARGET, "2026-06-01", 80)], "2026-06-02", "on_track"),
    ("an older-dated record reported later does not supersede", TARGET,
     [rec(1, TARGET, "2026-06-01", 100), rec(2, TARGET, "2026-05-01", 50)], "2026-06-02", "met"),
    # breakdowns: the total and every minimum must hold
    ("total met while one key is short is not met", SPLIT,
     [rec(1, SPLIT, "2026-08-01", 20, "a"), rec(2, SPLIT, "2026-08-01", 10, "b")], "2026-09-01", "missed"),
    ("every key at its minimum", SPLIT,
     [rec(1, SPLIT, "2026-08-01", 15, "a"), rec(2, SPLIT, "2026-08-01", 15, "b")], "2026-09-01", "met"),
    ("keys reached on different days: met when the last one is", SPLIT,
     [rec(1, SPLIT, "2026-08-01", 15, "a"), rec(2, SPLIT, "2026-09-10", 15, "b")], "2026-09-11", "met_late"),
    ("a key falls back after the goal was met", SPLIT,
     [rec(1, SPLIT, "2026-05-01", 15, "a"), rec(2, SPLIT, "2026-05-01", 15, "b"),
      rec(3, SPLIT, "2026-06-01", 14, "b")], "2026-06-02", "reversed"),
    ("a short key's own pace is enough", SPLIT,
     [rec(1, SPLIT, "2026-03-01", 15, "a"), rec(2, SPLIT, "2026-03-01", 5, "b"),
      rec(3, SPLIT, "2026-05-01", 10, "b")], "2026-05-02", "on_track"),
    ("the total is reached but a short key is too slow", SPLIT,
     [rec(1, SPLIT, "2026-03-01", 15, "a"), rec(2, SPLIT, "2026-03-01", 1, "b"),
      rec(3, SPLIT, "2026-05-01", 28, "a"), rec(4, SPLIT, "2026-05-01", 2, "b")], "2026-05-02", "at_risk"),
    ("an overall total without a key meets no minimum", SPLIT,
     [rec(1, SPLIT, "2026-08-01", 30)], "2026-09-01", "missed"),
    # interim checkpoints
    ("behind a passed checkpoint though the pace is enough", INTERIM,
     [rec(1, INTERIM, "2024-06-30", 300), rec(2, INTERIM, "2024-12-31", 600)], "2025-01-01", "at_risk"),
    ("checkpoint day itself is not yet passed", INTERIM,
     [rec(1, INTERIM, "2024-06-30", 300), rec(2, INTERIM, "2024-12-31", 600)], "2024-12-31", "on_track"),
    ("checkpoint met late is no longer behind", INTERIM,
     [rec(1, INTERIM, "2024-06-30", 300), rec(2, INTERIM, "2024-12-31", 600),
      rec(3, INTERIM, "2025-02-01", 800)], "2025-03-01", "on_track"),
    # milestones
    ("milestone: nothing recorded yet", MILESTONE, [], "2025-01-01", "no_data"),
    ("milestone: not done yet, before the deadline", MILESTONE, [rec(1, MILESTONE, "2025-05-01", "not-done")], "2025-05-02", "on_track"),
    ("milestone: done on the due day", MILESTONE, [rec(1, MILESTONE, "2025-06-30", "done")], "2025-06-30", "met"),
    ("milestone: done the day after", MILESTONE, [rec(1, MILESTONE, "2025-07-01", "done")], "2025-07-01", "met_late"),
    ("milestone: not done by the deadline", MILESTONE, [rec(1, MILESTONE, "2025-05-01", "not-done")], "2025-07-01", "missed"),
    ("milestone: done, then undone", MILESTONE,
     [rec(1, MILESTONE, "2025-05-01", "done"), rec(2, MILESTONE, "2025-08-01", "not-done")], "2025-08-01", "reversed"),
]


@pytest.mark.parametrize("item, records, as_of, status", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_status(item, records, as_of, status):
    assert one(item, records, D(as_of)).status == status


def test_every_contract_status_is_covered():
    """The table above exercises each status of CONTRACT.md."""
    from rrf.rules import STATUSES

    assert {c[4] for c in CASES} == set(STATUSES)


EDGES = [
    # A deadline includes its whole day in Europe/Riga, across both DST switches.
    ("23:59:59 on the due day in Riga (EEST) counts", "2026-08-31", datetime(2026, 8, 31, 20, 59, 59, tzinfo=UTC), "no_data"),
    ("00:00 the next day in Riga does not", "2026-08-31", datetime(2026, 8, 31, 21, 0, 0, tzinfo=UTC), "missed"),
    ("autumn switch day (EEST->EET): 23:59:59 counts", "2026-10-25", datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC), "no_data"),
    ("autumn switch day (EEST->EET): 00:00 next day", "2026-10-25", datetime(2026, 10, 25, 22, 0, 0, tzinfo=UTC), "missed"),
    ("spring switch day (EET->EEST): 23:59:59 counts", "2026-03-29", datetime(2026, 3, 29, 20, 59, 59, tzinfo=UTC), "no_data"),
    ("spring switch day (EET->EEST): 00:00 next day", "2026-03-29", datetime(2026, 3, 29, 21, 0, 0, tzinfo=UTC), "missed"),
    ("winter: 23:59:59 Riga is 21:59:59 UTC", "2026-01-15", datetime(2026, 1, 15, 21, 59, 59, tzinfo=UTC), "no_data"),
    ("winter: 22:00 UTC is already the next day in Riga", "2026-01-15", datetime(2026, 1, 15, 22, 0, 0, tzinfo=UTC), "missed"),
]


@pytest.mark.parametrize("due, instant, status", [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_deadline_edges_in_riga(due, instant, status):
    assert one({**TARGET, "start": None, "due": due}, [], instant).status == status


def test_a_record_on_the_due_day_meets_it_until_midnight_in_riga():
    item = {**TARGET, "due": "2026-10-25"}
    records = [rec(1, item, "2026-10-25", 100)]
    assert one(item, records, datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC)).status == "met"


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        one(TARGET, [], datetime(2026, 8, 31, 23, 59))


def test_the_projection_is_explained_with_its_numbers():
    """Contract example: 1 300 by 31.08.2026, counted from 13.06.2023; 650 as of 14.04.2025."""
    item = {**INTERIM, "checkpoints": [], "start": "2023-06-13"}
    d = one(item, [rec(1, item, "2025-04-14", 650)], D("2025-04-15"))
    assert d.status == "at_risk"
    assert d.projection.on == D("2027-02-14")
    assert "at the recorded pace 1 300 is reached on 2027-02-14, 167 days after the deadline" in d.explanation["en"]
    assert "ar reģistrēto tempu 1 300 tiks sasniegts 14.02.2027, 167 dienas pēc termiņa" in d.explanation["lv"]
    assert d.reasons == ("pace_behind",)


@pytest.mark.parametrize("value, en, lv", [
    ("14.999", "14.999", "14,999"), ("14.9990", "14.999", "14,999"), ("0.0010", "0.001", "0,001"),
    ("1300.5", "1 300.5", "1 300,5"), ("1234567.125", "1 234 567.125", "1 234 567,125"), ("1300.00", "1 300", "1 300"),
    ("0.0000001", "0.0000001", "0,0000001"),
])
def test_a_figure_is_shown_with_every_decimal_it_has_never_rounded(value, en, lv):
    """It shows a figure as recorded (trailing zeros dropped): 14.999 of 15 is never "15." of 15,
    which would read as reached while the status says missed."""
    item = {**TARGET, "goal": 2_000_000}
    d = one(item, [rec(1, item, "2026-08-01", Decimal(value))], D("2026-09-01"))
    assert d.status == "missed"
    assert d.explanation["en"].startswith(f"Missed: {en} of 2 000 000 ")
    assert f": {lv} no 2 000 000" in d.explanation["lv"]


def test_a_pace_too_slow_for_the_calendar_is_at_risk_after_the_year_9999():
    """1 of 15 000 a year after the start is 41 000 years from the goal (real data has such paces: Italy's M2C1I2.03)."""
    item = {**TARGET, "goal": 15000, "start": "2024-03-31"}
    d = one(item, [rec(1, item, "2025-03-31", 1)], D("2025-04-01"))
    assert d.status == "at_risk" and d.reasons == ("pace_behind",)
    assert d.projection.on == date.max
    assert "at the recorded pace 15 000 is reached only after the year 9999" in d.explanation["en"]
    assert "ar reģistrēto tempu 15 000 tiks sasniegts tikai pēc 9999. gada" in d.explanation["lv"]


def test_explanations_carry_the_numbers_in_both_languages():
    d = one(SPLIT, [rec(1, SPLIT, "2026-08-01", 20, "a"), rec(2, SPLIT, "2026-08-01", 10, "b")], D("2026-09-03"))
    assert d.explanation["en"] == "Missed: 30 of 30 trained by the deadline 2026-08-31, 3 days ago; short in b (10 of 15)."
    # Latvian names a short key by its name_lv, English by its id (the message catalogues' fix of "nepietiek: b").
    name_lv = SPLIT["breakdown"]["keys"]["b"]["name_lv"]
    assert d.explanation["lv"] == (
        f"Nav sasniegts: apmācīti: 30 no 30 līdz termiņam 31.08.2026, kas pagāja pirms 3 dienām; nepietiek: {name_lv} (10 no 15).")
    assert [(k.key, k.actual, k.met) for k in d.breakdown] == [("a", 20, True), ("b", 10, False)]
    assert d.reasons == ("key_short:b",)


STALL = {**SPLIT, "start": "2026-01-01", "breakdown": {**SPLIT["breakdown"], "keys": {
    "a": {"minimum": 15, "name_lv": "pirmā joma", "name_en": "first field"},
    "b": {"minimum": 15, "name_lv": "otrā joma", "name_en": "second field"}}}}
# (records as (day, value, key), the end of the explanation in English, in Latvian): the part that
# makes "never" is named when it is a breakdown key, not when the whole total has no gain
STALLED = [
    ([("2026-03-01", 10, "a"), ("2026-03-01", 0, "b")],
     "no gain has been recorded in b, so at this pace the goal is never reached.",
     "otrā joma – pieaugums nav reģistrēts, tāpēc ar šo tempu mērķis netiks sasniegts."),
    ([("2026-03-01", 0, "a"), ("2026-03-01", 0, "b")],
     "no gain has been recorded, so at this pace the goal is never reached.",
     "; pieaugums nav reģistrēts, tāpēc ar šo tempu mērķis netiks sasniegts."),
]


@pytest.mark.parametrize("records, en, lv", STALLED, ids=["one key stalled", "nothing gained"])
def test_no_gain_names_the_breakdown_key_that_has_none(records, en, lv):
    """It says which breakdown key has no gain when that key alone makes the goal unreachable at
    the recorded pace (not "no gain has been recorded" of an item whose total grows), in English by
    the key's id and in Latvian by its name."""
    d = one(STALL, [rec(n, STALL, day, value, key) for n, (day, value, key) in enumerate(records, 1)], D("2026-04-01"))
    assert d.projection.never and d.status == "at_risk"
    assert d.explanation["en"].endswith(en) and d.explanation["lv"].endswith(lv)


def test_checkpoint_results_and_reasons():
    records = [rec(1, INTERIM, "2024-06-30", 300), rec(2, INTERIM, "2024-12-31", 600)]
    d = one(INTERIM, records, D("2025-01-01"))
    [cp] = d.checkpoints
    assert (cp.date, cp.goal, cp.actual, cp.status) == (D("2024-12-31"), 750, 600, "missed")
    assert "checkpoint_behind" in d.reasons
    assert "behind the checkpoint of 750 by 2024-12-31 (600 on that day)" in d.explanation["en"]
    assert "atpaliek no starpposma mērķa 750 līdz 31.12.2024 (tajā dienā 600)" in d.explanation["lv"]


def test_records_used_are_the_latest_per_key():
    records = [rec(1, SPLIT, "2026-03-01", 5, "a"), rec(2, SPLIT, "2026-04-01", 9, "a"),
               rec(3, SPLIT, "2026-04-01", 7, "b"), rec(4, SPLIT, "2026-05-01", 99, "b")]
    d = one(SPLIT, records, D("2026-04-15"))
    assert d.records_used == (2, 3)
    assert d.actual == 16


def test_stale_projection_is_at_risk():
    """A pace that says the goal should already be reached, with no record showing it, is at risk."""
    d = one(TARGET, [rec(1, TARGET, "2026-02-01", 60)], D("2026-04-01"))
    assert d.projection.on == D("2026-02-22")
    assert d.status == "at_risk" and d.reasons == ("stale",)
    assert "would have been reached on 2026-02-22, but no record shows it (latest as of 2026-02-01)" in d.explanation["en"]


def test_a_decision_copied_or_pickled_keeps_its_item_and_explanation():
    """A decision's item and explanation are not fields (they are not compared), but a copy or a
    pickle (a worker process, a stored task result) carries them."""
    d = one(TARGET, [rec(1, TARGET, "2026-02-01", 60)], D("2026-04-01"))
    said = d.explanation
    for again in (copy.copy(d), pickle.loads(pickle.dumps(d))):
        assert again == d and again.item.id == TARGET["id"] and again.explanation == said


def test_the_order_records_are_given_in_does_not_change_a_decision():
    """Records read from the store come in the order they were written; evaluate takes that order
    without sorting each item's records again, and sorts them when they come in any other."""
    plan = make_plan(TARGET, SPLIT, INTERIM)
    records = [rec(1, TARGET, "2026-03-01", 40), rec(2, SPLIT, "2026-03-01", 5, "a"), rec(3, INTERIM, "2024-06-30", 300),
               rec(4, TARGET, "2026-02-01", 30), rec(5, SPLIT, "2026-04-01", 9, "b"), rec(6, TARGET, "2026-03-01", 45),
               rec(7, INTERIM, "2024-12-31", 600), rec(8, SPLIT, "2026-04-01", 7, "a")]
    written = evaluate(plan, records, D("2026-05-01"))
    for other in (records[::-1], records[3:] + records[:3]):
        again = evaluate(plan, other, D("2026-05-01"))
        assert again == written
        assert [d.inputs for d in again] == [tuple(sorted(d.inputs, key=lambda o: o.seq)) for d in again]


def test_decisions_come_in_plan_order_one_per_item():
    plan = make_plan(TARGET, SPLIT, MILESTONE)
    assert [d.item_id for d in evaluate(plan, [], D("2026-01-01"))] == [TARGET["id"], SPLIT["id"], MILESTONE["id"]]


@pytest.mark.parametrize("n, case, text", [
    (1, "nom", "1 diena"), (2, "nom", "2 dienas"), (11, "nom", "11 dienas"), (21, "nom", "21 diena"),
    (0, "nom", "0 dienas"), (1, "acc", "1 dienu"), (167, "acc", "167 dienas"), (1, "dat", "1 dienas"),
    (3, "dat", "3 dienām"), (111, "dat", "111 dienām"),
])
def test_latvian_day_counts_agree_with_their_number(n, case, text):
    assert lv_days(n, case) == text
