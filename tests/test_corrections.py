"""A correction is a new record naming the one it replaces and why: the old value stays
visible in `rrf history`, and the status follows the corrected figure. Nothing is updated
or deleted, on SQLite and on PostgreSQL alike.
"""

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from backends import db_url  # noqa: F401  (fixture: every test runs on both databases)
from rrf.cli.main import app

PLAN = Path(__file__).resolve().parent.parent / "milestones.toml"
TRAINED = "6.3.1.1.i/employees-trained"  # 16 232 by 31.05.2026


@pytest.fixture
def rrf(db_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        options = ["--plan", str(PLAN), "--db", db_url]
        if "--" in args:  # options must stand before the end-of-options marker
            cut = args.index("--")
            return runner.invoke(app, [*args[:cut], *options, *args[cut:]])
        return runner.invoke(app, [*args, *options])

    return run


def status_of(rrf, item_id: str, as_of: str) -> dict:
    result = rrf("status", "--format", "json", "--as-of", as_of, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    return next(r for r in json.loads(result.stdout) if r["id"] == item_id)


def history_of(rrf, item_id: str) -> list[dict]:
    result = rrf("history", item_id, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def count_records(db_url: str) -> int:  # noqa: F811
    engine = create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM progress_record")).scalar_one()
    engine.dispose()
    return n


def test_a_correction_changes_the_status_and_keeps_the_old_value_in_history(rrf):
    assert rrf("record", TRAINED, "16500", "--as-of", "2025-01-10", "--source", "VK atskaite",
               "--reporter", "Dace Balode").exit_code == 0
    assert status_of(rrf, TRAINED, "2025-02-01")["status"] == "met"

    result = rrf("correct", "1", "6500", "--reason", "pārrakstīšanās kļūda: 6 500, ne 16 500",
                 "--source", "VK precizēta atskaite", "--reporter", "Dace Balode")
    assert result.exit_code == 0, result.stderr
    assert "corrects #1" in result.stdout

    row = status_of(rrf, TRAINED, "2025-02-01")
    assert (row["status"], row["actual"], row["records_used"]) == ("on_track", 6500, [2])
    old, new = history_of(rrf, TRAINED)
    assert (old["record"], old["value"], old["in_force"], old["corrected_by"]) == (1, 16500, False, 2)
    assert (new["record"], new["value"], new["corrects"], new["in_force"]) == (2, 6500, 1, True)
    assert new["reason"] == "pārrakstīšanās kļūda: 6 500, ne 16 500"
    assert (new["as_of"], new["reporter"], new["source"]) == ("2025-01-10", "Dace Balode", "VK precizēta atskaite")


def test_correcting_a_wrong_peak_removes_a_false_reversal(rrf):
    rrf("record", TRAINED, "16500", "--as-of", "2025-01-10", "--source", "a")
    rrf("record", TRAINED, "9000", "--as-of", "2025-04-01", "--source", "b")
    assert status_of(rrf, TRAINED, "2025-04-02")["status"] == "reversed"
    assert rrf("correct", "1", "6500", "--reason", "typo", "--source", "c").exit_code == 0
    assert status_of(rrf, TRAINED, "2025-04-02")["status"] in {"on_track", "at_risk"}


def test_a_withdrawn_record_no_longer_counts(rrf):
    rrf("record", TRAINED, "500", "--as-of", "2025-01-10", "--source", "a")
    assert rrf("correct", "1", "--withdraw", "--reason", "double entry", "--source", "b").exit_code == 0
    assert status_of(rrf, TRAINED, "2025-02-01")["status"] == "no_data"
    [old, withdrawal] = history_of(rrf, TRAINED)
    assert withdrawal["withdrawn"] and not old["in_force"]


def test_a_correction_may_move_the_figure_to_another_date(rrf):
    rrf("record", TRAINED, "500", "--as-of", "2025-01-10", "--source", "a")
    assert rrf("correct", "1", "500", "--as-of", "2025-03-10", "--reason", "wrong date", "--source", "b").exit_code == 0
    assert status_of(rrf, TRAINED, "2025-02-01")["status"] == "no_data"
    assert status_of(rrf, TRAINED, "2025-03-10")["actual"] == 500


BAD = [
    ("no such record", ["correct", "99", "5", "--reason", "r", "--source", "s"], "no record #99"),
    ("already corrected", ["correct", "1", "7", "--reason", "r", "--source", "s"], "already corrected by #2"),
    ("no reason", ["correct", "2", "7", "--source", "s"], "reason is empty"),
    ("value and --withdraw", ["correct", "2", "7", "--withdraw", "--reason", "r", "--source", "s"], "either"),
    ("neither value nor --withdraw", ["correct", "2", "--reason", "r", "--source", "s"], "either"),
    ("negative value", ["correct", "2", "--reason", "r", "--source", "s", "--", "-3"], "negative"),
    ("done for a target", ["correct", "2", "done", "--reason", "r", "--source", "s"], "is a target"),
]


@pytest.mark.parametrize("args, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_corrections_exit_2_and_write_nothing(rrf, db_url, args, message):  # noqa: F811
    rrf("record", TRAINED, "5", "--as-of", "2025-01-10", "--source", "a")
    rrf("correct", "1", "6", "--reason", "r", "--source", "s")
    result = rrf(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert count_records(db_url) == 2


def test_corrections_can_be_imported(rrf, tmp_path):
    rrf("record", TRAINED, "16500", "--as-of", "2025-01-10", "--source", "a")
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(
        "id,value,as_of,source,corrects,reason\n"
        f"{TRAINED},6500,,VK precizējums,1,pārrakstīšanās kļūda\n", encoding="utf-8")
    result = rrf("import", str(fixes))
    assert result.exit_code == 0, result.stderr
    assert "imported 1 record as import #1, 1 of them a correction" in result.stdout
    assert status_of(rrf, TRAINED, "2025-02-01")["actual"] == 6500
    assert history_of(rrf, TRAINED)[1]["import"]["row"] == 2


def test_an_imported_correction_of_an_unknown_record_names_its_line(rrf, tmp_path):
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(
        "id,value,as_of,source,corrects,reason\n"
        f"{TRAINED},1,2025-01-01,s,,\n"
        f"{TRAINED},6500,,s,41,why\n", encoding="utf-8")
    result = rrf("import", str(fixes))
    assert result.exit_code == 2
    assert "fixes.csv:3: corrects #41: no such record" in result.stderr


@pytest.mark.parametrize("statement", [
    "UPDATE progress_record SET value = 1",
    "DELETE FROM progress_record",
    "UPDATE import_batch SET rows = 0",
    "DELETE FROM import_batch",
])
def test_the_database_refuses_to_change_or_delete_records(rrf, db_url, tmp_path, statement):  # noqa: F811
    csv = tmp_path / "p.csv"
    csv.write_text(f"id,value,as_of,source\n{TRAINED},5,2025-01-01,s\n", encoding="utf-8")
    assert rrf("import", str(csv)).exit_code == 0
    engine = create_engine(db_url)
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert count_records(db_url) == 1
