"""Two processes writing at once (an import while records are appended and statuses read)
both succeed or fail cleanly: nothing is half-written, nothing is lost.
"""

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from backends import db_url  # noqa: F401
from synthetic import plan_toml

PLAN = Path(__file__).resolve().parent.parent / "milestones.toml"
ITEM = "6.3.1.2.i/employees-trained"


def rrf(db: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rrf", *args, "--plan", str(PLAN), "--db", db],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    """Wait for an `rrf` process and return (exit code, stdout, stderr). The timeout only stops a
    hung process (then the test fails): on a busy machine, a 1 500-item check takes a minute."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{proc.args[3:6]} did not end within {timeout:.0f} s: {err}") from None
    return proc.returncode, out, err


def count(db: str, table: str) -> int:
    engine = create_engine(db)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return n


def big_file(path: Path, rows: int) -> Path:
    """`rows` rows of one item, a day apart from 01.01.2018 (one figure a day: a file giving two for
    one day is refused)."""
    lines = ["id,value,as_of,source"] + [
        f"{ITEM},{n},{date(2018, 1, 1) + timedelta(days=n)},batch row {n}" for n in range(rows)]
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
    # a reader sees the whole schema, or none (and then refuses: it creates nothing), never half a migration
    assert code == 0 or (code == 2 and ("there is no database" in err or "holds no rrf database" in err)), err
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


def test_two_checks_and_an_import_at_once_keep_one_unbroken_chain(db_url, tmp_path):  # noqa: F811
    """Two checks and an import at once all succeed, and the log holds both runs whole.

    Both checks are for the same day: whichever goes second, it is not a check for an earlier
    day than the one logged before it (which is refused), so the outcome does not depend on
    which process wins the lock."""
    assert finish(rrf(db_url, "record", ITEM, "5", "--as-of", "2025-01-01", "--source", "s"))[0] == 0
    procs = [rrf(db_url, "check", "--direct", "--as-of", "2025-06-01"),
             rrf(db_url, "check", "--direct", "--as-of", "2025-06-01"),
             rrf(db_url, "import", str(big_file(tmp_path / "during.csv", 1000)))]
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0, 0], [r[2] for r in results]
    code, out, err = finish(rrf(db_url, "audit", "verify"))
    assert code == 0, err
    items = len(__import__("rules").load_plan(PLAN).plan.items)
    assert f"intact: {2 * (items + 1)} entries in 2 runs" in out


def in_write_transaction(db: str) -> bool:
    """Whether another process holds a write transaction open on the database right now."""
    engine = create_engine(db, connect_args={"timeout": 0} if db.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            if db.startswith("sqlite"):
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.exec_driver_sql("ROLLBACK")
                    return False
                except Exception:  # "database is locked": the writer is inside its transaction
                    return True
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")).scalar_one() > 0
    finally:
        engine.dispose()


# A check that stops for good inside its transaction, once the run's entries and outbox are
# written but not committed: it says so in the file named first, then waits to be killed.
STALLED_CHECK = """
import pathlib, sys, time
from rrf.services import check
signal, written = pathlib.Path(sys.argv[1]), check._write_outbox
def stall(*args, **kwargs):
    written(*args, **kwargs)
    signal.write_text("inside the transaction", encoding="utf-8")
    time.sleep(600)
check._write_outbox = stall
sys.argv = ["rrf", *sys.argv[2:]]
from rrf.launch import main
main()
"""


def test_a_check_killed_mid_run_leaves_a_chain_that_verifies_and_continues(db_url, tmp_path):  # noqa: F811
    """SIGKILL while the check holds its transaction open on a 1 500-item run: nothing half-written.

    The kill comes at a known point (the run's rows written, not committed), not after a guess
    at how long the check takes."""
    plan = tmp_path / "big.toml"
    plan.write_text(plan_toml(1500), encoding="utf-8")
    inside = tmp_path / "inside"

    def run(*args: str, stalled: bool = False) -> subprocess.Popen:
        program = ["-c", STALLED_CHECK, str(inside)] if stalled else ["-m", "rrf"]
        return subprocess.Popen([sys.executable, *program, *args, "--plan", str(plan), "--db", db_url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    assert finish(run("check", "--direct", "--as-of", "2026-03-01"))[0] == 0
    victim = run("check", "--direct", "--as-of", "2026-03-02", stalled=True)
    try:
        deadline = time.monotonic() + 600  # it stalls for good: this only bounds a check that hangs before
        while not inside.exists() and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inside.exists(), finish(victim, timeout=1)
        assert in_write_transaction(db_url)
    finally:
        victim.kill()
    assert finish(victim)[0] == -9
    code, out, err = finish(run("audit", "verify"))
    assert code == 0 and "intact: 1501 entries in 1 run;" in out, err
    assert finish(run("check", "--direct", "--as-of", "2026-03-03"))[0] == 0
    code, out, err = finish(run("audit", "verify"))
    assert code == 0 and "intact: 3002 entries in 2 runs" in out, err
