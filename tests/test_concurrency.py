"""Two processes writing at once (an import while records are appended and statuses read)
both succeed or fail cleanly: nothing is half-written, nothing is lost.
"""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from backends import db_url  # noqa: F401

PLAN = Path(__file__).resolve().parent.parent / "milestones.toml"
ITEM = "6.3.1.2.i/employees-trained"


def rrf(db: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rrf", *args, "--plan", str(PLAN), "--db", db],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def count(db: str, table: str) -> int:
    engine = create_engine(db)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return n


def big_file(path: Path, rows: int) -> Path:
    lines = ["id,value,as_of,source"] + [
        f"{ITEM},{n},{2024 + n // 3000}-{1 + (n // 250) % 12:02d}-01,batch row {n}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_import_and_single_records_at_the_same_time_both_land_whole(db_url, tmp_path):  # noqa: F811
    rows = 3000
    importing = rrf(db_url, "import", str(big_file(tmp_path / "big.csv", rows)))
    recording = [rrf(db_url, "record", "6.3.1.1.i/employees-trained", str(10 * n), "--as-of", "2025-01-0%d" % (n + 1),
                     "--source", f"single {n}") for n in range(3)]
    reading = rrf(db_url, "status", "--format", "json", "--as-of", "2025-06-01")
    results = [finish(p) for p in [importing, *recording]]
    assert [r[0] for r in results] == [0, 0, 0, 0], [r[2] for r in results]
    code, out, err = finish(reading)
    assert code == 0, err  # a reader sees no schema or the whole of it, never half a migration
    assert count(db_url, "progress_record") == rows + 3
    assert count(db_url, "import_batch") == 1


def test_the_same_file_imported_twice_at_once_lands_once(db_url, tmp_path):  # noqa: F811
    path = big_file(tmp_path / "twice.csv", 500)
    first, second = rrf(db_url, "import", str(path)), rrf(db_url, "import", str(path))
    (c1, o1, e1), (c2, o2, e2) = finish(first), finish(second)
    assert sorted([c1, c2]) in ([0, 0], [0, 2]), (e1, e2)
    assert "already imported" in o1 + o2 + e1 + e2 or "another process" in e1 + e2
    assert count(db_url, "progress_record") == 500
    assert count(db_url, "import_batch") == 1


def test_two_first_writers_on_an_empty_database_both_succeed(db_url):  # noqa: F811
    procs = [rrf(db_url, "record", ITEM, str(n), "--as-of", "2025-01-01", "--source", "s") for n in (1, 2)]
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert count(db_url, "progress_record") == 2
    status = rrf(db_url, "status", "--format", "json", "--as-of", "2025-01-02")
    code, out, _ = finish(status)
    assert code == 0 and next(r for r in json.loads(out) if r["id"] == ITEM)["actual"] in (1, 2)
