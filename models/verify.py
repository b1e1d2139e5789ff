"""`rrf audit verify`: walk the whole evaluation log and the trail, and name the first thing that
does not hold.

The log, in chain order: entries are numbered 1, 2, 3, ... with no gap; each names its
predecessor's hash and carries the hash of its own content; each belongs to a run and lies
within that run's range; each run's closing entry repeats the run row and is the entry the
row names as its head. Then: every run's closing entry exists, every plan text that an
entry names exists and still has that SHA-256, and no plan text is there that no entry names.

The trail (models.trail), in chain order: numbered without a gap, linked, each hash its content's,
each row entered once. Then every row of the tables it covers: each has its entry and still
holds what its entry recorded, and no entry's row is gone.

What neither chain can tell by itself, a deleted tail or every hash recomputed after a change,
the signed checkpoints tell (services.checkpoint). Reasons are English msgids with named
placeholders (`Broken.said` translates them).
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlmodel import Session

from rrf.models import trail
from rrf.models.audit import GENESIS, RUN, entry_hash, iter_entries, plan_texts, run_summary, runs
from rrf.rules.i18n import N_, Words


@dataclass(frozen=True)
class Broken:
    seq: int | None  # the evaluation log's entry it is about (None: not one entry of the log)
    run_id: str | None
    why: str  # an English msgid with {placeholders}
    values: dict[str, Any] = field(default_factory=dict)
    trail: int | None = None  # the trail's entry it is about

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.why.format(**self.values)

    def said(self, lang: str = "en") -> str:
        """Where and why, in `lang`."""
        _ = Words(lang)
        reason = _(self.why, **self.values)
        if self.seq is not None and self.run_id:
            return _("entry {seq} (run {run}): {reason}", seq=self.seq, run=self.run_id, reason=reason)
        if self.seq is not None:
            return _("entry {seq}: {reason}", seq=self.seq, reason=reason)
        if self.trail is not None:
            return _("trail entry {seq}: {reason}", seq=self.trail, reason=reason)
        return reason

    def __str__(self) -> str:
        return self.said("en")


@dataclass(frozen=True)
class Report:
    entries: int
    runs: int
    head: str
    broken: Broken | None
    trail_entries: int = 0
    trail_head: str = GENESIS


def verify(*, session: Session) -> Report:
    """The evaluation log, then the trail; the first problem found, if any."""
    entries, closed, head, broken = _verify_log(session)
    if broken:
        return Report(entries, closed, head, broken)
    count, trail_head, broken = verify_trail(session=session)
    return Report(entries, closed, head, broken, count, trail_head)


def _verify_log(session: Session) -> tuple[int, int, str, Broken | None]:
    all_runs = runs(session=session)
    texts = {t.sha256: t for t in plan_texts(session=session)}
    prev, expected, closed, seen_plans = GENESIS, 1, set(), set()
    count = 0
    for e in iter_entries(session=session):
        count += 1
        broken = _check_entry(e, expected, prev, all_runs)
        if broken:
            return count - 1, len(closed), prev, broken
        if e.kind == RUN:
            closed.add(e.run_id)
        plan = json.loads(e.payload).get("plan_sha256")
        if plan:
            seen_plans.add((plan, e.seq, e.run_id))
        prev, expected = e.hash, expected + 1
    for run in sorted(all_runs.values(), key=lambda r: r.first_seq):
        if run.id not in closed:
            return count, len(closed), prev, Broken(run.last_seq, run.id, N_("the run's closing entry is missing"))
    for sha, seq, run_id in sorted(seen_plans, key=lambda p: p[1]):
        text = texts.get(sha)
        short = {"sha": sha[:12]}
        if text is None:
            return count, len(closed), prev, Broken(seq, run_id, N_("plan text {sha} is missing"), short)
        if hashlib.sha256(text.text.encode("utf-8")).hexdigest() != sha:
            return count, len(closed), prev, Broken(seq, run_id, N_("plan text {sha} was changed"), short)
    referenced = {sha for sha, _, _ in seen_plans}
    for sha in sorted(set(texts) - referenced):
        return count, len(closed), prev, Broken(None, None, N_("plan text {sha} is referenced by no run"),
                                                {"sha": sha[:12]})
    return count, len(closed), prev, None


def links(entries: Iterable[Any]) -> tuple[int, str, Broken | None]:
    """The links of log entries (rows, or dicts of their columns) in chain order: numbered from 1
    without a gap, each naming its predecessor's hash and carrying its own content's hash.
    (number of entries that hold, the last one's hash, the first problem)."""
    prev, expected = GENESIS, 1
    for e in entries:
        c = e if isinstance(e, dict) else {k: getattr(e, k) for k in ("seq", "run_id", "prev_hash", "hash")}
        broken = _link(c, expected, prev, e)
        if broken:
            return expected - 1, prev, broken
        prev, expected = c["hash"], expected + 1
    return expected - 1, prev, None


def _link(c: dict[str, Any], expected: int, prev: str, e: Any) -> Broken | None:  # noqa: ANN401
    if c["seq"] != expected:
        if c["seq"] > expected:
            return Broken(expected, c["run_id"], N_("entries {first}-{last} are missing"),
                          {"first": expected, "last": c["seq"] - 1})
        return Broken(c["seq"], c["run_id"], N_("out of order"))
    if c["prev_hash"] != prev:
        return Broken(c["seq"], c["run_id"], N_("does not follow its predecessor (an entry before it was removed, "
                                                "inserted or changed)"))
    if entry_hash(e) != c["hash"]:
        return Broken(c["seq"], c["run_id"], N_("its content does not match its hash (changed after it was "
                                                "written)"))
    return None


def _check_entry(e, expected: int, prev: str, all_runs: dict) -> Broken | None:  # noqa: ANN001
    broken = _link({"seq": e.seq, "run_id": e.run_id, "prev_hash": e.prev_hash, "hash": e.hash}, expected, prev, e)
    if broken:
        return broken
    run = all_runs.get(e.run_id)
    if run is None:
        return Broken(e.seq, e.run_id, N_("belongs to no recorded run"))
    if not run.first_seq <= e.seq <= run.last_seq:
        return Broken(e.seq, e.run_id, N_("lies outside its run's entries {first}-{last}"),
                      {"first": run.first_seq, "last": run.last_seq})
    if e.kind == RUN:
        if e.seq != run.last_seq or e.hash != run.head_hash:
            return Broken(e.seq, e.run_id, N_("the run row does not end at this closing entry"))
        stated = json.loads(e.payload)
        if any(stated.get(k) != v for k, v in run_summary(run).items()):
            return Broken(e.seq, e.run_id, N_("the run row differs from what its closing entry recorded"))
    elif e.seq == run.last_seq:
        return Broken(e.seq, e.run_id, N_("the run row ends at an entry that does not close it"))
    return None


def verify_trail(*, session: Session) -> tuple[int, str, Broken | None]:
    """(number of trail entries, the last one's hash, the first problem of the trail or its rows)."""
    entered: dict[tuple[str, int], tuple[int, bytes]] = {}  # a digest of each row's text: the trail may be long
    prev, expected = GENESIS, 1
    for e in trail.iter_entries(session=session):
        broken = _trail_link(e, expected, prev, entered)
        if broken:
            return expected - 1, prev, broken
        entered[(e.table_name, e.row_id)] = (e.seq, _digest(e.row))
        prev, expected = e.hash, expected + 1
    count = expected - 1
    for table in trail.TABLES:
        for row in trail.iter_rows(session=session, table=table):
            what = {"table": table, "id": row["id"]}
            found = entered.pop((table, row["id"]), None)
            if found is None:
                return count, prev, Broken(None, None, N_("{table} #{id} is in no trail entry: it was inserted "
                                                          "behind the engine's back"), what)
            seq, digest = found
            text = trail.row_json(table, row)
            changed = [] if _digest(text) == digest else _changed(trail.row_at(session=session, seq=seq), text)
            if changed:
                return count, prev, Broken(None, None, N_("{table} #{id} no longer holds what was entered ({columns} "
                                                          "changed after it was written)"),
                                           {**what, "columns": ", ".join(changed)}, trail=seq)
    if entered:
        (table, row_id), (seq, _) = min(entered.items(), key=lambda kv: kv[1][0])
        return count, prev, Broken(None, None, N_("{table} #{id} is gone: deleted after it was written"),
                                   {"table": table, "id": row_id}, trail=seq)
    return count, prev, None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _changed(stored: str, now: str) -> list[str]:
    """The columns whose value differs; a column absent from the entry (added by a later
    migration) must be NULL."""
    was, is_ = json.loads(stored), json.loads(now)
    return sorted(k for k in set(was) | set(is_) if was.get(k) != is_.get(k))


def _trail_link(e, expected: int, prev: str, entered: dict) -> Broken | None:  # noqa: ANN001
    if e.seq != expected:
        if e.seq > expected:
            return Broken(None, None, N_("trail entries {first}-{last} are missing"),
                          {"first": expected, "last": e.seq - 1})
        return Broken(None, None, N_("out of order"), trail=e.seq)
    if e.prev_hash != prev:
        return Broken(None, None, N_("does not follow its predecessor (an entry before it was removed, inserted "
                                     "or changed)"), trail=e.seq)
    if trail.link_hash(e.prev_hash, e.seq, e.table_name, e.row_id, e.row) != e.hash:
        return Broken(None, None, N_("its content does not match its hash (changed after it was written)"),
                      trail=e.seq)
    if e.table_name not in trail.TABLES:
        return Broken(None, None, N_("names {table}, a table the trail does not cover"), {"table": e.table_name},
                      trail=e.seq)
    if (e.table_name, e.row_id) in entered:
        return Broken(None, None, N_("enters {table} #{id} a second time"), {"table": e.table_name, "id": e.row_id},
                      trail=e.seq)
    return None
