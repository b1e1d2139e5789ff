"""The browser tests' infrastructure works (tests/browser.py).

Browser specs drive a real headless Chromium (Debian's chromium and chromium-driver, which
scripts/setup.sh installs) against a real server process. These specs prove the pieces on
their own, with Python's `http.server` standing in for the portal:

- `Server` starts a command in a process group of its own, returns once its URL answers
  HTTP 200, reports the log when the command dies or never answers, and on leaving ends its
  whole process group by the PID it started (SIGTERM, then SIGKILL) — nothing else.
- Two servers on two free ports run at once without clashing.
- The `browser` fixture opens pages, reads them, and `save_screenshot` writes a full-page PNG
  to test-output/screenshots/.
- `chrome(download_dir)` downloads into the given folder without selenium-manager ever being
  asked for anything, and `close_chrome` removes the browser's private profile.
- Without Chromium the browser specs fail, pointing at scripts/setup.sh, instead of being
  skipped.
"""

import os
import struct
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.selenium_manager import SeleniumManager

import browser as browser_module
from browser import browser  # noqa: F401  (the fixture)
from browser import Server, chrome, close_chrome, free_port, require_chromium, save_screenshot

PAGE_HEIGHT = 2400  # taller than the 1600-pixel window: the screenshot must still hold all of it

INDEX_HTML = textwrap.dedent(f"""\
    <!doctype html>
    <html lang="en">
    <head><meta charset="utf-8"><title>Infrastructure check</title></head>
    <body style="margin: 0">
      <h1 id="heading">Recovery and Resilience Facility</h1>
      <form id="progress" method="get" action="/">
        <label for="value">Value</label>
        <input id="value" name="value" type="number">
        <button type="submit">Record</button>
      </form>
      <div style="height: {PAGE_HEIGHT}px; background: linear-gradient(#fff, #36c)"></div>
      <p id="bottom">Bottom of the page</p>
    </body>
    </html>
    """)


def http_server(port: int, folder: Path, log_dir: Path, **kwargs) -> Server:
    return Server(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder, url=f"http://127.0.0.1:{port}/", log_dir=log_dir, **kwargs,
    )


def site(folder: Path, html: str = INDEX_HTML) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(html, encoding="utf-8")
    return folder


def gone(pid: int, within: float = 5.0) -> bool:
    """Whether no process has this PID any more (a zombie nobody reaped counts as gone: it
    runs nothing)."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def fetch(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.read().decode()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_browser_reads_a_served_page_and_screenshots_all_of_it(browser, tmp_path):
    """A page served by `Server` opens in the `browser` fixture: its heading and form are
    there, and `save_screenshot` writes a real PNG to test-output/screenshots/ holding the
    whole page, below the window's 1600 pixels too. Afterwards the server's process is gone,
    found by its PID."""
    port = free_port()
    with http_server(port, site(tmp_path / "site"), tmp_path) as server:
        assert server.url == f"http://127.0.0.1:{port}/"
        assert server.log.parent == tmp_path
        browser.get(server.url)
        assert browser.find_element(By.ID, "heading").text == "Recovery and Resilience Facility"
        form = browser.find_element(By.ID, "progress")
        assert form.find_element(By.NAME, "value").get_attribute("type") == "number"
        assert form.find_element(By.TAG_NAME, "button").text == "Record"
        window = browser.get_window_size()
        page_height = browser.execute_script("return document.body.scrollHeight")
        assert page_height > PAGE_HEIGHT > window["height"]

        shot = save_screenshot(browser, "infra-check")

        assert shot == browser_module.screenshot_dir() / "infra-check.png"
        assert shot.parent == Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
        assert shot.stat().st_size > 5_000
        width, height = png_size(shot)
        assert width >= 1200
        assert height >= page_height, "the screenshot stops before the page's end"
        assert browser.get_window_size() == window, "the window keeps its size after the shot"
        pid = server.pid

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert server.returncode is not None


def test_two_servers_run_at_once_on_two_free_ports(browser, tmp_path):
    """Two servers on two free ports are up together, each serving its own folder, each in
    its own process group with its own log; both are gone afterwards."""
    port_a, port_b = free_port(), free_port()
    assert port_a != port_b
    site_a = site(tmp_path / "a", "<h1>Server A</h1>")
    site_b = site(tmp_path / "b", "<h1>Server B</h1>")
    with http_server(port_a, site_a, tmp_path) as a, http_server(port_b, site_b, tmp_path) as b:
        assert a.pid != b.pid
        assert a.log != b.log
        assert "Server A" in fetch(a.url)
        assert "Server B" in fetch(b.url)
        browser.get(b.url)
        assert browser.find_element(By.TAG_NAME, "h1").text == "Server B"
        browser.get(a.url)
        assert browser.find_element(By.TAG_NAME, "h1").text == "Server A"
    assert gone(a.pid) and gone(b.pid)
    assert "GET / " in a.log.read_text() and "GET / " in b.log.read_text()


def test_leaving_ends_the_whole_process_group(tmp_path):
    """What the server started is ended with it: a child it left running in the background
    goes too, because the whole process group is signalled."""
    port = free_port()
    script = f'sleep 300 & echo $! > child.pid; exec "{sys.executable}" -m http.server {port} --bind 127.0.0.1'
    with Server(["sh", "-c", script], cwd=site(tmp_path / "site"),
                url=f"http://127.0.0.1:{port}/", log_dir=tmp_path) as server:
        child = int((tmp_path / "site" / "child.pid").read_text())
        assert not gone(child, within=0)
    assert gone(server.pid)
    assert gone(child), "the server's background child outlived it"


def test_a_server_that_ignores_sigterm_is_killed(tmp_path):
    """A server that ignores SIGTERM gets SIGKILL once the stop timeout has passed."""
    port = free_port()
    script = (
        "import signal, sys, runpy; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"sys.argv = ['http.server', '{port}', '--bind', '127.0.0.1']; "
        "runpy.run_module('http.server', run_name='__main__')"
    )
    started = time.monotonic()
    with Server([sys.executable, "-c", script], cwd=site(tmp_path / "site"),
                url=f"http://127.0.0.1:{port}/", log_dir=tmp_path, stop_timeout=1) as server:
        pass
    assert gone(server.pid)
    assert server.returncode == -9
    assert time.monotonic() - started < 15


def test_a_server_that_dies_at_start_reports_its_log(tmp_path):
    """A command that exits before its URL answers raises at once, with the log's tail."""
    port = free_port()
    server = Server(
        [sys.executable, "-c", "print('cannot start: no database', flush=True); raise SystemExit(3)"],
        url=f"http://127.0.0.1:{port}/", log_dir=tmp_path, timeout=30,
    )
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exited before") as error:
        with server:
            pass  # pragma: no cover
    assert "cannot start: no database" in str(error.value)
    assert time.monotonic() - started < 10
    assert server.returncode == 3


def test_a_server_that_never_answers_200_times_out_and_is_stopped(tmp_path):
    """A server whose URL never answers HTTP 200 (here, a 404) makes entering fail after the
    timeout, with the log's tail, and the process is stopped all the same."""
    port = free_port()
    server = Server(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site(tmp_path / "site"), url=f"http://127.0.0.1:{port}/missing", log_dir=tmp_path,
        timeout=1.5,
    )
    with pytest.raises(RuntimeError, match="did not answer HTTP 200") as error:
        with server:
            pass  # pragma: no cover
    assert "GET /missing" in str(error.value)
    assert gone(server.pid)


def test_chrome_downloads_into_its_folder_offline_and_cleans_its_profile(tmp_path, monkeypatch):
    """`chrome(download_dir)` saves downloads into that folder without asking; Selenium never
    calls selenium-manager (it would go online), because both paths are given; and
    `close_chrome` quits and removes the browser's private profile folder."""
    require_chromium()

    def offline(*args, **kwargs):
        raise AssertionError("selenium-manager was asked for a driver or browser")

    monkeypatch.setattr(SeleniumManager, "binary_paths", offline)
    folder = site(tmp_path / "site", '<a id="get" href="data.csv" download>CSV</a>')
    (folder / "data.csv").write_text("measure,value\n3.1.1.2.i,42\n")
    downloads = tmp_path / "downloads"
    port = free_port()

    started = time.monotonic()
    driver = chrome(download_dir=downloads)
    start_seconds = time.monotonic() - started
    profile = driver.profile_dir
    try:
        assert profile.is_dir() and profile != downloads
        with http_server(port, folder, tmp_path) as server:
            driver.get(server.url)
            driver.find_element(By.ID, "get").click()
            target = downloads / "data.csv"
            deadline = time.monotonic() + 15
            while not target.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert target.read_text() == "measure,value\n3.1.1.2.i,42\n"
    finally:
        close_chrome(driver)
    assert not profile.exists()
    print(f"browser start: {start_seconds:.2f} s")


def test_without_chromium_the_browser_specs_fail_pointing_at_setup(monkeypatch, tmp_path):
    """Without /usr/bin/chromium (or chromedriver) a browser spec fails, not skips, and says
    to run scripts/setup.sh."""
    monkeypatch.setattr(browser_module, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match="scripts/setup.sh"):
        require_chromium()
    monkeypatch.undo()
    monkeypatch.setattr(browser_module, "CHROMEDRIVER", tmp_path / "no-chromedriver")
    with pytest.raises(pytest.fail.Exception, match="no-chromedriver.*scripts/setup.sh"):
        require_chromium()
