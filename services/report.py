"""The institution report: per institution, one self-contained HTML file (styles and charts
inline, nothing fetched) with the portal's overview and item pages for that institution."""

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from markupsafe import Markup

from rrf import __version__
from rrf.rules.plan import Plan
from rrf.rules.vocab import LANGUAGES
from rrf.services import portal
from rrf.services.access import Viewer, visible_items
from rrf.services.context import Context
from rrf.views import render


@dataclass(frozen=True)
class Report:
    institution: str
    lang: str
    path: Path
    items: int


def reader(institution: str) -> Viewer:
    """Who a report is written for: a head of that institution (the same scope, exactly)."""
    return Viewer(f"report:{institution}", "head", institution)


def has_report(plan: Plan, institution: str) -> bool:
    """Whether a check writes a report for the institution: it is in the plan and has items."""
    return institution in plan.institutions and bool(visible_items(reader(institution), plan))


def institutions_with_items(ctx: Context) -> list[str]:
    plan = ctx.loaded.plan
    return [ref for ref in plan.institutions if has_report(plan, ref)]


def relative_path(institution: str, lang: str, as_of: date) -> str:
    """Where a report lies inside the reports folder: `<as-of>/<institution>.<lang>.html` (what an
    outbox row stores to carry it: no address, nothing secret)."""
    return f"{as_of.isoformat()}/{institution}.{lang}.html"


def html(ctx: Context, institution: str, *, as_of: date, lang: str, run_id: str,
         views: dict[str, portal.ItemView] | None = None) -> str:
    """The report of one institution as of a day, in one language (`views`: item pages already
    read, by id; the institution's are read here when not given)."""
    viewer = reader(institution)
    overview = portal.overview(ctx, viewer, as_of=as_of, filters=portal.Filters(sort="status"))
    ids = [r.item.id for r in overview.rows]
    if views is None:
        views = {v.row.item.id: v for v in portal.item_views(ctx, viewer, ids, as_of=as_of)}
    portal_url = (ctx.settings.portal_url or "").rstrip("/") or None
    return render.page(
        "report.html.j2", lang, inline_css=Markup(render.css()), plan=ctx.loaded.plan, institution=institution,
        overview=overview, views=[views[i] for i in ids], run_id=run_id, portal_url=portal_url,
        version=__version__, plan_sha=ctx.loaded.sha256, item_link=lambda item_id: f"#{item_id}",
        recipient=render.recipient_label(ctx.loaded.plan, lang))


def write_all(ctx: Context, *, as_of: date, run_id: str, folder: Path | None = None) -> list[Report]:
    """Every institution's report in every language, written to the reports folder
    (`<folder>/<as-of>/<institution>.<lang>.html`, replaced by a later check of the same day).
    Every item's page is read once, in one reading of the store, for all the reports."""
    root = folder or ctx.settings.reports_path
    (root / as_of.isoformat()).mkdir(parents=True, exist_ok=True)
    everyone = Viewer("report", "coordinator", None)
    views = {v.row.item.id: v for v in portal.item_views(ctx, everyone, ctx.loaded.plan.ids, as_of=as_of)}
    out = []
    for ref in institutions_with_items(ctx):
        for lang in LANGUAGES:
            text = html(ctx, ref, as_of=as_of, lang=lang, run_id=run_id, views=views)
            path = root / relative_path(ref, lang, as_of)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # checks may run at once
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
            out.append(Report(ref, lang, path, text.count('<section class="card"')))
    return out
