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

Both walks stream, in constant memory however long the chains grow: the log is read in batches of
plain columns and nothing is kept of an entry once it is checked (but the runs, which are few, and
the first entry naming each distinct plan text, which is then read and hashed once); the trail's
rows are compared with their entries table by table, both read in row-id order side by side.

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
from rrf.models.audit import (GENESIS, RUN, entry_hash, hash_of, iter_columns, plan_shas, plan_text, run_summary,
                              runs, stamp)
from rrf.models.tables import AuditRun
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


_NONE = object()  # no entry read yet


def _verify_log(session: Session) -> tuple[int, int, str, Broken | None]:
    """The walk in chain order, in constant memory: nothing is kept of an entry once it is checked
    but the run it closes (runs are few) and, for each distinct plan text entries name, the first
    entry naming it. Each plan text is then read and hashed once."""
    all_runs = runs(session=session)
    stored = set(plan_shas(session=session))
    named: dict[str, tuple[int, str]] = {}  # plan text -> the first entry naming it (seq, run)
    prev, expected, closed = GENESIS, 1, set()
    day = at = run_id_of = _NONE  # the last entry's day, time and run, and what they gave: a run's entries share them
    day_text = at_text = ""
    run: AuditRun | None = None
    first = last = 0  # its run's range
    for seq, run_id, kind, item_id, status, as_of, created_at, payload, prev_hash, hash_ in iter_columns(
            session=session):
        if seq != expected:
            return expected - 1, len(closed), prev, _misnumbered(seq, run_id, expected)
        if prev_hash != prev:
            return expected - 1, len(closed), prev, _unlinked(seq, run_id)
        if as_of != day or type(as_of) is not type(day):
            day, day_text = as_of, as_of.isoformat()
        if created_at != at or type(created_at) is not type(at):
            at, at_text = created_at, stamp(created_at)
        if hash_of(prev_hash, seq, run_id, kind, item_id, status, day_text, at_text, payload) != hash_:
            return expected - 1, len(closed), prev, _unhashed(seq, run_id)
        if run_id != run_id_of or run is None:
            run_id_of, run = run_id, all_runs.get(run_id)
            first, last = (run.first_seq, run.last_seq) if run is not None else (0, 0)
        data = None
        broken = None if first < seq < last and kind != RUN else _in_run(seq, run_id, kind, hash_, run)
        if broken is None and kind == RUN:
            data = json.loads(payload)
            broken = _closing(seq, run_id, run, data)  # type: ignore[arg-type]
        if broken:
            return expected - 1, len(closed), prev, broken
        if kind == RUN:
            closed.add(run_id)
        plan = (json.loads(payload) if data is None else data).get("plan_sha256")
        if plan and plan not in named:
            named[plan] = (seq, run_id)
        prev, expected = hash_, expected + 1
    count = expected - 1
    for run in sorted(all_runs.values(), key=lambda r: r.first_seq):
        if run.id not in closed:
            return count, len(closed), prev, Broken(run.last_seq, run.id, N_("the run's closing entry is missing"))
    for sha, (seq, run_id) in named.items():  # in the order first named: the first entry naming a bad text
        short = {"sha": sha[:12]}
        if sha not in stored:
            return count, len(closed), prev, Broken(seq, run_id, N_("plan text {sha} is missing"), short)
        if not _plan_text_holds(session, sha):
            return count, len(closed), prev, Broken(seq, run_id, N_("plan text {sha} was changed"), short)
    for sha in sorted(stored - set(named)):
        return count, len(closed), prev, Broken(None, None, N_("plan text {sha} is referenced by no run"),
                                                {"sha": sha[:12]})
    return count, len(closed), prev, None


def _plan_text_holds(session: Session, sha: str) -> bool:
    """Whether the plan text kept under `sha` still has that SHA-256 (read and hashed once)."""
    text = plan_text(session=session, sha256=sha)
    return text is not None and hashlib.sha256(text.text.encode("utf-8")).hexdigest() == sha


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
        return _misnumbered(c["seq"], c["run_id"], expected)
    if c["prev_hash"] != prev:
        return _unlinked(c["seq"], c["run_id"])
    if entry_hash(e) != c["hash"]:
        return _unhashed(c["seq"], c["run_id"])
    return None


def _misnumbered(seq: int, run_id: str, expected: int) -> Broken:
    if seq > expected:
        return Broken(expected, run_id, N_("entries {first}-{last} are missing"), {"first": expected, "last": seq - 1})
    return Broken(seq, run_id, N_("out of order"))


def _unlinked(seq: int, run_id: str) -> Broken:
    return Broken(seq, run_id, N_("does not follow its predecessor (an entry before it was removed, inserted or "
                                  "changed)"))


def _unhashed(seq: int, run_id: str) -> Broken:
    return Broken(seq, run_id, N_("its content does not match its hash (changed after it was written)"))


def _in_run(seq: int, run_id: str, kind: str, hash_: str, run: AuditRun | None) -> Broken | None:
    """Whether the entry lies in its run, and closes it if it is the run's last."""
    if run is None:
        return Broken(seq, run_id, N_("belongs to no recorded run"))
    if not run.first_seq <= seq <= run.last_seq:
        return Broken(seq, run_id, N_("lies outside its run's entries {first}-{last}"),
                      {"first": run.first_seq, "last": run.last_seq})
    if kind == RUN:
        if seq != run.last_seq or hash_ != run.head_hash:
            return Broken(seq, run_id, N_("the run row does not end at this closing entry"))
    elif seq == run.last_seq:
        return Broken(seq, run_id, N_("the run row ends at an entry that does not close it"))
    return None


def _closing(seq: int, run_id: str, run: AuditRun, stated: Any) -> Broken | None:  # noqa: ANN401
    """Whether a closing entry (its payload read: `stated`) says what its run row says."""
    if any(stated.get(k) != v for k, v in run_summary(run).items()):
        return Broken(seq, run_id, N_("the run row differs from what its closing entry recorded"))
    return None


def verify_trail(*, session: Session) -> tuple[int, str, Broken | None]:
    """(number of trail entries, the last one's hash, the first problem of the trail or its rows).

    In constant memory: the chain is walked in order (the first entry that enters a row a second
    time is asked of the database first), then each covered table's rows and its entries are read
    side by side, both by row id, so no entry is kept once its row is compared."""
    again = trail.first_reentry(session=session)
    prev, expected = GENESIS, 1
    for e in trail.iter_entries(session=session):
        broken = _trail_link(e, expected, prev, again)
        if broken:
            return expected - 1, prev, broken
        prev, expected = e.hash, expected + 1
    count = expected - 1
    gone: tuple[int, str, int] | None = None  # the first entry whose row is gone: (its seq, table, row id)
    for table in trail.TABLES:
        entered = trail.iter_entered(session=session, table=table)  # (row id, seq, row text), by row id
        next_entered = next(entered, None)
        for row in trail.iter_rows(session=session, table=table):
            while next_entered is not None and next_entered[0] < row["id"]:  # an entry whose row is gone
                gone = _first_gone(gone, next_entered, table)
                next_entered = next(entered, None)
            what = {"table": table, "id": row["id"]}
            if next_entered is None or next_entered[0] != row["id"]:
                return count, prev, Broken(None, None, N_("{table} #{id} is in no trail entry: it was inserted "
                                                          "behind the engine's back"), what)
            _, seq, stored = next_entered
            next_entered = next(entered, None)
            text = trail.row_json(table, row)
            changed = [] if text == stored else _changed(stored, text)
            if changed:
                return count, prev, Broken(None, None, N_("{table} #{id} no longer holds what was entered ({columns} "
                                                          "changed after it was written)"),
                                           {**what, "columns": ", ".join(changed)}, trail=seq)
        while next_entered is not None:  # entries after the table's last row
            gone = _first_gone(gone, next_entered, table)
            next_entered = next(entered, None)
    if gone is not None:
        seq, table, row_id = gone
        return count, prev, Broken(None, None, N_("{table} #{id} is gone: deleted after it was written"),
                                   {"table": table, "id": row_id}, trail=seq)
    return count, prev, None


def _first_gone(gone: tuple[int, str, int] | None, entry: Any, table: str) -> tuple[int, str, int]:  # noqa: ANN401
    """The earlier in the chain of `gone` and trail entry `entry` (row id, seq, row) of `table`."""
    found = (entry[1], table, entry[0])
    return found if gone is None or found[0] < gone[0] else gone


def _changed(stored: str, now: str) -> list[str]:
    """The columns whose value differs; a column absent from the entry (added by a later
    migration) must be NULL."""
    was, is_ = json.loads(stored), json.loads(now)
    return sorted(k for k in set(was) | set(is_) if was.get(k) != is_.get(k))


def _trail_link(e, expected: int, prev: str, again: int | None) -> Broken | None:  # noqa: ANN001
    """`again`: the first entry that enters a row an earlier entry entered (trail.first_reentry)."""
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
    if e.seq == again:
        return Broken(None, None, N_("enters {table} #{id} a second time"), {"table": e.table_name, "id": e.row_id},
                      trail=e.seq)
    return None
