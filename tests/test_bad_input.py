"""Bad input of every kind exits 2 with a message and writes nothing (issue 14, items 2 and 12).

Each case runs the real program (`python -m rrf`, on the shipped plan) as a process, in a
folder of its own that holds a database with one record (`rrf.db`), a file that is not a
database, an empty file, a sub-folder and the hostile files, and then asserts: exit code 2, a
message on stderr that names the bad input (the lines the refusal has, no more), no
traceback, and not one byte of the folder changed (no new file, the database as it was).

A reading command never creates a database, so a misspelt --db or a command run in another
folder is refused, naming the absolute path, instead of reporting every item as missed; a
writing command that creates one says where (tests/test_record_cli.py).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import SHIPPED_PLAN, TARGET
from rrf.importers import italia
from rrf.rules import parse_plan
from rrf.rules.errors import RrfError

RRF = [sys.executable, "-m", "rrf"]
PLAN = ["--plan", str(SHIPPED_PLAN)]
MISSING = "there is no database at {dir}/typo.db: check --db or RRF_DATABASE_URL"
NINES = "9" * 400


def run(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`rrf ARGS...` in `folder`, on the shipped plan unless ARGS name one, with no RRF_* setting
    of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRF_")}
    plan = [] if "--plan" in args or list(args[:2]) in (["users", "list"], ["users", "disable"], ["audit", "keygen"]) else PLAN
    return subprocess.run([*RRF, *args, *plan], cwd=folder, env={**env, "COLUMNS": "200"}, capture_output=True,
                          text=True, timeout=timeout)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- hostile files, made by hand -----------------------------------------------------------------

_XLSX_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="progress" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def xlsx(path: Path, dimension: str | None, rows: str) -> Path:
    """An XLSX file whose one sheet declares `dimension` and holds `rows` (sheetData's XML)."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main">{declared}<sheetData>{rows}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            z.writestr(name, text)
    return path


FAR_CELL = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The folder every case starts from (copied, so that no case sees another's traces)."""
    folder = tmp_path_factory.mktemp("bad-input")
    seeded = run(folder, "record", TARGET, "276", "--as-of", "2023-12-31", "--source", "VARAM")
    assert seeded.returncode == 0, seeded.stderr
    (folder / "junk.db").write_text("not a database\n", encoding="utf-8")
    (folder / "partial.db").write_bytes((folder / "rrf.db").read_bytes()[:8192])  # a copy cut short
    (folder / "scrambled.db").write_bytes(b"SQLite format 3\0" + b"garbage" * 100)
    (folder / "empty.db").write_bytes(b"")
    (folder / "sub").mkdir()
    (folder / "sub" / "keep.txt").write_text("a folder, not a file\n", encoding="utf-8")
    (folder / "deep-arrays.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    (folder / "deep-tables.toml").write_text("x = " + "{a=" * 50_000 + "1" + "}" * 50_000 + "\n", encoding="utf-8")
    (folder / "nines.csv").write_text(f"id,value,as_of,source\n{TARGET},{NINES},2024-06-30,VARAM\n", encoding="utf-8")
    xlsx(folder / "far.xlsx", "A1:XFD1048576", FAR_CELL)
    xlsx(folder / "liar.xlsx", "A1:D2", FAR_CELL)
    xlsx(folder / "wide.xlsx", None, "<row>" + "<c/>" * 200_000 + "</row>")
    return folder


@pytest.fixture
def folder(template, tmp_path) -> Path:
    here = tmp_path / "here"
    shutil.copytree(template, here)
    return here


TYPO = ["--db", "sqlite:///typo.db"]

CASES = [
    # args, what stderr says ({dir}: the folder), how many lines it has
    # -- reading commands on a database that is not there: refused, nothing created (item 2)
    pytest.param(["status", *TYPO], MISSING, 1, id="status-misspelt-db"),
    pytest.param(["history", TARGET, *TYPO], MISSING, 1, id="history-misspelt-db"),
    pytest.param(["audit", "log", *TYPO], MISSING, 1, id="audit-log-misspelt-db"),
    pytest.param(["audit", "verify", *TYPO], MISSING, 1,  # (with signed checkpoints: the log's deletion)
                 id="audit-verify-misspelt-db"),
    pytest.param(["audit", "export", "--format", "csv", "--output", "log.csv", *TYPO], MISSING, 1,
                 id="audit-export-misspelt-db"),
    pytest.param(["audit", "replay", "1", *TYPO], MISSING, 1, id="audit-replay-misspelt-db"),
    pytest.param(["outbox", *TYPO], MISSING, 1, id="outbox-misspelt-db"),
    pytest.param(["users", "list", *TYPO], MISSING, 1, id="users-list-misspelt-db"),
    # -- changes to rows that must exist: refused on a missing database, which is not created
    pytest.param(["correct", "1", "300", "--reason", "typo", "--source", "s", *TYPO], MISSING, 1,
                 id="correct-misspelt-db"),
    pytest.param(["users", "disable", "anna", *TYPO], MISSING, 1, id="users-disable-misspelt-db"),
    pytest.param(["web", "--port", "1", *TYPO], MISSING, 1, id="web-misspelt-db"),
    pytest.param(["check", "--dry-run", "--as-of", "2025-01-01", *TYPO], MISSING, 1,
                 id="check-dry-run-misspelt-db"),
    pytest.param(["status", "--db", "sqlite:///empty.db"], "{dir}/empty.db holds no rrf database", 1,
                 id="status-database-without-tables"),
    # -- --db values that are not a database: exit 2, not a traceback (item 12)
    pytest.param(["status", "--db", "not a url"], "the --db value 'not a url' is not a database URL", 1,
                 id="status-not-a-url"),
    pytest.param(["record", TARGET, "5", "--as-of", "2024-01-31", "--source", "s", "--db", "not a url"],
                 "the --db value 'not a url' is not a database URL", 1, id="record-not-a-url"),
    pytest.param(["status", "--db", "sqlite:///nowhere/rrf.db"], "{dir}/nowhere/rrf.db: the folder {dir}/nowhere "
                 "does not exist", 1, id="status-missing-folder"),
    pytest.param(["record", TARGET, "5", "--as-of", "2024-01-31", "--source", "s", "--db",
                  "sqlite:///nowhere/rrf.db"], "the folder {dir}/nowhere does not exist", 1,
                 id="record-missing-folder"),
    pytest.param(["status", "--db", "sqlite:///junk.db"], "{dir}/junk.db is not a SQLite database", 1,
                 id="status-not-a-database-file"),
    pytest.param(["record", TARGET, "5", "--as-of", "2024-01-31", "--source", "s", "--db", "sqlite:///junk.db"],
                 "{dir}/junk.db is not a SQLite database", 1, id="record-not-a-database-file"),
    pytest.param(["status", "--db", "sqlite:///partial.db"], "sqlite:///partial.db cannot be read: database disk "
                 "image is malformed; it is damaged", 1, id="status-database-cut-short"),
    pytest.param(["audit", "verify", "--db", "sqlite:///partial.db"], "sqlite:///partial.db cannot be read", 1,
                 id="audit-verify-database-cut-short"),
    pytest.param(["record", TARGET, "5", "--as-of", "2024-01-31", "--source", "s", "--db", "sqlite:///scrambled.db"],
                 "sqlite:///scrambled.db cannot be read: file is not a database", 1, id="record-scrambled-database"),
    pytest.param(["status", "--db", "sqlite:///sub"], "{dir}/sub is a folder, not a database file", 1,
                 id="status-a-folder"),
    pytest.param(["record", TARGET, "5", "--as-of", "2024-01-31", "--source", "s", "--db", "sqlite://"],
                 "a database in memory keeps nothing", 1, id="record-into-memory"),
    pytest.param(["status", "--db", "postgresql://rrf@127.0.0.1:9/rrf"],
                 "only sqlite:/// and postgresql+psycopg:// databases are supported", 1, id="status-other-driver"),
    # -- numbers no column or evaluation can hold (item 12)
    pytest.param(["record", TARGET, NINES, "--as-of", "2024-01-31", "--source", "s"],
                 "… (400 characters) has 400 digits (at most 15, 6 of them after the decimal point)", 2,
                 id="record-400-nines"),
    pytest.param(["record", TARGET, "1000000000000000", "--as-of", "2024-01-31", "--source", "s"],
                 "'1000000000000000' has 16 digits", 2, id="record-16-digits"),
    pytest.param(["record", TARGET, "0,0000001", "--as-of", "2024-01-31", "--source", "s"],
                 "'0,0000001' has 7 digits after the decimal point (at most 6)", 2, id="record-7-decimals"),
    pytest.param(["import", "nines.csv"], "nines.csv:2: value: '99999", 2, id="import-400-nines"),
    # -- plans nested beyond any reader's depth (item 12)
    pytest.param(["validate", "--plan", "deep-arrays.toml"], "arrays or tables nested hundreds deep", 2,
                 id="plan-of-100000-nested-arrays"),
    pytest.param(["status", "--plan", "deep-tables.toml"], "arrays or tables nested hundreds deep", 2,
                 id="plan-of-50000-nested-inline-tables"),
    pytest.param(["check", "--dry-run", "--notify-config", "deep-arrays.toml"],
                 "deep-arrays.toml: not a notification configuration: arrays or tables nested hundreds deep", 1,
                 id="notify-config-of-100000-nested-arrays"),
    # -- output paths that cannot be written (item 12)
    pytest.param(["audit", "export", "--output", "sub", "--force"], "--output sub: that is a folder", 1,
                 id="audit-export-onto-a-folder"),
    pytest.param(["audit", "keygen", "--output", "nines.csv"], "--output nines.csv: that is a file", 1,
                 id="audit-keygen-into-a-file"),
    # -- spreadsheets that would fill the memory (item 12; the memory itself: below)
    pytest.param(["import", "far.xlsx"], "far.xlsx: too large: the sheet declares its size as A1:XFD1048576", 2,
                 id="xlsx-declared-to-XFD1048576"),
    pytest.param(["import", "liar.xlsx"], "liar.xlsx: too large: it has a row 1048576", 2,
                 id="xlsx-with-a-cell-beyond-its-declared-size"),
    pytest.param(["import", "wide.xlsx"], "wide.xlsx: too large: it has a cell in column 51", 2,
                 id="xlsx-with-200000-cells-in-one-row"),
    # -- options refused before anything is opened or made (item 12)
    pytest.param(["import-plan", "--format", "italia-domani", "--output", "nowhere/italia.toml"],
                 "--output nowhere/italia.toml: the folder {dir}/nowhere does not exist", 1,
                 id="import-plan-into-a-missing-folder"),
    pytest.param(["import-plan", "--format", "italia-domani", "--output", "sub"],
                 "--output sub: that is a folder", 1, id="import-plan-onto-a-folder"),
]


@pytest.mark.parametrize("args, message, lines", CASES)
def test_bad_input_exits_2_with_its_message_and_writes_nothing(folder, args, message, lines):
    """It refuses with exit 2 and the message, in that many lines and without a traceback, and
    leaves every file of the folder as it was (the database too)."""
    before = snapshot(folder)
    result = run(folder, *args)
    said = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert message.format(dir=folder) in result.stderr
    assert said[0].startswith("error: ") and len(said) == lines, said
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize("args", [["status"], ["history", TARGET], ["users", "list"], ["web", "--port", "1"]])
def test_a_reading_command_in_another_folder_names_the_database_it_did_not_find(folder, args):
    """Run where there is no ./rrf.db, it says which file it looked for (absolute) and creates none."""
    elsewhere = folder / "sub"
    before = snapshot(folder)
    result = run(elsewhere, *args)
    assert result.returncode == 2
    assert f"there is no database at {elsewhere}/rrf.db" in result.stderr
    assert snapshot(folder) == before


def test_serve_refuses_an_unknown_time_zone_before_making_anything(folder):
    """It checks --timezone first: no database is made in a folder that had none."""
    elsewhere = folder / "sub"
    result = run(elsewhere, "serve", "--timezone", "Mars/Olympus")
    assert result.returncode == 2 and "--timezone 'Mars/Olympus' is not a time zone" in result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


# `python -m rrf ARGS` in a child that caps its own address space and, when it ends, writes its peak
# resident memory (VmHWM, which counts from its own start: a forked child's ru_maxrss also counts
# the pages of the test process it was forked from, however large that has grown).
CAPPED = """
import atexit, resource, runpy, sys
gib, report = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
def peak():
    with open("/proc/self/status") as status, open(report, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
atexit.register(peak)
sys.argv = ["rrf", *sys.argv[3:]]
runpy.run_module("rrf", run_name="__main__")
"""


def test_a_2_kib_xlsx_with_a_cell_at_XFD1048576_is_refused_quickly_in_little_memory(folder):
    """The file is 2 KiB; filled in to its declared size it would be 17 000 million cells. The
    import refuses it before reading its cells (without the caps, the 2 GiB address-space limit
    ends it in a MemoryError instead), and the process's peak memory stays below 300 MB. A
    watchdog ends a run that hangs, so the spec fails instead of waiting; no time is measured."""
    hostile = folder / "far.xlsx"
    assert hostile.stat().st_size <= 2048
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRF_")}
    report = folder / "peak-kib.txt"
    with (folder / "out.txt").open("w") as out, (folder / "err.txt").open("w") as err:
        child = subprocess.Popen([sys.executable, "-c", CAPPED, "2", str(report), "import", str(hostile), *PLAN],
                                 cwd=folder, env=env, stdout=out, stderr=err)
        watchdog = threading.Timer(600, child.kill)
        watchdog.start()
        try:
            child.wait()
        finally:
            watchdog.cancel()
    stderr = (folder / "err.txt").read_text()
    assert child.returncode == 2, stderr
    assert "too large: the sheet declares its size as A1:XFD1048576" in stderr
    assert int(report.read_text()) * 1024 < 300 * 1000 * 1000  # VmHWM: KiB


# -- Italia Domani's published figures go through the same bound ----------------------------------

ITALIA = Path(__file__).resolve().parent / "data" / "italia"
JULY_2023 = (13, 14)  # two projects' reports of one indicator for the same month (7,79 and 9,43 kW)


@pytest.fixture(scope="module")
def italia_plan():
    met, links = (ITALIA / "met.csv.gz").read_bytes(), (ITALIA / "map.csv").read_bytes()
    return parse_plan(italia.plan_toml(italia.plan_from_files("met.csv.gz", met, "map.csv", links)).encode()).plan


def italia_reports(**values: str) -> bytes:
    """The test reports with line N's valore_realizzato replaced (`l13="1,00"`)."""
    lines = (ITALIA / "reports.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for key, value in values.items():
        n = int(key[1:])
        old = next(v for v in ('"7,79"', '"9,43"') if v in lines[n - 1])
        lines[n - 1] = lines[n - 1].replace(old, f'"{value}"', 1)
    return "".join(lines).encode("utf-8")


def test_a_published_figure_beyond_the_bound_is_not_used(italia_plan):
    """It counts a value of 16 digits as unusable, naming why, and imports the rest."""
    data = italia_reports(l14="1.000.000.000.000.000,00")
    result = italia.progress_from_files("reports.csv", data, "map.csv", (ITALIA / "map.csv").read_bytes(),
                                        italia_plan, date(2026, 11, 22))
    assert result.not_used[italia.BAD_VALUE] == 1
    (example,) = result.examples[italia.BAD_VALUE]
    assert example.line == 14 and "has 16 digits (at most 15" in example.detail


def test_a_sum_of_published_figures_beyond_the_bound_imports_nothing(italia_plan):
    """Two projects' 15-digit figures add up to 16 digits: the whole import is refused."""
    data = italia_reports(l13="999.999.999.999.999,00", l14="999.999.999.999.999,00")
    with pytest.raises(RrfError, match=r"the sum for M2C1I2\.02/m2c1-9 as of 07/2023 cannot be recorded: "
                                       r"1999999999999998(\.00)? has 16 digits"):
        italia.progress_from_files("reports.csv", data, "map.csv", (ITALIA / "map.csv").read_bytes(), italia_plan,
                                   date(2026, 11, 22))
