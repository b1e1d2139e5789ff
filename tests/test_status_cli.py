"""`rrf status` evaluates the shipped plan against recorded progress as of a day and writes nothing.

Its JSON is the array of CONTRACT.md; without --as-of the day is today in Riga.
"""

import json
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from rrf.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "milestones.toml"
SEED_PROGRESS = ROOT / "examples" / "seed-progress.csv"

CONTRACT_IDS = [
    "2.1.2.1.i/plans-approved", "2.1.2.1.i/ict-descriptions", "2.1.2.1.i/platforms-operational",
    "6.3.1.1.i/employees-trained", "6.3.1.2.i/employees-trained", "6.3.1.3.i/legal-framework",
    "6.3.1.4.i/ngos-supported", "3.1.1.2.i/specialists-trained",
]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """`rrf ARGS...` on the shipped plan and an empty database (a reading command creates none)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_PLAN", raising=False)
    monkeypatch.delenv("RRF_DATABASE_URL", raising=False)
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'status.db'}"

    def run(*args: str):
        return runner.invoke(app, [*args, "--plan", str(PLAN), "--db", db])

    assert run("db", "upgrade").exit_code == 0
    return run


def status_json(cli, *args: str) -> list[dict]:
    result = cli("status", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


SEED_STATUSES = [
    # as_of, id, status, actual
    # one record, judged from the measure's start (25.11.2022, baseline 0): 6 in 348 days reaches 30 in 2027
    ("2023-11-08", "6.3.1.4.i/ngos-supported", "at_risk", 6),
    ("2023-11-08", "3.1.1.2.i/specialists-trained", "no_data", None),
    ("2023-11-08", "2.1.2.1.i/plans-approved", "missed", None),
    ("2024-06-30", "3.1.1.2.i/specialists-trained", "on_track", 276),
    ("2025-01-05", "3.1.1.2.i/specialists-trained", "at_risk", 276),
    ("2025-01-05", "6.3.1.3.i/legal-framework", "no_data", None),
    ("2025-07-01", "6.3.1.3.i/legal-framework", "missed", None),
    ("2026-11-22", "3.1.1.2.i/specialists-trained", "missed", 276),
    ("2026-11-22", "2.1.1.1.i/lbis-system", "missed", "not-done"),
]


@pytest.mark.parametrize("as_of, item_id, status, actual", SEED_STATUSES)
def test_the_seed_progress_gives_real_statuses(cli, as_of, item_id, status, actual):
    assert cli("import", str(SEED_PROGRESS)).exit_code == 0
    row = by_id(status_json(cli, "--as-of", as_of))[item_id]
    assert (row["status"], row["actual"]) == (status, actual)


def test_json_has_the_contract_fields_for_every_seed_item(cli):
    assert cli("import", str(SEED_PROGRESS)).exit_code == 0
    rows = by_id(status_json(cli, "--as-of", "2024-03-01"))
    assert set(CONTRACT_IDS) <= set(rows)
    for row in rows.values():
        assert {"id", "kind", "due", "goal", "actual", "status", "explanation"} <= set(row)
    ngos = rows["6.3.1.4.i/ngos-supported"]
    assert ngos["breakdown"] == [
        {"key": "social-security", "goal": 15, "actual": 6, "met": False},
        {"key": "public-interest-monitoring", "goal": 15, "actual": 0, "met": False},
    ]
    assert rows["6.3.1.3.i/legal-framework"]["goal"] == "done"
    assert rows["3.1.1.2.i/specialists-trained"]["due"] == "2026-08-31"
    assert "276" in rows["3.1.1.2.i/specialists-trained"]["explanation"]


def test_explanations_are_latvian_by_default_and_english_on_request(cli):
    lv = by_id(status_json(cli, "--as-of", "2026-09-01"))["2.1.2.1.i/platforms-operational"]
    en = by_id(status_json(cli, "--as-of", "2026-09-01", "--lang", "en"))["2.1.2.1.i/platforms-operational"]
    assert lv["explanation"].startswith("Nav sasniegts") and en["explanation"].startswith("Missed")
    assert lv["explanations"] == en["explanations"]


@pytest.mark.parametrize("instant, riga_day", [
    ("2026-08-31 20:59:59", "2026-08-31"),  # 23:59:59 in Riga (EEST)
    ("2026-08-31 21:00:00", "2026-09-01"),  # 00:00 next day in Riga
    ("2026-01-15 22:30:00", "2026-01-16"),  # 00:30 in Riga (EET)
])
def test_without_as_of_the_day_is_today_in_riga(cli, instant, riga_day):
    with freeze_time(instant):
        rows = status_json(cli)
    assert {r["as_of"] for r in rows} == {riga_day}
    platforms = by_id(rows)["2.1.2.1.i/platforms-operational"]
    assert platforms["status"] == ("no_data" if riga_day <= "2026-08-31" else "missed")


def test_status_writes_nothing(cli, tmp_path):
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert cli("status").exit_code == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_table_shows_every_item_with_its_status(cli):
    result = cli("status", "--as-of", "2026-09-01", "--lang", "en")
    assert result.exit_code == 0
    for item_id in CONTRACT_IDS:
        assert item_id in result.stdout
    assert "missed" in result.stdout


@pytest.mark.parametrize("lang, words", [
    ("lv", ("RRF atskaites punkti un mērķi uz 01.09.2026", "Fakts / mērķis", "-1 d.", "neviena ieraksta",
            "izpildīts")),
    ("en", ("RRF milestones and targets as of 2026-09-01", "Actual / goal", "-1 d ", "not done")),
])
def test_the_table_speaks_the_chosen_language(cli, monkeypatch, lang, words):
    """It titles, heads and fills the table from the message catalogue of --lang."""
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("status", "--as-of", "2026-09-01", "--lang", lang)
    assert result.exit_code == 0
    for w in words:
        assert w in result.stdout, w


@pytest.mark.parametrize("args, message", [
    (["--format", "xml"], "--format 'xml'"),
    (["--as-of", "31.02.2026"], "31.02.2026"),
    (["--as-of", "yesterday"], "yesterday"),
    (["--lang", "de"], "--lang 'de'"),
])
def test_bad_options_exit_2_with_a_message(cli, args, message):
    result = cli("status", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_records_of_an_id_the_plan_no_longer_has_are_named_and_shown(cli, tmp_path):
    """It warns, on stderr (the JSON stays the contract's), of records kept for an id that is in no
    version of the plan (renamed or removed): they count for no item, and an item renamed would
    otherwise read "no data" in silence. `rrf history` still shows them."""
    assert cli("record", "6.3.1.1.i/employees-trained", "5", "--as-of", "2024-01-01", "--source", "s").exit_code == 0
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(PLAN.read_text(encoding="utf-8").replace('id = "6.3.1.1.i/employees-trained"',
                                                                 'id = "6.3.1.1.i/staff-trained"'), encoding="utf-8")
    runner, db = CliRunner(), f"sqlite:///{tmp_path / 'status.db'}"
    result = runner.invoke(app, ["status", "--format", "json", "--as-of", "2024-06-01", "--plan", str(renamed),
                                 "--db", db])
    assert result.exit_code == 0, result.stderr
    assert by_id(json.loads(result.stdout))["6.3.1.1.i/staff-trained"]["status"] in ("no_data", "missed", "at_risk")
    assert ("1 record is held for ids the plan does not have" in " ".join(result.stderr.split())
            and "6.3.1.1.i/employees-trained (1)" in result.stderr)
    assert "warning" not in cli("status", "--as-of", "2024-06-01").stderr  # the shipped plan has the id
    history = runner.invoke(app, ["history", "6.3.1.1.i/employees-trained", "--format", "json", "--plan", str(renamed),
                                  "--db", db])
    assert history.exit_code == 0 and [h["value"] for h in json.loads(history.stdout)] == [5]
    unknown = runner.invoke(app, ["history", "6.3.1.1.i/never-was", "--plan", str(renamed), "--db", db])
    assert unknown.exit_code == 2 and "unknown id '6.3.1.1.i/never-was'" in unknown.stderr
