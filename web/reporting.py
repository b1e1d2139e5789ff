"""Reporting through the portal: a figure for an item (with an evidence file, and which of the
item's required documents it is), a correction of a record, and a whole CSV or XLSX file. The
forms only choose what to offer; every right is enforced by the services (services.access
through services.progress), and a refused request writes nothing: the form comes back with the
reasons and the values typed (status 400).

Every POST is multipart; its CSRF token is checked before anything else is read."""

import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.rules.plan import Evidence, Item, Plan
from rrf.rules.records import required_documents
from rrf.rules.vocab import DONE, NOT_DONE
from rrf.services import evidence_store, progress
from rrf.services.access import Forbidden, NotFound, Viewer, may, reportable_keys, require_item
from rrf.services.evidence_store import EvidenceRefused, Upload
from rrf.web.respond import page
from rrf.web.session import check_csrf, ctx_of, current_viewer, language

router = APIRouter()
MAX_SPREADSHEET = 20 * 1024 * 1024  # bytes of an imported file
SPREADSHEETS = (".csv", ".xlsx")


def item_link(item_id: str) -> str:
    return "/items/" + quote(item_id)


def _key_order(key: str | None) -> tuple[int, str]:
    return (0, "") if key is None else (1, key)


def reporting_of(viewer: Viewer | None, plan: Plan, item: Item, shown: Any = ()) -> dict[str, Any]:
    """What the item page offers `viewer` (web/pages.py passes it as `reporting`): the keys they may report (sorted,
    None first: the figure without a key), and which of the records `shown` (the page's history
    entries) they may correct (those in force or withdrawn, not yet corrected, of a key of theirs)."""
    keys = sorted(reportable_keys(viewer, plan, item), key=_key_order) if viewer else []
    corrects = viewer is not None and may(viewer, "correct")
    return {
        "record": viewer is not None and may(viewer, "record") and bool(keys),
        "keys": keys,
        "report_link": item_link(item.id) + "/report",
        "correctable": [r["record"] for r in shown
                        if corrects and r["corrected_by"] is None and r["breakdown_key"] in keys],
        "import": viewer is not None and may(viewer, "import"),
        "acknowledge": viewer is not None and may(viewer, "acknowledge"),
        "waive": viewer is not None and may(viewer, "waive"),
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _optional(form: FormData, name: str) -> str | None:
    return _text(form, name) or None


async def _upload(form: FormData, name: str = "evidence") -> Upload | None:
    """The evidence file sent with the form (None: none chosen), checked by the evidence store
    (EvidenceRefused: empty, too large, or not a type taken). More than the limit is not read."""
    sent = form.get(name)
    if not isinstance(sent, UploadFile) or not sent.filename:
        return None
    if sent.size is not None and sent.size > evidence_store.MAX_BYTES:
        raise evidence_store.too_large(Path(sent.filename).name, sent.size)
    data = await sent.read(evidence_store.MAX_BYTES + 1)
    return evidence_store.check(sent.filename, data)


def _form_item(viewer: Viewer, plan: Plan, item_id: str) -> Item:
    """The item, when the viewer may report some part of it (NotFound outside their scope,
    Forbidden when their role, or their institution's share of the item, gives nothing to report)."""
    item = require_item(viewer, plan, item_id)
    if not reporting_of(viewer, plan, item)["record"]:
        raise Forbidden(f"{viewer.name} may not record progress of {item_id}")
    return item


def _documents(plan: Plan, item: Item) -> list[Evidence]:
    """The required documents the form offers for its evidence file (none: no choice shown)."""
    return list(required_documents(plan, item).values())


def _report_page(request: Request, viewer: Viewer, item: Item, values: dict[str, str], status: int = 200,
                 problems: list[str] | None = None) -> Response:
    plan = ctx_of(request).loaded.plan
    return page(request, "report_form.html.j2", viewer, status, mode="record", item=item,
                keys=reporting_of(viewer, plan, item)["keys"], values=defaultdict(str, values), problems=problems or [],
                action=item_link(item.id) + "/report", back=item_link(item.id), original=None,
                milestone_values=(DONE, NOT_DONE), max_mib=evidence_store.MAX_BYTES // 2**20,
                documents=_documents(plan, item))


@router.get("/items/{item_id:path}/report")
def report_form(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer)) -> Response:
    ctx = ctx_of(request)
    item = _form_item(viewer, ctx.loaded.plan, item_id)
    keys = reporting_of(viewer, ctx.loaded.plan, item)["keys"]
    values = {"as_of": ctx.today().isoformat(), "breakdown": (keys[0] or "") if len(keys) == 1 else ""}
    return _report_page(request, viewer, item, values)


@router.post("/items/{item_id:path}/report")
async def report(request: Request, item_id: str, viewer: Viewer = Depends(current_viewer)) -> Response:
    await check_csrf(request)
    ctx = ctx_of(request)
    item = require_item(viewer, ctx.loaded.plan, item_id)
    if not may(viewer, "record"):
        raise Forbidden(f"the role {viewer.role!r} may not record ({item_id})")
    form = await request.form()
    values = {k: _text(form, k) for k in ("value", "as_of", "breakdown", "source", "reporter", "evidence_for")}
    try:
        upload = await _upload(form)
        row, _ = progress.record(ctx, item_id=item.id, value=values["value"], as_of=values["as_of"],
                                 source=values["source"], breakdown=values["breakdown"] or None,
                                 reporter=values["reporter"] or None, by=viewer, upload=upload,
                                 evidence_for=values["evidence_for"] or None)
    except (NotFound, Forbidden):
        raise
    except RrfError as exc:
        return _report_page(request, viewer, item, values, 400, exc.lines_in(language(request, viewer)))
    return RedirectResponse(f"{item_link(item.id)}#record-{row.id}", status_code=303)


# --- corrections ------------------------------------------------------------------------------


def _original(request: Request, viewer: Viewer, record_id: int) -> tuple[Item, dict[str, Any]]:
    """The record to correct and its item (NotFound, Forbidden: see progress.correctable)."""
    ctx = ctx_of(request)
    shown = progress.correctable(ctx, record_id, by=viewer)
    return ctx.loaded.plan.item(shown["item_id"]), shown


def _correct_page(request: Request, viewer: Viewer, item: Item, original: dict[str, Any], values: dict[str, str],
                  status: int = 200, problems: list[str] | None = None) -> Response:
    plan = ctx_of(request).loaded.plan
    return page(request, "report_form.html.j2", viewer, status, mode="correct", item=item,
                keys=reporting_of(viewer, plan, item)["keys"], values=defaultdict(str, values), problems=problems or [],
                action=f"/records/{original['record']}/correct", back=item_link(item.id) + f"#record-{original['record']}",
                original=original, milestone_values=(DONE, NOT_DONE), max_mib=evidence_store.MAX_BYTES // 2**20,
                documents=_documents(plan, item))


@router.get("/records/{record_id}/correct")
def correct_form(request: Request, record_id: int, viewer: Viewer = Depends(current_viewer)) -> Response:
    item, original = _original(request, viewer, record_id)
    values = {"as_of": original["as_of"], "breakdown": original["breakdown_key"] or "",
              "value": "" if original["withdrawn"] else str(original["value"])}
    return _correct_page(request, viewer, item, original, values)


@router.post("/records/{record_id}/correct")
async def correct(request: Request, record_id: int, viewer: Viewer = Depends(current_viewer)) -> Response:
    await check_csrf(request)
    ctx = ctx_of(request)
    item, original = _original(request, viewer, record_id)
    form = await request.form()
    values = {k: _text(form, k) for k in ("value", "as_of", "breakdown", "source", "reporter", "reason", "withdraw",
                                          "evidence_for")}
    withdraw = bool(values["withdraw"])
    try:
        if not withdraw and not values["value"]:
            _ = Words(language(request, viewer))
            raise RrfError(_("Give the new value, or tick “withdraw” to withdraw the record."))
        upload = await _upload(form)
        row, _, _ = progress.correct(ctx, record_id=record_id, value=None if withdraw else values["value"],
                                     reason=values["reason"], source=values["source"], as_of=values["as_of"] or None,
                                     breakdown=values["breakdown"] or None, reporter=values["reporter"] or None,
                                     by=viewer, upload=upload, evidence_for=values["evidence_for"] or None)
    except (NotFound, Forbidden):
        raise
    except RrfError as exc:
        return _correct_page(request, viewer, item, original, values, 400, exc.lines_in(language(request, viewer)))
    return RedirectResponse(f"{item_link(item.id)}#record-{row.id}", status_code=303)


# --- a whole file -----------------------------------------------------------------------------


def _require_import(viewer: Viewer) -> None:
    if not may(viewer, "import"):
        raise Forbidden(f"the role {viewer.role!r} may not import progress")


def _import_page(request: Request, viewer: Viewer, status: int = 200, **values: Any) -> Response:
    shown = {"problems": [], "closing": None, "done": None, "file": None, **values}
    return page(request, "import_form.html.j2", viewer, status, max_mib=MAX_SPREADSHEET // 2**20, **shown)


@router.get("/import")
def import_form(request: Request, viewer: Viewer = Depends(current_viewer)) -> Response:
    _require_import(viewer)
    return _import_page(request, viewer)


@router.post("/import")
async def import_spreadsheet(request: Request, viewer: Viewer = Depends(current_viewer)) -> Response:
    await check_csrf(request)
    _require_import(viewer)
    _ = Words(language(request, viewer))
    form = await request.form()
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return _import_page(request, viewer, 400, problems=[_("Choose a CSV or XLSX file to import.")])
    name = Path(sent.filename.replace("\\", "/")).name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEETS:
        return _import_page(request, viewer, 400, file=name,
                            problems=[_("{file}: only CSV and XLSX files are imported.", file=name)])
    if sent.size is not None and sent.size > MAX_SPREADSHEET:
        return _import_page(request, viewer, 400, file=name, problems=[
            _("{file}: more than the {n} MiB taken.", file=name, n=MAX_SPREADSHEET // 2**20)])
    data = await sent.read(MAX_SPREADSHEET + 1)
    if len(data) > MAX_SPREADSHEET:
        return _import_page(request, viewer, 400, file=name, problems=[
            _("{file}: more than the {n} MiB taken.", file=name, n=MAX_SPREADSHEET // 2**20)])
    fd, temp = tempfile.mkstemp(prefix="rrf-import-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            done = progress.import_file(ctx_of(request), Path(temp), by=viewer, name=name)
        except RrfError as exc:
            return _import_page(request, viewer, 400, file=name, problems=exc.lines_in(_.lang),
                                closing=exc.closing_in(_.lang))
    finally:
        Path(temp).unlink(missing_ok=True)
    return _import_page(request, viewer, 200, file=name, done=done)

