"""Reporting in a real browser: one `rrf web` process (the installed command, on a free port, on
the store of tests/portal.py, evidence kept in the store's folder) driven by a headless Chromium
(tests/browser.py). A reporter opens an item, fills the report form with an evidence file and
sees the new record; a forged request for another region's key gets the 403 page. The HTTP
contract is tests/test_web_reporting.py. Screenshot: test-output/screenshots/report-form.png.

Every wait is an explicit WebDriverWait on the page it waits for; no spec sleeps."""

import hashlib
import os
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import portal
from browser import browser  # noqa: F401  (the fixture: one Chromium for this module)
from browser import Server, click_through, free_port, navigate, open_page, screenshot, sign_in, status_of
from portal import TARGET
from rrf.rules.i18n import Words

RRF = Path(sys.executable).parent / "rrf"
PDF = b"%PDF-1.4\n% attendance list, ZPR, October 2026\n%%EOF\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return portal.build(tmp_path_factory.mktemp("portal-reporting-browser"))


@pytest.fixture(scope="module")
def evidence_dir(store):
    return store.folder / "evidence"


@pytest.fixture(scope="module")
def base(store, evidence_dir, tmp_path_factory):
    """The address of one real `rrf web` process on the store, up until the module ends."""
    port = free_port()
    env = {**os.environ, **store.env(), "RRF_EVIDENCE_DIR": str(evidence_dir),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    with Server([RRF, "web", "--host", "127.0.0.1", "--port", str(port)], url=f"http://127.0.0.1:{port}/health",
                log_dir=tmp_path_factory.mktemp("web-log"), cwd=store.folder, env=env, name="rrf-web"):
        yield f"http://127.0.0.1:{port}"














def test_a_reporter_reports_a_figure_with_evidence(browser, base, tmp_path, evidence_dir):  # noqa: F811
    """Rita opens the target's page, follows "Report progress", picks ZPR (the only key offered),
    types the value, date and source, attaches a PDF, sends the form, and lands on the item page
    at the new record, with its value, her name and the evidence's file name and hash."""
    sign_in(browser, base, "rita")
    open_page(browser, f"{base}/items/{quote(TARGET)}")
    click_through(browser, browser.find_element(By.ID, "report-link"))
    assert browser.current_url.endswith("/report") and status_of(browser) == 200
    keys = Select(browser.find_element(By.ID, "breakdown"))
    assert [o.get_attribute("value") for o in keys.options] == ["ZPR"]
    keys.select_by_value("ZPR")
    browser.find_element(By.ID, "value").send_keys("133")
    date_input = browser.find_element(By.ID, "as_of")
    browser.execute_script("arguments[0].value = '2026-10-31'", date_input)  # a date input types by locale
    browser.find_element(By.ID, "source").send_keys("ZPR attendance lists, October 2026")
    evidence = tmp_path / "attendance-october.pdf"
    evidence.write_bytes(PDF)
    browser.find_element(By.ID, "evidence").send_keys(str(evidence))
    shot = screenshot(browser, "report-form")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]"))
    assert status_of(browser) == 200 and "#record-" in browser.current_url
    record_id = browser.current_url.rsplit("#record-", 1)[1]
    row = browser.find_element(By.ID, f"record-{record_id}")
    digest = hashlib.sha256(PDF).hexdigest()
    assert "133" in row.text and "rita" in row.text and "attendance-october.pdf" in row.text and digest in row.text
    assert (evidence_dir / digest[:2] / digest).read_bytes() == PDF


def test_a_forged_post_for_another_regions_key_gets_the_403_page(browser, base):  # noqa: F811
    """A form posted from rita's session (with her real CSRF token) for RPR, a key the form never
    offers her, gets the portal's 403 page, and the item shows no such record."""
    sign_in(browser, base, "rita")
    open_page(browser, f"{base}/items/{quote(TARGET)}/report")
    browser.execute_script("""
        const token = document.querySelector('input[name=csrf]').value;
        const f = document.createElement('form');
        f.method = 'post'; f.enctype = 'multipart/form-data'; f.action = location.pathname;
        for (const [k, v] of Object.entries({csrf: token, value: '999', as_of: '2026-10-31',
                                            breakdown: 'RPR', source: 'forged by the browser'})) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f);
        window.__forged = f;
    """)
    navigate(browser, lambda: browser.execute_script("window.__forged.submit()"))
    assert status_of(browser) == 403
    assert browser.find_element(By.TAG_NAME, "h1").text == Words("lv")("Your role does not give access to this page.")
    open_page(browser, f"{base}/items/{quote(TARGET)}")
    assert "forged by the browser" not in browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize(("name", "content", "says"), [
    ("scan.pdf", b"MZ\x90\x00 not a PDF at all", "saturs neatbilst nosaukumam"),  # the Latvian reporter's words
    ("huge.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 1), "vairāk nekā pieņemtie 20 MiB"),
], ids=["wrong-type", "over-the-limit"])
def test_refused_evidence_shows_why_and_stores_nothing(browser, base, tmp_path, evidence_dir, name, content,  # noqa: F811
                                                       says):
    """It refuses a file whose bytes are not its type, and one over the size limit, on the form
    with the reason and the values typed; no record and no evidence file is added."""
    sign_in(browser, base, "rita")
    open_page(browser, f"{base}/api/items/{quote(TARGET)}")
    before = browser.find_element(By.TAG_NAME, "body").text.count('"record":')
    kept = sorted(p.name for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else []
    open_page(browser, f"{base}/items/{quote(TARGET)}/report")
    Select(browser.find_element(By.ID, "breakdown")).select_by_value("ZPR")
    browser.find_element(By.ID, "value").send_keys("140")
    browser.execute_script("arguments[0].value = '2026-10-31'", browser.find_element(By.ID, "as_of"))
    browser.find_element(By.ID, "source").send_keys("ZPR, with a bad file")
    bad = tmp_path / name
    bad.write_bytes(content)
    browser.find_element(By.ID, "evidence").send_keys(str(bad))
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]"))
    assert status_of(browser) == 400
    assert says in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_element(By.ID, "value").get_attribute("value") == "140"
    open_page(browser, f"{base}/api/items/{quote(TARGET)}")
    assert browser.find_element(By.TAG_NAME, "body").text.count('"record":') == before
    assert (sorted(p.name for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else []) == kept
