"""The processes a command started, tracked by PID: every descendant of the command's process,
seen while it runs, so that a test can say which of them outlived it. Never by name: another
program on the machine (another test run, somebody's own Prefect server) may share it.

Linux only: it reads /proc.
"""

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Process:
    pid: int
    started: int  # clock ticks after boot: with the PID, names one process even if the PID is reused
    command: str


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent PID, state, start time) of a process, None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name in ( ) may hold spaces
    return int(fields[1]), fields[0], int(fields[19])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> list[Process]:
    """The processes below `root` right now: its children, theirs, and so on."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            children.setdefault(stat[0], []).append((int(entry.name), stat[2]))
    found, todo = [], [root]
    while todo:
        for pid, started in children.get(todo.pop(), []):
            found.append(Process(pid, started, _command(pid)))
            todo.append(pid)
    return found


def running(process: Process) -> bool:
    """Whether the process still runs (a zombie has ended: only its exit status is left)."""
    stat = _stat(process.pid)
    return stat is not None and stat[2] == process.started and stat[1] not in ("Z", "X")


class Descendants:
    """Watches the descendants of process `pid` from now until it has ended (a thread looks
    every `interval` seconds); `seen` holds every one it saw, with its latest command line."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        stat = _stat(pid)
        self._root = Process(pid, stat[2], _command(pid)) if stat else None
        self._seen: dict[tuple[int, int], Process] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"descendants of {pid}", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            found = descendants(self.pid) if self._root and running(self._root) else []
            with self._lock:
                for p in found:
                    if p.command:  # keep the latest: a fresh child shows its parent's until it execs
                        self._seen[(p.pid, p.started)] = p
            if self._root is None or not running(self._root):
                return  # its children are no longer below it (orphans move to init): nothing new to see
            self._done.wait(self.interval)

    @property
    def seen(self) -> list[Process]:
        with self._lock:
            return list(self._seen.values())

    def left_running(self, grace: float = 5.0) -> list[Process]:
        """Once the process has ended: the descendants seen that still run `grace` seconds later
        at the latest (a process sent SIGTERM a moment ago may still be on its way out)."""
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), f"process {self.pid} is still running"
        deadline = time.monotonic() + grace
        while (left := [p for p in self.seen if running(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=30)


def prefect_servers(processes: list[Process]) -> list[Process]:
    """The Prefect servers among them (`prefect server start`, as flows/server.py starts one)."""
    return [p for p in processes if "prefect server start" in p.command]
