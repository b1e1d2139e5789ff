"""The `rrf` command (CONTRACT.md). Reads options, environment and the clock; the rules do the rest.

Exit codes: 0 done, 2 bad input (nothing written), 3 integrity failure, 1 anything unexpected.
"""

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.markup import escape
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from models import db as dbm
from models import progress
from rrf import __version__, config
from rrf.evidence import fingerprint
from models.tables import ProgressRecord
from rrf.history import history_entries, print_history
from rrf.importer import ImportError_, file_sha256, read_progress_file
from rrf.render import LABELS, print_table, to_json
from rules import PlanError, evaluate, load_plan
from rules.dates import BadDate, parse_date, riga_day
from rules.load import LoadedPlan
from rules.records import CheckedRecord, RecordError, check_correction, check_record

app = typer.Typer(
    name="rrf",
    help="Compliance engine for the EU Recovery and Resilience Facility (RRF).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

PlanOpt = Annotated[
    Optional[Path],
    typer.Option("--plan", envvar="RRF_PLAN", help="Plan file [default: ./milestones.toml, else the shipped one]"),
]
DbOpt = Annotated[
    Optional[str],
    typer.Option("--db", envvar="RRF_DATABASE_URL", help="Database URL [default: sqlite:///./rrf.db]"),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of explanations: lv or en")]


def say(text: str) -> None:
    """Plain output: user data is never read as Rich markup."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


class BadInput(Exception):
    """Bad input found by the CLI itself (exit 2)."""


def input_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every known kind of bad input into a message on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PlanError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        except RecordError as exc:
            for p in exc.problems:
                err.print(f"[red]error:[/] {escape(p)}", highlight=False, soft_wrap=True)
            err.print("nothing was written", highlight=False)
        except ImportError_ as exc:
            for p in exc.problems:
                err.print(f"[red]error:[/] {escape(p)}", highlight=False, soft_wrap=True)
            err.print(f"{len(exc.problems)} problem(s): nothing was imported", highlight=False)
        except (BadInput, BadDate, dbm.BadDatabaseUrl) as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)

    return wrapper


def _plan(path: Optional[Path]) -> LoadedPlan:
    return load_plan(path or config.default_plan())


def _db(url: Optional[str]) -> str:
    return url or config.default_db_url()


def _lang(lang: str) -> str:
    if lang not in LABELS:
        raise BadInput(f"--lang {lang!r}: expected lv or en")
    return lang


def today_in_riga() -> date:
    return riga_day(datetime.now(timezone.utc))


def _as_of(text: Optional[str]) -> date:
    return parse_date(text) if text else today_in_riga()


def _writable(url: str):  # noqa: ANN202
    """An engine on a schema at the newest revision (migrated on first use)."""
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    return engine


def _readable(url: str):  # noqa: ANN202
    """An engine on an existing, current store, or None when there is no store yet.
    Creates and migrates nothing."""
    path = dbm.sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = dbm.open_engine(url, readonly=True)
    if not inspect(engine).has_table("progress_record"):
        engine.dispose()
        return None
    if not dbm.is_current(engine):
        engine.dispose()
        raise BadInput(f"the database {dbm.safe_url(url)} has an older schema: run `rrf db upgrade` first")
    return engine


def _observations(url: str) -> list:
    """Every record, without creating or migrating anything (an absent store has none)."""
    engine = _readable(url)
    if engine is None:
        return []
    try:
        with dbm.session_scope(engine) as session:
            return progress.observations(session=session)
    finally:
        engine.dispose()


def version_callback(value: bool) -> None:
    if value:
        out.print(f"rrf {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    _version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                           help="Show the version and exit.")] = False,
) -> None:
    """Hold RRF milestones and targets as rules, record progress, and check it against deadlines."""


@app.command()
@input_errors
def validate(plan: PlanOpt = None) -> None:
    """Load and check the plan; print warnings (e.g. sources that disagree)."""
    loaded = _plan(plan)
    p = loaded.plan
    targets = sum(1 for i in p.items if i.kind == "target")
    say(f"{loaded.path}: valid: {len(p.items)} items ({targets} targets, "
        f"{len(p.items) - targets} milestones), {len(p.measures)} measures, "
        f"{len(p.contacts)} contacts; sha256 {loaded.sha256[:12]}")
    for w in loaded.warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)


@app.command()
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
    loaded = _plan(plan)
    checked = check_record(
        loaded.plan, item_id=item_id, value=value, as_of=as_of, source=source,
        today=today_in_riga(), breakdown=breakdown, reporter=reporter, evidence=evidence,
    )
    try:
        stored, digest = fingerprint(checked.evidence)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    checked = type(checked)(**{**checked.__dict__, "evidence": stored})
    engine = _writable(_db(db))
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
    loaded = _plan(plan)
    engine = _writable(_db(db))
    if file.is_file():
        with dbm.session_scope(engine) as session:
            earlier = progress.find_batch(session=session, sha256=file_sha256(file))
        if earlier is not None:
            return _already_imported(file, earlier)

    def lookup(record_id: int):  # noqa: ANN202
        with dbm.session_scope(engine) as session:
            row = progress.get_record(session=session, record_id=record_id)
            if row is None:
                return None
            later = progress.correction_of(session=session, record_id=record_id)
            return checked_from(row), (later.id if later else None)

    with import_progress(file) as (checking, writing):
        parsed = read_progress_file(file, loaded.plan, today_in_riga(), lookup=lookup, on_row=checking)
        try:
            with dbm.session_scope(engine) as session:
                earlier = progress.find_batch(session=session, sha256=parsed.sha256)
                if earlier is None:
                    batch = progress.append_batch(session=session, file_name=parsed.name, sha256=parsed.sha256,
                                                  rows=parsed.rows, on_row=writing)
        except IntegrityError:
            raise BadInput(f"{file}: another process imported this file or corrected one of its records "
                           "at the same time; nothing was written from this run") from None
    if earlier is not None:
        return _already_imported(file, earlier)
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


@app.command()
@input_errors
def correct(
    record_id: Annotated[int, typer.Argument(metavar="RECORD", help="number of the record to correct (see rrf history)")],
    value: Annotated[Optional[str], typer.Argument(metavar="[VALUE]", help="the right value; omit with --withdraw")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why the record is corrected")] = "",
    source: Annotated[str, typer.Option("--source", help="where the right figure comes from")] = "",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="[default: the corrected record's date]")] = None,
    breakdown: Annotated[Optional[str], typer.Option("--breakdown", metavar="KEY=VALUE",
                                                     help="[default: the corrected record's key]")] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="the record should not count at all")] = False,
    evidence: Annotated[Optional[str], typer.Option("--evidence", help="a file (its SHA-256 is kept) or URL")] = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="who made the correction")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append a correction of a record (the old one stays visible in `rrf history`)."""
    if withdraw == (value is not None):
        raise BadInput("give either the right VALUE or --withdraw")
    loaded = _plan(plan)
    engine = _writable(_db(db))
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
    if fmt not in {"table", "json"}:
        raise BadInput(f"--format {fmt!r}: expected table or json")
    loaded = _plan(plan)
    if item_id not in loaded.plan.ids:
        raise BadInput(f"unknown id {item_id!r} (known: {', '.join(loaded.plan.ids)})")
    engine = _readable(_db(db))
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


@app.command()
@input_errors
def status(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="evaluate as of this day [default: today in Riga]")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: Lang = "lv",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Evaluate the plan against recorded progress as of a day, writing nothing."""
    if fmt not in {"table", "json"}:
        raise BadInput(f"--format {fmt!r}: expected table or json")
    lang = _lang(lang)
    day = _as_of(as_of)
    loaded = _plan(plan)
    decisions = evaluate(loaded.plan, _observations(_db(db)), day)
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(loaded.plan, decisions, lang), ensure_ascii=False, indent=2) + "\n")
    else:
        print_table(out, loaded.plan, decisions, lang)


@db_app.command("upgrade")
@input_errors
def db_upgrade(db: DbOpt = None, plan: PlanOpt = None) -> None:  # noqa: ARG001 (--plan: accepted everywhere)
    """Apply every pending migration (also done automatically on first write)."""
    url = _db(db)
    engine = dbm.open_engine(url)
    before = dbm.current_revision(engine)
    dbm.upgrade(engine)
    after = dbm.current_revision(engine)
    shown = dbm.safe_url(url)
    say(f"{shown}: schema {before or 'empty'} -> {after}" if before != after
        else f"{shown}: schema {after} is current")


def main() -> None:
    app()
