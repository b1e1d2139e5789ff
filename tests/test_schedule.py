"""Missed scheduled runs are the cron's own fire times on which no check ran, not calendar days.

A check belongs to the latest fire time at or before its start; the runs missed between two
checks are the fire times strictly between theirs. Times are in UTC here; the cron is read in
its zone (Europe/Riga: UTC+3 in summer, UTC+2 in winter).
"""

from datetime import datetime, timezone

import pytest

from rrf.rules.schedule import MOST, Schedule, ScheduleError, missed_runs


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


CASES = [
    # cron, previous check started, this check starts, missed count, first, last (Riga time)
    ("0 9 * * 1-5", "2026-11-20T07:00:05", "2026-11-23T07:00:03", 0, None, None),  # Fri 9:00 -> Mon 9:00: a weekend is not missed
    ("0 9 * * 1-5", "2026-11-19T07:00:05", "2026-11-23T07:00:03", 1, "2026-11-20 09:00", "2026-11-20 09:00"),  # Friday's
    ("0 0 * * *", "2026-08-31T21:00:02", "2026-09-03T21:00:01", 2, "2026-09-02 00:00", "2026-09-03 00:00"),  # daily: 2 days
    ("0 0 * * *", "2026-09-01T10:00:00", "2026-09-01T20:00:00", 0, None, None),  # a manual check the same day
    ("0 * * * *", "2026-11-22T22:00:10", "2026-11-23T22:05:00", 23, "2026-11-23 01:00", "2026-11-23 23:00"),  # hourly, a day off
    ("*/15 * * * *", "2026-11-23T10:00:01", "2026-11-23T10:14:59", 0, None, None),  # the run was late, not missed
    ("0 9 * * *", "2026-11-23T06:59:59", "2026-11-24T07:00:01", 1, "2026-11-23 09:00", "2026-11-23 09:00"),  # started just before its fire time
    ("0 3 * * *", "2026-03-27T01:00:00", "2026-03-31T00:00:00", 3, "2026-03-28 03:00", "2026-03-30 03:00"),  # over the switch to summer time
]


@pytest.mark.parametrize("cron, previous, now, count, first, last", CASES)
def test_missed_runs_are_the_cron_fire_times_without_a_check(cron, previous, now, count, first, last):
    """It counts the fire times strictly between the previous check's and this one's."""
    missed = missed_runs(Schedule(cron, "Europe/Riga"), utc(previous), utc(now))
    if count == 0:
        assert missed is None
        return
    assert (missed.count, missed.more) == (count, False)
    assert (f"{missed.first:%Y-%m-%d %H:%M}", f"{missed.last:%Y-%m-%d %H:%M}") == (first, last)
    assert missed.as_dict()["cron"] == cron and missed.as_dict()["timezone"] == "Europe/Riga"


def test_nothing_is_missed_before_the_first_check():
    """A first check has nothing before it to miss."""
    assert missed_runs(Schedule("* * * * *"), None, utc("2026-11-23T10:00:00")) is None


def test_counting_stops_at_a_bound_and_says_there_were_more():
    """An every-minute cron after weeks off counts MOST fire times, says there were more, and still
    names the true last one."""
    missed = missed_runs(Schedule("* * * * *"), utc("2026-10-01T00:00:30"), utc("2026-11-23T10:00:30"))
    assert (missed.count, missed.more) == (MOST, True)
    assert f"{missed.last:%Y-%m-%d %H:%M}" == "2026-11-23 11:59"


@pytest.mark.parametrize("cron, zone", [("61 * * * *", "Europe/Riga"), ("not a cron", "Europe/Riga"),
                                        ("0 9 * * *", "Mars/Olympus")])
def test_a_cron_or_zone_that_cannot_be_used_is_refused(cron, zone):
    """It refuses, naming the value, with the engine's error for bad input."""
    with pytest.raises(ScheduleError, match="cron|zone"):
        Schedule(cron, zone)
