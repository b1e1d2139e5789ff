"""Recording progress: `rrf record`, `rrf import`, `rrf correct`, `rrf history`."""

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import IntegrityError

from rrf.models import db as dbm
from rrf.models import progress
from rrf.models.tables import ProgressRecord
from rrf.cli.app import app
from rrf.cli.common import (
    BadInput, format_of, DbOpt, PlanOpt, append_import, db_of, err, input_errors, out, plan_of, readable, say,
    today_in_riga, writable,
)
from rrf.importers.evidence import fingerprint
from rrf.cli.history import history_entries, print_history
from rrf.importers.progress_file import file_sha256, read_progress_file
from rrf.rules.records import CheckedRecord, check_correction, check_record


@app.command(context_settings={"ignore_unknown_options": True})  # VALUE may be "-5"
@input_errors
def record(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. 3.1.1.2.i/specialists-trained")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="a number for a target; done or not-done for a milestone")],
    as_of: Annotated[str, typer.Option("--as-of", help="the date the figure speaks for (2026-08-31 or 31.08.2026)")],
    source: Annotated[str, typer.Option("--source", help="where the figure comes from")],
    breakdown: Annotated[Optional[str], typer.Option("--breakdown", metavar="KEY=VALUE",
                                                     help="dimension=key, e.g. region=KPR")] = None,
    evidence: Annotated[Optional[str], typer.Option("--evidence", help="a file (its SHA-256 is kept) or URL")] = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="who reported it")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append one progress record (records are never changed or deleted)."""
    loaded = plan_of(plan)
    checked = check_record(
        loaded.plan, item_id=item_id, value=value, as_of=as_of, source=source,
        today=today_in_riga(), breakdown=breakdown, reporter=reporter, evidence=evidence,
    )
    try:
        stored, digest = fingerprint(checked.evidence)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    checked = type(checked)(**{**checked.__dict__, "evidence": stored})
    engine = writable(db_of(db))
    with dbm.session_scope(engine) as session:
        row = progress.append_record(session=session, record=checked, evidence_sha256=digest)
    shown = value if checked.done is None and checked.value is None else (
        ("done" if checked.done else "not-done") if checked.done is not None else str(checked.value))
    key = f" [{checked.breakdown_key}]" if checked.breakdown_key else ""
    say(f"recorded #{row.id}: {checked.item_id}{key} = {shown} as of {checked.as_of}")


@app.command("import")
@input_errors
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or XLSX: id,value,as_of,source[,breakdown,reporter,evidence,corrects,reason]")],
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append progress records from a CSV or XLSX file: all rows or none; the same file twice adds nothing."""
    loaded = plan_of(plan)
    url = db_of(db)
    existing = readable(url, upgrade_older=True)  # nothing is created before the file proved good
    if existing is not None and file.is_file():
        with dbm.session_scope(existing) as session:
            earlier = progress.find_batch(session=session, sha256=file_sha256(file))
        if earlier is not None:
            existing.dispose()
            return _already_imported(file, earlier)

    def lookup(record_id: int):  # noqa: ANN202
        if existing is None:
            return None
        with dbm.session_scope(existing) as session:
            row = progress.get_record(session=session, record_id=record_id)
            if row is None:
                return None
            later = progress.correction_of(session=session, record_id=record_id)
            return checked_from(row), (later.id if later else None)

    with import_progress(file) as (checking, writing):
        try:
            parsed = read_progress_file(file, loaded.plan, today_in_riga(), lookup=lookup, on_row=checking)
        finally:
            if existing is not None:
                existing.dispose()
        batch, added = append_import(
            url, file_name=parsed.name, sha256=parsed.sha256, rows=parsed.rows, on_row=writing,
            clash=f"{file}: another process imported this file or corrected one of its records "
                  "at the same time; nothing was written from this run")
    if not added:
        return _already_imported(file, batch)
    corrections = sum(1 for r in parsed.rows if r.record.corrects is not None)
    say(f"{file}: imported {batch.rows} records as import #{batch.id}"
        + (f", {corrections} of them corrections" if corrections else ""))


def _already_imported(file: Path, earlier) -> None:  # noqa: ANN001
    say(f"{file}: already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC as import #{earlier.id} "
        f"({earlier.file_name}, {earlier.rows} rows): nothing added")


@contextmanager
def import_progress(file: Path):  # noqa: ANN201
    """Two progress bars on stderr (checking, writing), shown only on a terminal."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        check = bar.add_task(f"checking {file.name}", total=None)
        write = bar.add_task("writing", total=None, visible=False)

        def checking() -> None:
            bar.advance(check)

        def writing() -> None:
            bar.update(write, visible=True)
            bar.advance(write)

        yield checking, writing


def checked_from(row: ProgressRecord) -> CheckedRecord:
    return CheckedRecord(
        item_id=row.item_id, as_of=row.as_of, value=row.value, done=row.done,
        breakdown_key=row.breakdown_key, source=row.source, reporter=row.reporter,
        evidence=row.evidence, corrects=row.corrects, reason=row.reason,
    )


@app.command(context_settings={"ignore_unknown_options": True})
@input_errors
def correct(
    record_id: Annotated[int, typer.Argument(metavar="RECORD", help="number of the record to correct (see rrf history)")],
    value: Annotated[Optional[str], typer.Argument(metavar="[VALUE]", help="the right value; omit with --withdraw")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why the record is corrected")] = "",
    source: Annotated[str, typer.Option("--source", help="where the right figure comes from")] = "",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="(default: the corrected record's date)")] = None,
    breakdown: Annotated[Optional[str], typer.Option("--breakdown", metavar="KEY=VALUE",
                                                     help="(default: the corrected record's key)")] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="the record should not count at all")] = False,
    evidence: Annotated[Optional[str], typer.Option("--evidence", help="a file (its SHA-256 is kept) or URL")] = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="who made the correction")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append a correction of a record (the old one stays visible in `rrf history`)."""
    if withdraw == (value is not None):
        raise BadInput("give either the right VALUE or --withdraw")
    loaded = plan_of(plan)
    engine = writable(db_of(db))
    try:
        with dbm.session_scope(engine) as session:
            original = progress.get_record(session=session, record_id=record_id)
            if original is None:
                raise BadInput(f"there is no record #{record_id}")
            later = progress.correction_of(session=session, record_id=record_id)
            if later is not None:
                raise BadInput(f"record #{record_id} was already corrected by #{later.id}: correct #{later.id} instead")
            checked = check_correction(
                loaded.plan, original=checked_from(original), original_id=record_id, reason=reason,
                source=source, today=today_in_riga(), value=value, as_of=as_of, breakdown=breakdown,
                reporter=reporter, evidence=evidence,
            )
            try:
                stored, digest = fingerprint(checked.evidence)
            except ValueError as exc:
                raise BadInput(str(exc)) from None
            row = progress.append_record(session=session, record=CheckedRecord(**{**checked.__dict__, "evidence": stored}),
                                         evidence_sha256=digest)
    except IntegrityError:
        raise BadInput(f"record #{record_id} was corrected by another process meanwhile; nothing was written") from None
    what = "withdrawn" if withdraw else f"now {value} as of {checked.as_of}"
    say(f"recorded #{row.id}: corrects #{record_id} ({original.item_id}), {what}")


@app.command()
@input_errors
def history(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="a milestone or target id")],
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Every record of a milestone or target, oldest first: who, when, source, and why each change."""
    format_of(fmt)
    loaded = plan_of(plan)
    if item_id not in loaded.plan.ids:
        raise BadInput(f"unknown id {item_id!r} (known: {', '.join(loaded.plan.ids)})")
    engine = readable(db_of(db))
    rows, batches = [], {}
    if engine is not None:
        with dbm.session_scope(engine) as session:
            rows = progress.list_records(session=session, item_id=item_id)
            for r in rows:
                if r.import_batch_id and r.import_batch_id not in batches:
                    batches[r.import_batch_id] = progress.batch_of(session=session, batch_id=r.import_batch_id)
        engine.dispose()
    entries = history_entries(rows, batches)
    if fmt == "json":
        sys.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    else:
        print_history(out, item_id, entries)
