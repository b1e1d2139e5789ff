"""Italy's whole RRF plan on real data: the progress import of the full published files, and the
evaluation of the whole plan from the database to a written evaluation log, against a bare SQL
aggregate of the same rows. One run measures everything, so the figures compare.

    .venv/bin/python bench/italia_bench.py [--repeat 3] [--as-of 2025-03-31] [--db-dir DIR] [--profile]
    .venv/bin/python bench/italia_bench.py --postgres postgresql+psycopg://...   # the same on PostgreSQL

Rows (median of --repeat runs; every import on a fresh, empty store):
  import, command     `rrf import-progress --format italia-domani` on the full files, in a fresh process
  import, in-process  the same work without start-up: read, parse and aggregate, write (one transaction)
  check               services.check.run_check: read the records, evaluate the plan, append one run to the log
  SQL aggregate       SELECT the latest value per item (GROUP BY item_id over progress_record), all rows fetched
  log write floor     the rows one check wrote (its run and entries: built, hashed, encoded), inserted again
                      into the empty log of a fresh store (the same tables, keys and indexes) with the
                      driver's executemany in one transaction: what writing the log costs however its rows
                      are made

Goals: the import <= 15 s wall; the check <= 3 s and <= 2x the SQL aggregate (issue 7); <= 3x (issue 16).
--as-of defaults to 2025-03-31, the day the published files were extracted.
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import date
from statistics import median
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rrf.services.check import run_check  # noqa: E402
from rrf.settings import clock  # noqa: E402
from rrf.models import db as dbm  # noqa: E402
from rrf.models import progress  # noqa: E402
from rrf.importers import italia  # noqa: E402
from rrf.rules import evaluate, parse_plan  # noqa: E402
from sqlalchemy import text  # noqa: E402

DATA = ROOT / "data" / "italia-domani"  # carried in the repo, with its attribution (data/italia-domani/README.md)
RRF = str(Path(sys.executable).parent / "rrf")

LATEST_SQL = """
SELECT p.item_id, p.as_of, p.value
FROM progress_record p
JOIN (SELECT item_id, MAX(as_of) AS last_day FROM progress_record
      WHERE as_of <= :day AND corrects IS NULL GROUP BY item_id) l
  ON p.item_id = l.item_id AND p.as_of = l.last_day
WHERE p.corrects IS NULL
"""


def fresh_store(kind: str, where: Path, n: int, pg_url: str | None) -> str:
    """An empty store: a new SQLite file (one left by an earlier run in --db-dir is removed first), or
    a new PostgreSQL database."""
    if kind == "sqlite":
        for left in where.glob(f"bench-{n}.db*"):  # the file and its -wal and -shm
            left.unlink()
        return f"sqlite:///{where / f'bench-{n}.db'}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"rrf_bench_{os.getpid()}_{n}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2025-03-31")
    parser.add_argument("--db-dir", type=Path, default=None)
    parser.add_argument("--postgres", default=None, help="an admin URL: measure on PostgreSQL instead of SQLite")
    parser.add_argument("--profile", action="store_true", help="print where run_check spends its time")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    kind = "postgresql" if args.postgres else "sqlite"
    work = args.db_dir or Path(tempfile.mkdtemp(prefix="rrf-italia-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    # the plan, as `rrf import-plan` writes it
    met, mapf, reports = DATA / italia.MET_FILE, DATA / italia.MAP_FILE, DATA / italia.REPORTS_FILE
    plan_path = work / "italia.toml"
    made = italia.plan_from_files(str(met), met.read_bytes(), str(mapf), mapf.read_bytes())
    plan_path.write_text(italia.plan_toml(made), encoding="utf-8")
    loaded = parse_plan(plan_path.read_bytes(), str(plan_path))
    print(f"plan: {len(loaded.plan.items)} items; store: {kind}; as of {as_of}; {args.repeat} runs each")

    # 1. the import as a user runs it: a fresh process on a fresh store
    command, last_url = [], None
    for n in range(args.repeat):
        url = fresh_store(kind, work, n, args.postgres)
        start = time.perf_counter()
        done = subprocess.run([RRF, "import-progress", "--format", "italia-domani", "--plan", str(plan_path),
                               "--db", url], capture_output=True, text=True, cwd=work)
        command.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"rrf import-progress failed:\n{done.stderr[-3000:]}")
        last_url = url
    print(done.stdout.strip().splitlines()[-1])

    # 2. the same work in-process, by phase
    phases: dict[str, list[float]] = {"read files": [], "parse and aggregate": [], "write (one transaction)": []}
    for n in range(args.repeat):
        url = fresh_store(kind, work, 100 + n, args.postgres)
        engine = dbm.open_engine(url)
        dbm.upgrade(engine)
        t0 = time.perf_counter()
        rb, mb = reports.read_bytes(), mapf.read_bytes()
        t1 = time.perf_counter()
        result = italia.progress_from_files(str(reports), rb, str(mapf), mb, loaded.plan, date.today())
        t2 = time.perf_counter()
        with dbm.session_scope(engine) as session:
            progress.append_batch(session=session, file_name=result.file_name, sha256=result.sha256,
                                  rows=result.rows, at=clock())
        t3 = time.perf_counter()
        engine.dispose()
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
            phases[k].append(v)
    in_process = [sum(x) for x in zip(*phases.values())]

    # 3. the check (evaluate + log) and the bare SQL aggregate, on copies of the imported store
    engine = dbm.open_engine(last_url)
    with dbm.session_scope(engine) as session:
        records = len(progress.observations(session=session))
    check, sql, pure, read, commit = [], [], [], [], []
    for n in range(args.repeat):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            rows = conn.execute(text(LATEST_SQL), {"day": as_of}).fetchall()
            sql.append(time.perf_counter() - t0)
        with dbm.session_scope(engine) as session:
            t0 = time.perf_counter()
            obs = progress.observations(session=session)
            read.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        evaluate(loaded.plan, obs, as_of)
        pure.append(time.perf_counter() - t0)
        settle(engine)
        t0 = time.perf_counter()
        res = run_check(loaded=loaded, engine=engine, as_of=as_of, clock=clock, deliver=False)
        check.append(time.perf_counter() - t0)
        floor_engine = dbm.open_engine(fresh_store(kind, work, 200 + n, args.postgres))  # for the write floor: the
        dbm.upgrade(floor_engine)  # log's own tables, keys, indexes and append-only triggers, in an empty store
        commit.append(write_floor(engine, floor_engine, res.run_id))
        floor_engine.dispose()
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_check(loaded=loaded, engine=engine, as_of=as_of, clock=clock, deliver=False)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        print(buf.getvalue())
    engine.dispose()

    counts: dict[str, int] = {}
    for d in res.decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    print(f"records in the store: {records}; latest value of {len(rows)} items by SQL; "
          f"check logged {res.entries} entries: {counts}")
    print()
    print("| row | what | wall s |")
    print("| --- | --- | ---: |")
    print(f"| import, command | `rrf import-progress` on the full files, fresh process and store "
          f"| {median(command):.2f} |")
    print(f"| import, in-process | read, parse and aggregate, write | {median(in_process):.2f} |")
    for k, v in phases.items():
        print(f"| &nbsp; {k} | | {median(v):.2f} |")
    print(f"| check | `run_check`: read records, evaluate {len(loaded.plan.items)} items, append the run to the log "
          f"| {median(check):.3f} |")
    print(f"| &nbsp; read records | `progress.observations` | {median(read):.3f} |")
    print(f"| &nbsp; evaluate | `rules.evaluate` alone | {median(pure):.3f} |")
    print(f"| SQL aggregate | latest value per item, GROUP BY item_id | {median(sql):.3f} |")
    print(f"| log write floor | the same run's rows, already built, inserted into a log of the same schema with "
          f"the driver's executemany in one transaction | {median(commit):.3f} |")
    print()
    ratio = median(check) / median(sql)
    print(f"import: {median(command):.2f} s wall (goal <= 15 s): {'met' if median(command) <= 15 else 'NOT met'}")
    print(f"check: {median(check):.3f} s (goal <= 3 s): {'met' if median(check) <= 3 else 'NOT met'}; "
          f"{ratio:.1f}x the SQL aggregate (goal <= 2x, issue 7; <= 3x, issue 16): "
          f"{'met' if ratio <= 2 else 'met for issue 16' if ratio <= 3 else 'NOT met'}")
    floor = median(sql) + median(commit)
    print(f"writing the log's rows alone is {median(commit) / median(sql):.1f}x the SQL aggregate; the check is "
          f"{median(check) / floor:.1f}x the aggregate and that write together ({floor:.3f} s)")
    if args.postgres:
        drop_databases(args.postgres)
    if args.db_dir is None:
        shutil.rmtree(work, ignore_errors=True)


def settle(engine) -> None:  # noqa: ANN001  (an SQLAlchemy engine)
    """Before a timed write on SQLite: move the write-ahead log into the database file, so that the
    check and the write floor each start from an empty log and neither pays for the other's pages
    (SQLite does this by itself once the log passes 1 000 pages, inside whichever commit crosses it).
    The engine's connections are closed for it: the timed write opens its own, as a command does."""
    if engine.dialect.name == "sqlite":
        engine.dispose()  # no pooled connection left holding a read of the log
        with closing(sqlite3.connect(engine.url.database)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def write_floor(source, floor, run_id: str) -> float:  # noqa: ANN001  (SQLAlchemy engines)
    """Seconds to write one run as it stands in the log of `source` (its run row and its entries:
    built, hashed, encoded) into the empty log of the store `floor` (the same tables, keys and
    indexes), with the driver's own executemany in one transaction: what writing the log costs
    however its rows are made. (The copy stays: the log is append-only, so every measure takes
    an empty store of its own.)"""
    tables = {"audit_run": "id", "audit_entry": "run_id"}  # the run first: what its entries name
    with source.connect() as conn:
        rows = {t: conn.execute(text(f"SELECT * FROM {t} WHERE {c} = :r"), {"r": run_id}).all()
                for t, c in tables.items()}
    mark = "?" if floor.dialect.paramstyle == "qmark" else "%s"
    statements = {t: f"INSERT INTO {t} ({', '.join(r[0]._fields)}) VALUES ({', '.join(mark for _ in r[0])})"
                  for t, r in rows.items()}
    values = {t: [tuple(x) for x in r] for t, r in rows.items()}
    settle(floor)
    t0 = time.perf_counter()
    with floor.begin() as conn:  # one transaction, the statements as the driver takes them: no bind processing
        for t in tables:
            conn.exec_driver_sql(statements[t], values[t])
    return time.perf_counter() - t0


def drop_databases(pg_url: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": f"rrf_bench_{os.getpid()}_%"}).scalars().all()
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
