"""A Prefect server for the length of one command, when none is configured (PREFECT_API_URL).

This is `prefect server start` in a child process on a free loopback port. Starting it before
the engine imports Prefect lets both start-ups overlap on two cores: about 7 s of the
temporary server's 10 s are spent starting it, and Prefect's own temporary server would
first import the whole server in the calling process, then start it.
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from typing import Iterator

DEFAULTS = {  # what a one-off check or a laptop's scheduler needs from Prefect, quietly
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


class ServerError(RuntimeError):
    pass


def prefect_defaults() -> None:
    """Quiet defaults for Prefect, unless the user set them; call before Prefect is imported."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


def _die_with_parent() -> None:
    """In the child: on Linux, be sent SIGTERM when the parent dies, however it dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_on_sigterm() -> None:
    """Let SIGTERM unwind like Ctrl-C, so that the temporary server is stopped on the way out."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


class Server:
    """A started server: `url` is its API; `ready()` waits until it answers."""

    def __init__(self, services: bool, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.log = tempfile.NamedTemporaryFile(prefix="rrf-prefect-", suffix=".log", delete=False)
        args = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                "--port", str(self.port), "--no-ui", "--analytics-off"]
        if not services:
            args.append("--no-services")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, preexec_fn=_die_with_parent)

    def ready(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the Prefect server stopped at start-up: {self._tail()}")
            if _healthy(self.url):
                return self.url
            time.sleep(0.1)
        raise ServerError(f"the Prefect server did not answer within {timeout:.0f} s: {self._tail()}")

    def stop(self) -> None:
        if self.log.closed:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def _tail(self) -> str:
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as fh:
            return " | ".join(fh.read().strip().splitlines()[-5:])


class External:
    """A server the user runs (PREFECT_API_URL)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def ready(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _healthy(self.url):
                return self.url
            time.sleep(0.2)
        raise ServerError(f"no Prefect server answers at {self.url}")


_early: Server | None = None


def start_early() -> None:
    """Start the temporary server now, for a command that will run the flow (see rrf.launch):
    the server then starts while the command imports and checks its input."""
    global _early
    if os.environ.get("PREFECT_API_URL"):
        return
    prefect_defaults()
    _early = Server(services=False)
    atexit.register(_early.stop)  # also when the command ends early, e.g. on bad input


@contextmanager
def prefect_api(services: bool = False, port: int | None = None) -> Iterator[Server | External]:
    """The server at PREFECT_API_URL, or a temporary one for the length of the block.
    Call this before Prefect is imported; call `.ready()` on what it yields before using it."""
    global _early
    prefect_defaults()
    if os.environ.get("PREFECT_API_URL"):
        yield External(os.environ["PREFECT_API_URL"])
        return
    server, _early = (_early, None) if _early is not None and not services and port is None else (None, _early)
    server = server or Server(services=services, port=port)
    os.environ["PREFECT_API_URL"] = server.url
    try:
        yield server
    finally:
        server.stop()
        os.environ.pop("PREFECT_API_URL", None)
