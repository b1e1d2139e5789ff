"""Reading a progress file (CSV) into checked records: all rows or none.

Columns (header row required, any order, comma or semicolon separated, UTF-8):
  id, value, as_of, breakdown, source, reporter, evidence
`breakdown` is `dimension=key` (e.g. `region=KPR`) or just the key; `reporter`,
`evidence` and `breakdown` may be empty. Numbers may be written the Latvian way
("1 300", "1300,0"), dates as 2026-08-31 or 31.08.2026.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rrf.evidence import fingerprint
from rules.plan import Plan
from rules.records import CheckedRecord, RecordError, check_record

COLUMNS = ("id", "value", "as_of", "breakdown", "source", "reporter", "evidence")
REQUIRED = ("id", "value", "as_of", "source")


class ImportError_(ValueError):
    """The file cannot be imported; `problems` are `FILE:LINE: reason` lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ParsedFile:
    name: str
    sha256: str
    records: list[CheckedRecord]
    evidence_sha256: list[str | None]


def read_progress_file(path: Path, plan: Plan, today: date) -> ParsedFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportError_([f"{path}: cannot read the file: {exc.strerror}"]) from None
    if path.suffix.lower() not in {".csv", ".txt"}:
        raise ImportError_([f"{path}: unsupported file type {path.suffix!r} (expected .csv)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportError_([f"{path}:{line}: not UTF-8 (save the file as CSV UTF-8)"]) from None
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    if not rows:
        raise ImportError_([f"{path}: the file is empty"])
    header = [h.strip().lower().replace("-", "_").replace(" ", "_") for h in rows[0]]
    problems = [f"{path}:1: unknown column {h!r} (columns: {', '.join(COLUMNS)})"
                for h in header if h not in COLUMNS]
    problems += [f"{path}:1: missing column {c!r}" for c in REQUIRED if c not in header]
    if problems:
        raise ImportError_(problems)

    records: list[CheckedRecord] = []
    hashes: list[str | None] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(f"{path}:{n}: {len(row)} cells but the header has {len(header)}")
            continue
        cells = dict(zip(header, row + [""] * (len(header) - len(row))))
        try:
            rec = check_record(
                plan, item_id=cells["id"].strip(), value=cells["value"], as_of=cells["as_of"],
                source=cells["source"], today=today, breakdown=cells.get("breakdown", "").strip() or None,
                reporter=cells.get("reporter"), evidence=cells.get("evidence"),
            )
            stored, digest = fingerprint(rec.evidence, base=path.parent)
        except RecordError as exc:
            problems += [f"{path}:{n}: {p}" for p in exc.problems]
            continue
        except ValueError as exc:
            problems.append(f"{path}:{n}: {exc}")
            continue
        records.append(CheckedRecord(**{**rec.__dict__, "evidence": stored}))
        hashes.append(digest)
    if problems:
        raise ImportError_(problems)
    if not records:
        raise ImportError_([f"{path}: no rows to import"])
    return ParsedFile(path.name, hashlib.sha256(data).hexdigest(), records, hashes)


def _delimiter(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return ";" if first.count(";") > first.count(",") else ","
