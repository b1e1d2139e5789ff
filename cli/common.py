"""What every `rrf` subcommand shares: options, consoles, the settings and clock handed to the
services, and bad input turned into exit code 2 in one place."""

from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rrf.cli.text import shown, visible
from sqlalchemy.exc import OperationalError

from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError
from rrf.rules.vocab import LANGUAGES
from rrf.services.context import Context
from rrf.settings import clock, settings

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
NotifyOpt = Annotated[
    Optional[Path],
    typer.Option("--notify-config", help="Where messages go (may hold secrets) [env: RRF_NOTIFY_CONFIG] "
                                         "(default: ./rrf-notify.toml if present, else none)"),
]


def context(plan: Optional[Path] = None, db: Optional[str] = None, notify: Optional[Path] = None) -> Context:
    """The settings of this command (options over environment over .env over defaults) and the clock."""
    return Context(settings(plan=plan, database_url=db, notify_config=notify), clock)


def say(text: str) -> None:
    """Plain output: user data is never read as Rich markup."""
    out.print(visible(text), markup=False, highlight=False, soft_wrap=True)


def input_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every refusal of the engine (RrfError) becomes its lines on stderr and exit code 2; a
    database that cannot be reached becomes one line naming where (never a password), exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RrfError as exc:
            for line in exc.lines():
                err.print(f"[red]error:[/] {shown(line)}", highlight=False, soft_wrap=True)
            if exc.closing:
                err.print(shown(exc.closing), highlight=False)
        except OperationalError as exc:
            if not unreachable(exc):
                raise
            err.print(f"[red]error:[/] cannot reach the database: {shown(unreachable(exc))}", highlight=False,
                      soft_wrap=True)
            raise typer.Exit(1) from None
        raise typer.Exit(2)

    return wrapper


def unreachable(exc: OperationalError) -> str | None:
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


def as_of_day(text: Optional[str], ctx: Context) -> date:
    return parse_date(text) if text else ctx.today()
