"""The `rrf` command (CONTRACT.md).

Exit codes: 0 done, 2 bad input (nothing written), 3 integrity failure, 1 anything unexpected.
"""

from typing import Annotated

import typer

from rrf import __version__
from rrf.cli import cmd_audit, cmd_exposure, cmd_italia, cmd_notify, cmd_progress, cmd_status, cmd_test, cmd_web  # noqa: F401  (they register the subcommands)
from rrf.cli.app import app
from rrf.cli.common import out


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


def main() -> None:
    app()


__all__ = ["app", "main"]
