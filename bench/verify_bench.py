"""`rrf audit verify` over a large evaluation log, against a minimal streaming verifier of the same
checks written here with sqlite3, json and hashlib alone (issue 16, item 3).

    .venv/bin/python bench/verify_bench.py [--repeat 3] [--runs 10,100] [--entries 1131] [--dir DIR]

The stores (SQLite) are built once and kept in --dir (default: rrf-verify-bench in the temporary
folder), one per run count, with the project's own write path: the Italian plan as `rrf import-plan`
writes it, stored with `store_plan_text`; the plan evaluated on the published progress; its
decisions made into evaluation entries by `services.check.evaluation_entries` (the first
--entries of them, each with its decision, inputs, and an escalation for every item that is not
met), appended --runs times by `models.audit.append_run`, one run a day. A plan amendment every
50 runs stores a second plan text, as a store that lives long has a few. The trail is empty: no
record, message or notice is written, so what is measured is the log's walk (rrf's trail walk,
over empty tables, is timed apart to show it).

Rows (median of --repeat runs, each in a fresh process; peak RSS of that process, from wait4):
  rrf audit verify      the command, `rrf audit verify --db URL`, wall (Python start-up and imports included)
  service, in-process   services.audit.verify: the log, the trail, the checkpoints (none configured), no start-up
    of which trail      models.verify.verify_trail alone (the store's trail is empty)
  minimal, process      `python bench/verify_bench.py --minimal URL`: the floor, wall of the whole process
  minimal, in-process   the floor's walk alone, no start-up

What the minimal verifier checks, as models.verify does: entries numbered 1, 2, ... without a gap;
each naming its predecessor's hash; each hash recomputed as models.audit.entry_hash computes it;
each entry in a recorded run and inside that run's range; each run's closing entry at its last
entry, with the run row's head hash and the run row's content; every run closed; every plan text
an entry names present, with its SHA-256 (each distinct text hashed once); no plan text named by
none. The trail: its entries' links and hashes (models.trail.link_hash); it does not compare the
trailed tables' rows with their entries (they are empty here, and rrf's trail walk is shown apart).
Its verdict (entries, runs, head) is compared with rrf's, so both did the same walk.

Measured and floor runs are interleaved (command, minimal process, service, minimal in-process,
then again), so machine drift hits both.

Goals: the command <= 2x the minimal verifier's process over 100 runs; its peak RSS flat as the log
grows (100 runs <= 1.15x 10 runs).
"""

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
RRF = str(Path(sys.executable).parent / "rrf")
GENESIS = "0" * 64
AMEND_EVERY = 50  # runs between plan amendments (a new plan text)


# -- the minimal verifier: sqlite3, json and hashlib only ------------------------------------------

def _stamp(text: str, cache: dict) -> str:
    """A stored time as models.audit.stamp writes it in the hash (read back without its zone, as
    SQLAlchemy stores it: local time for astimezone, as entry_hash reads it)."""
    s = cache.get(text)
    if s is None:
        s = cache[text] = datetime.fromisoformat(text).astimezone(timezone.utc).isoformat(timespec="microseconds")
    return s


def minimal(path: str) -> tuple[int, int, str, str | None, int, str]:
    """(entries, closed runs, head, the first problem or None, trail entries, trail head)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    stamps: dict = {}
    runs = {r[0]: r for r in con.execute(
        "SELECT id, as_of, started_at, finished_at, outcome, plan_sha256, engine_version, entries, first_seq, "
        "last_seq, head_hash, error FROM audit_run")}
    dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    sha256 = hashlib.sha256
    prev, expected, closed, plans = GENESIS, 1, set(), {}
    cur = con.execute("SELECT seq, run_id, kind, item_id, status, as_of, created_at, payload, prev_hash, hash "
                      "FROM audit_entry ORDER BY seq")
    while rows := cur.fetchmany(2000):
        for seq, run_id, kind, item, status, as_of, created, payload, prev_hash, hash_ in rows:
            if seq != expected:
                return expected - 1, len(closed), prev, f"entry {expected}: numbering", 0, GENESIS
            if prev_hash != prev:
                return expected - 1, len(closed), prev, f"entry {seq}: link", 0, GENESIS
            body = {"seq": seq, "run": run_id, "kind": kind, "item": item, "status": status, "as_of": as_of,
                    "at": _stamp(created, stamps), "data": payload}
            if sha256((prev + dumps(body)).encode("utf-8")).hexdigest() != hash_:
                return expected - 1, len(closed), prev, f"entry {seq}: hash", 0, GENESIS
            run = runs.get(run_id)
            if run is None or not run[8] <= seq <= run[9]:
                return expected - 1, len(closed), prev, f"entry {seq}: run", 0, GENESIS
            data = json.loads(payload)
            if kind == "run":
                (_, r_as_of, started, finished, outcome, plan, version, n, first, last, head, error) = run
                stated = {"as_of": r_as_of, "started_at": _stamp(started, stamps),
                          "finished_at": _stamp(finished, stamps), "outcome": outcome, "plan_sha256": plan,
                          "engine_version": version, "entries": n, "first_seq": first, "error": error}
                if seq != last or hash_ != head or any(data.get(k) != v for k, v in stated.items()):
                    return expected - 1, len(closed), prev, f"entry {seq}: closing entry", 0, GENESIS
                closed.add(run_id)
            elif seq == run[9]:
                return expected - 1, len(closed), prev, f"entry {seq}: not closing", 0, GENESIS
            plan = data.get("plan_sha256")
            if plan and plan not in plans:
                plans[plan] = seq
            prev, expected = hash_, expected + 1
    count = expected - 1
    if set(runs) - closed:
        return count, len(closed), prev, "a run is not closed", 0, GENESIS
    for sha in plans:  # in the order first named: each text read and hashed once
        row = con.execute("SELECT text FROM plan_text WHERE sha256 = ?", (sha,)).fetchone()
        if row is None or sha256(row[0].encode("utf-8")).hexdigest() != sha:
            return count, len(closed), prev, f"plan text {sha[:12]}", 0, GENESIS
    if any(sha not in plans for (sha,) in con.execute("SELECT sha256 FROM plan_text")):
        return count, len(closed), prev, "a plan text no entry names", 0, GENESIS
    t_prev, t_expected = GENESIS, 1
    for seq, table, row_id, row, prev_hash, hash_ in con.execute(
            "SELECT seq, table_name, row_id, row, prev_hash, hash FROM trail_entry ORDER BY seq"):
        body = dumps({"seq": seq, "table": table, "id": row_id, "row": row})
        if seq != t_expected or prev_hash != t_prev or sha256((t_prev + body).encode("utf-8")).hexdigest() != hash_:
            return count, len(closed), prev, f"trail entry {seq}", t_expected - 1, t_prev
        t_prev, t_expected = hash_, t_expected + 1
    return count, len(closed), prev, None, t_expected - 1, t_prev


# -- the store ------------------------------------------------------------------------------------

def build(path: Path, runs: int, entries: int) -> None:
    """A store of `runs` runs of `entries` evaluation entries each (see the module's docstring)."""
    sys.path.insert(0, str(ROOT))
    from rrf import __version__
    from rrf.importers import italia
    from rrf.models import audit, db as dbm
    from rrf.rules import evaluate, parse_plan
    from rrf.rules.progress import Observation
    from rrf.services.check import evaluation_entries

    data = ROOT / "data" / "italia-domani"
    met, mapf, reports = data / italia.MET_FILE, data / italia.MAP_FILE, data / italia.REPORTS_FILE
    made = italia.plan_from_files(str(met), met.read_bytes(), str(mapf), mapf.read_bytes())
    texts = [italia.plan_toml(made)]
    loaded = parse_plan(texts[0].encode("utf-8"), "italia.toml")
    as_of = date(2025, 3, 31)
    found = italia.progress_from_files(str(reports), reports.read_bytes(), str(mapf), mapf.read_bytes(),
                                       loaded.plan, as_of)
    obs = [Observation(seq=i + 1, item_id=r.record.item_id, as_of=r.record.as_of, value=r.record.value,
                       done=r.record.done, key=r.record.breakdown_key) for i, r in enumerate(found.rows)]
    decisions = evaluate(loaded.plan, obs, as_of)[:entries]
    shas = [loaded.sha256]
    for n in range(1, (runs - 1) // AMEND_EVERY + 1):  # an amended plan text every AMEND_EVERY runs
        texts.append(texts[0] + f"\n# amendment {n}\n")
        shas.append(hashlib.sha256(texts[-1].encode("utf-8")).hexdigest())

    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = dbm.open_engine(f"sqlite:///{partial}")
    dbm.upgrade(engine)
    start = datetime(2025, 3, 31, 6, 0, tzinfo=timezone.utc)
    for r in range(runs):
        at = start + timedelta(days=r)
        version = r // AMEND_EVERY
        made_entries = list(evaluation_entries(loaded, decisions, [], at))
        for e in made_entries:
            e.payload["plan_sha256"] = shas[version]
            if e.status not in ("met", "met_late", "on_track"):
                inst = e.item_id.split("/")[0]
                e.payload["escalations"] = [{"recipient": f"role:coordinator@{inst}", "level": 1 + r % 3,
                                             "kind": "digest", "why": "new" if r == 0 else "repeat"}]
        with dbm.session_scope(engine) as session:
            if r % AMEND_EVERY == 0:
                audit.store_plan_text(session=session, sha256=shas[version], text=texts[version], at=at)
            audit.append_run(session=session, run_id=f"{r + 1:08d}" + "b" * 24, as_of=at.date(), started_at=at,
                             finished_at=at + timedelta(seconds=2), outcome="finished", plan_sha256=shas[version],
                             engine_version=__version__, entries=made_entries)
    engine.dispose()
    con = sqlite3.connect(partial)
    con.execute("PRAGMA journal_mode=DELETE")  # one file, nothing left in a WAL
    con.close()
    partial.rename(path)


def store_for(folder: Path, runs: int, entries: int) -> Path:
    """The store of `runs` x `entries`, built when this schema has none yet (the newest migration
    is in the file's name: a store of an older schema is never measured again)."""
    schema = sorted((ROOT / "models" / "migrations" / "versions").glob("[0-9]*.py"))[-1].stem.split("_")[0]
    path = folder / f"verify-{runs}x{entries}-schema{schema}.db"
    if not path.exists():
        t0 = time.perf_counter()
        print(f"building {path} ({runs} runs x {entries} entries) ...", flush=True)
        done = subprocess.run([sys.executable, __file__, "--build", str(path), str(runs), str(entries)])
        if done.returncode != 0:
            raise SystemExit(f"building {path} failed")
        print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# -- the children: each measured in a fresh process ------------------------------------------------

def child_service(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from rrf.models.verify import verify_trail
    from rrf.services import audit
    from rrf.services.context import Context
    from rrf.services.store import reading
    from rrf.settings import clock, settings

    ctx = Context(settings(database_url=url), clock)
    t0 = time.perf_counter()
    v = audit.verify(ctx)
    total = time.perf_counter() - t0
    with reading(url) as session:
        t0 = time.perf_counter()
        verify_trail(session=session)
        trail = time.perf_counter() - t0
    print(json.dumps({"s": total, "trail": trail,
                      "verdict": [v.entries, v.runs, v.head, str(v.broken or ""), v.chains.trail_entries]}))


def child_minimal(path: str) -> None:
    t0 = time.perf_counter()
    entries, runs, head, problem, trail, _ = minimal(path)
    print(json.dumps({"s": time.perf_counter() - t0, "verdict": [entries, runs, head, problem or "", trail]}))


def run_child(cmd: list[str]) -> tuple[float, int, str]:
    """(wall s, peak RSS KiB, stdout) of `cmd` in a fresh process, reaped with wait4 for its usage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRF_")}  # no key: no checkpoints
    with tempfile.TemporaryDirectory(prefix="rrf-verify-bench-") as empty, \
            tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errs:
        env["RRF_CHECKPOINT_DIR"] = empty  # a folder of its own, without checkpoints
        start = time.perf_counter()
        pid = subprocess.Popen(cmd, stdout=out, stderr=errs, env=env, cwd=tempfile.gettempdir()).pid
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        errs.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{errs.read().decode()[-3000:]}")
        return wall, usage.ru_maxrss, out.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", default="10,100", help="run counts, comma-separated (one store each)")
    parser.add_argument("--entries", type=int, default=1131, help="evaluation entries per run")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "rrf-verify-bench")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    counts = [int(n) for n in args.runs.split(",")]
    stores = {r: store_for(args.dir, r, args.entries) for r in counts}

    rows: dict[int, dict[str, list]] = {}
    for r, path in stores.items():
        url = f"sqlite:///{path}"
        got: dict[str, list] = {k: [] for k in ("command", "service", "trail", "minimal", "minimal_in")}
        rss: dict[str, list] = {k: [] for k in ("command", "service", "minimal")}
        verdicts = {}
        for _ in range(args.repeat):
            wall, peak, out = run_child([RRF, "audit", "verify", "--db", url])
            got["command"].append(wall)
            rss["command"].append(peak)
            verdicts["command"] = out.splitlines()[0]
            wall, peak, out = run_child([sys.executable, __file__, "--minimal", str(path)])
            got["minimal"].append(wall)
            rss["minimal"].append(peak)
            said = json.loads(out)
            got["minimal_in"].append(said["s"])
            verdicts["minimal"] = said["verdict"]
            wall, peak, out = run_child([sys.executable, __file__, "--service", url])
            said = json.loads(out)
            got["service"].append(said["s"])
            got["trail"].append(said["trail"])
            rss["service"].append(peak)
            verdicts["service"] = said["verdict"]
        e, n, head = verdicts["service"][:3]
        said = f"intact: {e} entries in {n} run{'' if n == 1 else 's'}; head {head}"
        if verdicts["minimal"] != verdicts["service"] or verdicts["service"][3] or said != verdicts["command"]:
            raise SystemExit(f"the verifiers disagree on {path}: {verdicts}")
        rows[r] = {"entries": e, **{k: median(v) for k, v in got.items()},
                   **{f"rss_{k}": max(v) / 1024 for k, v in rss.items()}}
        print(f"{r} runs: {e} entries, intact, head {head[:16]}; all three agree", flush=True)

    print()
    print("| runs | entries | row | wall s (median) | peak RSS MiB |")
    print("| ---: | ---: | --- | ---: | ---: |")
    for r, m in rows.items():
        print(f"| {r} | {m['entries']} | `rrf audit verify` (command) | {m['command']:.2f} | {m['rss_command']:.0f} |")
        print(f"| {r} | | service, in-process | {m['service']:.2f} | {m['rss_service']:.0f} |")
        print(f"| {r} | | &nbsp; the trail's walk alone (empty trail) | {m['trail']:.3f} | |")
        print(f"| {r} | | minimal verifier, process | {m['minimal']:.2f} | {m['rss_minimal']:.0f} |")
        print(f"| {r} | | minimal verifier, in-process | {m['minimal_in']:.2f} | |")
    print()
    big, small = max(rows), min(rows)
    b, s = rows[big], rows[small]
    goals = [
        (f"`rrf audit verify` <= 2x the minimal verifier ({big} runs, processes)", "<= 2x",
         f"{b['command']:.2f} s", f"{b['minimal']:.2f} s", b["command"] / b["minimal"], 2.0),
        (f"service in-process vs minimal in-process ({big} runs)", "(shown)",
         f"{b['service']:.2f} s", f"{b['minimal_in']:.2f} s", b["service"] / b["minimal_in"], None),
    ]
    if big != small:
        goals.append((f"peak RSS flat: command over {big} runs vs {small} runs", "<= 1.15x",
                      f"{b['rss_command']:.0f} MiB", f"{s['rss_command']:.0f} MiB",
                      b["rss_command"] / s["rss_command"], 1.15))
    print("| goal | target | measured | floor | ratio | met |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for what, target, got_, floor, ratio, limit in goals:
        met = "-" if limit is None else ("yes" if ratio <= limit else "NO")
        print(f"| {what} | {target} | {got_} | {floor} | {ratio:.2f}x | {met} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--service":
        child_service(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--minimal":
        child_minimal(sys.argv[2])
    else:
        main()
