"""The compliance-check flow (Prefect) evaluates the whole plan in one task, logs it, writes the
institution reports, publishes a summary (English and Latvian), a table of every item and the
list of the reports as artifacts, retries a failing delivery, reports scheduled days on which
no check ran, and writes the same log on PostgreSQL as on SQLite. What the artifacts show is
built by plain functions, specified here without a Prefect server.
"""

import json
import socket
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from backends import db_url, postgres_database  # noqa: F401
from processes import Descendants, prefect_servers
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
    assert all(isinstance(r["goal"], (int, float)) or r["goal"] == "done" for r in rows)
    summary = artifact("rrf-summary").data
    assert "as of 2026-09-01" in summary and result.run_id in summary
    assert f"{len(ids)} items logged" in summary
    assert "uz 01.09.2026" in artifact("rrf-summary-lv").data and "nav sasniegts" in artifact("rrf-summary-lv").data
    listed = artifact("rrf-reports").data
    assert result.reports and all(str(r.path) in listed for r in result.reports)
    assert all(r.path.is_file() for r in result.reports)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_mail(folder):  # noqa: ANN001, ANN201
    """A notification configuration whose mail server is a closed port: one attempt per delivery,
    and two task retries with no delay."""
    settings = folder / "notify.toml"
    settings.write_text(f'''
[email]
server = "mailto://127.0.0.1:{free_port()}?from=rrf@example.test"
[delivery]
attempts = 1
backoff_seconds = 0
task_retry_delays_seconds = [0, 0]
''', encoding="utf-8")
    return settings


def test_a_failing_delivery_is_retried_and_kept(prefect, seeded, tmp_path):
    from rrf.flows.compliance import compliance_check

    settings = unreachable_mail(tmp_path)
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


def test_a_check_run_by_hand_delivers_once_and_keeps_what_fails(prefect, seeded, tmp_path):
    """It delivers once when the check is run by hand (`rrf check`: rrf.flows.runner.run_once asks
    for no retries), so that nobody waits minutes at the terminal: one attempt per message, what
    failed stays pending for the next run, and the run ends normally, saying how many failed."""
    from rrf.flows.compliance import compliance_check

    settings = unreachable_mail(tmp_path)
    result = compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 1), notify_config=str(settings),
                              retry_delivery=False)
    engine = create_engine(seeded)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT attempts, status FROM outbox WHERE attempts > 0")).all()
    engine.dispose()
    assert rows and {r.attempts for r in rows} == {1} and {r.status for r in rows} == {"pending"}
    assert result.delivery.failed == len(rows)


def test_a_scheduled_run_reports_the_runs_its_cron_missed_and_tells_the_coordinator_once(prefect, seeded, tmp_path):
    """A scheduled run counts the fire times of its own cron on which no check ran since the
    previous check (here: a daily cron at a time 12 hours from now, and a check logged three
    days ago, so exactly two fire times passed without a check), says so in its summary, its log
    entry and Prefect's log, and queues one message for the RRF office's coordinator."""
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from rrf.flows.compliance import compliance_check
    from rrf.models.db import open_engine
    from rrf.services.check import run_check

    now = datetime.now(timezone.utc)
    riga = now.astimezone(ZoneInfo("Europe/Riga"))
    cron = f"{riga.minute} {(riga.hour + 12) % 24} * * *"
    engine = open_engine(seeded)
    run_check(loaded=load_plan(PLAN), engine=engine, as_of=date(2026, 9, 1), clock=lambda: now - timedelta(days=3),
              deliver=False)
    engine.dispose()
    settings = tmp_path / "notify.toml"
    settings.write_text('[coordinator]\nname = "Anna Kalnina"\nemail = "anna@example.lv"\nlanguage = "en"\n',
                        encoding="utf-8")
    result = compliance_check(plan_path=str(PLAN), db_url=seeded, as_of=date(2026, 9, 4), scheduled=True,
                              cron=cron, timezone="Europe/Riga", notify_config=str(settings))
    assert result.missed is not None and (result.missed.count, result.missed.more) == (2, False)
    assert "Missed scheduled runs** (no check ran): 2 (" in artifact("rrf-summary").data
    assert "nenotika): 2 (" in artifact("rrf-summary-lv").data
    engine = create_engine(seeded)
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM audit_entry WHERE kind = 'run' ORDER BY seq DESC")).first()[0]
        told = conn.execute(text("SELECT subject, body FROM outbox WHERE recipient = 'office:coordinator'")).all()
    engine.dispose()
    assert json.loads(payload)["missed_runs"]["count"] == 2 and json.loads(payload)["missed_runs"]["cron"] == cron
    assert len(told) == 1 and told[0].subject == "RRF compliance check: 2 scheduled runs missed"
    assert told[0].body.startswith("Dear Anna Kalnina,") and "2 scheduled runs were missed" in told[0].body


def test_a_scheduled_run_on_a_plan_that_does_not_load_is_logged_as_failed(prefect, seeded, tmp_path):
    """A scheduled run (as `rrf serve` starts them) whose plan cannot be loaded fails, and is logged
    as a failed run naming the plan's problem: nobody watches the terminal of `rrf serve`. A run
    started by hand (`rrf check`) on such a plan writes nothing: it is refused as bad input."""
    from rrf.flows.compliance import compliance_check
    from rrf.rules.load import PlanError

    broken = tmp_path / "milestones.toml"
    broken.write_text(PLAN.read_text(encoding="utf-8").replace("due = 2026-08-31", "due = 2026-02-30", 1),
                      encoding="utf-8")

    def failed() -> list:
        engine = create_engine(seeded)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT error FROM audit_run WHERE outcome = 'failed'")).all()
        engine.dispose()
        return rows

    with pytest.raises(PlanError):
        compliance_check(plan_path=str(broken), db_url=seeded, as_of=date(2026, 9, 4))
    assert failed() == []
    with pytest.raises(PlanError):
        compliance_check(plan_path=str(broken), db_url=seeded, as_of=date(2026, 9, 4), scheduled=True)
    [(error,)] = failed()
    assert f"the plan {broken} cannot be loaded" in error


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
    check = subprocess.Popen([sys.executable, "-m", "rrf", "check", "--as-of", "2026-09-01", "--lang", "en",
                              "--plan", str(PLAN), "--db", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    started = Descendants(check.pid)  # by PID: another Prefect server on the machine is none of ours
    out, err = check.communicate(timeout=180)
    assert check.returncode == 0, err
    assert "logged run" in out and "missed" in out
    assert prefect_servers(started.seen), f"no temporary Prefect server seen: {started.seen}"
    assert started.left_running() == [], "a temporary Prefect server was left running"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_run")).scalar_one() == 1
    engine.dispose()


# What the artifacts show, without Prefect -----------------------------------------------------

def checked_seed(tmp_path, as_of: date = date(2026, 9, 1)):
    """A logged check of the seeds' progress (direct, no Prefect) with its reports."""
    from rrf.services import check
    from rrf.services.context import Context
    from rrf.settings import clock, settings

    url = seed(f"sqlite:///{tmp_path / 'unit.db'}")
    ctx = Context(settings(plan=PLAN, database_url=url, reports_dir=tmp_path / "reports"), clock)
    return ctx.loaded, check.check(ctx, as_of=as_of, deliver=False)


def test_the_status_table_has_numbers_as_json_numbers(tmp_path):
    """Goal and actual are JSON numbers (a milestone's `done` / `not-done` as in `rrf status
    --format json`; null when nothing was recorded), never the text "None"; labels and
    explanations in both languages."""
    from rrf.flows.compliance import status_rows

    loaded, result = checked_seed(tmp_path)
    rows = status_rows(loaded, result)
    assert [r["id"] for r in rows] == loaded.plan.ids
    text = json.dumps(rows, ensure_ascii=False)
    assert "None" not in text
    for r, d in zip(rows, result.decisions):
        if d.kind == "target":
            assert isinstance(r["goal"], int | float) and not isinstance(r["goal"], bool)
            assert r["actual"] is None or isinstance(r["actual"], int | float)
        else:
            assert r["goal"] == "done" and r["actual"] in (None, "done", "not-done")
        assert r["explanation_lv"] == d.explanation["lv"] and r["explanation_en"] == d.explanation["en"]
    trained = next(r for r in rows if r["id"] == "3.1.1.2.i/specialists-trained")
    assert (trained["goal"], trained["status_en"], trained["status_lv"]) == (1300, "missed", "nav sasniegts")
    assert isinstance(trained["actual"], int) and json.loads(text)[rows.index(trained)]["actual"] == trained["actual"]


def test_the_summaries_speak_both_languages_and_show_no_none(tmp_path):
    """One summary per language: labels from the catalogues, numbers formatted, a missing actual as `–`."""
    from rrf.flows.compliance import summary_markdown
    from rrf.services.check import Delivery

    loaded, result = checked_seed(tmp_path)
    en, lv = (summary_markdown(loaded, result, Delivery(sent=2), lang) for lang in ("en", "lv"))
    assert en.startswith("# RRF compliance check as of 2026-09-01") and "| missed |" in en
    assert lv.startswith("# RRF atbilstības pārbaude uz 01.09.2026") and "| nav sasniegts |" in lv
    assert "None" not in en + lv
    assert " / 1 300 |" in en and "| – / " in en  # actual / goal: a target without a record shows –
    assert "nosūtītas 2" in lv


def test_the_reports_artifact_lists_each_report_and_the_portal(tmp_path):
    """`rrf-reports` lists every report file (a file:// link and its path) in English and in
    Latvian, each institution's overview in the portal and the portal, when one is configured."""
    from rrf.flows.compliance import reports_markdown

    loaded, result = checked_seed(tmp_path)
    text = reports_markdown(loaded, result, "https://rrf.example.lv")
    for r in result.reports:
        assert f"({r.path.as_uri()})" in text and f"`{r.path}`" in text
    assert "Valsts kanceleja" in text and "State Chancellery" in text
    assert "The portal: https://rrf.example.lv/" in text and "Portāls: https://rrf.example.lv/" in text
    assert "(https://rrf.example.lv/?institution=vk&as_of=2026-09-01)" in text
    assert "https://" not in reports_markdown(loaded, result, None)


def test_missed_runs_read_as_a_span_in_both_languages():
    """Missed runs read as their count, the first and last fire time, the cron and its zone, in
    the language; more than can be counted reads as such."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rrf.flows.compliance import describe_missed
    from rrf.rules.schedule import Missed

    riga = ZoneInfo("Europe/Riga")
    missed = Missed(7, datetime(2026, 9, 4, 9, tzinfo=riga), datetime(2026, 9, 10, 9, tzinfo=riga), False,
                    "0 9 * * *", "Europe/Riga")
    assert describe_missed(missed) == "7 (2026-09-04 09:00 to 2026-09-10 09:00; schedule \u201c0 9 * * *\u201d, Europe/Riga)"
    assert describe_missed(missed, "lv").startswith("7 (04.09.2026 09:00 līdz 10.09.2026 09:00;")
    many = Missed(10_000, missed.first, missed.last, True, "* * * * *", "Europe/Riga")
    assert describe_missed(many).startswith("more than 10000 (")
