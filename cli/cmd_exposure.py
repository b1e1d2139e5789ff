"""The money at risk: `rrf exposure` (per payment request, item by item, and why).

What the command runs (the evaluation, the money, the tables) is imported in its body (see
rrf.cli.main)."""

import json
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from rrf.cli.app import app
from rrf.cli.common import (DbOpt, EvaluateAsOf, Lang, PlanOpt, TableOrJson, as_of_day, context, format_of,
                             input_errors, lang_of, out, say)
from rrf.cli.text import shown
from rrf.rules.i18n import Words

if TYPE_CHECKING:
    from rrf.rules.exposure import Exposure
    from rrf.rules.plan import Plan

CATEGORY_STYLES = {"at_risk": "bold red", "reversal": "bold red", "pending": "yellow", "secure": "green",
                   "paid": "green", "not_in_force": "dim"}


@app.command()
@input_errors
def exposure(
    as_of: EvaluateAsOf = None,
    fmt: TableOrJson = "table",
    lang: Lang = "lv",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Money at risk per payment request, item by item, and why (writes nothing)."""
    from rrf.services import status as statuses

    format_of(fmt)
    lang = lang_of(lang)
    ctx = context(plan, db)
    day = as_of_day(as_of, ctx)
    loaded, _decisions, found = statuses.exposure(ctx, day)
    if fmt == "json":
        sys.stdout.write(json.dumps(as_json(found, lang), ensure_ascii=False, indent=2) + "\n")
        return
    if not found.requests:
        _ = Words(lang)
        say(_("The plan declares no payment requests ([[payment_requests]]): there is no money to price."))
        return
    print_exposure(out, loaded.plan, found, lang)


def as_json(found: "Exposure", lang: str) -> dict[str, object]:
    """Every request with its totals and items; each item's reason in the chosen language as `why`."""
    from rrf.rules.exposure import item_dict, request_dict

    return {
        "as_of": found.as_of.isoformat(), "unit_value": found.unit_value,
        "requests": [{**request_dict(r), "items": [
            {"id": i.item_id, "status": i.status, **item_dict(i), "why": i.why[lang], "whys": i.why,
             "evidence_missing": list(i.evidence_missing)} for i in r.items]} for r in found.requests],
    }


def print_exposure(console: Console, plan: "Plan", found: "Exposure", lang: str) -> None:
    from rrf.cli.render import Col, fitted, longest, status_cell
    from rrf.rules.exposure import money

    _ = Words(lang)
    for r in found.requests:
        paid = _(", paid on {day}", day=_.date(r.paid)) if r.paid else ""
        title = _("Payment request {number}: {amount} EUR, submission {submission}{paid}", number=r.number,
                  amount=money(r.amount_eur, _), submission=_.date(r.submission), paid=paid)
        rows = []
        for i in r.items:
            status = status_cell(i.status, lang) if i.status else "—"
            amount = f"[{CATEGORY_STYLES[i.category]}]{money(i.amount_eur, _)}[/]"
            rows.append([status, amount, f"[bold]{shown(i.item_id)}[/]\n{shown(i.why[lang])}"])
        columns = [Col(_("Status"), side=True), Col(_("EUR"), justify="right", whole=True, side=True),
                   Col(_("Milestone or target and why"), least=longest(plan.ids))]
        console.print(fitted(console, columns, rows, title=title))
        totals = _("at risk {at_risk} EUR, pending {pending} EUR, secure {secure} EUR",
                   at_risk=money(r.at_risk_eur, _), pending=money(r.pending_eur, _), secure=money(r.secure_eur, _))
        if r.reversal_eur:
            totals += "; " + _("to be recovered (reversal) {amount} EUR", amount=money(r.reversal_eur, _))
        if r.capped:
            totals += "; " + _("capped at the request's amount")
        console.print(totals)
    console.print(_("In all, as of {day}: at risk {at_risk} EUR, to be recovered {reversal} EUR, pending {pending} EUR.",
                    day=_.date(found.as_of), at_risk=money(found.at_risk_eur, _),
                    reversal=money(found.reversal_eur, _), pending=money(found.pending_eur, _)))
