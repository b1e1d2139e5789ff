"""What every `rrf` subcommand shares: options, consoles, the plan and database, bad-input handling.

Only the CLI (and flows/) read options, the environment and the clock.
"""

from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine

from rrf.models import db as dbm
from rrf.models import progress
from rrf.models.tables import ImportBatch
from rrf.notifications.config import NotifyConfig, NotifyConfigError, load_notify_config
from rrf import config
from rrf.importers.progress_file import ImportError_
from rrf.cli.render import LABELS
from rrf.rules import PlanError, load_plan
from rrf.rules.dates import BadDate, parse_date, riga_day
from rrf.rules.load import LoadedPlan
from rrf.rules.records import RecordError

out = Console()
err = Console(stderr=True)

PlanOpt = Annotated[
    Optional[Path],
    typer.Option("--plan", envvar="RRF_PLAN", help="Plan file (default: ./milestones.toml, else the shipped one)"),
]
DbOpt = Annotated[
    Optional[str],
    typer.Option("--db", envvar="RRF_DATABASE_URL", help="Database URL (default: sqlite:///./rrf.db)"),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of explanations: lv or en")]
NotifyOpt = Annotated[
    Optional[Path],
    typer.Option("--notify-config", envvar="RRF_NOTIFY_CONFIG",
                 help="Where messages go (may hold secrets) (default: ./rrf-notify.toml if present, else none)"),
]


def notify_path_of(path: Optional[Path]) -> Optional[Path]:
    """The notification configuration to use: as given, else ./rrf-notify.toml if present."""
    if path is None and Path(config.NOTIFY_FILE).is_file():
        return Path(config.NOTIFY_FILE).resolve()
    return path.resolve() if path else None


def notify_config_of(path: Optional[Path]) -> NotifyConfig:
    return load_notify_config(notify_path_of(path))


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
        except (BadInput, BadDate, dbm.BadDatabaseUrl, NotifyConfigError) as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)

    return wrapper


def plan_of(path: Optional[Path]) -> LoadedPlan:
    return load_plan(path or config.default_plan())


def db_of(url: Optional[str]) -> str:
    return url or config.default_db_url()


def format_of(fmt: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    if fmt not in allowed:
        expected = f"the only format is {allowed[0]}" if len(allowed) == 1 else f"expected {' or '.join(allowed)}"
        raise BadInput(f"--format {fmt!r}: {expected}")
    return fmt


def lang_of(lang: str) -> str:
    if lang not in LABELS:
        raise BadInput(f"--lang {lang!r}: expected lv or en")
    return lang


def today_in_riga() -> date:
    return riga_day(datetime.now(timezone.utc))


def as_of_day(text: Optional[str]) -> date:
    return parse_date(text) if text else today_in_riga()


def writable(url: str) -> Engine:
    """An engine on a schema at the newest revision (migrated on first use)."""
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    return engine


def readable(url: str, *, upgrade_older: bool = False) -> Engine | None:
    """An engine on an existing, current store, or None when there is no store yet.
    Creates nothing; migrates an older schema only when `upgrade_older` (for a writer)."""
    path = dbm.sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = dbm.open_engine(url, readonly=True)
    if not inspect(engine).has_table("progress_record"):
        engine.dispose()
        return None
    if not dbm.is_current(engine):
        engine.dispose()
        if upgrade_older:
            return writable(url)
        raise BadInput(f"the database {dbm.safe_url(url)} has an older schema: run `rrf db upgrade` first")
    return engine


def append_import(
    url: str, *, file_name: str, sha256: str, rows: list[progress.ImportRow], clash: str,
    on_row: Callable[[], None] | None = None,
) -> tuple[ImportBatch, bool]:
    """Append one import's rows in one transaction: (the new batch, True), or, when the same bytes
    were imported before, (that earlier batch, False). `clash` is the message when another
    process imports at the same moment (nothing is written from this run)."""
    engine = writable(url)
    try:
        with dbm.session_scope(engine) as session:
            earlier = progress.find_batch(session=session, sha256=sha256)
            if earlier is not None:
                return earlier, False
            return progress.append_batch(session=session, file_name=file_name, sha256=sha256, rows=rows,
                                         on_row=on_row), True
    except IntegrityError:
        raise BadInput(clash) from None
    finally:
        engine.dispose()


def observations_in(url: str) -> list:
    """Every record, without creating or migrating anything (an absent store has none)."""
    engine = readable(url)
    if engine is None:
        return []
    try:
        with dbm.session_scope(engine) as session:
            return progress.observations(session=session)
    finally:
        engine.dispose()
