"""The Typer applications; subcommands register themselves from the rrf.cmd_* modules."""

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
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
