"""The Typer applications; subcommands register themselves from the rrf.cli.cmd_* modules.

`runners` holds how to run the Prefect flow (`rrf check`, `rrf serve`) and the portal (`rrf web`):
the program's entry point (`rrf.launch`) hands them in, so the command line never imports the
flows or the web application.
"""

from dataclasses import dataclass
from typing import Callable

import typer

# Help is plain text, wrapped between words at the terminal's width: a yes/no option shows as a
# flag with no value (Rich help would show `--dry-run <bool>`), and help text is never read as
# Rich markup (which would swallow "[env: RRF_PLAN]").
PLAIN = dict(no_args_is_help=True, rich_markup_mode=None)

app = typer.Typer(
    name="rrf",
    help="Compliance engine for the EU Recovery and Resilience Facility (RRF).",
    pretty_exceptions_show_locals=False,
    add_completion=False,
    **PLAIN,
)
db_app = typer.Typer(help="Database schema: migrations.", **PLAIN)
audit_app = typer.Typer(help="The evaluation log, for auditors.", **PLAIN)
users_app = typer.Typer(help="Accounts of the web portal (rrf web).", **PLAIN)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")


@dataclass
class FlowRunners:
    run_once: Callable | None = None  # (Context, as_of, *, backdate) -> CheckResult
    serve: Callable | None = None  # (Context, *, cron, timezone, port, announce) -> None
    web: Callable | None = None  # (Context, *, host, port, announce) -> None: the portal (rrf.web.serve)


runners = FlowRunners()
