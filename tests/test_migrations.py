"""The schema is migrated by Alembic: on the first write, or by `rrf db upgrade`. It upgrades
an empty database and one made by the previous release (revision 0001) without losing or
changing a record; reading commands never migrate, they ask for the upgrade.
"""

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from rrf.models import db as dbm
from rrf.cli.main import app

PLAN = Path(__file__).resolve().parent.parent / "milestones.toml"

RELEASE_0001_ROWS = [
    # what the previous release (issue 2) wrote: a record and an import
    "INSERT INTO import_batch (id, file_name, file_sha256, rows, first_record_id, last_record_id, imported_at) "
    "VALUES (1, 'seed.csv', 'ab', 1, 1, 1, '2025-01-02 10:00:00')",
    "INSERT INTO progress_record (id, item_id, as_of, value, done, breakdown_key, source, reporter, evidence, "
    "evidence_sha256, recorded_at) VALUES (1, '6.3.1.4.i/ngos-supported', '2023-11-08', 6, NULL, "
    "'social-security', 'ceļa karte', 'VK', NULL, NULL, '2025-01-02 10:00:00')",
]


def cli(db: str, *args: str):
    return CliRunner().invoke(app, [*args, "--plan", str(PLAN), "--db", db])


def test_upgrade_creates_the_schema_in_an_empty_database(db_url):  # noqa: F811
    result = cli(db_url, "db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert f"empty -> {dbm.head_revision()}" in result.stdout
    engine = dbm.open_engine(db_url)
    assert dbm.is_current(engine)
    assert {"progress_record", "import_batch", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert "is current" in cli(db_url, "db", "upgrade").stdout


def test_a_database_of_the_previous_release_is_upgraded_with_its_records(db_url, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    engine = dbm.open_engine(db_url)
    command.upgrade(dbm._alembic_config(engine), "0001")
    with engine.begin() as conn:
        for statement in RELEASE_0001_ROWS:
            conn.execute(text(statement))
    engine.dispose()

    status = cli(db_url, "status", "--format", "json", "--as-of", "2024-01-01")
    assert status.exit_code == 2 and "rrf db upgrade" in status.stderr

    assert cli(db_url, "db", "upgrade").exit_code == 0
    history = json.loads(cli(db_url, "history", "6.3.1.4.i/ngos-supported", "--format", "json").stdout)
    assert [(h["record"], h["value"], h["breakdown_key"], h["corrects"], h["import"]["file"], h["import"]["row"])
            for h in history] == [(1, 6, "social-security", None, "seed.csv", None)]
    rows = json.loads(cli(db_url, "status", "--format", "json", "--as-of", "2024-01-01").stdout)
    ngos = next(r for r in rows if r["id"] == "6.3.1.4.i/ngos-supported")
    assert ngos["actual"] == 6

    raw = create_engine(db_url)
    with raw.connect() as conn:
        try:
            conn.execute(text("UPDATE progress_record SET value = 7"))
            raise AssertionError("the upgraded table accepted an UPDATE")
        except Exception as exc:  # the append-only guard survives the upgrade
            assert "append-only" in str(exc)
    raw.dispose()


def test_the_first_write_migrates_and_reads_never_do(db_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    assert cli(db_url, "status", "--as-of", "2024-01-01").exit_code == 2  # no store: refused, none created
    engine = dbm.open_engine(db_url)
    assert "progress_record" not in inspect(engine).get_table_names()
    engine.dispose()
    assert cli(db_url, "record", "6.3.1.1.i/employees-trained", "10", "--as-of", "2024-01-01",
               "--source", "s").exit_code == 0
    engine = dbm.open_engine(db_url)
    assert dbm.is_current(engine)
    engine.dispose()


RELEASE_0007_ROWS = [  # one row of each table the trail covers, as the release before the trail wrote them
    "INSERT INTO import_batch (id, file_name, file_sha256, rows, imported_at) "
    "VALUES (1, 'q1.csv', 'cd', 1, '2025-01-02 10:00:00.000000')",
    "INSERT INTO progress_record (id, item_id, as_of, value, done, breakdown_key, source, reporter, recorded_at, "
    "import_batch_id, import_row, recorded_by) VALUES (1, '6.3.1.4.i/ngos-supported', '2023-11-08', 6.5, NULL, "
    "'social-security', 'ceļa karte', 'VK', '2025-01-02 10:00:00.000000', 1, 2, 'os:anna')",
    "INSERT INTO progress_record (id, item_id, as_of, value, done, source, recorded_at, corrects, reason) "
    "VALUES (2, '6.3.1.4.i/ngos-supported', '2023-11-08', 7, NULL, 'labots', '2025-01-03 10:00:00.123456', 1, 'typo')",
    "INSERT INTO outbox (id, run_id, created_at, recipient, language, level, subject, body, items, dedup_key, status, "
    "attempts, last_attempt_at, sent_at) VALUES (1, 'r1', '2025-01-04 08:00:00.000000', 'contact:x', 'lv', 1, 's', 'b', "
    "'6.3.1.4.i/ngos-supported', 'k1', 'sent', 1, '2025-01-04 08:00:01.000000', '2025-01-04 08:00:01.000000')",
    "INSERT INTO notice (id, run_id, day, item_id, recipient, level, kind, status, why, outbox_id) "
    "VALUES (1, 'r1', '2025-01-04', '6.3.1.4.i/ngos-supported', 'contact:x', 1, 'alert', 'at_risk', 'new', 1)",
    "INSERT INTO acknowledgement (id, item_id, day, by, reason, until, status, level, recorded_at) VALUES "
    "(1, '6.3.1.4.i/ngos-supported', '2025-01-05', 'os:anna', 'darām', NULL, 'at_risk', 1, '2025-01-05 09:00:00.000000')",
    "INSERT INTO waiver (id, item_id, breakdown_key, approver, reason, day, expires, recorded_at) VALUES "
    "(1, '6.3.1.4.i/ngos-supported', NULL, 'os:anna', 'EK piekrita', '2025-01-06', '2025-12-31', "
    "'2025-01-06 09:00:00.000000')",
]


def test_the_rows_already_there_enter_the_trail_on_upgrade_and_are_then_guarded(db_url, monkeypatch, tmp_path):  # noqa: F811
    """It enters every row of a database of the release before the trail (revision 0007), so that
    `rrf audit verify` finds the trail intact, and a later change to one of those rows is named."""
    monkeypatch.chdir(tmp_path)
    engine = dbm.open_engine(db_url)
    command.upgrade(dbm._alembic_config(engine), "0007")
    with engine.begin() as conn:
        for statement in RELEASE_0007_ROWS:
            conn.execute(text(statement))
    engine.dispose()
    assert cli(db_url, "db", "upgrade").exit_code == 0
    verified = cli(db_url, "audit", "verify")
    assert verified.exit_code == 0, verified.stderr
    assert "trail intact: 7 entries" in verified.stdout
    raw = create_engine(db_url)
    with raw.begin() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT table_name FROM trail_entry ORDER BY seq"))]
        assert tables == ["import_batch", "progress_record", "progress_record", "outbox", "notice", "acknowledgement",
                          "waiver"]
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER progress_record_no_update"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE progress_record SET value = 60 WHERE id = 1"))
    raw.dispose()
    tampered = cli(db_url, "audit", "verify")
    assert tampered.exit_code == 3
    assert "progress_record #1 no longer holds what was entered (value changed" in tampered.stderr
