"""The `rrf` command (CONTRACT.md).

Exit codes: 0 done, 2 bad input (nothing written), 3 integrity failure, 1 anything unexpected.

Starting fast: importing the rrf.cli.cmd_* modules registers every subcommand with its options
and help, and imports nothing else of weight (Typer, Rich's console, the light modules of the
rules: errors, words, dates). What a command runs (the settings, the services, and through them
SQLAlchemy, Alembic, Jinja2, apprise, openpyxl, cryptography; Prefect and FastAPI only through
rrf.launch's runners) is imported in the command's body when it runs. So `rrf --help` lists
every subcommand without importing any implementation, `rrf validate` loads the plan's models
but no database module, and `rrf status` SQLAlchemy but not Alembic (models.db reads the schema's
revision itself). tests/test_startup.py holds this; bench/startup_bench.py measures it. A new
command keeps to it: no service, model, importer or notification import at a cmd_* module's top.
"""

from typing import Annotated

import typer

from rrf.cli import cmd_audit, cmd_exposure, cmd_italia, cmd_notify, cmd_progress, cmd_status, cmd_test, cmd_web  # noqa: F401  (they register the subcommands)
from rrf.cli.app import app
from rrf.cli.common import out


def version_callback(value: bool) -> None:
    if value:
        from rrf import __version__

        out.print(f"rrf {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    _version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                           help="Show the version and exit.")] = False,
) -> None:
    """Hold RRF milestones and targets as rules, record progress, and check it against deadlines."""


def main() -> None:
    app()


__all__ = ["app", "main"]
