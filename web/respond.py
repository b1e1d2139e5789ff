"""Rendering a page of the portal with what every page's frame needs."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from rrf.services import users
from rrf.services.access import Viewer
from rrf.services.context import Context
from rrf.views import render
from rrf.web.session import csrf_token, language


def page(request: Request, template: str, viewer: Viewer | None, status: int = 200, **values: Any) -> HTMLResponse:
    """A page in the user's language, with what every page's frame needs."""
    ctx: Context = request.app.state.ctx
    lang = language(request, viewer)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = render.page(template, lang, viewer=viewer, csrf=csrf_token(request), here=here, plan=ctx.loaded.plan,
                       recipient=render.recipient_label(ctx.loaded.plan, lang), **values)
    return HTMLResponse(html, status_code=status)


def viewer_or_none(request: Request) -> Viewer | None:
    """The signed-in user of an open session, if any (error pages show who is signed in)."""
    token = request.session.get("session") if "session" in request.scope else None
    return users.session_viewer(request.app.state.ctx, token) if isinstance(token, str) else None
