"""Helpers for real browser tests: a server process to test against, a headless Chromium,
and full-page screenshots.

The browser is Debian's `chromium` with its `chromium-driver` (/usr/bin/chromium,
/usr/bin/chromedriver), which scripts/setup.sh --browser (run by scripts/test.sh) installs when
they are missing. Selenium is
given both paths, so its selenium-manager never looks anything up or downloads a driver.

A test module takes the browser as a fixture:

    from browser import Server, browser, free_port, save_screenshot  # noqa: F401

    def test_home_page(browser, tmp_path):
        port = free_port()
        with Server([sys.executable, "-m", "http.server", str(port)], cwd=site,
                    url=f"http://127.0.0.1:{port}/", log_dir=tmp_path) as server:
            browser.get(server.url)
            save_screenshot(browser, "home-page")

`browser` is one Chromium per test module (a start costs about a second); it fails, never
skips, when Chromium is missing, so a machine without it cannot pass the browser specs by
leaving them out. Screenshots go to <repo>/test-output/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from portal import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

CHROME_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)

# Selenium asks selenium-manager only when it lacks a path; this makes sure it never goes online.
os.environ.setdefault("SE_OFFLINE", "true")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"(no log: {error})"
    return "\n".join(text.splitlines()[-lines:])


# Straight to the server, whatever http_proxy says.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers_200(url: str) -> bool:
    try:
        with _direct.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Server:
    """A command run as a server for the length of a `with` block.

    The command (a list of arguments, no shell) starts in a process group of its own, with
    its output in a log file under `log_dir`; entering waits until `url` answers HTTP 200.
    Leaving ends that process group, found by the PID started here and nothing else:
    SIGTERM, a wait, then SIGKILL for whatever is left. `.pid`, `.url` and `.log` say which
    process, where and what it printed.
    """

    def __init__(
        self,
        command: Sequence[str | os.PathLike[str]],
        *,
        url: str,
        log_dir: Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        stop_timeout: float = 10.0,
        name: str = "server",
    ) -> None:
        self.command = [os.fspath(arg) for arg in command]
        self.url = url
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        self.stop_timeout = stop_timeout
        log_dir.mkdir(parents=True, exist_ok=True)
        fd, log = tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=log_dir)
        os.close(fd)
        self.log = Path(log)
        self.pid: int | None = None
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.pid = self._process.pid
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _exited(self) -> bool:
        """Whether our process has exited, without reaping it: while it is a zombie its PID,
        and so its process group's ID, cannot be given to anyone else."""
        assert self.pid is not None
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # already reaped
            return True
        return info is not None

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            if self._exited():
                raise RuntimeError(
                    f"server {self.command} exited before {self.url} answered; "
                    f"log {self.log}:\n{_tail(self.log)}"
                )
            if _answers_200(self.url):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"server {self.command} (pid {self.pid}): {self.url} did not answer "
                    f"HTTP 200 within {self.timeout:.0f} s; log {self.log}:\n{_tail(self.log)}"
                )
            time.sleep(0.1)

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.pid is not None
        try:
            os.killpg(self.pid, sig)  # the group started here: its ID is our PID
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        """End the server's process group (idempotent)."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        if not self._exited():
            self._signal_group(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_timeout
            while not self._exited() and time.monotonic() < deadline:
                time.sleep(0.05)
        # Whatever is left in the group (the leader, if it ignored SIGTERM, or children it
        # left behind). The leader is not reaped yet, so the group ID is still ours.
        self._signal_group(signal.SIGKILL)
        self.returncode = process.wait()


def chrome(download_dir: Path | None = None) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile in a private temporary folder.

    Its folder is `driver.profile_dir`; `close_chrome(driver)` quits the browser and removes
    it. With `download_dir`, downloads land there without asking.
    """
    profile = Path(tempfile.mkdtemp(prefix="rrf-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    if download_dir is not None:
        download_dir.mkdir(parents=True, exist_ok=True)
        options.add_experimental_option("prefs", {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
        })
    service = Service(
        executable_path=str(CHROMEDRIVER),
        log_output=str(profile / "chromedriver.log"),
    )
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except BaseException:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.profile_dir = profile  # type: ignore[attr-defined]
    if download_dir is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(download_dir), "eventsEnabled": False,
        })
    return driver


def close_chrome(driver: webdriver.Chrome) -> None:
    """Quit a browser from `chrome()` and remove its profile folder."""
    try:
        driver.quit()
    finally:
        profile = getattr(driver, "profile_dir", None)
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)


def screenshot_dir() -> Path:
    """<repo>/test-output/screenshots/, created if missing (git-ignored)."""
    path = ROOT / "test-output" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """A PNG of the whole page (the window stretched to the page's height, document.body's
    scrollHeight, for the shot, then put back) as <screenshot_dir>/<name>.png; returns its
    path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.removesuffix(".png")).strip("-.") or "page"
    path = screenshot_dir() / f"{stem}.png"
    size = driver.get_window_size()
    # The page's height, plus what the window has beyond its viewport (its frame), so that
    # the viewport, not just the window, is as tall as the page.
    height, frame = driver.execute_script(
        "return [Math.max(document.body ? document.body.scrollHeight : 0,"
        " document.documentElement.scrollHeight),"
        " Math.max(window.outerHeight - window.innerHeight, 0)]"
    )
    driver.set_window_size(size["width"], max(int(height) + int(frame), 1))
    try:
        if not driver.save_screenshot(str(path)):
            raise RuntimeError(f"could not save a screenshot to {path}")
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path


def require_chromium() -> None:
    """Fail (not skip: CI must run the browser specs) when Chromium or its driver is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} missing: run scripts/setup.sh --browser (as root or with sudo), "
            "which installs Debian's chromium and chromium-driver"
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for a test module (quit and its profile removed afterwards)."""
    require_chromium()
    driver = chrome()
    try:
        yield driver
    finally:
        close_chrome(driver)


# --- driving pages (shared by the browser specs) ----------------------------------------------

PAGE_WAIT = 20  # seconds: a page is there well before this


def loaded(driver: webdriver.Chrome) -> None:
    """Wait until the page the browser shows has finished loading."""
    WebDriverWait(driver, PAGE_WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def open_page(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    loaded(driver)


def navigate(driver: webdriver.Chrome, action: Callable[[], object]) -> None:
    """Do `action` (a click, a script that submits a form) and wait for the next page to load
    (see click_through)."""
    driver.execute_script("window.__rrfOldPage = true")
    action()
    WebDriverWait(driver, PAGE_WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.__rrfOldPage === undefined && document.readyState === 'complete'"))


def click_through(driver: webdriver.Chrome, element: WebElement) -> None:
    """Click a link, or a button that sends a form, and wait for the next page to load.

    The old page is marked with a window property before the click; the next page is there
    when the property is gone (a new document has a new window object) and it has loaded.
    Waiting for the old element to go stale instead is racy: while the old document is being
    torn down, chromedriver may answer "Node with given id does not belong to the document",
    which Selenium's staleness check does not expect (seen 1 run in 12)."""
    navigate(driver, element.click)


def status_of(driver: webdriver.Chrome) -> int:
    """The HTTP status of the page the browser shows (Navigation Timing's responseStatus)."""
    return driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """`save_screenshot` of the page as tall as its content: the window is made short first, so
    that a page shorter than the window is not padded with the window's empty bottom."""
    size = driver.get_window_size()
    driver.set_window_size(size["width"], 480)
    try:
        return save_screenshot(driver, name)
    finally:
        driver.set_window_size(size["width"], size["height"])


def fill_sign_in(driver: webdriver.Chrome, base: str, name: str, password: str) -> None:
    """With no cookies at all, type a name and password into the sign-in form and send it."""
    open_page(driver, f"{base}/sign-in")
    driver.delete_all_cookies()
    open_page(driver, f"{base}/sign-in")
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    click_through(driver, driver.find_element(By.CSS_SELECTOR, ".signin form button[type=submit]"))


def sign_in(driver: webdriver.Chrome, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign in as `name` through the form (cookies deleted first); lands signed in."""
    fill_sign_in(driver, base, name, password)
    assert urlsplit(driver.current_url).path != "/sign-in", driver.find_element(By.TAG_NAME, "main").text
    assert name in driver.find_element(By.CSS_SELECTOR, "header.top").text
