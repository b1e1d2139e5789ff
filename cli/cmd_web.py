"""The web portal: `rrf web` serves it, `rrf users add|disable|enable|password|list` manage who may sign in.

The services (the accounts' password hashing among them) are imported in the commands' bodies,
and the portal itself by the runner rrf.launch hands in (see rrf.cli.main)."""

import json
import sys
from typing import Annotated, Optional

import typer

from rrf.cli.app import app, runners, users_app
from rrf.cli.common import DbOpt, PlanOpt, TableOrJson, context, format_of, input_errors, out, say


@app.command()
@input_errors
def web(
    host: Annotated[str, typer.Option("--host", help="address to listen on (0.0.0.0: every interface)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Serve the web portal: overview, item pages, evaluation log; sign-in with `rrf users` accounts."""
    from rrf.services import database

    assert runners.web is not None, "started without the program's entry point (rrf.launch)"
    ctx = context(plan, db)
    database.existing(ctx)  # never a portal on a misspelt --db: accounts come first (rrf users add)
    runners.web(ctx, host=host, port=port, announce=say)


@users_app.command("add")
@input_errors
def users_add(
    name: Annotated[str, typer.Argument(help="user name (lower-case letters, digits, . _ -)")],
    role: Annotated[str, typer.Option("--role", help="coordinator, head, auditor or reporter")],
    institution: Annotated[Optional[str], typer.Option("--institution", help="the institution of a head or a reporter (as in the plan, e.g. varam)")] = None,
    portal_lang: Annotated[str, typer.Option("--lang", help="the portal's language for this user: lv or en")] = "lv",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line of standard input")] = False,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a portal account. The password is asked for twice (or read with --password-stdin)."""
    from rrf.services import users

    password = _password(password_stdin)
    row = users.add(context(plan, db), name=name, role=role, institution=institution, password=password,
                    language=portal_lang)  # (not `lang`: that is the language of the command's own lines)
    say(f"added {row.name} ({row.role}{', ' + row.institution if row.institution else ''})")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("password")
@input_errors
def users_password(
    name: Annotated[str, typer.Argument(help="user name")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line of standard input")] = False,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Give an account a new password (forgotten, or leaked): asked for twice; its open sessions end."""
    from rrf.services import users

    row = users.set_password(context(plan, db), name, _password(password_stdin))
    say(f"new password set for {row.name}; their open sessions have ended")


@users_app.command("disable")
@input_errors
def users_disable(
    name: Annotated[str, typer.Argument(help="user name")],
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end at once."""
    from rrf.services import users

    row = users.disable(context(plan, db), name)
    say(f"disabled {row.name}")


@users_app.command("enable")
@input_errors
def users_enable(
    name: Annotated[str, typer.Argument(help="user name")],
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Enable a disabled account again: it signs in with its password (`rrf users password` sets a new one)."""
    from rrf.services import users

    row = users.enable(context(plan, db), name)
    say(f"enabled {row.name}")


@users_app.command("list")
@input_errors
def users_list(
    fmt: TableOrJson = "table",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """List the portal's accounts (never their passwords)."""
    from rrf.services import users

    rows = users.users(context(plan, db))
    if format_of(fmt) == "json":
        sys.stdout.write(json.dumps([row.__dict__ for row in rows], ensure_ascii=False, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table("user", "role", "institution", "language", "created", "state")
    for r in rows:
        table.add_row(r.name, r.role, r.institution or "", r.language, r.created_at, "disabled" if r.disabled else "active")
    out.print(table)
