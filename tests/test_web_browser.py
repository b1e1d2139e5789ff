"""The portal in a real browser: one `rrf web` process (the installed command, on a free port,
on the store of tests/portal.py) driven by a headless Chromium (tests/browser.py).

The HTTP-level contract is tests/test_web.py; this is what a person sees and does: signing in
through the form, the overview's counts, badges and filters, an item's charts, explanations
and evidence, the boundaries of each role, the evaluation log (verify, replay, CSV export),
a forged CSRF token, the language switch, and a phone-sized window. The portal itself has no
JavaScript; the specs use the driver's scripts only to read the page (sizes, the response's
status) and, once, to forge a form field. Screenshots (overview, item page, audit log, item
page on a phone) go to test-output/screenshots/ for the README.

Every wait is an explicit WebDriverWait on the page or file it waits for; no spec sleeps.
"""

import csv
import hashlib
import io
import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

import portal
from browser import browser  # noqa: F401  (the fixture: one Chromium for this module)
from browser import (Server, chrome, click_through, close_chrome, fill_sign_in, free_port, open_page, require_chromium,
                     screenshot, sign_in, status_of)
from portal import AS_OF, TARGET, VK_ITEM
from rrf.rules.dates import riga_day
from rrf.rules.i18n import Words
from rrf.rules.vocab import STATUSES

RRF = Path(sys.executable).parent / "rrf"
LV = Words("lv")
EARLY = date(2025, 3, 1)  # a day with items on track, at risk, missed and without data
WAIT = 20  # seconds: a page, or a download, is there well before this
WINDOW = (1280, 1600)  # the browser fixture's window
PHONE = (390, 844)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return portal.build(tmp_path_factory.mktemp("portal-browser"))


@pytest.fixture(scope="module")
def base(store, tmp_path_factory):
    """The address of one real `rrf web` process on the store, up until the module ends."""
    port = free_port()
    env = {**os.environ, **store.env(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    with Server([RRF, "web", "--host", "127.0.0.1", "--port", str(port)], url=f"http://127.0.0.1:{port}/health",
                log_dir=tmp_path_factory.mktemp("web-log"), cwd=store.folder, env=env, name="rrf-web"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def downloader(tmp_path):
    """A Chromium of its own that saves downloads into a folder of the test (`.downloads`)."""
    require_chromium()
    driver = chrome(download_dir=tmp_path / "downloads")
    driver.downloads = tmp_path / "downloads"
    try:
        yield driver
    finally:
        close_chrome(driver)


# --- reading and driving pages ---------------------------------------------------------------










def path_of(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def query_of(driver: WebDriver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def heading(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def header(driver: WebDriver) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, "header.top")






def item_rows(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr[data-status]")


def row_ids(driver: WebDriver) -> list[str]:
    return [r.get_attribute("id").removeprefix("row-") for r in item_rows(driver)]


def shown_counts(driver: WebDriver) -> dict[str, int]:
    """The counts per status above the table: {status: n}, from each badge's class and number."""
    counts = {}
    for li in driver.find_elements(By.CSS_SELECTOR, "ul.counts li"):
        badge = li.find_element(By.CSS_SELECTOR, ".badge")
        status = next(c[2:] for c in badge.get_attribute("class").split() if c.startswith("s-"))
        assert li.text.startswith(badge.text)
        counts[status] = int(li.text.removeprefix(badge.text).strip())
    return counts


def choose(driver: WebDriver, **values: str) -> None:
    """Set the overview's filter selects (by option value) and press Show."""
    form = driver.find_element(By.CSS_SELECTOR, "form.filters")
    for name, value in values.items():
        Select(form.find_element(By.NAME, name)).select_by_value(value)
    click_through(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def json_body(driver: WebDriver) -> dict:
    """The JSON document the browser shows (Chromium puts it in a <pre>)."""
    return json.loads(driver.find_element(By.TAG_NAME, "pre").text)


def downloaded(driver: WebDriver, name: str) -> Path:
    """The file `name` once Chromium has finished writing it into the driver's download folder."""
    folder = driver.downloads
    path = folder / name
    try:
        WebDriverWait(driver, WAIT).until(
            lambda _: path.exists() and path.stat().st_size > 0 and not any(folder.glob("*.crdownload")))
    except TimeoutException:
        pytest.fail(f"{name} did not arrive in {folder} within {WAIT} s; it holds {sorted(os.listdir(folder))}")
    return path


def item_url(base: str, item_id: str, prefix: str = "/items/", **query: object) -> str:
    return base + prefix + quote(item_id) + (f"?{urlencode(query)}" if query else "")




def assert_png(path: Path, minimum: int = 30_000) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert len(data) > minimum, f"{path} is only {len(data)} bytes"


def viewport_width(driver: WebDriver) -> int:
    """The width the page has to fit (the window's, less a scroll bar)."""
    return driver.execute_script("return document.documentElement.clientWidth")


def box(driver: WebDriver, element: WebElement) -> tuple[float, float]:
    left, right = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right]",
                                        element)
    return left, right


def assert_no_sideways_scrolling(driver: WebDriver, what: str) -> None:
    """The page is no wider than the window; if it is, name what sticks out (outside a .scroll)."""
    width, page = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
    if page > width + 1:
        culprits = driver.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll')"
            " && e.getBoundingClientRect().right > arguments[0] + 1)"
            ".map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '')"
            " + ' ends at ' + Math.round(e.getBoundingClientRect().right) + ' px')", width)
        pytest.fail(f"{what} is {page} px wide in a {width} px window: {', '.join(culprits)}")


# --- the specs --------------------------------------------------------------------------------


def test_sign_in_through_the_form_lands_on_the_overview(browser, base):
    """It signs a user in from the form (name and password typed, the button clicked) and lands
    on the overview, which shows the number of items per status and a status badge in every
    item's row, the counts adding up to the rows; a wrong password shows the error on the form,
    keeps the name typed, and stays on /sign-in."""
    open_page(browser, f"{base}/")
    assert path_of(browser) == "/sign-in"  # nobody signed in yet: sent to the form

    sign_in(browser, base, "anna")

    assert browser.current_url == f"{base}/" and status_of(browser) == 200
    today = riga_day(datetime.now(timezone.utc))  # the portal's default day: today in Riga
    assert heading(browser) == LV("Milestones and targets as of {date}", date=LV.date(today))
    counts = shown_counts(browser)
    rows = item_rows(browser)
    assert counts and set(counts) <= set(STATUSES) and all(n > 0 for n in counts.values())
    assert len(rows) == sum(counts.values()) == 14
    for row in rows:
        status = row.get_attribute("data-status")
        badge = row.find_element(By.CSS_SELECTOR, ".badge")
        assert badge.get_attribute("class").split() == ["badge", f"s-{status}"]
        assert badge.text == LV.label(status) and badge.is_displayed()
    assert {r.get_attribute("data-status") for r in rows} == set(counts)

    fill_sign_in(browser, base, "rita", "not the password")

    assert path_of(browser) == "/sign-in" and status_of(browser) == 401
    error = browser.find_element(By.CSS_SELECTOR, ".signin p.error")
    assert error.text == LV("Wrong user name or password.") and error.is_displayed()
    assert browser.find_element(By.ID, "username").get_attribute("value") == "rita"
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""
    assert "rita" not in header(browser).text  # not signed in


def test_overview_filters_by_status_and_institution_and_sorts(browser, base):
    """It narrows the overview to the status chosen in the select (every row left has that
    status, as many as the count said), to one institution (ZPR: only the target it reports a
    share of), and sorts the items of each measure by id instead of due date."""
    sign_in(browser, base, "anna")
    open_page(browser, f"{base}/?as_of={EARLY}")
    counts, everything = shown_counts(browser), row_ids(browser)
    assert len(everything) == 14 and counts["on_track"] < 14
    screenshot(browser, "overview")

    choose(browser, status="on_track")

    assert query_of(browser)["status"] == ["on_track"] and query_of(browser)["as_of"] == [EARLY.isoformat()]
    rows = item_rows(browser)
    assert len(rows) == counts["on_track"] and {r.get_attribute("data-status") for r in rows} == {"on_track"}
    assert Select(browser.find_element(By.NAME, "status")).first_selected_option.get_attribute("value") == "on_track"
    assert LV.ngettext("{n} item shown", "{n} items shown", len(rows)) in browser.find_element(By.TAG_NAME, "main").text

    choose(browser, status="", institution="zpr")

    assert row_ids(browser) == [TARGET]

    choose(browser, institution="", sort="due")
    by_due = row_ids(browser)
    choose(browser, sort="id")
    by_id = row_ids(browser)

    assert sorted(by_id) == sorted(by_due) == sorted(everything)
    assert by_id != by_due
    groups: dict[str, list[str]] = {}
    for item_id in by_id:  # the table groups by institution and measure; each group in id order
        groups.setdefault(item_id.split("/")[0], []).append(item_id)
    assert all(ids == sorted(ids) for ids in groups.values())
    assert groups["2.1.2.1.i"] == ["2.1.2.1.i/ict-descriptions", "2.1.2.1.i/learning-platform",
                                   "2.1.2.1.i/plans-approved", "2.1.2.1.i/platforms-operational"]


def test_item_page_shows_charts_explanations_and_evidence(browser, base, store):
    """It shows a region's head the target they report a share of: the trajectory chart on
    screen, the breakdown chart with the five planning regions, the explanation in Latvian and
    in English, and the record with its evidence file linked and its SHA-256."""
    sign_in(browser, base, "zane")
    open_page(browser, item_url(base, TARGET, as_of=AS_OF))
    assert status_of(browser) == 200

    chart = browser.find_element(By.CSS_SELECTOR, "figure#trajectory svg")
    assert chart.is_displayed() and chart.size["width"] > 300 and chart.size["height"] > 100
    assert chart.find_elements(By.CSS_SELECTOR, "path.actual") and chart.find_elements(By.CSS_SELECTOR, "circle.record")
    bars = browser.find_element(By.CSS_SELECTOR, "figure#breakdown svg")
    assert bars.is_displayed() and bars.size["width"] > 300
    regions = store.context().loaded.plan.item(TARGET).breakdown.keys.values()
    names = [t.text for t in bars.find_elements(By.CSS_SELECTOR, "text.key-name")]
    assert names == [LV.pick(spec) for spec in regions] and len(names) == 5
    assert "Zemgales plānošanas reģions" in names

    lv = browser.find_element(By.CSS_SELECTOR, ".explain p[lang=lv]").text
    en = browser.find_element(By.CSS_SELECTOR, ".explain p[lang=en]").text
    assert lv.startswith("LV: ") and en.startswith("EN: ") and lv[4:] != en[4:]
    assert "276 no 1 300" in lv and "276 of 1 300" in en  # the total of the records, in each language

    record = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table.records tbody tr")
                  if "ZPR report 2024" in r.text)
    link = record.find_element(By.CSS_SELECTOR, "a[href^='/evidence/']")
    record_id = record.get_attribute("id").removeprefix("record-")
    assert link.text == "attendance.pdf" and link.get_attribute("href") == f"{base}/evidence/{record_id}"
    sha = hashlib.sha256(store.evidence.read_bytes()).hexdigest()
    assert record.find_element(By.CSS_SELECTOR, ".hash").text == f"SHA-256 {sha}"
    assert "120" in record.text

    shot = screenshot(browser, "item-page")
    assert_png(shot)


def test_a_head_sees_neither_another_institutions_item_nor_the_log(browser, downloader, base, store):
    """It answers the State Chancellery's head asking for a target of VARAM's with the 404 page
    and a 404 JSON, exactly like an item that does not exist, and leaves it out of their CSV
    export; a planning region's head has no "Evaluation log" link and gets the 403 page."""
    sign_in(downloader, base, "kaspars")
    not_found = LV("Not found, or not in your scope.")

    open_page(downloader, item_url(base, TARGET))
    assert status_of(downloader) == 404 and heading(downloader) == not_found
    main = downloader.find_element(By.TAG_NAME, "main").get_attribute("innerHTML")
    assert TARGET not in main and LV.pick(store.context().loaded.plan.item(TARGET)) not in downloader.page_source
    assert "kaspars" in header(downloader).text

    open_page(downloader, item_url(base, TARGET, "/api/items/"))
    assert status_of(downloader) == 404 and json_body(downloader) == {"error": not_found, "problems": []}

    open_page(downloader, item_url(base, VK_ITEM))  # their own item: there
    own = LV.pick(store.context().loaded.plan.item(VK_ITEM))
    assert status_of(downloader) == 200 and heading(downloader) == own

    downloader.get(f"{base}/export/items.csv?as_of={AS_OF}")
    rows = list(csv.DictReader(io.StringIO(downloaded(downloader, f"rrf-items-{AS_OF}.csv").read_text("utf-8-sig"))))
    assert len(rows) == 10 and VK_ITEM in {r["id"] for r in rows}
    assert TARGET not in {r["id"] for r in rows} and "3.1.1.2.i/specialists" not in str(rows)

    sign_in(browser, base, "zane")
    log_link = LV("Evaluation log")
    assert log_link not in header(browser).text and not browser.find_elements(By.CSS_SELECTOR, "a[href='/audit']")
    open_page(browser, f"{base}/audit")
    assert status_of(browser) == 403 and heading(browser) == LV("Your role does not give access to this page.")
    assert not browser.find_elements(By.CSS_SELECTOR, "table.log")


def test_auditor_verifies_replays_and_exports_the_log(downloader, base):
    """It shows an auditor the evaluation log, verifies the chain on the button's click
    (intact), replays a logged evaluation identically, and downloads the log as CSV."""
    sign_in(downloader, base, "aija")
    click_through(downloader, header(downloader).find_element(By.LINK_TEXT, "Evaluation log"))
    assert path_of(downloader) == "/audit" and heading(downloader) == "Evaluation log"
    entries = downloader.find_elements(By.CSS_SELECTOR, "table.log tbody tr")
    listed = {e.get_attribute("id").removeprefix("entry-") for e in entries}
    assert len(entries) == len(listed) == 14 and all(e.get_attribute("id").startswith("entry-") for e in entries)
    assert {e.find_elements(By.TAG_NAME, "td")[2].text for e in entries} == {"evaluation"}

    click_through(downloader, downloader.find_element(By.ID, "verify"))

    result = downloader.find_element(By.ID, "verify-result")
    assert result.get_attribute("class") == "ok" and result.text.startswith("Intact: ") and "head " in result.text
    assert_png(screenshot(downloader, "audit-log"))

    first = downloader.find_element(By.CSS_SELECTOR, "table.log tbody tr")
    entry = first.get_attribute("id").removeprefix("entry-")
    click_through(downloader, first.find_element(By.LINK_TEXT, "Replay"))

    assert path_of(downloader) == f"/audit/replay/{entry}" and heading(downloader) == f"Replay of entry {entry}"
    replayed = downloader.find_element(By.ID, "replay-result")
    assert replayed.get_attribute("class") == "ok" and replayed.text.startswith("Identical")

    open_page(downloader, f"{base}/audit")
    downloader.find_element(By.LINK_TEXT, "CSV").click()
    text = downloaded(downloader, "rrf-audit.csv").read_text("utf-8-sig")
    assert text.startswith("entry,run")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["entry"] for r in rows} == listed and {TARGET, VK_ITEM} <= {r["id"] for r in rows}


def test_a_forged_csrf_token_is_refused(browser, base):
    """It refuses a sign-out whose hidden CSRF field was changed with the 403 page, and the user
    stays signed in; the untouched form signs out."""
    sign_in(browser, base, "vilis")
    token = browser.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] input[name=csrf]")
    assert len(token.get_attribute("value")) > 20
    browser.execute_script("arguments[0].value = 'forged'", token)

    click_through(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))

    assert status_of(browser) == 403 and path_of(browser) == "/sign-out"
    assert heading(browser) == LV("The form has expired or did not come from this portal: reload the page and try again.")
    open_page(browser, f"{base}/")
    assert path_of(browser) == "/" and status_of(browser) == 200 and "vilis" in header(browser).text
    assert item_rows(browser)

    click_through(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))
    assert path_of(browser) == "/sign-in"
    open_page(browser, f"{base}/")
    assert path_of(browser) == "/sign-in"


def test_the_language_switch_goes_to_english_and_back(browser, base):
    """It switches the page it is on to English with the "English" link (html lang="en", the
    headings and badges in English, the same address) and back with "Latviski"."""
    sign_in(browser, base, "vilis")
    address = f"{base}/?as_of={EARLY}&status=at_risk"
    open_page(browser, address)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "lv"
    assert heading(browser) == LV("Milestones and targets as of {date}", date=LV.date(EARLY))

    click_through(browser, header(browser).find_element(By.LINK_TEXT, "English"))

    assert browser.current_url == address
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert heading(browser) == f"Milestones and targets as of {EARLY.isoformat()}"
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "tr[data-status] .badge")] == ["at risk"]
    assert header(browser).find_element(By.CSS_SELECTOR, "button.link").text == "Sign out"

    click_through(browser, header(browser).find_element(By.LINK_TEXT, "Latviski"))

    assert browser.current_url == address
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "lv"
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "tr[data-status] .badge")] == [LV.label("at_risk")]
    assert header(browser).find_element(By.LINK_TEXT, "English").get_attribute("lang") == "en"


def test_a_user_changes_their_password_from_the_header(browser, base, store):
    """It takes a signed-in user from their name in the header to their account page, where the
    form (current password, the new one twice) changes the password: the page confirms it, and
    the next sign-in takes only the new password. A mistyped repetition is refused on the page."""
    from rrf.services import users

    users.add(store.context(), name="maija", role="head", institution="vk", password=portal.PASSWORD)
    new = "maijas jaunā parole"
    sign_in(browser, base, "maija")
    click_through(browser, header(browser).find_element(By.PARTIAL_LINK_TEXT, "maija"))
    assert path_of(browser) == "/account" and heading(browser) == LV("Your account")

    def fill(current: str, again: str) -> None:
        for field, value in (("current", current), ("new", new), ("repeated", again)):
            browser.find_element(By.ID, field).send_keys(value)
        click_through(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/account/password'] button"))

    fill(portal.PASSWORD, new + "?")
    assert status_of(browser) == 400
    assert browser.find_element(By.CSS_SELECTOR, "p.error").text == LV("the new password and its repetition differ")
    fill(portal.PASSWORD, new)
    assert path_of(browser) == "/account" and status_of(browser) == 200
    assert browser.find_element(By.ID, "changed").is_displayed()
    assert_png(screenshot(browser, "account"), minimum=10_000)

    fill_sign_in(browser, base, "maija", portal.PASSWORD)
    assert path_of(browser) == "/sign-in" and status_of(browser) == 401
    sign_in(browser, base, "maija", new)
    assert path_of(browser) == "/"


def test_a_phone_sized_window_needs_no_sideways_scrolling(browser, base):
    """It fits a 390-pixel-wide phone: the item page's charts fill the screen's width without
    passing it, and the overview shows each item as a card whose status and figures are on the
    screen (no sideways scrolling, of the page or of the table)."""
    browser.set_window_size(*PHONE)
    try:
        assert browser.execute_script("return window.innerWidth") <= PHONE[0]
        sign_in(browser, base, "anna")
        open_page(browser, item_url(base, TARGET, as_of=AS_OF))
        assert_no_sideways_scrolling(browser, "the item page")
        charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
        assert len(charts) == 2
        for chart in charts:
            left, right = box(browser, chart)
            width = viewport_width(browser)
            assert chart.is_displayed() and 0 <= left < right <= width + 1 and right - left > width / 2
        assert_png(screenshot(browser, "item-page-phone"), minimum=20_000)

        open_page(browser, f"{base}/?as_of={AS_OF}")
        assert_no_sideways_scrolling(browser, "the overview")
        wrapper = browser.find_element(By.CSS_SELECTOR, "div.scroll")
        left, right = box(browser, wrapper)
        assert 0 <= left and right <= viewport_width(browser) + 1
        # each item is a card: its status and figures are on the screen, not off to the right
        assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", wrapper)
        for shown in browser.find_elements(By.CSS_SELECTOR, "tr[data-status] .badge, tr[data-status] td.num")[:6]:
            left, right = box(browser, shown)
            assert shown.is_displayed() and 0 <= left < right <= viewport_width(browser) + 1
        assert_png(screenshot(browser, "overview-phone"), minimum=20_000)
    finally:
        browser.set_window_size(*WINDOW)
