"""The tests' leftover-process check (processes.py) names, by PID, what a command started and
left running, and nothing that somebody else runs under the same name."""

import os
import signal
import subprocess
import sys

from processes import Descendants

# A parent that starts a child (in a session of its own, as flows/server.py starts Prefect's
# server), waits until it runs, and then either stops it or leaves it behind.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # the child"],
                         start_new_session=True, stdout=subprocess.DEVNULL)
time.sleep(1)
if sys.argv[1] == "stop":
    child.terminate()
    child.wait()
print(child.pid)
"""


def start(how: str) -> tuple[subprocess.Popen, Descendants]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, how], stdout=subprocess.PIPE, text=True)
    return parent, Descendants(parent.pid)


def test_a_child_left_running_is_named_by_its_pid():
    """It sees the child while the parent runs and, once the parent has ended, names the child
    that still runs, with its command line."""
    parent, started = start("leave")
    child = int(parent.communicate(timeout=60)[0])
    try:
        left = started.left_running(grace=0.5)
        assert [(p.pid, "# the child" in p.command) for p in left] == [(child, True)]
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_child_stopped_by_its_parent_is_not_left_and_namesakes_do_not_count():
    """A child the parent stopped is seen but not left; a process with the same command line
    that is not a descendant (another run's, another user's) is never counted."""
    namesake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # the child"])
    try:
        parent, started = start("stop")
        child = int(parent.communicate(timeout=60)[0])
        assert [p.pid for p in started.seen] == [child]
        assert started.left_running() == []
    finally:
        namesake.kill()
        namesake.wait()
