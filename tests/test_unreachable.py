"""A database server that cannot be reached is one line naming the host and port, exit 1, for
reading and writing commands and for `rrf check` (before any flow starts); never the password,
never a traceback."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHIPPED_PLAN, TARGET

RRF = Path(sys.executable).parent / "rrf"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [
    ["status"],
    ["record", TARGET, "5", "--as-of", "2025-01-01", "--source", "x"],
    ["check", "--as-of", "2025-01-01"],
    ["audit", "verify"],
], ids=["status", "record", "check", "audit-verify"])
def test_an_unreachable_database_is_one_line(tmp_path, command):
    """It prints one error line with the host and port, and exits 1."""
    port = closed_port()
    url = f"postgresql+psycopg://rrf:hunter2@127.0.0.1:{port}/rrf"
    done = subprocess.run([RRF, *command, "--plan", str(SHIPPED_PLAN), "--db", url], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to the database")
    assert f'"127.0.0.1", port {port}' in lines[0]
    assert "hunter2" not in done.stderr + done.stdout and "Traceback" not in done.stderr
