"""`rrf audit verify` streams (issue 16, item 3): it walks the evaluation log and the trail in
constant memory, keeping nothing of an entry once it is checked (only the runs, which are few,
and one line per distinct plan text), and it reads and hashes each distinct plan text once,
however many entries name it. So a log ten times longer costs ten times the time, not the
memory (bench/verify_bench.py measures both against a minimal verifier).

On SQLite: what is measured is the walk's own memory, the same on any database.
"""

import hashlib
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, true
from sqlmodel import Session

from rrf.models import audit, db as dbm, trail
from rrf.models.tables import Acknowledgement
from rrf.models.verify import verify

ENTRIES = 100  # per run
BATCH = 200  # entries read at once (models.audit.BATCH, models.trail.CHUNK: smaller here, so small logs fill some)
START = datetime(2025, 3, 31, 6, 0, tzinfo=timezone.utc)


def plan(n: int) -> str:
    """A plan text of some size, different for each `n`."""
    return f"# plan {n}\n" + "".join(f'[[items]]\nid = "m{n}/t{i}"\ngoal = {i}\n' for i in range(2000))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload(i: int, plan_sha: str) -> dict:
    """Shaped like an evaluation entry's (services.check.evaluation_entries), about 1 kB."""
    return {"engine_version": "0.1.0", "plan_sha256": plan_sha, "evaluated_at": START.isoformat(),
            "decision": {"id": f"m/t{i}", "status": "at_risk", "goal": i, "actual": i // 2, "days_left": 40,
                         "explanations": {"en": "At risk: " + "x" * 300, "lv": "Riskam: " + "y" * 300}},
            "inputs": [{"seq": i, "as_of": "2025-01-31", "value": str(i // 2)}],
            "escalations": [{"recipient": "role:coordinator@inst", "level": 1, "kind": "digest", "why": "new"}]}


def store(folder: Path, runs: int, plans: int = 1, acknowledgements: int = 0) -> str:
    """A store of `runs` runs of ENTRIES entries, written as `rrf check` writes them, under `plans`
    plan texts taken in turn, and a trail of `acknowledgements` rows."""
    url = f"sqlite:///{folder / f'log-{runs}-{plans}-{acknowledgements}.db'}"
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    texts = [plan(n) for n in range(plans)]
    for r in range(runs):
        at, text = START + timedelta(days=r), texts[r % plans]
        entries = [audit.NewEntry(audit.EVALUATION, f"m/t{i}", "at_risk", payload(i, sha(text)))
                   for i in range(ENTRIES)]
        with dbm.session_scope(engine) as session:
            audit.store_plan_text(session=session, sha256=sha(text), text=text, at=at)
            audit.append_run(session=session, run_id=f"{r:032x}", as_of=at.date(), started_at=at, finished_at=at,
                             outcome="finished", plan_sha256=sha(text), engine_version="0.1.0", entries=entries)
    if acknowledgements:
        with dbm.session_scope(engine) as session:
            session.execute(insert(Acknowledgement.__table__), [
                {"item_id": f"m/t{i}", "day": date(2025, 1, 1), "by": "someone", "reason": "r" * 200,
                 "status": "at_risk", "level": 1, "recorded_at": START} for i in range(acknowledgements)])
            trail.append(session=session, table="acknowledgement", where=true())
    engine.dispose()
    return url


PEAK = """
import sys, tracemalloc
from sqlmodel import Session
from rrf.models import audit, db as dbm, trail
from rrf.models.verify import verify
audit.BATCH = trail.CHUNK = int(sys.argv[2])
engine = dbm.open_engine(sys.argv[1], readonly=True)
with Session(engine) as session:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    report = verify(session=session)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
assert report.broken is None, report.broken
print(peak)
"""


def peak_of_verify(url: str) -> int:
    """The most memory (bytes, tracemalloc) that verify holds at once, measured in a fresh
    interpreter: the test process's own heap, and when its collector last ran, do not count."""
    done = subprocess.run([sys.executable, "-c", PEAK, url, str(BATCH)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(audit, "BATCH", BATCH)
    monkeypatch.setattr(trail, "CHUNK", BATCH)
    return tmp_path


def test_it_walks_a_log_ten_times_longer_in_about_the_same_memory(folder):
    """It keeps no structure per entry: over 40 runs (4 040 entries) its peak memory is within a
    quarter of its peak over 4 runs (404 entries, two batches of the walk)."""
    small, large = peak_of_verify(store(folder, 4)), peak_of_verify(store(folder, 40))
    assert large < small * 1.25, (small, large)


def test_it_walks_a_trail_ten_times_longer_in_about_the_same_memory(folder):
    """It keeps no trail entry once its row is compared: 5 000 trailed rows cost about what 500 do
    (more than two batches of the walk)."""
    small = peak_of_verify(store(folder, 1, acknowledgements=500))
    large = peak_of_verify(store(folder, 1, acknowledgements=5000))
    assert large < small * 1.25, (small, large)


def test_it_hashes_each_distinct_plan_text_once(folder, monkeypatch):
    """However many entries name a plan text (here 2 texts, 3 runs of 100 entries each), it reads
    and hashes each text once."""
    url = store(folder, 6, plans=2)
    texts = {plan(n).encode("utf-8"): 0 for n in range(2)}
    real = hashlib.sha256

    def counting(data: bytes = b"", **kwargs):  # noqa: ANN202
        if data in texts:
            texts[data] += 1
        return real(data, **kwargs)

    monkeypatch.setattr(hashlib, "sha256", counting)
    engine = dbm.open_engine(url, readonly=True)
    with Session(engine) as session:
        report = verify(session=session)
    engine.dispose()
    assert report.broken is None and report.entries == 6 * (ENTRIES + 1)
    assert list(texts.values()) == [1, 1]
