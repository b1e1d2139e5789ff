"""The compliance-check flow (Prefect) evaluates the whole plan in one task, logs it, publishes a
summary and a table of every item as artifacts, retries a failing delivery, reports scheduled
days on which no check ran, and writes the same log on PostgreSQL as on SQLite.
"""

import json
import socket
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from backends import db_url, postgres_database  # noqa: F401
from seeding import PLAN, seed
from rrf.rules import load_plan



@pytest.fixture(scope="session")
def prefect(tmp_path_factory):
    """One temporary Prefect server (and database) for this module's tests."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def seeded(db_url):  # noqa: F811
    return seed(db_url)


def artifact(key: str):
    from prefect.artifacts import Artifact

    return Artifact.get(key)


def test_the_flow_logs_every_item_and_publishes_artifacts(prefect, seeded):
    from rrf.flows.compliance import compliance_check

    result = compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 1))
    ids = load_plan(PLAN).plan.ids
    assert [d.item_id for d in result.decisions] == ids and result.entries == len(ids)
    table = artifact("rrf-status").data
    rows = json.loads(table) if isinstance(table, str) else table
    assert [r["id"] for r in rows] == ids
    assert {r["status"] for r in rows} == {"missed"}
    summary = artifact("rrf-summary").data
    assert "as of 2026-09-01" in summary and result.run_id in summary
    assert f"{len(ids)} items logged" in summary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_failing_delivery_is_retried_and_kept(prefect, seeded, tmp_path):
    from rrf.flows.compliance import compliance_check

    settings = tmp_path / "notify.toml"
    settings.write_text(f'''
[email]
server = "mailto://127.0.0.1:{free_port()}?from=rrf@example.test"
[delivery]
attempts = 1
backoff_seconds = 0
task_retry_delays_seconds = [0, 0]
''', encoding="utf-8")
    result = compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 1), notify_config=str(settings))
    engine = create_engine(seeded)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT recipient, attempts, status FROM outbox WHERE recipient LIKE 'contact:%'")).all()
    engine.dispose()
    # contacts with an e-mail in the plan: the task ran three times, one attempt each, and failed
    with_mail = {r.recipient: r for r in rows if r.attempts}
    assert with_mail and {r.attempts for r in with_mail.values()} == {3}
    assert {r.status for r in with_mail.values()} == {"pending"}
    assert result.delivery.failed == len(with_mail)


def test_a_scheduled_run_reports_the_days_no_check_ran(prefect, seeded):
    from rrf.flows.compliance import compliance_check

    compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 1), scheduled=True)
    result = compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 4), scheduled=True)
    assert result.missed_days == [date(2026, 9, 2), date(2026, 9, 3)]
    assert "Missed scheduled days** (no check ran): 2026-09-02, 2026-09-03" in artifact("rrf-summary").data
    engine = create_engine(seeded)
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM audit_entry WHERE kind = 'run' ORDER BY seq DESC")).first()[0]
    engine.dispose()
    assert json.loads(payload)["missed_days"] == ["2026-09-02", "2026-09-03"]


def _decisions(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, kind, item_id, status, payload FROM audit_entry ORDER BY seq")).all()
    engine.dispose()
    out = []
    for seq, kind, item, status, payload in rows:
        data = json.loads(payload)
        data.pop("evaluated_at", None)
        for key in ("started_at", "finished_at"):
            data.pop(key, None)
        out.append((seq, kind, item, status, json.dumps(data, sort_keys=True)))
    return out


def test_the_flow_writes_the_same_log_on_postgresql_as_on_sqlite(prefect, tmp_path):
    from rrf.flows.compliance import compliance_check

    logs = []
    with postgres_database() as pg:
        for url in (f"sqlite:///{tmp_path / 'same.db'}", pg):
            seed(url)
            for day in (date(2026, 5, 1), date(2026, 9, 1)):
                compliance_check(plan_path=str(PLAN), db_url=url, as_of=day)
            logs.append(_decisions(url))
    assert len(logs[0]) == 2 * (len(load_plan(PLAN).plan.items) + 1)
    assert logs[0] == logs[1]


def test_rrf_check_runs_the_flow_on_a_temporary_server_and_leaves_nothing_running(tmp_path):
    """The README's main command: no server to start by hand, and none left behind."""
    import subprocess
    import sys

    url = seed(f"sqlite:///{tmp_path / 'main.db'}")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PREFECT_API")}
    done = subprocess.run([sys.executable, "-m", "rrf", "check", "--as-of", "2026-09-01", "--lang", "en",
                           "--plan", str(PLAN), "--db", url], capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "logged run" in done.stdout and "missed" in done.stdout
    left = subprocess.run(["pgrep", "-f", "prefect server start --host 127.0.0.1"], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a temporary Prefect server was left running"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_run")).scalar_one() == 1
    engine.dispose()
