"""Acknowledging and waiving in a real browser change what the next checks send.

One target of the State Chancellery under the shipped ladder (tests/ladder.py), 10 of 100
people recorded: the check of 2026-03-02 alerts Anna (level 1); ten working days later, with
nobody acknowledging, the department head hears of it (level 2, 2026-03-16). Here the head,
signed in to a real `rrf web`, acknowledges on the item page until 2026-03-20 (as of the
first alert's day): the check of 2026-03-16 tells nobody, where the same store without the
acknowledgement (a copy taken before it) tells the head. After the acknowledgement expires,
the ladder climbs again: ten working days after 2026-03-20, on 2026-04-03, the head hears of it.
A coordinator's waiver, given the same way, silences the item entirely until it ends.
"""

import os
import shutil
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By

from browser import browser  # noqa: F401  (the fixture: one Chromium for this module)
from browser import Server, click_through, free_port, open_page, sign_in
from portal import PASSWORD
from ladder import HEAD, LADDER, item_plan
from rrf.services import check, progress, users
from rrf.services.context import Context
from rrf.settings import settings

RRF = Path(sys.executable).parent / "rrf"
ITEM = "1.1.i/trained"
FIRST, BEFORE_EXPIRY, UNTIL, CLIMBS = date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 20), date(2026, 4, 3)


def context(folder: Path, db: str = "rrf.db") -> Context:
    return Context(settings(plan=folder / "plan.toml", database_url=f"sqlite:///{folder / db}",
                            reports_dir=folder / "reports"), lambda: datetime(2026, 3, 2, 8, tzinfo=timezone.utc))


@pytest.fixture
def folder(tmp_path):
    """The plan, 10 people recorded, the first check (level 1 to Anna), a head and a coordinator."""
    (tmp_path / "plan.toml").write_text(item_plan() + LADDER, encoding="utf-8")
    ctx = context(tmp_path)
    progress.record(ctx, item_id=ITEM, value="10", as_of="2026-03-01", source="VK")
    first = check.check(ctx, as_of=FIRST, deliver=False)
    assert {n.level for n in first.notices if n.kind == "alert"} == {1}
    users.add(ctx, name="janis", role="head", institution="vk", password=PASSWORD)
    users.add(ctx, name="inese", role="coordinator", password=PASSWORD)
    return tmp_path


@pytest.fixture
def base(folder):
    port = free_port()
    env = {**os.environ, "RRF_PLAN": str(folder / "plan.toml"), "RRF_DATABASE_URL": f"sqlite:///{folder / 'rrf.db'}",
           "RRF_REPORTS_DIR": str(folder / "reports")}
    with Server([RRF, "web", "--host", "127.0.0.1", "--port", str(port)], url=f"http://127.0.0.1:{port}/health",
                log_dir=folder, cwd=folder, env=env, name="rrf-web"):
        yield f"http://127.0.0.1:{port}"


def levels(ctx: Context, day: date) -> set[tuple[str, int]]:
    """Who is alerted about the item at which level by the check of `day`."""
    # checked on that day's morning: a logged check is never for a day to come (services.check.FutureCheck)
    on_the_day = Context(ctx.settings, lambda: datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc))
    return {(str(n.recipient), n.level) for n in check.check(on_the_day, as_of=day, deliver=False).notices
            if n.item_id == ITEM and n.kind == "alert"}


def open_item(browser, base: str) -> None:  # noqa: F811
    open_page(browser, f"{base}/items/{quote(ITEM)}?as_of={FIRST.isoformat()}")


def test_an_acknowledgement_holds_the_ladder_until_it_expires(browser, base, folder):  # noqa: F811
    """It holds the item at its level while the head's acknowledgement lasts, and lets the
    ladder climb again ten working days after it ends."""
    shutil.copy(folder / "rrf.db", folder / "twin.db")
    sign_in(browser, base, "janis")
    open_item(browser, base)
    form = browser.find_element(By.ID, "acknowledge")
    form.find_element(By.NAME, "reason").send_keys("Training in March in all regions")
    browser.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "until"), UNTIL.isoformat())
    click_through(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert browser.find_element(By.ID, "done").is_displayed()
    assert "Training in March in all regions" in browser.find_element(By.TAG_NAME, "main").text

    acked, twin = context(folder), context(folder, "twin.db")
    assert (str(HEAD), 2) in levels(twin, BEFORE_EXPIRY)       # unacknowledged: the head hears of it
    assert levels(acked, BEFORE_EXPIRY) == set()                # acknowledged: nobody is told
    assert (str(HEAD), 2) in levels(acked, CLIMBS)              # expired on 03-20: climbs again


def test_a_waiver_silences_the_item_until_it_ends(browser, base, folder):  # noqa: F811
    """It tells nobody about a waived item while the coordinator's waiver lasts; the head's form
    has no waiver, and the waiver is shown on the item page."""
    sign_in(browser, base, "janis")
    open_item(browser, base)
    assert not browser.find_elements(By.ID, "waive")
    sign_in(browser, base, "inese")
    open_item(browser, base)
    form = browser.find_element(By.ID, "waive")
    form.find_element(By.NAME, "reason").send_keys("The Commission agreed a new date")
    browser.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "until"), "2026-03-31")
    click_through(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "The Commission agreed a new date" in browser.find_element(By.ID, "waivers").text

    ctx = context(folder)
    assert levels(ctx, BEFORE_EXPIRY) == set() and levels(ctx, date(2026, 3, 30)) == set()
    assert levels(ctx, date(2026, 4, 1))                        # the day after it ends: alerted again
