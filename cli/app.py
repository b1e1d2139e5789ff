"""The Typer applications; subcommands register themselves from the rrf.cli.cmd_* modules.

`runners` holds how to run the Prefect flow (`rrf check`, `rrf serve`) and the portal (`rrf web`):
the program's entry point (`rrf.launch`) hands them in, so the command line never imports the
flows or the web application.
"""

from dataclasses import dataclass
from typing import Callable

import typer

app = typer.Typer(
    name="rrf",
    help="Compliance engine for the EU Recovery and Resilience Facility (RRF).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="The evaluation log, for auditors.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts of the web portal (rrf web).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")


@dataclass
class FlowRunners:
    run_once: Callable | None = None  # (Context, as_of) -> CheckResult
    serve: Callable | None = None  # (Context, *, cron, timezone, port, announce) -> None
    web: Callable | None = None  # (Context, *, host, port, announce) -> None: the portal (rrf.web.serve)


runners = FlowRunners()
