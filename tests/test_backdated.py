"""A check for a day before the latest logged check's day (backdated) is refused, unless asked
for with `--backdate`: then it is evaluated and logged, marked as backdated, and tells nobody.

Without the rule, a check `--as-of` an earlier day answered the later checks' alerts with
"resolved" notices to everyone (the earlier day knew none of the later shortfalls). A dry run
of any day, and a second check of the same day, stay allowed.
"""

import json

import pytest
from sqlalchemy import create_engine, text

from seeding import PLAN


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
             for t in ("audit_run", "audit_entry", "outbox", "notice")}
    engine.dispose()
    return n


@pytest.fixture
def checked(run, store):
    """A store with one check of the shipped plan logged as of 2026-09-01 (a day with alerts to send)."""
    result = run("check", "--direct", "--as-of", "2026-09-01", "--format", "json", plan=PLAN)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["messages"], "the day must have alerts for this spec to mean anything"
    return store


def test_a_backdated_check_is_refused_and_writes_nothing(run, checked):
    """It exits 2, names both days and the way out, and logs, queues and tells nothing."""
    before = counts(checked.url)
    result = run("check", "--direct", "--as-of", "2026-08-01", plan=PLAN)
    assert result.exit_code == 2
    assert "--as-of 2026-08-01 is before the day of the latest logged check (2026-09-01)" in result.stderr
    assert "--backdate" in result.stderr and "Traceback" not in result.stderr
    assert counts(checked.url) == before


def test_with_backdate_it_is_logged_as_backdated_and_tells_nobody(run, checked):
    """It evaluates and logs the day (the run says it was backdated after which day) and queues no
    message and no notice, although the same day checked first would have told people."""
    before = counts(checked.url)
    result = run("check", "--direct", "--as-of", "2026-08-01", "--backdate", "--format", "json", plan=PLAN)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backdated_after"] == "2026-09-01" and out["messages"] == []
    after = counts(checked.url)
    assert after["audit_run"] == before["audit_run"] + 1 and after["audit_entry"] > before["audit_entry"]
    assert (after["outbox"], after["notice"]) == (before["outbox"], before["notice"])
    engine = create_engine(checked.url)
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM audit_entry WHERE kind = 'run' ORDER BY seq DESC")).first()[0]
    engine.dispose()
    assert json.loads(payload)["backdated_after"] == "2026-09-01"


@pytest.mark.parametrize("args", [
    ("--dry-run", "--as-of", "2026-08-01"),  # a dry run writes nothing: any day
    ("--direct", "--as-of", "2026-09-01"),  # the same day again
    ("--direct", "--as-of", "2026-09-02"),  # a later day
])
def test_a_dry_run_the_same_day_and_later_days_are_allowed(run, checked, args):
    """It runs as before: the rule is only about logging a day before the latest logged one."""
    result = run("check", *args, plan=PLAN)
    assert result.exit_code == 0, result.stderr


def test_a_dry_run_of_an_earlier_day_shows_what_a_check_would_do_there_tell_nobody(run, checked):
    """It shows a dry run for a day before the latest logged check as a logged check would be: the
    day's statuses, and no message (a check of that day is refused, or logged as backdated and
    told nobody), saying why on stderr, in the language asked for; the same day shows its alerts."""
    earlier = run("check", "--dry-run", "--as-of", "2026-08-01", "--format", "json", plan=PLAN)
    assert earlier.exit_code == 0, earlier.stderr
    out = json.loads(earlier.stdout)
    assert out["items"] and out["messages"] == [] and out["backdated_after"] == "2026-09-01"
    told = run("check", "--dry-run", "--as-of", "2026-08-01", "--lang", "en", plan=PLAN)
    assert "a check as of 2026-09-01 was already logged: a check for an earlier day tells nobody" in told.stderr
    assert "nothing was written or sent" in told.stdout
    latvian = run("check", "--dry-run", "--as-of", "2026-08-01", "--lang", "lv", plan=PLAN)
    assert "01.09.2026" in latvian.stderr and "2026-09-01" not in latvian.stderr
    later = run("check", "--dry-run", "--as-of", "2026-09-20", "--format", "json", plan=PLAN)
    assert json.loads(later.stdout)["backdated_after"] is None


def test_a_check_for_a_day_after_today_is_refused_unless_dry(run, checked):
    """It refuses (exit 2) to log a check for a day after today in Riga, such as a mistyped year,
    which would otherwise queue alerts for deadlines not yet come and make every later check for a
    real day "backdated"; it writes nothing, and a dry run of that day stays allowed. (A day a
    year ahead: never today, whenever the spec runs.)"""
    from datetime import datetime, timedelta, timezone

    from rrf.rules.dates import riga_day

    ahead = (riga_day(datetime.now(timezone.utc)) + timedelta(days=400)).isoformat()
    before = counts(checked.url)
    for day in ("2099-01-01", ahead):
        result = run("check", "--direct", "--as-of", day, plan=PLAN)
        assert result.exit_code == 2, result.stdout
        assert f"--as-of {day} is after today" in result.stderr and "--dry-run" in result.stderr
        assert "Traceback" not in result.stderr
    assert run("check", "--direct", "--as-of", ahead, "--backdate", plan=PLAN).exit_code == 2
    assert counts(checked.url) == before
    dry = run("check", "--direct", "--dry-run", "--as-of", ahead, plan=PLAN)
    assert dry.exit_code == 0, dry.stderr
    assert counts(checked.url) == before
