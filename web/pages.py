"""The overview, an item's page, their JSON and CSV, and evidence downloads: all scoped to the user
by the service layer (an item outside their scope is 404 on every one of these addresses)."""

import io
from datetime import date
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from rrf.rules.dates import parse_date
from rrf.rules.i18n import N_
from rrf.rules.exposure import status_row
from rrf.services import portal
from rrf.services.access import Viewer
from rrf.web.reporting import reporting_of
from rrf.web.respond import page
from rrf.web.session import ctx_of, current_viewer, language

router = APIRouter()
SORTS = [("due", N_("due date")), ("status", N_("status, worst first")), ("id", N_("id")),
         ("progress", N_("progress, least first"))]


def _day(request: Request, text: str | None) -> date:
    return parse_date(text) if text else ctx_of(request).today()


def _filters(status: str | None, institution: str | None, due_before: str | None, sort: str | None) -> portal.Filters:
    return portal.Filters(status or None, institution or None, parse_date(due_before) if due_before else None,
                          sort or "due")


def _overview(request: Request, viewer: Viewer, status: str | None, institution: str | None,
              due_before: str | None, sort: str | None, as_of: str | None) -> tuple[portal.Overview, portal.Filters]:
    """The overview the query asks for (the page, its JSON and its CSV read the same query)."""
    filters = _filters(status, institution, due_before, sort)
    return portal.overview(ctx_of(request), viewer, as_of=_day(request, as_of), filters=filters), filters


def item_link(item_id: str) -> str:
    return "/items/" + quote(item_id)


@router.get("/")
def overview(request: Request, viewer: Viewer = Depends(current_viewer), status: str | None = None,
             institution: str | None = None, due_before: str | None = None, sort: str | None = None,
             as_of: str | None = None) -> Response:
    view, filters = _overview(request, viewer, status, institution, due_before, sort, as_of)
    query = {k: v for k, v in request.query_params.items() if v}

    def status_link(s: str) -> str:
        return "/?" + urlencode({**query, "status": s})
    return page(request, "overview.html.j2", viewer, overview=view, filters=filters, sorts=SORTS,
                item_link=item_link, status_link=status_link,
                json_link="/api/items?" + urlencode(query), csv_link="/export/items.csv?" + urlencode(query))


@router.get("/items/{item_id:path}")
def item_page(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer),
              as_of: str | None = None, done: str | None = None) -> Response:
    view = portal.item_view(ctx_of(request), viewer, item_id, as_of=_day(request, as_of))
    reporting = reporting_of(viewer, ctx_of(request).loaded.plan, view.row.item, view.records)
    return page(request, "item.html.j2", viewer, view=view, evidence_link=lambda r: f"/evidence/{r['record']}",
                reporting=reporting, done=done,
                json_link="/api/items/" + quote(item_id) + (f"?as_of={as_of}" if as_of else ""))


@router.get("/api/items")
def overview_json(request: Request, viewer: Viewer = Depends(current_viewer), status: str | None = None,
                  institution: str | None = None, due_before: str | None = None, sort: str | None = None,
                  as_of: str | None = None) -> Response:
    view, _ = _overview(request, viewer, status, institution, due_before, sort, as_of)
    lang, plan = language(request, viewer), ctx_of(request).loaded.plan
    return JSONResponse({"as_of": view.as_of.isoformat(), "counts": view.counts,
                         "items": [status_row(plan, r.decision, lang) for r in view.rows]})


@router.get("/api/items/{item_id:path}")
def item_json(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer),
              as_of: str | None = None) -> Response:
    view = portal.item_view(ctx_of(request), viewer, item_id, as_of=_day(request, as_of))
    lang, plan = language(request, viewer), ctx_of(request).loaded.plan
    return JSONResponse({**status_row(plan, view.row.decision, lang), "records": view.records})


@router.get("/export/items.csv")
def overview_csv(request: Request, viewer: Viewer = Depends(current_viewer), status: str | None = None,
                 institution: str | None = None, due_before: str | None = None, sort: str | None = None,
                 as_of: str | None = None) -> Response:
    view, _ = _overview(request, viewer, status, institution, due_before, sort, as_of)
    out = io.StringIO()
    portal.write_csv(view, language(request, viewer), out)
    name = f"rrf-items-{view.as_of.isoformat()}.csv"
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/evidence/{record_id}")
def evidence(request: Request, record_id: int, viewer: Viewer = Depends(current_viewer)) -> Response:
    found = portal.evidence(ctx_of(request), viewer, record_id)
    return FileResponse(found.path, filename=found.name, media_type=found.kind, content_disposition_type="attachment",
                        headers={"X-Content-SHA256": found.sha256})
