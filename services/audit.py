"""The evaluation log for auditors: verify the chains (and their signed checkpoints), read the log
filtered, export it, verify an export offline, replay an entry."""

import csv
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, TextIO

from sqlmodel import Session

from rrf import __version__
from rrf.models import audit
from rrf.models import db as dbm
from rrf.models.tables import AuditEntry
from rrf.models.audit import GENESIS
from rrf.models.verify import Broken, Report, links, verify as verify_chain
from rrf.rules import parse_plan
from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError
from rrf.rules.evaluate import evaluate_one
from rrf.rules.exposure import with_exposure
from rrf.rules.i18n import N_
from rrf.rules.serialize import decision_dict, inputs_from_json
from rrf.rules.vocab import STATUSES
from rrf.services import checkpoint
from rrf.services.access import Viewer, require_audit
from rrf.services.context import Context
from rrf.services.identity import acting
from rrf.services.files import replacing
from rrf.services.store import reading, store_or_none

KINDS = ("evaluation", "ack", "waiver", "run", "all")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = ["entry", "run", "kind", "as_of", "id", "status", "due", "goal", "actual", "days_left",
                  "explanation_lv", "explanation_en", "records_used", "inputs",
                  "by", "role", "reason", "key", "until", "level",  # an acknowledgement's or a waiver's
                  "outcome", "error",  # a run's closing entry
                  "plan_sha256", "engine_version", "created_at", "prev_hash", "hash"]


@dataclass(frozen=True)
class Filters:
    item_id: str | None = None
    run: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    kind: str = "evaluation"


@contextmanager
def _log(ctx: Context) -> Iterator[Session]:
    """A session on the store holding the log; refused (NoDatabase) when there is none."""
    with reading(ctx.url) as session:
        yield session


@dataclass(frozen=True)
class Verified:
    """The chains as walked, and what the signed checkpoints say of them."""

    chains: Report
    signed: checkpoint.Signed

    @property
    def broken(self) -> Broken | None:
        return self.chains.broken or self.signed.problem

    @property
    def entries(self) -> int:
        return self.chains.entries

    @property
    def runs(self) -> int:
        return self.chains.runs

    @property
    def head(self) -> str:
        return self.chains.head

    def signed_said(self, lang: str = "en") -> str:
        """What the signed checkpoints vouch for, in `lang` (checkpoint.described)."""
        return checkpoint.described(self.signed, self.chains.entries, lang)


def _auditor(ctx: Context, by: Viewer | None) -> None:
    """The log is for coordinators and auditors: the portal's user (`by`), else the operator."""
    require_audit(acting(ctx, by))


def verify(ctx: Context, *, public_key: Path | None = None, folder: Path | None = None,
           by: Viewer | None = None) -> Verified:
    """Walk the log and the trail, then check every signed checkpoint (with `public_key`, by
    default the configured one, in `folder`, by default RRF_CHECKPOINT_DIR) against them; the
    first problem is named. A store without a log, where checkpoints signed one, was truncated
    (said to whoever asks: with no store, there are no accounts to ask about)."""
    key = checkpoint.verifying_key(ctx, public_key)
    named = folder or ctx.settings.checkpoint_dir  # with a key, a folder the auditor named must be there:
    if key is not None and named is not None and not named.is_dir():  # a typo would leave truncation unchecked
        raise RrfError(f"--checkpoints {named}: there is no such folder (RRF_CHECKPOINT_DIR or --checkpoints)")
    folder = folder or ctx.settings.checkpoint_path
    with store_or_none(ctx.url) as session:
        if session is None:
            if key is not None and checkpoint.files(folder):
                empty = Report(0, 0, GENESIS, None)
                return Verified(empty, checkpoint.examine(folder, key, lambda _: None, 0, lambda _: None, 0))
            raise dbm.NoDatabase(ctx.url)  # a misspelt --db is named (no `rrf check`: that would create one)
        _auditor(ctx, by)
        report = verify_chain(session=session)
        if report.broken:
            return Verified(report, checkpoint.Signed(folder, None))
        return Verified(report, checkpoint.in_store(session, folder, key, report.entries, report.trail_entries))


def entries(ctx: Context, f: Filters, *, latest: int | None = None, by: Viewer | None = None) -> list[AuditEntry]:
    """The log's entries that pass the filters, oldest first; only the `latest` ones, newest first."""
    _auditor(ctx, by)
    if f.kind not in KINDS:
        raise RrfError(f"--kind {f.kind!r}: expected evaluation, ack, waiver, run or all")
    if f.status is not None and f.status not in STATUSES:
        raise RrfError(f"--status {f.status!r}: expected one of {', '.join(STATUSES)}")
    since, until = (parse_date(f.since) if f.since else None), (parse_date(f.until) if f.until else None)
    with _log(ctx) as session:
        return audit.find_entries(session=session, item_id=f.item_id, run_id=f.run, status=f.status,
                                  since=since, until=until, kind=None if f.kind == "all" else f.kind,
                                  limit=latest, newest_first=latest is not None)


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    return {"entry": e.seq, "run": e.run_id, "kind": e.kind, "id": e.item_id, "status": e.status,
            "as_of": e.as_of.isoformat(), "created_at": e.created_at.isoformat(),
            "prev_hash": e.prev_hash, "hash": e.hash, **json.loads(e.payload)}


def safe_cell(value: Any) -> str:
    """A spreadsheet cell that is never read as a formula: text that starts like one gets a
    leading apostrophe; numbers stay numbers (-15 is not a formula)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else (json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def export(ctx: Context, f: Filters, fmt: str, target: Path, *, by: Viewer | None = None) -> int:
    """Write the filtered evaluation entries to a JSON file or to a CSV a spreadsheet opens
    safely (UTF-8 with BOM; no cell is read as a formula); the number of entries. The file appears
    whole or not at all: it is written beside the target and renamed, so a refusal (no database)
    or a failure midway leaves no file, and an existing one as it was."""
    with replacing(target, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
        return write_export(ctx, f, fmt, fh, by=by)


def write_export(ctx: Context, f: Filters, fmt: str, fh: TextIO, *, by: Viewer | None = None) -> int:
    """The export of `export` written to a text stream (the portal's download). Each JSON row also
    holds what its hash was computed from (`payload`, the entry's columns), so that a whole export
    (`kind` all, no filter) can be verified without the database (`verify_export`)."""
    rows = entries(ctx, f, by=by)
    if fmt == "json":
        fh.write(json.dumps([{**entry_dict(e), **_columns(e)} for e in rows], ensure_ascii=False, indent=2) + "\n")
        return len(rows)
    writer = csv.writer(fh)
    writer.writerow(EXPORT_COLUMNS)
    for e in rows:
        r = entry_dict(e)
        d = r.get("decision") or {"explanations": {}}
        flat = {**r, "due": d.get("due"), "goal": d.get("goal"), "actual": d.get("actual"),
                "days_left": d.get("days_left"), "explanation_lv": d["explanations"].get("lv"),
                "explanation_en": d["explanations"].get("en"), "records_used": d.get("records_used")}
        writer.writerow([safe_cell(flat.get(c)) for c in EXPORT_COLUMNS])
    return len(rows)


COLUMNS = ("entry", "run", "kind", "id", "status", "as_of", "created_at", "prev_hash", "hash", "payload")


def _columns(e: AuditEntry) -> dict[str, Any]:
    """The entry's own columns, over any payload key of the same name, and its payload as hashed."""
    return {"entry": e.seq, "run": e.run_id, "kind": e.kind, "id": e.item_id, "status": e.status,
            "as_of": e.as_of.isoformat(), "created_at": e.created_at.isoformat(), "prev_hash": e.prev_hash,
            "hash": e.hash, "payload": e.payload}


@dataclass(frozen=True)
class ExportVerified:
    entries: int
    head: str
    checkpoint: checkpoint.Checkpoint
    key: str  # the public key's fingerprint
    broken: Broken | None


def verify_export(path: Path, public_key: Path, checkpoint_file: Path) -> ExportVerified:
    """Verify a JSON export of the whole log (`rrf audit export --format json --kind all`) without
    any database: every entry's hash is computed again from its columns and payload and linked to
    its predecessor's, what each row shows is what was hashed, and the export holds the head that
    the checkpoint (signed with `public_key`) signed, with that hash."""
    key = checkpoint.public_key(public_key)
    found = checkpoint.read(checkpoint_file)
    signed = found.checkpoint
    rows = _export_rows(path)
    problem = checkpoint.signature_problem(found, key)
    if problem is not None or signed is None:
        return ExportVerified(0, GENESIS, signed, checkpoint.fingerprint(key), problem)  # type: ignore[arg-type]
    hashed = [_hashed(r) for r in rows]
    broken = next((Broken(r["entry"], r["run"], N_("its columns cannot be read")) for r, h in zip(rows, hashed)
                   if h is None), None)
    count, head, linked = links(h for h in hashed if h is not None)
    broken = broken or linked or next(filter(None, (_shown_as_hashed(r) for r in rows)), None)
    if broken is None:
        hashes = {r["entry"]: r["hash"] for r in rows}
        broken = checkpoint.head_problem(signed, hashes.get, count)
    return ExportVerified(count, head, signed, checkpoint.fingerprint(key), broken)


def _export_rows(path: Path) -> list[dict[str, Any]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise RrfError(f"{path}: cannot read it: {exc.strerror}") from None
    except ValueError:
        rows = None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and set(COLUMNS) <= set(r) for r in rows):
        raise RrfError(f"{path}: not a JSON export of the log with its payloads "
                       "(write one with rrf audit export --format json --kind all)")
    return rows


def _hashed(r: dict[str, Any]) -> dict[str, Any] | None:
    """An exported row as the columns its hash was computed from (None: they cannot be read)."""
    try:
        return {"seq": r["entry"], "run_id": r["run"], "kind": r["kind"], "item_id": r["id"], "status": r["status"],
                "as_of": date.fromisoformat(r["as_of"]), "created_at": datetime.fromisoformat(r["created_at"]),
                "payload": r["payload"], "prev_hash": r["prev_hash"], "hash": r["hash"]}
    except (TypeError, ValueError):
        return None


def _shown_as_hashed(r: dict[str, Any]) -> Broken | None:
    """A row whose readable fields differ from its hashed payload (the export was edited)."""
    try:
        payload = json.loads(r["payload"])
    except ValueError:
        payload = {}
    for k, v in payload.items():
        if k not in COLUMNS and r.get(k) != v:
            return Broken(r["entry"], r["run"], N_("shows {key} otherwise than the payload its hash was computed "
                                                  "from (the export was edited)"), {"key": k})
    return None


@dataclass(frozen=True)
class Replay:
    entry: int
    item_id: str
    as_of: date
    plan_sha256: str
    records: int
    stored: dict[str, Any]
    again: dict[str, Any] | None  # None: the plan text is missing, nothing could be replayed
    logged_by: str  # the engine version that wrote the entry
    replayed_by: str

    @property
    def identical(self) -> bool:
        return self.again == self.stored

    def differences(self) -> dict[str, tuple[Any, Any]]:
        again = self.again or {}
        return {k: (self.stored.get(k), again.get(k)) for k in set(self.stored) | set(again)
                if self.stored.get(k) != again.get(k)}


def replay(ctx: Context, entry: int, *, by: Viewer | None = None) -> Replay:
    """Evaluate one logged item again from the stored plan text and inputs."""
    _auditor(ctx, by)
    with _log(ctx) as session:
        row = audit.get_entry(session=session, seq=entry)
        if row is None:
            last = audit.chain_head(session=session)
            raise RrfError(f"there is no entry {entry} in the log (its entries are 1 to {last.seq if last else 0})")
        if row.kind != audit.EVALUATION:
            raise RrfError(f"entry {entry} is not an evaluation entry of the log but a {row.kind} entry: "
                           "only evaluations are replayed")
        payload = json.loads(row.payload)
        text = audit.plan_text(session=session, sha256=payload["plan_sha256"])
    sha, stored = payload["plan_sha256"], payload["decision"]
    inputs = inputs_from_json(row.item_id, payload["inputs"])
    again = None
    if text is not None:
        plan = parse_plan(text.text.encode("utf-8"), f"plan {sha[:12]}").plan
        day = date.fromisoformat(stored["as_of"])
        d = evaluate_one(plan, row.item_id, inputs, day)
        again = with_exposure(decision_dict(d.item, d), plan, d)
    return Replay(entry, row.item_id, row.as_of, sha, len(inputs), stored, again, payload["engine_version"],
                  __version__)
