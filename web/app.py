"""The portal's application: `create_app(ctx)` builds it on the settings of `rrf web`.

Pages are rendered on the server (rrf.views); nothing needs JavaScript or the network.
Every response carries a strict Content-Security-Policy (no scripts at all).
"""

import gc
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from rrf import __version__
from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.services import users
from rrf.services.access import Forbidden, NotFound
from rrf.services.context import Context
from rrf.views import render
from rrf.web import account, audit, auth, escalation, pages, reporting
from rrf.web.respond import page, viewer_or_none
from rrf.web.session import BadCsrf, SignInNeeded, language, sign_in_url

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(ctx: Context) -> FastAPI:
    """The portal on the plan and database of `ctx` (both checked here, before serving)."""
    ctx.loaded  # noqa: B018  (a bad plan fails now, with its PlanError, not on the first page)
    gc.freeze()  # the plan and the imports live as long as the process: keep them out of every collection
    app = FastAPI(title="rrf", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    secure = (ctx.settings.portal_url or "").startswith("https://")
    app.add_middleware(SessionMiddleware, secret_key=users.cookie_key(ctx), session_cookie="rrf_session",
                       max_age=users.SESSION_HOURS * 3600, same_site="lax", https_only=secure)
    app.mount("/static", StaticFiles(directory=render.CSS.parent), name="static")
    for module in (auth, account, reporting, escalation, pages, audit):  # before pages: /items/…/report is not an item id
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):  # a page, data, or /health (monitoring wants it fresh)
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(BadCsrf, _bad_csrf)
    app.add_exception_handler(NotFound, _not_found)
    # the portal's only typed parameters are the numbers in its paths (/records/abc/correct,
    # /audit/replay/abc, /evidence/abc): one that is not a number names nothing there is
    app.add_exception_handler(RequestValidationError, _not_found)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RrfError, _refused)
    app.add_exception_handler(Exception, _failed)
    return app


def _wants_data(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/export/", "/evidence/", "/audit/export"))


def _error(request: Request, status: int, title: str, lines: list[str] = []) -> Response:  # noqa: B006
    if _wants_data(request):
        return JSONResponse({"error": title, "problems": lines}, status_code=status)
    return page(request, "error.html.j2", viewer_or_none(request), status, title=title, lines=lines)


def _words(request: Request) -> Words:
    return Words(language(request, viewer_or_none(request)))


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    _ = _words(request)
    if _wants_data(request):
        return JSONResponse({"error": _("Sign in first.")}, status_code=401)
    return RedirectResponse(sign_in_url(request), status_code=303)


async def _bad_csrf(request: Request, exc: Exception) -> Response:
    _ = _words(request)
    return _error(request, 403, _("The form has expired or did not come from this portal: reload the page and try again."))


async def _not_found(request: Request, exc: Exception) -> Response:
    _ = _words(request)
    return _error(request, 404, _("Not found, or not in your scope."))


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        return await _not_found(request, exc)
    _ = _words(request)
    if status == 405:
        return _error(request, 405, _("This address does not take that request."))
    return _error(request, status, str(getattr(exc, "detail", "")))


async def _forbidden(request: Request, exc: Exception) -> Response:
    _ = _words(request)
    return _error(request, 403, _("Your role does not give access to this page."))


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RrfError)
    _ = _words(request)
    return _error(request, 400, _("The request was refused:"), exc.lines_in(_.lang))


async def _failed(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a plain page (the traceback goes to the server's log, never to the user)."""
    _ = _words(request)
    return _error(request, 500, _("Something went wrong on the server; the RRF office has the details in its log."))
