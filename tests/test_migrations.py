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
    assert cli(db_url, "status", "--as-of", "2024-01-01").exit_code == 0
    engine = dbm.open_engine(db_url)
    assert "progress_record" not in inspect(engine).get_table_names()
    engine.dispose()
    assert cli(db_url, "record", "6.3.1.1.i/employees-trained", "10", "--as-of", "2024-01-01",
               "--source", "s").exit_code == 0
    engine = dbm.open_engine(db_url)
    assert dbm.is_current(engine)
    engine.dispose()
