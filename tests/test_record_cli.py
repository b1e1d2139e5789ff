"""`rrf record` appends one progress record; bad input exits 2 with a clear message and writes
nothing.

It reads the value the way Latvian reports write it ("1 300", "1300,0", 31.12.2023), refuses
what it cannot read unambiguously, and never accepts a figure dated after today in Riga.
What it writes can never be changed or deleted, not even by SQL.
"""

import hashlib
from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from freezegun import freeze_time

from conftest import MILESTONE, TARGET, stored_records
from rrf.rules.figures import out_of_bounds
from rrf.rules.records import parse_number

SOURCE = "VARAM ceturkšņa atskaite"


def record(item_id: str = TARGET, value: str = "276", *extra: str,
           as_of: str = "2024-06-30", source: str = SOURCE) -> list[str]:
    """The arguments of `rrf record` (options after a `--` marker go last)."""
    return ["record", "--as-of", as_of, "--source", source, *extra, "--", item_id, value]


BAD_RECORDS = [
    # args, what stderr must say, frozen "now" (None: the real clock)
    pytest.param(record("3.1.1.2.i/specialists-certified", "5"),
                 "unknown id '3.1.1.2.i/specialists-certified'", None, id="unknown-id"),
    pytest.param(record(TARGET, "5", "--breakdown", "region=XYZ"),
                 "unknown breakdown key 'XYZ'", None, id="unknown-breakdown-key"),
    pytest.param(record(TARGET, "5", "--breakdown", "county=RPR"),
                 "unknown breakdown dimension 'county'", None, id="unknown-breakdown-dimension"),
    pytest.param(record(MILESTONE, "done", "--breakdown", "region=RPR"),
                 f"{MILESTONE} has no breakdown", None, id="breakdown-on-a-milestone"),
    pytest.param(record(TARGET, "-5"), "value: '-5' is negative", None, id="negative-value"),
    pytest.param(["record", TARGET, "-5", "--as-of", "2024-06-30", "--source", SOURCE],
                 "-5", None, id="negative-value-without-end-of-options"),
    pytest.param(record(TARGET, "done"),
                 f"{TARGET} is a target: the value must be a number, got 'done'", None, id="done-for-a-target"),
    pytest.param(record(MILESTONE, "5"),
                 f"{MILESTONE} is a milestone: the value must be done or not-done, got '5'", None,
                 id="number-for-a-milestone"),
    pytest.param(record(TARGET, "many"), "'many' is not a number", None, id="not-a-number"),
    pytest.param(record(TARGET, "1,300"), "'1,300' is ambiguous", None, id="ambiguous-1,300"),
    pytest.param(record(TARGET, "1.300"), "'1.300' is ambiguous", None, id="ambiguous-1.300"),
    pytest.param(record(TARGET, "15.001"), "(15.0010 for three decimal places)", None, id="ambiguous-15.001"),
    pytest.param(record(TARGET, "5", as_of="31.02.2026"),
                 "'31.02.2026' is not a real date", None, id="impossible-date"),
    pytest.param(record(TARGET, "5", as_of="2026/08/31"),
                 "'2026/08/31' is not a date", None, id="slashed-date"),
    pytest.param(record(TARGET, "5", as_of="2026-03-11"),
                 "as-of date 2026-03-11 is in the future (today is 2026-03-10 in Riga)",
                 "2026-03-10 12:00:00", id="future-date"),
    pytest.param(record(TARGET, "5", source=""), "source is empty", None, id="empty-source"),
    pytest.param(record(TARGET, "5", source="   "), "source is empty", None, id="blank-source"),
    pytest.param(record(TARGET, "5", "--evidence", "missing.pdf"),
                 "evidence file 'missing.pdf' does not exist", None, id="missing-evidence-file"),
    pytest.param(record(TARGET, "5", "--evidence", "."), "evidence '.' is a folder: name a file", None,
                 id="evidence-a-folder"),
    # a figure no store keeps exactly (and that once made every later status and history crash)
    pytest.param(record(TARGET, "9" * 400), "value: '999999999999999999999999'… (400 characters) has 400 digits "
                 "(at most 15, 6 of them after the decimal point)", None, id="400-nines"),
    pytest.param(record(TARGET, "1 000 000 000 000 000"), "value: '1 000 000 000 000 000' has 16 digits", None,
                 id="16-digits"),
    pytest.param(record(TARGET, "0,0000001"), "value: '0,0000001' has 7 digits after the decimal point (at most 6)",
                 None, id="7-decimals"),
]


@pytest.mark.parametrize("args, message, now", BAD_RECORDS)
def test_bad_input_exits_2_names_the_problem_and_creates_no_database(run, store, args, message, now):
    with freeze_time(now) if now else nullcontext():
        result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert not store.exists()


@pytest.mark.parametrize("args, message, now", BAD_RECORDS)
def test_bad_input_adds_no_record_to_an_existing_database(run, store, args, message, now):
    assert run(*record(TARGET, "100", as_of="2023-12-31")).exit_code == 0
    with freeze_time(now) if now else nullcontext():
        result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert [(r.item_id, r.value) for r in stored_records(store)] == [(TARGET, Decimal(100))]


def test_every_problem_of_one_record_is_named_at_once(run, store):
    result = run(*record(TARGET, "1,300", as_of="31.02.2026", source=""))
    assert result.exit_code == 2
    for message in ("'1,300' is ambiguous", "'31.02.2026' is not a real date", "source is empty"):
        assert message in result.stderr
    assert "nothing was written" in result.stderr
    assert not store.exists()


GOOD_RECORDS = [
    # args, stored (item_id, as_of, value, done, breakdown_key, reporter)
    pytest.param(record(TARGET, "276", as_of="31.12.2023"),
                 (TARGET, date(2023, 12, 31), Decimal(276), None, None, None), id="latvian-date"),
    pytest.param(record(TARGET, "276", as_of="31.12.2023."),
                 (TARGET, date(2023, 12, 31), Decimal(276), None, None, None), id="latvian-date-trailing-dot"),
    pytest.param(record(TARGET, "1 300", "--breakdown", "region=RPR"),
                 (TARGET, date(2024, 6, 30), Decimal(1300), None, "RPR", None), id="grouped-thousands-with-key"),
    pytest.param(record(TARGET, "1\u00a0300"),
                 (TARGET, date(2024, 6, 30), Decimal(1300), None, None, None), id="no-break-space-thousands"),
    pytest.param(record(TARGET, "1300,0"),
                 (TARGET, date(2024, 6, 30), Decimal(1300), None, None, None), id="decimal-comma"),
    pytest.param(record(TARGET, "260", "--breakdown", "KPR"),
                 (TARGET, date(2024, 6, 30), Decimal(260), None, "KPR", None), id="key-without-dimension"),
    pytest.param(record(TARGET, "0"),
                 (TARGET, date(2024, 6, 30), Decimal(0), None, None, None), id="zero"),
    pytest.param(record(MILESTONE, "done"),
                 (MILESTONE, date(2024, 6, 30), None, True, None, None), id="milestone-done"),
    pytest.param(record(MILESTONE, "not-done"),
                 (MILESTONE, date(2024, 6, 30), None, False, None, None), id="milestone-not-done"),
    pytest.param(record(TARGET, "750", "--reporter", "Baiba Zvejniece"),
                 (TARGET, date(2024, 6, 30), Decimal(750), None, None, "Baiba Zvejniece"), id="reporter"),
    pytest.param(record(TARGET, "999 999 999 999 999"),
                 (TARGET, date(2024, 6, 30), Decimal(999999999999999), None, None, None), id="15-digits"),
    pytest.param(record(TARGET, "123456789,123456"),
                 (TARGET, date(2024, 6, 30), Decimal("123456789.123456"), None, None, None), id="6-decimals"),
]


@pytest.mark.parametrize("args, stored", GOOD_RECORDS)
def test_a_good_record_exits_0_and_adds_exactly_one_row(run, store, args, stored):
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("recorded #1: ")
    (row,) = stored_records(store)
    assert (row.item_id, row.as_of, row.value, row.done, row.breakdown_key, row.reporter) == stored
    assert row.source == SOURCE


@pytest.mark.parametrize("text, refused", [
    ("999999999999999", None),                      # 15 digits
    ("1000000000000000", "has 16 digits"),
    ("123456789.123456", None),                     # 15 digits, 6 of them decimals
    ("1234567890.123456", "has 16 digits"),
    ("0.000001", None),
    ("0.0000001", "has 7 digits after the decimal point"),
    ("1300.500000000", None),                       # zeros that end the decimals do not count
    ("0.0000000000", None),
    ("00000000000000000001", None),                 # nor do zeros that begin it
    ("-5", None),                                   # (negative: refused by check_record, not here)
])
def test_a_figure_has_at_most_15_digits_6_of_them_decimals(text, refused):
    """It reads a figure that every store keeps exactly, and refuses one beyond, saying why."""
    if refused is None:
        assert parse_number(text) == Decimal(text)
    else:
        with pytest.raises(ValueError, match=refused):
            parse_number(text)


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("NaN"), Decimal("1E+400")])
def test_a_figure_that_is_not_finite_or_too_large_is_out_of_bounds(value):
    """It bounds every figure, also one that was not typed: a sum of imported figures."""
    assert out_of_bounds(value, str(value)) is not None


def test_a_command_that_creates_the_database_says_where(run, store):
    """Only the first write into a SQLite file that was not there says so, naming the file whole."""
    first = run(*record(TARGET, "100", as_of="2023-12-31"))
    second = run(*record(TARGET, "200", as_of="2024-06-30"))
    assert first.exit_code == second.exit_code == 0, first.stderr + second.stderr
    path = make_url(store.url).database if store.url.startswith("sqlite") else None
    expected = [f"created a new database at {Path(path).resolve()}"] if path else []
    assert first.stderr.splitlines() == expected
    assert second.stderr == ""


def test_records_accumulate_one_row_per_call(run, store):
    for n, value in enumerate(["100", "200", "276"], start=1):
        result = run(*record(TARGET, value, as_of=f"2023-0{n}-01"))
        assert result.stdout.startswith(f"recorded #{n}: ")
    assert [r.value for r in stored_records(store)] == [100, 200, 276]


@pytest.mark.parametrize("given", ["absolute", "relative"])
def test_an_evidence_file_is_kept_with_its_sha256(run, store, workdir, given):
    evidence = workdir / "atskaite-2024.pdf"
    evidence.write_bytes(b"%PDF-1.7 apmacibu atskaite 2024\n")
    result = run(*record(TARGET, "750", "--evidence", str(evidence) if given == "absolute" else evidence.name,
                         "--reporter", "Elīna Kārkla"))
    assert result.exit_code == 0, result.stderr
    (row,) = stored_records(store)
    assert row.evidence == str(evidence.resolve())
    assert row.evidence_sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert row.reporter == "Elīna Kārkla"


def test_an_evidence_url_is_kept_as_given_without_a_hash(run, store):
    url = "https://www.varam.gov.lv/lv/atskaite-2024.pdf"
    assert run(*record(TARGET, "750", "--evidence", url)).exit_code == 0
    (row,) = stored_records(store)
    assert (row.evidence, row.evidence_sha256) == (url, None)


@pytest.mark.parametrize("as_of, exit_code", [
    ("2026-03-10", 0),  # yesterday in Riga, today in UTC
    ("2026-03-11", 0),  # today in Riga (00:30 EET), tomorrow in UTC
    ("11.03.2026", 0),
    ("2026-03-12", 2),  # tomorrow in Riga
])
def test_the_as_of_date_may_be_today_in_riga_but_not_later(run, store, as_of, exit_code):
    with freeze_time("2026-03-10 22:30:00"):  # UTC
        result = run(*record(TARGET, "276", as_of=as_of))
    assert result.exit_code == exit_code, result.stderr
    assert len(stored_records(store)) == (1 if exit_code == 0 else 0)
    if exit_code == 2:
        assert "today is 2026-03-11 in Riga" in result.stderr


@pytest.mark.parametrize("statement", [
    "UPDATE progress_record SET value = 1300",
    "UPDATE progress_record SET source = 'cits avots' WHERE id = 1",
    "DELETE FROM progress_record",
    "DELETE FROM progress_record WHERE id = 1",
])
def test_records_cannot_be_changed_or_deleted_even_by_sql(run, store, statement):
    assert run(*record(TARGET, "276", as_of="2023-12-31")).exit_code == 0
    engine = create_engine(store.url)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    (row,) = stored_records(store)
    assert (row.value, row.source) == (Decimal(276), SOURCE)
