"""The `rrf` command (CONTRACT.md). Reads options, environment and the clock; the rules do the rest.

Exit codes: 0 done, 2 bad input (nothing written), 3 integrity failure, 1 anything unexpected.
"""

import json
import sys
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import inspect

from models import db as dbm
from models import progress
from rrf import __version__, config
from rrf.evidence import fingerprint
from rrf.importer import ImportError_, read_progress_file
from rrf.render import LABELS, print_table, to_json
from rules import PlanError, evaluate, load_plan
from rules.dates import BadDate, parse_date, riga_day
from rules.load import LoadedPlan
from rules.records import RecordError, check_record

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


def _observations(url: str) -> list:
    """Every record, without creating or migrating anything (an absent store has none)."""
    path = dbm.sqlite_file(url)
    if path is not None and not path.exists():
        return []
    engine = dbm.open_engine(url)
    try:
        if not inspect(engine).has_table("progress_record"):
            return []
        if not dbm.is_current(engine):
            raise BadInput(f"the database {dbm.safe_url(url)} has an older schema: run `rrf db upgrade` first")
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
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV with columns id,value,as_of,breakdown,source,reporter,evidence")],
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append progress records from a CSV file: all rows or none; the same file twice adds nothing."""
    loaded = _plan(plan)
    parsed = read_progress_file(file, loaded.plan, today_in_riga())
    engine = _writable(_db(db))
    with dbm.session_scope(engine) as session:
        earlier = progress.find_batch(session=session, sha256=parsed.sha256)
        if earlier is None:
            batch = progress.append_batch(
                session=session, file_name=parsed.name, sha256=parsed.sha256,
                records=list(zip(parsed.records, parsed.evidence_sha256)),
            )
    if earlier is not None:
        say(f"{file}: already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
            f"({earlier.rows} rows, import #{earlier.id}): nothing added")
        return
    say(f"{file}: imported {batch.rows} records (#{batch.first_record_id}-#{batch.last_record_id})")


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
def db_upgrade(db: DbOpt = None) -> None:
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
