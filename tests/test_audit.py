"""The evaluation log is append-only and hash-chained: `rrf check` appends one whole run;
`rrf audit verify` finds every single-row change, deletion or insertion made directly in the
database (exit 3, naming the first broken entry); `rrf audit replay` reproduces each decision
from the stored plan text and inputs; `rrf audit export` writes a file a spreadsheet opens
safely. On SQLite and PostgreSQL alike.
"""

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from rrf.models.audit import entry_hash
from rrf.models.tables import AuditEntry
from rrf.models.verify import verify
from rrf.cli.main import app

SOURCES = 'sources = [{ doc = "s", quote = "q" }]'


def target(name: str, goal: int, due: str, start: str | None = None) -> str:
    return f'''
[[items]]
id = "1.1.i/{name}"
kind = "target"
name_lv = "{name}"
name_en = "{name}"
unit_lv = "vienības"
unit_en = "units"
goal = {goal}
due = {due}
{f"start = {start}" if start else ""}
{SOURCES}
'''


PLAN = '''
schema_version = 1
[plan]
title_lv = "t"
title_en = "t"
[sources.s]
file = "f.txt"
title_lv = "t"
title_en = "t"
[institutions.inst]
name_lv = "i"
name_en = "i"
[contacts]
[measures."1.1.i"]
name_lv = "m"
name_en = "m"
type = "investment"
institution = "inst"
''' + "".join([
    target("met", 10, "2026-06-30"),
    target("met-late", 10, "2026-01-31"),
    target("on-track", 10, "2026-12-31", "2026-01-01"),
    target("at-risk", 100, "2026-04-30", "2026-01-01"),
    target("missed", 10, "2026-02-28"),
    target("no-data", 10, "2026-12-31"),
    target("reversed", 10, "2026-12-31"),
]) + f'''
[[items]]
id = "1.1.i/milestone"
kind = "milestone"
name_lv = "Regulējums spēkā"
name_en = "Framework in force"
goal = "done"
due = 2026-02-15
{SOURCES}
'''

RECORDS = [  # (item, value, as of) -> each status of CONTRACT.md as of 2026-03-15
    ("met", "10", "2026-01-01"), ("met-late", "10", "2026-02-10"), ("on-track", "5", "2026-03-01"),
    ("at-risk", "5", "2026-03-01"), ("missed", "3", "2026-02-01"), ("reversed", "10", "2026-01-10"),
    ("reversed", "8", "2026-02-10"), ("milestone", "done", "2026-02-20"),
]
AS_OF = "2026-03-15"


@pytest.fixture
def logged(db_url, tmp_path, monkeypatch):  # noqa: F811
    """A store with the records above and two checks in its log; returns the CLI runner."""
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    runner = CliRunner()

    def rrf(*args: str):
        return runner.invoke(app, [*args, "--plan", str(plan), "--db", db_url])

    for item, value, as_of in RECORDS:
        assert rrf("record", f"1.1.i/{item}", value, "--as-of", as_of, "--source", "test").exit_code == 0
    for as_of in ("2026-02-01", AS_OF):
        result = rrf("check", "--direct", "--as-of", as_of)
        assert result.exit_code == 0, result.stderr
    return rrf


def entries(rrf, *filters: str) -> list[dict]:
    result = rrf("audit", "log", "--format", "json", *filters)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_check_logs_one_entry_per_item_with_its_inputs(logged):
    last = entries(logged, "--from", AS_OF)
    assert {e["id"].split("/")[1]: e["status"] for e in last} == {
        "met": "met", "met-late": "met_late", "on-track": "on_track", "at-risk": "at_risk", "missed": "missed",
        "no-data": "no_data", "reversed": "reversed", "milestone": "met_late"}
    reversed_ = next(e for e in last if e["id"] == "1.1.i/reversed")
    assert [row[:3] for row in reversed_["inputs"]] == [[6, "2026-01-10", "10"], [7, "2026-02-10", "8"]]
    assert reversed_["decision"]["records_used"] == [7]
    assert len({e["run"] for e in entries(logged)}) == 2
    assert {e["plan_sha256"] for e in last} == {e["plan_sha256"] for e in entries(logged, "--to", "2026-02-01")}


@pytest.mark.parametrize("filters, count", [
    (["--id", "1.1.i/met"], 2), (["--status", "missed"], 2), (["--from", AS_OF], 8),
    (["--to", "2026-02-01"], 8), (["--id", "1.1.i/met", "--to", "2026-01-01"], 0),
])
def test_the_log_filters_by_id_status_and_dates(logged, filters, count):
    assert len(entries(logged, *filters)) == count


def test_the_log_filters_by_run(logged):
    run = entries(logged, "--from", AS_OF)[0]["run"]
    assert {e["as_of"] for e in entries(logged, "--run", run[:8])} == {AS_OF}


def test_verify_passes_on_an_untouched_log(logged):
    result = logged("audit", "verify")
    assert result.exit_code == 0, result.stderr
    assert "intact: 18 entries in 2 runs" in result.stdout


def test_replay_reproduces_every_status(logged):
    """It replays every entry to its logged status, counting the records it used in the number's form."""
    counts = set()
    for e in entries(logged, "--from", AS_OF):
        result = logged("audit", "replay", str(e["entry"]))
        assert result.exit_code == 0, result.stderr
        assert f"{e['status']}, identical to the log" in result.stdout
        n = int(re.search(r"from (\d+) records?:", result.stdout).group(1))
        assert f"from {n} record{'' if n == 1 else 's'}:" in result.stdout
        counts.add(min(n, 2))
    assert counts == {0, 1, 2}  # none, one and several: each form is seen


def test_replay_names_a_difference_with_exit_3(logged, db_url):  # noqa: F811
    entry = entries(logged, "--from", AS_OF, "--id", "1.1.i/met")[0]
    payload = {k: entry[k] for k in ("engine_version", "plan_sha256", "evaluated_at", "decision", "inputs")}
    payload["decision"] = {**payload["decision"], "status": "missed"}
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _lift_guard(conn)
        conn.execute(text("UPDATE audit_entry SET payload = :p WHERE seq = :s"),
                     {"p": json.dumps(payload), "s": entry["entry"]})
    engine.dispose()
    result = logged("audit", "replay", str(entry["entry"]))
    assert result.exit_code == 3
    assert "DIFFERENT" in result.stderr and "status" in result.stderr


def _lift_guard(conn) -> None:  # noqa: ANN001
    """What an intruder with database rights does first: switch off the append-only triggers."""
    if conn.dialect.name == "sqlite":
        for table in ("audit_entry", "audit_run", "plan_text"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
    else:
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def _tampered(db_url: str, statement: str, params: dict | None = None):  # noqa: F811
    """Run `verify` on the database as it would be after `statement`, then undo it."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        trans = conn.begin()
        _lift_guard(conn)
        conn.execute(text(statement), params or {})
        report = verify(session=Session(bind=conn))
        trans.rollback()
    engine.dispose()
    return report


def flip(column: str) -> str:
    """SQL for the column with its first character changed (a one-character forgery)."""
    return f"CASE WHEN substr({column}, 1, 1) = 'f' THEN 'e' ELSE 'f' END || substr({column}, 2)"


COLUMNS = {  # column -> a changed value, as SQL
    "run_id": flip("run_id"), "kind": "'x' || kind", "item_id": "COALESCE(item_id, '') || 'x'",
    "status": "'x' || status", "as_of": "DATE '2020-01-01'", "created_at": "created_at + INTERVAL '1 second'",
    "payload": "payload || ' '", "prev_hash": flip("prev_hash"), "hash": flip("hash"),
}


def test_every_single_row_update_of_every_column_is_detected(logged, db_url):  # noqa: F811
    sqlite = db_url.startswith("sqlite")
    changes = dict(COLUMNS)
    if sqlite:
        changes.update(as_of="'2020-01-01'", created_at="'2020-01-01 00:00:00.000000'")
    for seq in range(1, 19):
        for column, value in changes.items():
            report = _tampered(db_url, f"UPDATE audit_entry SET {column} = {value} WHERE seq = {seq}")
            assert report.broken is not None, f"UPDATE of {column} in entry {seq} went unnoticed"
            assert report.broken.seq in (seq, seq + 1), (column, seq, str(report.broken))


def test_every_single_row_delete_is_detected(logged, db_url):  # noqa: F811
    for seq in range(1, 19):
        report = _tampered(db_url, f"DELETE FROM audit_entry WHERE seq = {seq}")
        assert report.broken is not None and report.broken.seq == seq, (seq, report.broken)
    for statement in ("DELETE FROM audit_run WHERE first_seq = 1", "DELETE FROM audit_run WHERE first_seq = 10",
                      "DELETE FROM plan_text"):
        assert _tampered(db_url, statement).broken is not None, statement


def test_single_row_inserts_are_detected(logged, db_url):  # noqa: F811
    engine = create_engine(db_url)
    with Session(engine) as session:
        last = session.get(AuditEntry, 18)
        template = {c: getattr(last, c) for c in AuditEntry.model_fields}
    engine.dispose()
    for run_id in (template["run_id"], "f" * 32):  # the last run's, or a run that does not exist
        forged = AuditEntry(**{**template, "seq": 19, "run_id": run_id, "prev_hash": template["hash"], "hash": ""})
        forged.hash = entry_hash(forged)  # a well-formed link: only the run bookkeeping can tell
        report = _tampered(
            db_url, "INSERT INTO audit_entry (seq, run_id, kind, item_id, status, as_of, created_at, payload, "
            "prev_hash, hash) VALUES (:seq, :run_id, :kind, :item_id, :status, :as_of, :created_at, :payload, "
            ":prev_hash, :hash)", forged.model_dump())
        assert report.broken is not None and report.broken.seq == 19, report.broken
    report = _tampered(db_url, "INSERT INTO audit_run (id, as_of, started_at, finished_at, outcome, engine_version, "
                       "entries, first_seq, last_seq, head_hash) SELECT 'forged', as_of, started_at, finished_at, "
                       "outcome, engine_version, entries, 19, 20, head_hash FROM audit_run WHERE first_seq = 10")
    assert report.broken is not None
    report = _tampered(db_url, "INSERT INTO plan_text (sha256, text, stored_at) SELECT 'ab', text, stored_at FROM plan_text")
    assert report.broken is not None


def test_a_changed_run_row_or_plan_text_is_detected(logged, db_url):  # noqa: F811
    for statement in ("UPDATE audit_run SET outcome = 'failed' WHERE first_seq = 1",
                      "UPDATE audit_run SET entries = 3 WHERE first_seq = 10",
                      "UPDATE audit_run SET last_seq = 17 WHERE first_seq = 10",
                      "UPDATE plan_text SET text = text || ' '"):
        report = _tampered(db_url, statement)
        assert report.broken is not None, statement


def _verify_after(logged, db_url: str, statement: str):  # noqa: ANN001, ANN202
    """`rrf audit verify` after an intruder ran `statement` with the guards lifted."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _lift_guard(conn)
        conn.execute(text(statement))
    engine.dispose()
    return logged("audit", "verify")


def test_verify_exits_3_naming_the_first_broken_entry(logged, db_url):  # noqa: F811
    result = _verify_after(logged, db_url, "UPDATE audit_entry SET status = 'met' WHERE seq = 5")
    assert result.exit_code == 3
    assert "entry 5" in result.stderr and "changed after it was written" in result.stderr


def test_a_changed_plan_text_is_named_without_counting_entries_before_the_first(logged, db_url):  # noqa: F811
    """It names a changed plan text at the first entry that names it, and counts as intact only the
    entries before that one (none, at entry 1: never all the log's entries)."""
    result = _verify_after(logged, db_url, "UPDATE plan_text SET text = text || ' '")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3 and "entry 1 " in said and "was changed" in said
    assert "intact)" not in said


def test_the_database_refuses_changes_to_the_log(logged, db_url):  # noqa: F811
    engine = create_engine(db_url)
    for statement in ("UPDATE audit_entry SET status = 'met'", "DELETE FROM audit_run", "DELETE FROM plan_text"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    engine.dispose()


def test_a_failed_check_is_logged_and_the_chain_continues(logged, db_url, monkeypatch):  # noqa: F811
    from rrf.services import check as check_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("lost connection to postgresql+psycopg://rrf:hunter2@db/rrf")

    monkeypatch.setattr(check_module, "evaluate", broken)
    assert logged("check", "--direct", "--as-of", AS_OF).exit_code == 1
    monkeypatch.undo()
    assert logged("check", "--direct", "--as-of", AS_OF).exit_code == 0
    assert "intact: 28 entries in 4 runs" in logged("audit", "verify").stdout
    engine = create_engine(db_url)
    with engine.connect() as conn:
        outcome, error = conn.execute(text("SELECT outcome, error FROM audit_run WHERE first_seq = 19")).one()
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_entry")) for v in row)
    engine.dispose()
    assert outcome == "failed" and "rrf:***@db" in error
    assert "hunter2" not in dump and "hunter2" not in error


def test_export_csv_opens_cleanly_in_a_spreadsheet(logged, tmp_path):
    """It writes text that a spreadsheet would read as a formula with a leading apostrophe, and
    numbers as numbers: a negative day count stays -15, not the text '-15."""
    result = logged("audit", "export", "--format", "csv", "--output", str(tmp_path / "log.csv"))
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "log.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 16
    assert {r["status"] for r in rows} >= {"met", "missed", "reversed"}
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(("=", "+", "@")), cell
            assert not cell.startswith("-") or float(cell) < 0, (name, cell)
    missed = next(r for r in rows if r["id"] == "1.1.i/missed" and r["as_of"] == AS_OF)
    assert missed["days_left"] == "-15"
    assert "Nav sasniegts" in missed["explanation_lv"]


def test_export_csv_names_who_acknowledged_or_waived_what_and_why(logged, tmp_path):
    """It gives an acknowledgement's and a waiver's own columns in the CSV (kind, by, role, reason,
    key, until, level), and a run's outcome, so that an auditor's spreadsheet of `--kind all` says
    who decided what and why, as the JSON export does."""
    assert logged("ack", "1.1.i/missed", "--reason", "a new contract signed", "--until", "2026-12-31",
                  "--as-of", AS_OF).exit_code == 0
    assert logged("waive", "1.1.i/missed", "--reason", "agreed with the Commission", "--until", "2026-12-31",
                  "--as-of", AS_OF).exit_code == 0
    result = logged("audit", "export", "--format", "csv", "--kind", "all", "--output", str(tmp_path / "all.csv"))
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "all.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ack = next(r for r in rows if r["kind"] == "ack" and r["id"] == "1.1.i/missed")
    waived = next(r for r in rows if r["kind"] == "waiver" and r["id"] == "1.1.i/missed")
    assert (ack["by"].startswith("os:"), ack["role"], ack["reason"], ack["until"]) == (
        True, "coordinator", "a new contract signed", "2026-12-31") and ack["level"] != ""
    assert (waived["reason"], waived["until"], waived["key"]) == ("agreed with the Commission", "2026-12-31", "")
    assert {r["outcome"] for r in rows if r["kind"] == "run"} >= {"finished"}


def test_export_json_holds_every_entry(logged, tmp_path):
    assert logged("audit", "export", "--format", "json", "-o", str(tmp_path / "log.json")).exit_code == 0
    data = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    assert [e["entry"] for e in data] == [n for n in range(1, 19) if n not in (9, 18)]


def test_dry_run_writes_nothing(logged, db_url):  # noqa: F811
    result = logged("check", "--as-of", AS_OF, "--dry-run", "--lang", "en")
    assert result.exit_code == 0 and "nothing was written" in result.stdout
    assert "intact: 18 entries in 2 runs" in logged("audit", "verify").stdout


def test_replay_of_an_entry_that_is_not_there_says_so(logged):
    """It says an entry does not exist (and which ones do), and that a run's closing entry is not
    an evaluation, each with exit 2; it prints the explanation in the language asked for."""
    missing = logged("audit", "replay", "999")
    assert missing.exit_code == 2 and "there is no entry 999 in the log (its entries are 1 to 18)" in missing.stderr
    closing = logged("audit", "replay", "9")
    assert closing.exit_code == 2 and "not an evaluation entry of the log but a run entry" in closing.stderr
    met = entries(logged, "--from", AS_OF, "--id", "1.1.i/met")[0]
    english = logged("audit", "replay", str(met["entry"]), "--lang", "en")
    assert english.exit_code == 0 and met["decision"]["explanations"]["en"] in english.stdout


def test_export_to_standard_output_and_never_over_a_file_unasked(logged, tmp_path):
    """It writes the export to standard output with `--output -` (no file named "-"), refuses to
    replace an existing file without --force, and names a missing folder; nothing is lost."""
    to_stdout = logged("audit", "export", "--format", "json", "--output", "-")
    assert to_stdout.exit_code == 0 and len(json.loads(to_stdout.stdout)) == 16 and not (tmp_path / "-").exists()
    kept = tmp_path / "rrf-audit.csv"
    kept.write_text("an auditor's own notes\n", encoding="utf-8")
    refused = logged("audit", "export")
    assert refused.exit_code == 2 and "exists" in refused.stderr and "--force" in refused.stderr
    assert kept.read_text(encoding="utf-8") == "an auditor's own notes\n"
    replaced = logged("audit", "export", "--force")
    assert replaced.exit_code == 0 and kept.read_text(encoding="utf-8-sig").startswith("entry,run")
    nowhere = logged("audit", "export", "--output", str(tmp_path / "no" / "such" / "log.csv"))
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr


def test_verify_speaks_latvian_when_asked(logged, db_url):  # noqa: F811
    """It says the same in Latvian with --lang lv: what holds, what checkpoints are, what broke."""
    said = logged("audit", "verify", "--lang", "lv")
    assert said.exit_code == 0, said.stderr
    assert "neskarts: ieraksti — 18, pārbaudes — 2" in said.stdout
    assert "audita taka neskarta: ieraksti — 8 (progresa ieraksti" in said.stdout
    assert "kontrolpunkti: nav iestatīti" in said.stdout
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _lift_guard(conn)
        conn.execute(text("UPDATE audit_entry SET status = 'met' WHERE seq = 5"))
    engine.dispose()
    broken = logged("audit", "verify", "--lang", "lv")
    assert broken.exit_code == 3
    assert "BOJĀTS: ieraksts 5 (pārbaude " in broken.stderr and "(pirms tā ir 4 neskarti ieraksti)" in broken.stderr
    assert "mainīts pēc ierakstīšanas" in broken.stderr
