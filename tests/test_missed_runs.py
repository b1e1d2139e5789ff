"""A scheduled check that finds runs of its schedule missed tells the RRF office's coordinator
once, in the coordinator's language, and logs what it found; the next run, on time, tells
nobody about it again. (The Prefect flow and `rrf serve` around it: tests/test_flows.py,
tests/test_distributed.py.)"""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from backends import db_url  # noqa: F401
from seeding import PLAN
from rrf.models.db import open_engine, upgrade
from rrf.notifications.config import NotifyConfig, Person
from rrf.rules import load_plan
from rrf.rules.schedule import Schedule
from rrf.services.check import run_check

T0 = datetime(2026, 11, 16, 6, 0, 5, tzinfo=timezone.utc)  # Monday 08:00:05 in Riga
WEEKDAYS = Schedule("0 8 * * 1-5", "Europe/Riga")


def check(engine, at: datetime, day: date, config: NotifyConfig = NotifyConfig()):  # noqa: ANN001, ANN201
    return run_check(loaded=load_plan(PLAN), engine=engine, as_of=day, clock=lambda: at, deliver=False,
                     schedule=WEEKDAYS, config=config)


def told(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT subject, body, language FROM outbox WHERE recipient = 'office:coordinator' "
                                 "ORDER BY id")).all()


@pytest.mark.parametrize("language, subject, first_line", [
    (None, "RRF atbilstības pārbaude: izlaistas 3 plānotās pārbaudes", "Labdien!"),
    ("en", "RRF compliance check: 3 scheduled runs missed", "Dear RRF coordinator,"),
])
def test_missed_weekday_runs_are_told_to_the_coordinator_once(db_url, language, subject, first_line):  # noqa: F811
    """Monday's check, then none until the next Monday but one on Friday: Tuesday to Thursday
    (3 runs) were missed, the weekend was not; the coordinator gets one message, and Monday's
    on-time run adds none."""
    engine = open_engine(db_url)
    upgrade(engine)
    config = NotifyConfig(coordinator=Person(language=language))
    assert check(engine, T0, date(2026, 11, 16), config).missed is None  # the first check: nothing before it
    friday = check(engine, T0 + timedelta(days=4), date(2026, 11, 20), config)
    assert (friday.missed.count, friday.missed.more) == (3, False)
    assert f"{friday.missed.first:%a %H:%M}" == "Tue 08:00" and f"{friday.missed.last:%a %H:%M}" == "Thu 08:00"
    monday = check(engine, T0 + timedelta(days=7), date(2026, 11, 23), config)
    assert monday.missed is None
    messages = told(engine)
    engine.dispose()
    assert len(messages) == 1 and messages[0].subject == subject
    assert messages[0].body.startswith(first_line) and "0 8 * * 1-5" in messages[0].body


def test_runs_that_failed_on_a_broken_plan_are_logged_and_named_to_the_coordinator(db_url, tmp_path):  # noqa: F811
    """It logs a scheduled run whose plan cannot be loaded as a failed run (with the plan's text as
    it was), and the coordinator's message about the missed runs, once the plan loads again, says
    that runs started and failed and why, not that the computer may have been off."""
    from rrf.rules.load import PlanError
    from rrf.services.check import log_unloadable_plan
    from rrf.services.context import Context
    from rrf.settings import settings

    engine = open_engine(db_url)
    upgrade(engine)
    config = NotifyConfig(coordinator=Person(language="en"))
    check(engine, T0, date(2026, 11, 16), config)
    broken = tmp_path / "milestones.toml"
    broken.write_text(PLAN.read_text(encoding="utf-8").replace("due = 2026-08-31", "due = 2026-02-30", 1),
                      encoding="utf-8")
    ctx = Context(settings(plan=broken, database_url=db_url), lambda: T0 + timedelta(days=1))
    with pytest.raises(PlanError) as caught:
        ctx.loaded  # noqa: B018
    log_unloadable_plan(ctx, date(2026, 11, 17), caught.value)
    with engine.connect() as conn:
        [(outcome, error, sha)] = conn.execute(text("SELECT outcome, error, plan_sha256 FROM audit_run "
                                                    "WHERE outcome = 'failed'")).all()
        stored = conn.execute(text("SELECT text FROM plan_text WHERE sha256 = :s"), {"s": sha}).scalar_one()
    assert f"the plan {broken} cannot be loaded" in error and "2026-02-30" in stored
    friday = check(engine, T0 + timedelta(days=4), date(2026, 11, 20), config)
    assert friday.missed.count == 3
    [(subject, body, _)] = told(engine)
    engine.dispose()
    assert "1 run started in that time and failed (rrf audit log --kind run); the latest failure: the plan" in body
    assert "was off" not in body


@pytest.mark.parametrize("damage", [b"\xe2", b"\x00"], ids=["a byte not UTF-8", "a NUL"])
def test_a_plan_that_is_not_text_is_logged_without_its_text_and_the_chain_holds(db_url, tmp_path, damage):  # noqa: F811
    """It logs a scheduled run whose plan file is not UTF-8 text (an editor's other encoding, a NUL)
    as failed without storing the file's text, so that the log stays intact: a text stored under the
    SHA-256 of other bytes would have been reported as changed, for good."""
    from rrf.models.verify import verify as verify_chain
    from rrf.rules.load import PlanError
    from rrf.services.check import log_unloadable_plan
    from rrf.services.context import Context
    from rrf.settings import settings
    from sqlmodel import Session

    engine = open_engine(db_url)
    upgrade(engine)
    check(engine, T0, date(2026, 11, 16))
    broken = tmp_path / "milestones.toml"
    broken.write_bytes(PLAN.read_bytes().replace(b"due = 2026-08-31", b"due = 2026-08-31 # " + damage, 1))
    ctx = Context(settings(plan=broken, database_url=db_url), lambda: T0 + timedelta(days=1))
    with pytest.raises(PlanError) as caught:
        ctx.loaded  # noqa: B018
    log_unloadable_plan(ctx, date(2026, 11, 17), caught.value)
    with engine.connect() as conn:
        [(sha,)] = conn.execute(text("SELECT plan_sha256 FROM audit_run WHERE outcome = 'failed'")).all()
    with Session(engine) as session:
        report = verify_chain(session=session)
    engine.dispose()
    assert sha is None and report.broken is None


def test_the_coordinator_is_reached_at_the_configured_address():
    """`office:coordinator` reads back from the outbox and goes to the `[coordinator]` address
    through the configured e-mail server; with no address configured it has none (it waits)."""
    from rrf.notifications.config import Email, addresses
    from rrf.rules.vocab import COORDINATOR, RecipientKey

    plan = load_plan(PLAN).plan
    key = RecipientKey.parse("office:coordinator")
    assert key == COORDINATOR and str(key) == "office:coordinator"
    config = NotifyConfig(email=Email(server="mailto://127.0.0.1:2525?from=rrf@example.lv"),
                          coordinator=Person(email="anna@example.lv"))
    assert addresses(key, plan, config) == {"email": "mailto://127.0.0.1:2525?from=rrf@example.lv&to=anna@example.lv"}
    assert addresses(key, plan, NotifyConfig(email=config.email)) == {}
