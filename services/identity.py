"""Who acts: the signed-in user in the portal; on the command line, the configured operator.

`RRF_OPERATOR` (in the environment or in .env) names a portal user: the command line then acts as that
user, with their role and scope, and refuses to run if the account does not exist or is
disabled. Unset, the command line acts as the local operator `os:<login>`, a coordinator:
whoever can run `rrf` against the database can change it anyway, and is named in what they do.
"""

import getpass

from rrf.rules.errors import RrfError
from rrf.services.access import Forbidden, Viewer
from rrf.services.context import Context

LOCAL = "os:"


def operator(ctx: Context) -> Viewer:
    """The identity of the command line (see the module's docstring)."""
    name = ctx.settings.operator
    if name:
        from rrf.models.db import NoDatabase
        from rrf.services import users  # only then: the accounts (and their password hashing) load

        try:
            found = users.viewer(ctx, name.strip().lower())
        except NoDatabase:
            raise RrfError(f"RRF_OPERATOR {name!r} is not an enabled portal user: there is no database yet "
                           "(unset RRF_OPERATOR to make the first account with `rrf users add`)") from None
        if found is None:
            raise RrfError(f"RRF_OPERATOR {name!r} is not an enabled portal user (see `rrf users list`)")
        return found
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        login = "unknown"
    return Viewer(f"{LOCAL}{login}"[:60], "coordinator", None)


def on_behalf(ctx: Context, name: str) -> Viewer:
    """`--by NAME` on the command line: the enabled portal user NAME acts, when the operator may act
    for them: the local operator, a coordinator, or NAME themselves (a head acting as RRF_OPERATOR
    does not sign as a coordinator)."""
    from rrf.services import users

    found = users.viewer(ctx, name.strip().lower())
    if found is None:
        raise RrfError(f"--by {name!r} is not an enabled portal user (create one with `rrf users add`, "
                       "see `rrf users list`)")
    me = operator(ctx)
    if me.name != found.name and not (me.name.startswith(LOCAL) or me.role == "coordinator"):
        raise Forbidden(f"RRF_OPERATOR {me.name!r} may not act for {found.name!r} (--by): only a coordinator may")
    return found


def acting(ctx: Context, by: Viewer | None) -> Viewer:
    """`by` when a front end says who acts (the portal); the operator otherwise (the CLI, flows)."""
    return by if by is not None else operator(ctx)
