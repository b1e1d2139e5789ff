"""`rrf import FILE` appends the records of a CSV or XLSX file: all rows or none.

It reads comma- or semicolon-separated UTF-8 with a header row, numbers and dates written the
Latvian way, and checks every row as `rrf record` would before writing any. A file with bad
rows is refused naming each bad line and why, and nothing is imported; the same file imported
again adds nothing.
"""

import hashlib
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest

from conftest import MILESTONE, SEED_PROGRESS, SHIPPED_PLAN, TARGET, stored_records


def rows_of(store) -> list[tuple]:
    return [(r.item_id, r.as_of, r.value, r.done, r.breakdown_key, r.import_row)
            for r in stored_records(store)]


GOOD_FILES = [
    # file content, stored rows (item_id, as_of, value, done, breakdown_key, line)
    pytest.param(
        "id,value,as_of,source,breakdown,reporter\n"
        f"{TARGET},276,2023-12-31,VARAM atskaite 2023,,Baiba Zvejniece\n"
        f"{TARGET},300,2024-06-30,VARAM atskaite,region=RPR,\n"
        f'{TARGET},"1 300",2024-09-30,VARAM atskaite,region=KPR,\n'
        f"{MILESTONE},done,2025-06-30,Novērtējuma ziņojums,,Elīna Kārkla\n",
        [
            (TARGET, date(2023, 12, 31), Decimal(276), None, None, 2),
            (TARGET, date(2024, 6, 30), Decimal(300), None, "RPR", 3),
            (TARGET, date(2024, 9, 30), Decimal(1300), None, "KPR", 4),
            (MILESTONE, date(2025, 6, 30), None, True, None, 5),
        ],
        id="comma-separated",
    ),
    pytest.param(
        "id;value;as_of;source;breakdown\n"
        f"{TARGET};1 300;31.12.2023;VARAM atskaite, 2023. gads;region=RPR\n"
        f"{TARGET};1300,0;30.06.2024;VARAM atskaite;region=LPR\n"
        f"{TARGET};260,5;31.12.2024.;VARAM atskaite;ZPR\n"
        f"{MILESTONE};not-done;01.03.2025;Novērtējuma ziņojums;\n",
        [
            (TARGET, date(2023, 12, 31), Decimal(1300), None, "RPR", 2),
            (TARGET, date(2024, 6, 30), Decimal(1300), None, "LPR", 3),
            (TARGET, date(2024, 12, 31), Decimal("260.5"), None, "ZPR", 4),
            (MILESTONE, date(2025, 3, 1), None, False, None, 5),
        ],
        id="semicolon-separated-latvian-numbers-and-dates",
    ),
    pytest.param(
        "\ufeffAs-Of;ID;Value;Source\r\n"
        f"31.12.2023;{TARGET};276;VARAM\r\n"
        "\r\n"
        f"30.06.2024;{TARGET};1 000;VARAM\r\n",
        [
            (TARGET, date(2023, 12, 31), Decimal(276), None, None, 2),
            (TARGET, date(2024, 6, 30), Decimal(1000), None, None, 4),
        ],
        id="excel-csv-utf8-bom-crlf-any-column-order-blank-line",
    ),
]


@pytest.mark.parametrize("content, stored", GOOD_FILES)
def test_a_good_file_imports_every_row(run, workdir, store, content, stored):
    path = workdir / "progress.csv"
    path.write_text(content, encoding="utf-8", newline="")
    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"imported {len(stored)} records" in result.stdout
    assert rows_of(store) == stored
    history = json.loads(run("history", TARGET, "--format", "json").stdout)
    assert {h["import"]["file"] for h in history} == {"progress.csv"}  # its name, not the folder it was in


def test_a_file_with_bad_rows_names_every_bad_line_and_imports_nothing(run, workdir, store):
    assert run("record", TARGET, "100", "--as-of", "2023-06-30", "--source", "VARAM").exit_code == 0
    path = workdir / "progress.csv"
    path.write_text(
        "id,value,as_of,source\n"                                  # line 1
        f"{TARGET},276,2023-12-31,VARAM\n"                         # line 2: good
        "3.1.1.2.i/specialists-certified,300,2024-06-30,VARAM\n"  # line 3: unknown id
        f"{TARGET},400,2024-09-30,VARAM\n"                         # line 4: good
        f'{TARGET},"1,300",31.02.2024,VARAM\n',                    # line 5: ambiguous value, impossible date
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: unknown id '3.1.1.2.i/specialists-certified'" in result.stderr
    assert f"{path}:5: value: '1,300' is ambiguous" in result.stderr
    assert f"{path}:5: as-of date: '31.02.2024' is not a real date" in result.stderr
    assert f"{path}:2:" not in result.stderr and f"{path}:4:" not in result.stderr
    assert "3 problems: nothing was imported" in result.stderr
    assert [r.value for r in stored_records(store)] == [Decimal(100)]


def test_the_same_file_twice_adds_nothing_the_second_time(run, workdir, store):
    content = f"id,value,as_of,source\n{TARGET},276,2023-12-31,VARAM\n{TARGET},750,2024-12-31,VARAM\n"
    first, again = workdir / "2024.csv", workdir / "2024-copy.csv"
    first.write_text(content, encoding="utf-8")
    again.write_text(content, encoding="utf-8")
    assert run("import", str(first)).exit_code == 0
    for path in (first, again):  # same bytes under any name
        result = run("import", str(path))
        assert result.exit_code == 0, result.stderr
        assert "already imported" in result.stdout and "nothing added" in result.stdout
    assert len(stored_records(store)) == 2


BAD_FILES = [
    # file name, content (text or bytes), what stderr must say
    pytest.param("p.csv", f"id,amount,as_of,source\n{TARGET},276,2023-12-31,VARAM\n",
                 ":1: unknown column 'amount'", id="unknown-column"),
    pytest.param("p.csv", f"id,value,as_of\n{TARGET},276,2023-12-31\n",
                 ":1: missing column 'source'", id="missing-column"),
    pytest.param("p.csv", f"id,value,as_of,source\n{TARGET},276,2023-12-31,V\u00e9rtejums\n".encode("latin-1"),
                 ":2: not UTF-8", id="not-utf8"),
    pytest.param("p.csv", f"id,value,as_of,source\n{TARGET},276,2023-12-31,VARAM,extra\n",
                 ":2: 5 cells but the header has 4", id="too-many-cells"),
    pytest.param("p.csv", "", "the file is empty", id="empty-file"),
    pytest.param("p.csv", "id,value,as_of,source\n", "no rows to import", id="header-only"),
    pytest.param("p.txt", f"id,value,as_of,source\n{TARGET},276,2023-12-31,VARAM\n",
                 "unsupported file type '.txt'", id="not-csv-or-xlsx"),
    pytest.param("p.xlsx", b"id,value,as_of,source\n", "not a readable XLSX file", id="fake-xlsx"),
    pytest.param("p.csv", f'id,value,as_of,source,breakdown\n{TARGET},10,2024-01-01,"ZPR report, table 2,ZPR\n'
                          f"{TARGET},20,2024-01-01,KPR report,KPR\n{TARGET},30,2024-01-01,LPR report,LPR\n",
                 ":2: a quote (\") opened in this row is never closed", id="stray-quote-swallowing-later-rows"),
    pytest.param("p.csv", f'id,value,as_of,source\n{TARGET},10,2024-01-01,"VARAM report\n' + "x" * 140_000 + "\n",
                 ":2: a quote (\") opened in this row is never closed", id="stray-quote-before-a-long-text"),
    pytest.param("p.csv", f'id,value,as_of,source\n{TARGET},10,2024-01-01,"VARAM" report\n',
                 ":2: not readable as CSV", id="text-after-a-closing-quote"),
    pytest.param("p.csv", f"id,value,as_of,source,breakdown\n{TARGET},5,2024-01-01,s,region=ZPR\n"
                          f"{TARGET},5,2024-01-01,s,region=KPR\n{TARGET},7,01.01.2024,s,ZPR\n",
                 f":4: line 2 gives {TARGET} (ZPR) as of 2024-01-01 another figure (5, here 7)",
                 id="two-figures-for-one-key-and-day"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES)
def test_a_bad_file_exits_2_naming_the_file_and_imports_nothing(run, workdir, store, name, content, message):
    path = workdir / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and message in result.stderr
    assert "nothing was imported" in result.stderr
    assert stored_records(store) == []


def test_a_missing_file_exits_2(run, workdir, store):
    result = run("import", str(workdir / "nav.csv"))
    assert result.exit_code == 2
    assert "nav.csv" in result.stderr and "cannot read the file" in result.stderr
    assert stored_records(store) == []


def test_an_evidence_file_is_found_next_to_the_csv_and_kept_with_its_sha256(run, workdir, store):
    folder = workdir / "atskaites"
    folder.mkdir()
    (folder / "2023.pdf").write_bytes(b"%PDF-1.7 2023\n")
    path = folder / "progress.csv"
    path.write_text(f"id,value,as_of,source,evidence\n{TARGET},276,2023-12-31,VARAM,2023.pdf\n", encoding="utf-8")
    assert run("import", str(path)).exit_code == 0
    (row,) = stored_records(store)
    assert row.evidence == str((folder / "2023.pdf").resolve())
    assert row.evidence_sha256 == hashlib.sha256(b"%PDF-1.7 2023\n").hexdigest()


def test_the_shipped_seed_progress_imports_against_the_shipped_plan(run, store):
    result = run("import", str(SEED_PROGRESS), plan=SHIPPED_PLAN)
    assert result.exit_code == 0, result.stderr
    rows = stored_records(store)
    assert len(rows) >= 6
    assert f"imported {len(rows)} records" in result.stdout
    specialists = [r for r in rows if r.item_id == "3.1.1.2.i/specialists-trained"]
    assert [(r.as_of, r.value) for r in specialists] == [(date(2023, 12, 31), Decimal(276))]


def test_a_refused_file_leaves_no_database_behind(run, workdir, store):
    path = workdir / "p.csv"
    path.write_text(f"id,amount,as_of,source\n{TARGET},276,2023-12-31,VARAM\n", encoding="utf-8")
    assert run("import", str(path)).exit_code == 2
    assert not store.exists()


def test_a_bad_row_with_a_multiline_cell_is_named_by_the_line_it_starts_on(run, workdir):
    path = workdir / "p.csv"
    path.write_text(
        "id,value,as_of,source\n"                      # line 1
        f'{TARGET},many,2023-12-31,"VARAM atskaite\n'  # line 2: the bad row starts here
        '2023. gads"\n',                               # line 3
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: value: 'many' is not a number" in result.stderr


@pytest.mark.parametrize("content, message", [
    pytest.param(f"id,value,as_of,source,value\n{TARGET},276,2023-12-31,VARAM,999\n",
                 ":1: ", id="repeated-value-column"),
    pytest.param(f"id,value,,as_of,source\n{TARGET},276,2762,2023-12-31,VARAM\n",
                 ":2: ", id="cell-under-an-empty-header"),
])
def test_a_header_that_leaves_a_cell_unclear_is_refused(run, workdir, store, content, message):
    path = workdir / "p.csv"
    path.write_text(content, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert f"{path}{message}" in result.stderr
    assert stored_records(store) == []


# -- XLSX, and the caps of a progress file (importers/spreadsheet.py) ---------------------------------

def xlsx_file(path, rows: list[list[object]], declared: str | None = None):
    """An XLSX file of `rows` made by openpyxl; with `declared`, its sheet states that size instead
    of the true one (as some programs write it)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    if declared is not None:
        with zipfile.ZipFile(path) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        parts[sheet], n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{declared}"/>'.encode(),
                                  parts[sheet])
        assert n == 1, "openpyxl wrote no <dimension> to replace"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


SHEET = [
    ["id", "value", "as_of", "source", "breakdown"],
    [TARGET, 276, datetime(2023, 12, 31), "VARAM atskaite", None],
    [TARGET, 260.5, "30.06.2024", "VARAM atskaite", "region=KPR"],
    [MILESTONE, "done", date(2025, 6, 30), "Novērtējuma ziņojums", None],
]
SHEET_STORED = [
    (TARGET, date(2023, 12, 31), Decimal(276), None, None, 2),
    (TARGET, date(2024, 6, 30), Decimal("260.5"), None, "KPR", 3),
    (MILESTONE, date(2025, 6, 30), None, True, None, 4),
]


@pytest.mark.parametrize("declared", [None, "A1:E2"], ids=["its-true-size", "fewer-rows-than-it-has"])
def test_an_xlsx_file_imports_every_row_of_its_first_sheet(run, workdir, store, declared):
    """It reads numbers, dates and date cells of the first sheet, every row that is there, also
    when the sheet declares a smaller size than it has (nothing is dropped in silence)."""
    result = run("import", str(xlsx_file(workdir / "progress.xlsx", SHEET, declared)))
    assert result.exit_code == 0, result.stderr
    assert rows_of(store) == SHEET_STORED


def test_a_number_cell_is_read_as_the_number_it_holds(run, workdir, store):
    """It reads an XLSX number cell as its number, three decimals too (a number cell has no
    thousands separator, so 15.001 is not ambiguous there as it is in text), and names one with
    more decimals than a record keeps by that count, not as "not a number"."""
    rows = [SHEET[0], [TARGET, 15.001, date(2024, 5, 1), "s", "region=KPR"], [TARGET, 0.125, date(2024, 5, 2), "s", None]]
    assert run("import", str(xlsx_file(workdir / "three.xlsx", rows))).exit_code == 0
    assert [(r[2], r[4]) for r in rows_of(store)] == [(Decimal("15.001"), "KPR"), (Decimal("0.125"), None)]
    tiny = run("import", str(xlsx_file(workdir / "tiny.xlsx", [SHEET[0], [TARGET, 0.0000001, date(2024, 5, 3), "s"]])))
    assert tiny.exit_code == 2 and "'0.0000001' has 7 digits after the decimal point (at most 6)" in tiny.stderr


@pytest.mark.parametrize("name, rows, message", [
    pytest.param("rows.csv", "id,value,as_of,source\n" + f"{TARGET},1,2023-12-31,V\n" * 50_000,
                 ":50001: too large: a progress file may have at most 50000 rows", id="csv-of-50001-rows"),
    pytest.param("wide.csv", "id,value,as_of,source" + "," * 47 + f"\n{TARGET},1,2023-12-31,V\n",
                 ":1: too large: 51 cells, and a progress file may have at most 50 columns", id="csv-of-51-columns"),
    pytest.param("rows.xlsx", [SHEET[0], *[[TARGET, 1, "2023-12-31", "V"]] * 50_000],
                 ": too large: the sheet declares its size as A1:E50001", id="xlsx-of-50001-rows"),
    pytest.param("wide.xlsx", [[*SHEET[0], *[None] * 45, "note"]],
                 ": too large: the sheet declares its size as A1:AY1", id="xlsx-of-51-columns"),
    pytest.param("liar.xlsx", [SHEET[0], *[[TARGET, 1, "2023-12-31", "V"]] * 50_000],
                 ": too large: it has a row 50001", id="xlsx-of-50001-rows-declaring-2"),
])
def test_a_file_beyond_the_caps_is_refused_before_its_rows_are_read(run, workdir, store, name, rows, message):
    """It takes at most 50 000 rows (the header one of them) and 50 columns, CSV or XLSX, and
    refuses a sheet that declares more, or has more than it declares."""
    path = workdir / name
    if isinstance(rows, str):
        path.write_text(rows, encoding="utf-8")
    else:
        xlsx_file(path, rows, "A1:E2" if name == "liar.xlsx" else None)
    result = run("import", str(path))
    assert result.exit_code == 2
    assert f"{path}{message}" in result.stderr and "nothing was imported" in result.stderr
    assert stored_records(store) == []
