"""Distributed: prefect.yaml deploys the check to a work pool of a real Prefect server backed by
PostgreSQL (on loopback); a process worker picks the run up and it completes with the expected
entries in the evaluation log. `rrf serve` runs the check on its own schedule and stops cleanly.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backends import postgres_database
from processes import Descendants, prefect_servers
from rrf.rules import load_plan
from seeding import PLAN, ROOT, seed

PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"no Prefect server at {url}")


def runs_logged(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_run WHERE outcome = 'finished'")).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RRF_"))}
    return {**clean, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_deployment_runs_on_a_worker_of_a_postgresql_backed_server(env, tmp_path):
    with postgres_database(extensions=("pg_trgm",)) as prefect_db, postgres_database() as rrf_db:
        seed(rrf_db)
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        server_env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db.replace("+psycopg", "+asyncpg")}
        server = subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
                                  env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        worker = None
        try:
            wait_healthy(api)
            client_env = {**env, "PREFECT_API_URL": api, "RRF_PROJECT_DIR": str(ROOT)}
            for args in (["work-pool", "create", "rrf", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
                done = subprocess.run([*PREFECT, *args], cwd=ROOT, env=client_env, capture_output=True, text=True,
                                      stdin=subprocess.DEVNULL, timeout=120)
                assert done.returncode == 0, done.stdout + done.stderr
            worker = subprocess.Popen(
                [*PREFECT, "worker", "start", "--pool", "rrf", "--limit", "1"],
                env={**client_env, "RRF_DATABASE_URL": rrf_db, "PREFECT_WORKER_QUERY_SECONDS": "2"},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            done = subprocess.run(
                [*PREFECT, "deployment", "run", "rrf-compliance-check/daily", "--param", "as_of=2026-09-01",
                 "--watch", "--watch-timeout", "240"],
                env=client_env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0 and "Completed" in done.stdout, done.stdout + done.stderr
        finally:
            if worker is not None:
                stop(worker)
            stop(server)
        assert runs_logged(rrf_db) == 1
        engine = create_engine(rrf_db)
        with engine.connect() as conn:
            statuses = conn.execute(text("SELECT item_id, status FROM audit_entry WHERE kind = 'evaluation'")).all()
        engine.dispose()
        assert dict(statuses)["6.3.1.4.i/ngos-supported"] == "missed"
        assert len(statuses) == len(load_plan(PLAN).plan.items)


def test_rrf_serve_runs_the_check_on_its_schedule_and_stops_cleanly(env, tmp_path):
    url = seed(f"sqlite:///{tmp_path / 'served.db'}")
    serve = subprocess.Popen(
        [sys.executable, "-m", "rrf", "serve", "--cron", "* * * * *", "--plan", str(PLAN), "--db", url],
        env={**env, "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5", "PREFECT_RUNNER_POLL_FREQUENCY": "2"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = Descendants(serve.pid)  # by PID: another Prefect server on the machine is none of ours
    try:
        deadline = time.monotonic() + 180  # a run each minute: the first within two
        while time.monotonic() < deadline and serve.poll() is None:
            if Path(tmp_path / "served.db").exists() and runs_logged(url) >= 1:
                break
            time.sleep(2)
        assert runs_logged(url) >= 1, "no scheduled check ran"
    finally:
        serve.send_signal(signal.SIGTERM)
        out, err = serve.communicate(timeout=60)
    assert "serving the compliance check: * * * * * (Europe/Riga)" in out
    # SIGTERM stops the runner in its own loop: no unawaited coroutine, no traceback, exit 0
    assert serve.returncode == 0 and "never awaited" not in err and "Traceback" not in err, err
    assert prefect_servers(started.seen), f"no Prefect server seen: {started.seen}"
    assert started.left_running() == [], "rrf serve left its Prefect server running"
