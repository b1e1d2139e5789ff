"""Reading a progress file (CSV or XLSX) into checked rows: all rows or none.

Columns (a header row, any order; CSV comma- or semicolon-separated, UTF-8; XLSX: the
first sheet): id, value, as_of, source (required); breakdown, reporter, evidence,
evidence_for, corrects, reason (optional). `breakdown` is `dimension=key` (e.g. `region=KPR`)
or just the key. `evidence_for` names which of the item's required documents (`evidence_required`)
the row's `evidence` is. A row with `corrects` (a record number) replaces that record and needs a
`reason`; with an empty `value` it withdraws it. Numbers may be written the Latvian way
("1 300", "1300,0"), dates as 2026-08-31 or 31.08.2026.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

from rrf.importers.evidence import fingerprint, web_address
from rrf.importers.spreadsheet import MAX_COLUMNS, MAX_ROWS, TooLarge, xlsx_rows
from rrf.rules.errors import RrfError, said, said_n
from rrf.rules.plan import Plan
from rrf.rules.records import CheckedRecord, ImportRow, RecordError, check_correction, check_record

COLUMNS = ("id", "value", "as_of", "breakdown", "source", "reporter", "evidence", "evidence_for", "corrects", "reason")
REQUIRED = ("id", "value", "as_of", "source")
FORMATS = (".csv", ".xlsx")
_ = said  # refusals: English on the command line (README), the user's language in the portal (rules.errors)
ngettext = said_n  # (so named, Babel extracts its two forms)

# Looks up a record to be corrected: (record as checked, id of its correction or None) or None.
Lookup = Callable[[int], tuple[CheckedRecord, int | None] | None]


class ImportFileError(RrfError, ValueError):
    """The file cannot be imported; `problems` are `FILE:LINE: reason` lines."""

    itemised = True

    def __init__(self, problems: list[str]):
        super().__init__(problems, "\n".join(problems))
        self.closing = ngettext("{n} problem: nothing was imported", "{n} problems: nothing was imported", len(problems))


@dataclass(frozen=True)
class ParsedFile:
    name: str
    sha256: str
    rows: list[ImportRow]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_progress_file(
    path: Path, plan: Plan, today: date, lookup: Lookup | None = None,
    on_row: Callable[[], None] | None = None, *, name: str | None = None, local_evidence: bool = True,
) -> ParsedFile:
    """Check every row; raise ImportFileError listing every bad one, or return them all.

    `name`: the file as its sender called it, in every problem and as the import's name (the
    portal reads an upload from a temporary file). `local_evidence`: an `evidence` cell may name a
    file beside the imported one, read and fingerprinted (the command line); otherwise it must be
    a web address (the portal: nothing on the server is opened for its users)."""
    shown = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError([_("{file}: cannot read the file: {why}", file=shown, why=exc.strerror)]) from None
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ImportFileError([_("{file}: unsupported file type {suffix} (expected .csv or .xlsx)", file=shown,
                                 suffix=repr(path.suffix))])
    lines = list(_xlsx_rows(shown, data) if suffix == ".xlsx" else _csv_rows(shown, data))
    if not lines:
        raise ImportFileError([_("{file}: the file is empty", file=shown)])
    header = [h.strip().lower().replace("-", "_").replace(" ", "_") for h in lines[0][1]]
    problems = [_("{file}:1: unknown column {column} (columns: {known})", file=shown, column=repr(h),
                  known=", ".join(COLUMNS)) for h in header if h and h not in COLUMNS]
    problems += [_("{file}:1: column {column} appears {n} times", file=shown, column=repr(h), n=header.count(h))
                 for h in dict.fromkeys(header) if h and header.count(h) > 1]
    problems += [_("{file}:1: missing column {column}", file=shown, column=repr(c)) for c in REQUIRED if c not in header]
    if problems:
        raise ImportFileError(problems)

    rows: list[ImportRow] = []
    corrected: dict[int, int] = {}
    given: dict[tuple[str, str | None, date], tuple[int, object]] = {}  # (id, key, day): (line, its figure)
    for n, cells_list in lines[1:]:
        if on_row is not None:
            on_row()
        if not any(c.strip() for c in cells_list):
            continue
        if any(c.strip() for c in cells_list[len(header):]):
            problems.append(_("{file}:{line}: {n} cells but the header has {columns}", file=shown, line=n,
                              n=len(cells_list), columns=len(header)))
            continue
        unnamed = [i + 1 for i, h in enumerate(header) if not h and i < len(cells_list) and cells_list[i].strip()]
        if unnamed:
            problems.append(_("{file}:{line}: a value in column {column}, which has no name in the header", file=shown,
                              line=n, column=unnamed[0]))
            continue
        cells = {h: (cells_list[i] if i < len(cells_list) else "") for i, h in enumerate(header) if h}
        try:
            rec = _check_row(cells, plan, today, lookup)
            if rec.corrects is not None:
                if rec.corrects in corrected:
                    raise ValueError(_("record #{id} is also corrected on line {line}", id=rec.corrects,
                                       line=corrected[rec.corrects]))
                corrected[rec.corrects] = n
            else:
                _one_figure_a_day(given, rec, n)
            stored, digest = (fingerprint(rec.evidence, base=path.parent) if local_evidence
                              else (web_address(rec.evidence), None))
        except RecordError as exc:
            problems += [_("{file}:{line}: {problem}", file=shown, line=n, problem=p) for p in exc.problems]
            continue
        except ValueError as exc:
            problems.append(_("{file}:{line}: {problem}", file=shown, line=n, problem=exc.args[0]))
            continue
        rows.append(ImportRow(n, CheckedRecord(**{**rec.__dict__, "evidence": stored}), digest))
    if problems:
        raise ImportFileError(problems)
    if not rows:
        raise ImportFileError([_("{file}: no rows to import", file=shown)])
    return ParsedFile(name or path.name, hashlib.sha256(data).hexdigest(), rows)


def _one_figure_a_day(given: dict[tuple[str, str | None, date], tuple[int, object]], rec: CheckedRecord,
                      line: int) -> None:
    """ValueError when an earlier line gives another figure for the same item, key and day: one of
    the two is a mistake, and which one would count would hang on the order of the rows."""
    figure = rec.value if rec.value is not None else rec.done
    first = given.setdefault((rec.item_id, rec.breakdown_key, rec.as_of), (line, figure))
    if first[1] != figure:
        part = f" ({rec.breakdown_key})" if rec.breakdown_key else ""
        raise ValueError(_("line {line} gives {id} as of {day} another figure ({first}, here {figure}): keep the "
                           "right one", line=first[0], id=f"{rec.item_id}{part}", day=rec.as_of.isoformat(),
                           first=_figure(first[1]), figure=_figure(figure)))


def _figure(value: object) -> str:
    """A figure as a file gives it: a number, or a milestone's done / not-done."""
    if isinstance(value, bool):
        return "done" if value else "not-done"
    return str(value)


def _check_row(cells: dict[str, str], plan: Plan, today: date, lookup: Lookup | None) -> CheckedRecord:
    common = dict(
        source=cells["source"], today=today, breakdown=cells.get("breakdown", "").strip() or None,
        reporter=cells.get("reporter"), evidence=cells.get("evidence"), evidence_for=cells.get("evidence_for"),
    )
    corrects = cells.get("corrects", "").strip().lstrip("#")
    if not corrects:
        if cells.get("reason", "").strip():
            raise ValueError(_("reason is given but corrects is empty (name the record it corrects)"))
        return check_record(plan, item_id=cells["id"].strip(), value=cells["value"], as_of=cells["as_of"], **common)
    if not corrects.isdigit():
        raise ValueError(_("corrects {value} is not a record number", value=repr(corrects)))
    found = lookup(int(corrects)) if lookup is not None else None
    if found is None:
        raise ValueError(_("corrects #{id}: no such record", id=corrects))
    original, corrected_by = found
    if corrected_by is not None:
        raise ValueError(_("record #{id} was already corrected by #{later}: correct that one", id=corrects,
                           later=corrected_by))
    if original.item_id != cells["id"].strip():
        raise ValueError(_("record #{id} is for {item}, not {given}", id=corrects, item=original.item_id,
                           given=repr(cells["id"].strip())))
    return check_correction(
        plan, original=original, original_id=int(corrects), reason=cells.get("reason", ""),
        value=cells["value"] if cells["value"].strip() else None,
        as_of=cells["as_of"].strip() or None, **common,
    )


def _csv_rows(shown: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError([_("{file}:{line}: not UTF-8 (save the file as CSV UTF-8)", file=shown, line=line)]) from None
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # strict: a quote opened and never closed is an error, not a cell that swallows every later row
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for n, row in enumerate(reader, start=1):  # a quoted cell may span lines: name a row by its first
            if n > MAX_ROWS:
                raise ImportFileError([_("{file}:{line}: too large: a progress file may have at most {most} rows",
                                         file=shown, line=start, most=MAX_ROWS)])
            if len(row) > MAX_COLUMNS:
                raise ImportFileError([_("{file}:{line}: too large: {n} cells, and a progress file may have at most "
                                         "{most} columns", file=shown, line=start, n=len(row), most=MAX_COLUMNS)])
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        if str(exc) == "unexpected end of data" or str(exc).startswith("field larger than field limit"):
            raise ImportFileError([_("{file}:{line}: a quote (\") opened in this row is never closed, so every later row "
                                     "would be read into one cell: close it, or remove the stray quote", file=shown,
                                     line=start)]) from None
        raise ImportFileError([_("{file}:{line}: not readable as CSV: {why}", file=shown, line=start, why=str(exc))]) from None


def _xlsx_rows(shown: str, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        return list(xlsx_rows(data))
    except TooLarge as exc:
        raise ImportFileError([_("{file}: too large: {why}", file=shown, why=exc.args[0])]) from None
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a file that is not XLSX
        raise ImportFileError([_("{file}: not a readable XLSX file ({why})", file=shown, why=type(exc).__name__)]) from None
