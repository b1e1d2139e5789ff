"""`rrf audit verify`: walk the whole evaluation log and name the first entry that does not hold.

Checked, in chain order: entries are numbered 1, 2, 3, ... with no gap; each names its
predecessor's hash and carries the hash of its own content; each belongs to a run and lies
within that run's range; each run's closing entry repeats the run row and is the entry the
row names as its head. Then: every run's closing entry exists, every plan text that an
entry names exists and still has that SHA-256, and no plan text is there that no entry names.
"""

import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Session

from rrf.models.audit import GENESIS, RUN, entry_hash, iter_entries, plan_texts, run_summary, runs


@dataclass(frozen=True)
class Broken:
    seq: int | None
    run_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "the log"
        run = f" (run {self.run_id})" if self.run_id else ""
        return f"{where}{run}: {self.reason}"


@dataclass(frozen=True)
class Report:
    entries: int
    runs: int
    head: str
    broken: Broken | None


def verify(*, session: Session) -> Report:
    all_runs = runs(session=session)
    texts = {t.sha256: t for t in plan_texts(session=session)}
    prev, expected, closed, seen_plans = GENESIS, 1, set(), set()
    count = 0
    for e in iter_entries(session=session):
        count += 1
        broken = _check_entry(e, expected, prev, all_runs)
        if broken:
            return Report(count - 1, len(closed), prev, broken)
        if e.kind == RUN:
            closed.add(e.run_id)
        plan = json.loads(e.payload).get("plan_sha256")
        if plan:
            seen_plans.add((plan, e.seq, e.run_id))
        prev, expected = e.hash, expected + 1
    for run in sorted(all_runs.values(), key=lambda r: r.first_seq):
        if run.id not in closed:
            return Report(count, len(closed), prev, Broken(run.last_seq, run.id, "the run's closing entry is missing"))
    for sha, seq, run_id in sorted(seen_plans, key=lambda p: p[1]):
        text = texts.get(sha)
        if text is None:
            return Report(count, len(closed), prev, Broken(seq, run_id, f"plan text {sha[:12]} is missing"))
        if hashlib.sha256(text.text.encode("utf-8")).hexdigest() != sha:
            return Report(count, len(closed), prev, Broken(seq, run_id, f"plan text {sha[:12]} was changed"))
    referenced = {sha for sha, _, _ in seen_plans}
    for sha in sorted(set(texts) - referenced):
        return Report(count, len(closed), prev, Broken(None, None, f"plan text {sha[:12]} is referenced by no run"))
    return Report(count, len(closed), prev, None)


def _check_entry(e, expected: int, prev: str, all_runs: dict) -> Broken | None:  # noqa: ANN001
    if e.seq != expected:
        gap = f"entries {expected}-{e.seq - 1} are missing" if e.seq > expected else "out of order"
        return Broken(expected if e.seq > expected else e.seq, e.run_id, gap)
    if e.prev_hash != prev:
        return Broken(e.seq, e.run_id, "does not follow its predecessor (an entry before it was removed, "
                                       "inserted or changed)")
    if entry_hash(e) != e.hash:
        return Broken(e.seq, e.run_id, "its content does not match its hash (changed after it was written)")
    run = all_runs.get(e.run_id)
    if run is None:
        return Broken(e.seq, e.run_id, "belongs to no recorded run")
    if not run.first_seq <= e.seq <= run.last_seq:
        return Broken(e.seq, e.run_id, f"lies outside its run's entries {run.first_seq}-{run.last_seq}")
    if e.kind == RUN:
        if e.seq != run.last_seq or e.hash != run.head_hash:
            return Broken(e.seq, e.run_id, "the run row does not end at this closing entry")
        stated = json.loads(e.payload)
        if any(stated.get(k) != v for k, v in run_summary(run).items()):
            return Broken(e.seq, e.run_id, "the run row differs from what its closing entry recorded")
    elif e.seq == run.last_seq:
        return Broken(e.seq, e.run_id, "the run row ends at an entry that does not close it")
    return None
