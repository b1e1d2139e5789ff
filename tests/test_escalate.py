"""decide(plan, decisions, sent, acks, day) says who is told what on a day: the shipped ladder
(responsible contact, head of department, head of the institution), its cadence in Latvian
working days, "resolved" messages, and acknowledgements that stop the climb.

Each case walks day by day through an item's life, feeding each day's notices back as history.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from rrf.rules import Observation, evaluate, parse_plan
from rrf.rules.escalate import Ack, Sent, decide, episode
from ladder import ANNA, HEAD, LADDER, TOP, item_plan

PLAN = parse_plan((item_plan() + LADDER).encode()).plan
D = date.fromisoformat


def walk(records: list[tuple[str, int]], start: str, end: str, acks: list[Ack] = ()) -> dict[str, list[tuple]]:
    """Run the ladder every day from `start` to `end`; return the days on which anyone was told."""
    obs = [Observation(n, "1.1.i/trained", D(day), value=Decimal(v)) for n, (day, v) in enumerate(records, 1)]
    sent: list[Sent] = []
    told: dict[str, list[tuple]] = {}
    day = D(start)
    while day <= D(end):
        decisions = evaluate(PLAN, obs, day)
        notices = decide(PLAN, decisions, sent, [a for a in acks if a.day <= day], day)
        sent += [Sent(day, n.item_id, n.recipient, n.level, n.status, n.kind) for n in notices]
        if notices:
            told[day.isoformat()] = sorted((n.recipient, n.level, n.kind, n.why) for n in notices)
        day += timedelta(days=1)
    return told


def test_a_fresh_risk_far_from_the_deadline_climbs_only_while_nobody_acknowledges():
    # 10 of 100 by 1 March: the pace (10 in 59 days) reaches 100 long after 30 June: at risk
    told = walk([("2026-03-01", 10)], "2026-03-02", "2026-03-31")
    assert told == {
        "2026-03-02": [(ANNA, 1, "alert", "first")],
        "2026-03-16": [(HEAD, 2, "alert", "first")],   # 10 working days without acknowledgement
        "2026-03-30": [(ANNA, 1, "alert", "repeat"),   # 20 working days: the monthly reminder
                       (TOP, 3, "alert", "first")],    # and 20 working days without acknowledgement
    }


def test_within_90_days_the_head_of_department_is_told_and_the_cadence_becomes_weekly():
    told = walk([("2026-03-01", 10)], "2026-04-01", "2026-04-17")
    assert told["2026-04-01"] == [(ANNA, 1, "alert", "first"), (HEAD, 2, "alert", "first")]
    # weekly = 5 working days; Good Friday (3 April) and Easter Monday (6 April) do not count
    assert told["2026-04-10"] == [(ANNA, 1, "alert", "repeat"), (HEAD, 2, "alert", "repeat")]
    assert set(told) == {"2026-04-01", "2026-04-10", "2026-04-17"}


def test_within_30_days_the_head_of_the_institution_is_told_every_working_day_within_10():
    told = walk([("2026-03-01", 10)], "2026-06-01", "2026-06-30")
    assert told["2026-06-01"] == [(ANNA, 1, "alert", "first"), (HEAD, 2, "alert", "first"), (TOP, 3, "alert", "first")]
    last_ten = [d for d in told if d >= "2026-06-20"]
    # 10 days or fewer left: every working day; 20-21 June is a weekend, 22 June a day off moved
    # by the Cabinet, 23-24 June are Līgo and Jāņi
    assert last_ten == ["2026-06-25", "2026-06-26", "2026-06-29", "2026-06-30"]


def test_latvian_holidays_do_not_count_as_working_days():
    # due 5 May: within 10 days, daily; 1 May (Labour Day) and 4 May (Restoration of Independence) are holidays
    told = walk([("2026-03-01", 10)], "2026-06-18", "2026-06-26")
    # weekly until 20 June (the first alert on the 18th), then daily within 10 days of 30 June:
    # not on the weekend, the moved day off (22 June), Līgo (23 June) or Jāņi (24 June)
    assert list(told) == ["2026-06-18", "2026-06-25", "2026-06-26"]


def test_a_worse_status_is_told_at_once_whatever_the_cadence():
    # on track, then the deadline passes short of the goal: missed, 40% short: all three levels
    told = walk([("2026-03-01", 10), ("2026-06-29", 60)], "2026-06-29", "2026-07-01")
    assert told["2026-07-01"] == [(ANNA, 1, "alert", "worsened"), (HEAD, 2, "alert", "worsened"),
                                  (TOP, 3, "alert", "worsened")]


def test_leaving_the_bad_statuses_sends_resolved_to_everyone_who_was_told():
    told = walk([("2026-03-01", 10), ("2026-04-10", 100)], "2026-04-01", "2026-04-12")
    assert told["2026-04-10"] == [(ANNA, 1, "resolved", "resolved"), (HEAD, 2, "resolved", "resolved")]
    assert set(told) == {"2026-04-01", "2026-04-10"}


def test_re_running_the_same_day_tells_nobody_anything_new():
    obs = [Observation(1, "1.1.i/trained", D("2026-03-01"), value=Decimal(10))]
    day = D("2026-04-01")
    decisions = evaluate(PLAN, obs, day)
    first = decide(PLAN, decisions, [], [], day)
    sent = [Sent(day, n.item_id, n.recipient, n.level, n.status, n.kind) for n in first]
    assert first and decide(PLAN, decisions, sent, [], day) == []


def test_an_acknowledgement_stops_the_climb_until_the_status_worsens():
    ack = Ack("1.1.i/trained", D("2026-04-02"), "Anna Bērziņa", "new courses from May", None, "at_risk", 2)
    told = walk([("2026-03-01", 10)], "2026-04-01", "2026-07-02", acks=[ack])
    levels = {lvl for day in told.values() for (_, lvl, kind, _) in day if kind == "alert"}
    assert not any(TOP == r for day, rs in told.items() if day < "2026-07-01" for (r, *_rest) in rs)
    assert (TOP, 3, "alert", "first") in told["2026-07-01"]  # missed is worse than at risk: the climb resumes
    assert levels == {1, 2, 3}


def test_an_acknowledgement_with_a_date_holds_only_until_that_date():
    ack = Ack("1.1.i/trained", D("2026-04-02"), "Anna", "r", D("2026-06-05"), "at_risk", 2)
    told = walk([("2026-03-01", 10)], "2026-04-01", "2026-06-10", acks=[ack])
    first_top = min(day for day, rs in told.items() if any(r == TOP for r, *_ in rs))
    assert first_top == "2026-06-06"


def test_without_acknowledgement_the_climb_comes_from_waiting_too():
    # no data at all, 200 days before the deadline: level 1; after 10 working days unacknowledged: level 2
    told = walk([], "2025-12-01", "2025-12-16")
    assert told["2025-12-01"] == [(ANNA, 1, "alert", "first")]
    assert told["2025-12-15"] == [(HEAD, 2, "alert", "first")]


def test_the_episode_restarts_after_a_resolution():
    sent = [Sent(D("2026-04-01"), "1.1.i/trained", ANNA, 2, "at_risk", "alert"),
            Sent(D("2026-04-10"), "1.1.i/trained", ANNA, 2, "on_track", "resolved"),
            Sent(D("2026-05-01"), "1.1.i/trained", ANNA, 1, "at_risk", "alert")]
    ep = episode("1.1.i/trained", sent, [])
    assert (ep.start, ep.level, len(ep.alerts)) == (D("2026-05-01"), 1, 1)


@pytest.mark.parametrize("lang, words", [("lv", "pirmais brīdinājums 1. līmenī"), ("en", "first alert at level 1")])
def test_each_notice_says_why_it_is_sent_now(lang, words):
    decisions = evaluate(PLAN, [Observation(1, "1.1.i/trained", D("2026-03-01"), value=Decimal(10))], D("2026-03-02"))
    [notice] = decide(PLAN, decisions, [], [], D("2026-03-02"))
    assert words in notice.reason[lang]


def first_to(told: dict[str, list[tuple]], who) -> str | None:  # noqa: ANN001
    return min((day for day, rs in told.items() if any(r == who for r, *_ in rs)), default=None)


@pytest.mark.parametrize("until, head, top", [
    # at risk from 2 March, 120 days before the deadline: only the "unacknowledged" conditions climb
    ("none", "2026-03-16", "2026-03-30"),        # nobody acknowledges: 10 and 20 working days from 2 March
    (None, None, None),                          # acknowledged on 3 March without a date: held at level 1
    ("2026-03-31", None, None),                  # in force all March (its `until` is inclusive)
    ("2026-03-06", "2026-03-20", "2026-04-07"),  # expired after Friday 6 March: counted again from then
    ("2026-03-03", "2026-03-17", "2026-03-31"),  # expired the day it was given: counted from 3 March
])
def test_an_expired_acknowledgement_stops_holding_and_the_wait_is_counted_from_its_expiry(until, head, top):
    """Working days after the acknowledgement's `until` count as unacknowledged, as after an
    episode's start; Good Friday (3 April) and Easter Monday (6 April) do not count. The head of
    department's own condition (90 days left) holds from 1 April, so the table looks at March
    for the head and at the institution head up to 10 April."""
    acks = [] if until == "none" else [
        Ack("1.1.i/trained", D("2026-03-03"), "anna", "courses", D(until) if until else None, "at_risk", 1)]
    told = walk([("2026-03-01", 10)], "2026-03-02", "2026-04-10", acks=acks)
    head_first = first_to(told, HEAD)
    assert (head_first if head_first and head_first < "2026-04-01" else None) == head
    assert first_to(told, TOP) == top
    if head:
        assert (HEAD, 2, "alert", "first") in told[head]
