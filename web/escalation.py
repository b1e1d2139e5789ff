"""Acknowledging an item (heads, coordinators) and waiving its escalation (coordinators) from the
item page. The services decide who may (services.access); these routes only read the forms."""

from datetime import date
from typing import Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rrf.rules.dates import parse_date
from rrf.rules.errors import RrfError
from rrf.services import ack, waiver
from rrf.services.access import Forbidden, NotFound, Viewer, require_item
from rrf.web.respond import page
from rrf.web.session import check_csrf, ctx_of, current_viewer, language

router = APIRouter()


def _day(form: FormData) -> date | None:
    """The as-of day of the page the form was on (the item page's as-of day; default today)."""
    text = str(form.get("as_of", "")).strip()
    return parse_date(text) if text else None


def _back(item_id: str, done: str, day: date | None) -> Response:
    query = f"done={done}" + (f"&as_of={day.isoformat()}" if day else "")
    return RedirectResponse(f"/items/{quote(item_id)}?{query}#escalation", status_code=303)


def _refused(request: Request, viewer: Viewer, item_id: str, what: str, problems: list[str]) -> Response:
    item = require_item(viewer, ctx_of(request).loaded.plan, item_id)
    return page(request, "escalation_refused.html.j2", viewer, 400, item=item, what=what, problems=problems)


async def _act(request: Request, item_id: str, viewer: Viewer, what: str, done: str,
               call: Callable[[FormData], object]) -> Response:
    """Read the form (CSRF first), do `call` with it, and go back to the item; a refusal the
    user can mend is shown with its reasons, NotFound and Forbidden answer 404 and 403."""
    await check_csrf(request)
    form = await request.form()
    try:
        call(form)
    except (NotFound, Forbidden):
        raise
    except RrfError as exc:
        return _refused(request, viewer, item_id, what, exc.lines_in(language(request, viewer)))
    return _back(item_id, done, _day(form))


@router.post("/items/{item_id:path}/acknowledge")
async def acknowledge(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer)) -> Response:
    return await _act(request, item_id, viewer, "acknowledge", "ack", lambda form: ack.acknowledge(
        ctx_of(request), item_id=item_id, reason=str(form.get("reason", "")),
        until=str(form.get("until", "")) or None, by=viewer, as_of=_day(form)))


@router.post("/items/{item_id:path}/waive")
async def waive(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer)) -> Response:
    return await _act(request, item_id, viewer, "waive", "waiver", lambda form: waiver.grant(
        ctx_of(request), item_id=item_id, reason=str(form.get("reason", "")), expires=str(form.get("until", "")),
        key=str(form.get("key", "")) or None, by=viewer, as_of=_day(form)))
