"""The evaluation log for auditors: verify the chain, read it filtered, export it, replay an entry."""

import csv
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, TextIO

from sqlmodel import Session

from rrf import __version__
from rrf.models import audit
from rrf.models.tables import AuditEntry
from rrf.models.verify import Report, verify as verify_chain
from rrf.rules import parse_plan
from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError
from rrf.rules.evaluate import evaluate_item
from rrf.rules.serialize import decision_dict, inputs_from_json
from rrf.rules.vocab import STATUSES
from rrf.services.context import Context
from rrf.services.store import reading

KINDS = ("evaluation", "ack", "waiver", "run", "all")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = ["entry", "run", "as_of", "id", "status", "due", "goal", "actual", "days_left",
                  "explanation_lv", "explanation_en", "records_used", "inputs", "plan_sha256",
                  "engine_version", "created_at", "prev_hash", "hash"]


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
    """A session on the store holding the log; refused when there is none yet."""
    with reading(ctx.url) as session:
        if session is None:
            raise RrfError("there is no evaluation log yet: run `rrf check` first")
        yield session


def verify(ctx: Context) -> Report:
    """Walk the whole chain; the report names the first entry that does not hold."""
    with _log(ctx) as session:
        return verify_chain(session=session)


def entries(ctx: Context, f: Filters, *, latest: int | None = None) -> list[AuditEntry]:
    """The log's entries that pass the filters, oldest first; only the `latest` ones, newest first."""
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


def export(ctx: Context, f: Filters, fmt: str, target: Path) -> int:
    """Write the filtered evaluation entries to a JSON file or to a CSV a spreadsheet opens
    safely (UTF-8 with BOM; no cell is read as a formula); the number of entries."""
    with target.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
        return write_export(ctx, f, fmt, fh)


def write_export(ctx: Context, f: Filters, fmt: str, fh: TextIO) -> int:
    """The export of `export` written to a text stream (the portal's download)."""
    rows = [entry_dict(e) for e in entries(ctx, f)]
    if fmt == "json":
        fh.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return len(rows)
    writer = csv.writer(fh)
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        d = r["decision"]
        flat = {**r, "due": d["due"], "goal": d["goal"], "actual": d["actual"], "days_left": d["days_left"],
                "explanation_lv": d["explanations"]["lv"], "explanation_en": d["explanations"]["en"],
                "records_used": d["records_used"]}
        writer.writerow([safe_cell(flat.get(c)) for c in EXPORT_COLUMNS])
    return len(rows)


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


def replay(ctx: Context, entry: int) -> Replay:
    """Evaluate one logged item again from the stored plan text and inputs."""
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
        item = parse_plan(text.text.encode("utf-8"), f"plan {sha[:12]}").plan.item(row.item_id)
        again = decision_dict(item, evaluate_item(item, inputs, date.fromisoformat(stored["as_of"])))
    return Replay(entry, row.item_id, row.as_of, sha, len(inputs), stored, again, payload["engine_version"],
                  __version__)
