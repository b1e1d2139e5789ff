"""Who is signed in, and the CSRF token of their session.

The cookie is signed with the database's key (Starlette's SessionMiddleware, itsdangerous):
HttpOnly, SameSite=Lax, Secure when the portal is served over HTTPS. It carries a random session
token, whose session is kept in the database (services.users.open_session): it is looked up on
every request, with its user, so signing out, the session's age or a disabled account ends it at
once, also for any copy of the cookie. Each session carries a random CSRF token; every POST form
sends it back and is refused without it.
"""

import secrets
from urllib.parse import quote

from fastapi import Request

from rrf.services import users
from rrf.services.access import Viewer
from rrf.services.context import Context


class SignInNeeded(Exception):
    """No signed-in user: pages redirect to the sign-in form, data URLs answer 401."""


class BadCsrf(Exception):
    """A form without this session's CSRF token."""


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    form = await request.form()
    sent, kept = form.get("csrf"), request.session.get("csrf")
    if not isinstance(sent, str) or not kept or not secrets.compare_digest(sent, kept):
        raise BadCsrf()


def current_viewer(request: Request) -> Viewer:
    """The dependency of every page but sign-in and health."""
    token = request.session.get("session")
    viewer = users.session_viewer(ctx_of(request), token) if isinstance(token, str) else None
    if viewer is None:
        request.session.pop("session", None)
        request.session.pop("user", None)  # a cookie of the kind before sessions were kept (migration 0010)
        raise SignInNeeded()
    return viewer


def language(request: Request, viewer: Viewer | None = None) -> str:
    chosen = request.session.get("lang")
    if chosen in ("lv", "en"):
        return chosen
    return viewer.language if viewer else "lv"


def safe_next(target: str | None) -> str:
    """Only a path of this portal (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/sign-in?next=" + quote(here, safe="")
