"""What every `rrf` subcommand shares: options, consoles, the settings and clock handed to the
services, and bad input turned into exit code 2 in one place.

Light to import (every subcommand's module imports it when `rrf` starts, also for `rrf --help`):
the settings, the services and SQLAlchemy are imported when a command first asks for them.
"""

import sys
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rrf.cli.text import shown, visible

from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.rules.vocab import LANGUAGES

if TYPE_CHECKING:
    from sqlalchemy.exc import DatabaseError, OperationalError

    from rrf.services.context import Context

out = Console()
err = Console(stderr=True)

PlanOpt = Annotated[
    Optional[Path],
    typer.Option("--plan", help="Plan file [env: RRF_PLAN] (default: ./milestones.toml, else the shipped one)"),
]
DbOpt = Annotated[
    Optional[str],
    typer.Option("--db", help="Database URL [env: RRF_DATABASE_URL] (default: sqlite:///./rrf.db)"),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of explanations: lv or en")]
TableOrJson = Annotated[str, typer.Option("--format", help="table or json")]  # checked by format_of
EvaluateAsOf = Annotated[Optional[str], typer.Option("--as-of", help="evaluate as of this day (default: today in Riga)")]
NotifyOpt = Annotated[
    Optional[Path],
    typer.Option("--notify-config", help="Where messages go (may hold secrets) [env: RRF_NOTIFY_CONFIG] "
                                         "(default: ./rrf-notify.toml if present, else none)"),
]


# The SQLite files the command's contexts name that did not exist when it began: a writing
# command that creates one says where (input_errors), so a misspelt --db or another folder's
# ./rrf.db is never a silent new database.
_new_files: list[Path] = []


def context(plan: Optional[Path] = None, db: Optional[str] = None, notify: Optional[Path] = None, *,
            store: bool = True) -> "Context":
    """The settings of this command (options over environment over .env over defaults) and the clock.
    `store=False`: the command never opens the database (`rrf validate`), so whether its file
    exists is not asked (nor SQLAlchemy imported)."""
    from rrf.services.context import Context
    from rrf.settings import clock, settings

    ctx = Context(settings(plan=plan, database_url=db, notify_config=notify), clock)
    if store:
        from rrf.services import database

        new = database.new_file(ctx)
        if new is not None:
            _new_files.append(new)
    return ctx


def _say_created(lang: object) -> None:
    """One line on stderr for each database file the command created."""
    _ = Words(lang if lang in LANGUAGES else "en")  # a command's --lang, else English (the operators' lines)
    for path in dict.fromkeys(_new_files):
        if path.exists():
            err.print(visible(_("created a new database at {path}", path=str(path))), markup=False,
                      highlight=False, soft_wrap=True)
    _new_files.clear()


def say(text: str) -> None:
    """Plain output: user data is never read as Rich markup."""
    out.print(visible(text), markup=False, highlight=False, soft_wrap=True)


def input_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every refusal of the engine (RrfError) becomes its lines on stderr and exit code 2; a
    database that cannot be reached becomes one line naming where (never a password), exit 1.
    A database file the command created is named on stderr, however the command ended."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _new_files.clear()
        try:
            return fn(*args, **kwargs)
        except RrfError as exc:
            for line in exc.lines():
                err.print(f"[red]error:[/] {shown(line)}", highlight=False, soft_wrap=True)
            if exc.closing:
                err.print(shown(exc.closing), highlight=False, soft_wrap=True)
        except Exception as exc:  # SQLAlchemy's OperationalError, when SQLAlchemy was imported at all
            if _is_sqlalchemy(exc, "OperationalError") and unreachable(exc):
                err.print(f"[red]error:[/] cannot connect to the database: {shown(unreachable(exc))}", highlight=False,
                          soft_wrap=True)
                raise typer.Exit(1) from None
            if not _is_sqlalchemy(exc, "DatabaseError") or not damaged(exc):
                raise
            from rrf.models.db import safe_url  # an error path: the command has loaded the models already

            where = f" {safe_url(kwargs['db'])}" if isinstance(kwargs.get("db"), str) else ""
            err.print(f"[red]error:[/] the database{shown(where)} cannot be read: {shown(damaged(exc))}; it is damaged "
                      "or not a SQLite database (a partial copy?): check --db, or restore it from a backup",
                      highlight=False, soft_wrap=True)
        finally:
            _say_created(kwargs.get("lang"))
        raise typer.Exit(2)

    return wrapper


def _is_sqlalchemy(exc: BaseException, kind: str) -> bool:
    """Whether `exc` is SQLAlchemy's exception `kind` (without importing SQLAlchemy: a command
    that never loaded it cannot have raised it)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, getattr(errors, kind))


def damaged(exc: "DatabaseError") -> str | None:
    """SQLite's reason when the file is not a database or is damaged, else None."""
    reason = str(getattr(exc, "orig", None) or "").strip()
    return reason if reason in ("file is not a database", "database disk image is malformed") else None


def unreachable(exc: "OperationalError") -> str | None:
    """The first line of the driver's reason when a connection could not be made, else None.
    PostgreSQL's drivers name the host and port and never the password; SQLite's say which file."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else ""
    if any(s in first for s in ("connection to server", "could not connect", "Connection refused",
                                "could not translate host name", "unable to open database file",
                                "timeout expired", "password authentication failed")):
        return first
    return None


def format_of(fmt: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    if fmt not in allowed:
        expected = f"the only format is {allowed[0]}" if len(allowed) == 1 else f"expected {' or '.join(allowed)}"
        raise RrfError(f"--format {fmt!r}: {expected}")
    return fmt


def lang_of(lang: str) -> str:
    if lang not in LANGUAGES:
        raise RrfError(f"--lang {lang!r}: expected lv or en")
    return lang


def output_file(path: Path, option: str = "--output") -> Path:
    """`path`, when a file can be written there: not a folder, and in a folder that exists."""
    _ = Words("en")  # the operators' lines are English (README)
    folder = path.resolve().parent
    if path.is_dir():
        raise RrfError(_("{option} {path}: that is a folder; name the file to write", option=option, path=str(path)))
    if not folder.is_dir():
        raise RrfError(_("{option} {path}: the folder {folder} does not exist", option=option, path=str(path),
                         folder=str(folder)))
    return path


def as_of_day(text: Optional[str], ctx: "Context") -> date:
    return parse_date(text) if text else ctx.today()
