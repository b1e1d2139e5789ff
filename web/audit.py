"""The evaluation log for auditors and coordinators: filters, verifying the chain, replaying an
entry, export. Other roles get 403 from the service layer (services.audit asks access.require_audit)."""

import io
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from rrf.rules.i18n import N_
from rrf.services import audit
from rrf.services.access import NotFound, Viewer
from rrf.web.respond import page
from rrf.web.session import check_csrf, ctx_of, current_viewer

router = APIRouter()
SHOWN = 200
KINDS = [("evaluation", N_("evaluations")), ("ack", N_("acknowledgements")), ("waiver", N_("waivers")),
         ("run", N_("runs")), ("all", N_("all"))]
# one entry's kind, and a run entry's outcome, as the log's table names them
ENTRY_WORDS = {"evaluation": N_("evaluation"), "ack": N_("acknowledgement"), "waiver": N_("waiver"), "run": N_("run"),
               "finished": N_("finished"), "failed": N_("failed")}


def _filters(item: str | None, run: str | None, status: str | None, since: str | None, until: str | None,
             kind: str | None) -> audit.Filters:
    return audit.Filters(item or None, run or None, status or None, since or None, until or None, kind or "evaluation")


def _log_page(request: Request, viewer: Viewer, f: audit.Filters, report: object = None) -> Response:
    query = {k: v for k, v in request.query_params.items() if v}
    rows = audit.entries(ctx_of(request), f, latest=SHOWN, by=viewer)
    by = {e.seq: audit.entry_dict(e).get("by") for e in rows if e.kind in ("ack", "waiver")}
    return page(request, "audit.html.j2", viewer, entries=rows, by=by, filters=f, kinds=KINDS, entry_words=ENTRY_WORDS,
                report=report, export_link=lambda fmt: f"/audit/export.{fmt}?" + urlencode(query))


@router.get("/audit")
def log(request: Request, viewer: Viewer = Depends(current_viewer), item: str | None = None, run: str | None = None,
        status: str | None = None, since: str | None = None, until: str | None = None,
        kind: str | None = None) -> Response:
    return _log_page(request, viewer, _filters(item, run, status, since, until, kind))


@router.post("/audit/verify")
async def verify(request: Request, viewer: Viewer = Depends(current_viewer)) -> Response:
    await check_csrf(request)
    report = audit.verify(ctx_of(request), by=viewer)
    return _log_page(request, viewer, audit.Filters(), report)


@router.get("/audit/replay/{entry}")
def replay(request: Request, entry: int, viewer: Viewer = Depends(current_viewer)) -> Response:
    return page(request, "replay.html.j2", viewer, replay=audit.replay(ctx_of(request), entry, by=viewer))


@router.get("/audit/export.{fmt}")
def export(request: Request, fmt: str, viewer: Viewer = Depends(current_viewer), item: str | None = None,
           run: str | None = None, status: str | None = None, since: str | None = None, until: str | None = None,
           kind: str | None = None) -> Response:
    if fmt not in ("csv", "json"):
        raise NotFound(f"no export format {fmt!r}")
    out = io.StringIO()
    audit.write_export(ctx_of(request), _filters(item, run, status, since, until, kind), fmt, out, by=viewer)
    body = ("\ufeff" if fmt == "csv" else "") + out.getvalue()
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(body.encode("utf-8"), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="rrf-audit.{fmt}"'})
