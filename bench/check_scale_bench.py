"""The whole compliance check at scale: database to written log, for 1 000 to 100 000 targets.

    .venv/bin/python bench/check_scale_bench.py [--sizes 1000,10000,100000] [--repeat 2]

Each size runs in a fresh process on a fresh SQLite store: the synthetic plan of
bench/scale_bench.py (targets with 10 monthly records each, as of 2025-12-31) is written as a
plan file and loaded as `rrf` loads one, its records are stored, then `services.check.run_check`
runs (read the records, evaluate, decide, build, hash and insert one log entry per item; no
delivery) --repeat times one after the other on that store, each appending its run to the same
log (the same day again, which is not a backdated check). Measured per size: the time to load the plan file,
the check's wall time (best of the runs), the
peak resident memory of the process before the first check (plan and records stored) and after
the checks, and the floor: a bare SQL query over the same rows (the latest value per item as of
the day, every row fetched), timed in the same process in between. Printed: the figures, the
ratio of the check to its floor, and time per target; then the growth from size to size.
"""

import argparse
import gc
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FLOOR_SQL = """
SELECT p.item_id, p.value FROM progress_record p
JOIN (SELECT item_id, MAX(as_of) AS day FROM progress_record WHERE as_of <= ? GROUP BY item_id) l
  ON p.item_id = l.item_id AND p.as_of = l.day
"""


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(targets: int, repeat: int, folder: Path) -> dict:
    import tomli_w

    import scale_bench as sb
    from rrf.models import db as dbm
    from rrf.rules import parse_plan
    from rrf.services.check import run_check

    text = tomli_w.dumps(sb.plan_dict(targets))
    t0 = time.perf_counter()
    loaded = parse_plan(text.encode("utf-8"), f"synthetic-{targets}.toml")
    load_s = time.perf_counter() - t0
    path = folder / f"check-{targets}.db"
    url = f"sqlite:///{path}"
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    sb.store_records(engine, targets, datetime.now(timezone.utc))
    engine.dispose()
    gc.collect()
    rss_before = maxrss_mib()
    checks, floors = [], []
    for n in range(repeat):
        engine = dbm.open_engine(url)
        t0 = time.perf_counter()
        result = run_check(loaded=loaded, engine=engine, as_of=sb.AS_OF, clock=lambda: datetime.now(timezone.utc),
                           deliver=False)
        checks.append(time.perf_counter() - t0)
        engine.dispose()
        entries = result.entries
        del result
        t0 = time.perf_counter()
        with sqlite3.connect(path) as conn:
            rows = conn.execute(FLOOR_SQL, (sb.AS_OF.isoformat(),)).fetchall()
        floors.append(time.perf_counter() - t0)
        del rows
    return {"targets": targets, "records": targets * sb.RECORDS_PER_TARGET, "load_plan_s": load_s,
            "check_s": min(checks), "floor_s": min(floors), "entries": entries,
            "rss_before_mib": rss_before, "rss_peak_mib": maxrss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.repeat, Path(args.folder))))
        return
    folder = Path(tempfile.mkdtemp(prefix="rrf-check-scale-"))
    results = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            done = subprocess.run([sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat),
                                   "--folder", str(folder)], capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            results.append(json.loads(done.stdout))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("| targets | records | load plan s | check s | floor s (SQL) | ratio | µs per target "
          "| peak RSS MiB (stored / after check) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['targets']:,} | {r['records']:,} | {r['load_plan_s']:.2f} | {r['check_s']:.2f} | {r['floor_s']:.3f} | "
              f"{r['check_s'] / r['floor_s']:.1f}x | {r['check_s'] / r['targets'] * 1e6:.0f} | "
              f"{r['rss_before_mib']:.0f} / {r['rss_peak_mib']:.0f} |".replace(",", " "))
    for a, b in zip(results, results[1:]):
        print(f"{a['targets']:,} -> {b['targets']:,} targets: {b['targets'] / a['targets']:.0f}x the work in "
              f"{b['check_s'] / a['check_s']:.2f}x the time".replace(",", " "))


if __name__ == "__main__":
    main()
