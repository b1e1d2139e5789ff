"""Decisions as JSON (CONTRACT.md) and as a Rich table."""

from collections import Counter
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rules.evaluate import STATUSES, Decision
from rules.explain import fmt_date, fmt_number
from rules.plan import Plan

LABELS = {
    "lv": {"met": "sasniegts", "met_late": "sasniegts ar nokavēšanos", "on_track": "atbilst grafikam",
           "at_risk": "apdraudēts", "missed": "nav sasniegts", "no_data": "nav datu",
           "reversed": "sasniegtais zaudēts"},
    "en": {"met": "met", "met_late": "met late", "on_track": "on track", "at_risk": "at risk",
           "missed": "missed", "no_data": "no data", "reversed": "reversed"},
}
MILESTONE_WORDS = {"lv": {"done": "izpildīts", "not-done": "neizpildīts"},
                   "en": {"done": "done", "not-done": "not done"}}
STYLES = {"met": "bold green", "met_late": "green", "on_track": "cyan", "at_risk": "bold yellow",
          "missed": "bold red", "no_data": "magenta", "reversed": "bold red reverse"}


def number(value: Any) -> Any:
    """JSON numbers: integers stay integers (1300, not 1300.0)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_json(plan: Plan, decisions: list[Decision], lang: str) -> list[dict[str, Any]]:
    out = []
    for d in decisions:
        item = plan.item(d.item_id)
        row: dict[str, Any] = {
            "id": d.item_id,
            "kind": d.kind,
            "measure": item.measure,
            "name": {"lv": item.name_lv, "en": item.name_en},
            "due": d.due.isoformat(),
            "goal": number(d.goal),
            "actual": number(d.actual),
            "status": d.status,
            "explanation": d.explanation[lang],
            "explanations": d.explanation,
            "as_of": d.as_of.isoformat(),
            "days_left": d.days_left,
            "reached_on": d.reached_on.isoformat() if d.reached_on else None,
            "projected_on": d.projection.on.isoformat() if d.projection.on else None,
            "reasons": list(d.reasons),
            "records_used": list(d.records_used),
            "binding": item.binding,
        }
        if d.breakdown:
            row["breakdown"] = [
                {"key": k.key, "goal": number(k.goal), "actual": number(k.actual), "met": k.met}
                for k in d.breakdown
            ]
        if d.checkpoints:
            row["checkpoints"] = [
                {"date": c.date.isoformat(), "goal": number(c.goal), "actual": number(c.actual),
                 "status": c.status}
                for c in d.checkpoints
            ]
        out.append(row)
    return out


def print_table(console: Console, plan: Plan, decisions: list[Decision], lang: str) -> None:
    heads = {"lv": ("Statuss", "Fakts / mērķis", "Termiņš", "Atskaites punkts vai mērķis un skaidrojums"),
             "en": ("Status", "Actual / goal", "Due", "Milestone or target and explanation")}[lang]
    days = {"lv": "d.", "en": "d"}[lang]
    as_of = fmt_date(decisions[0].as_of, lang) if decisions else ""
    title = {"lv": f"RRF atskaites punkti un mērķi uz {as_of}",
             "en": f"RRF milestones and targets as of {as_of}"}[lang]
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column(heads[0], no_wrap=True)
    table.add_column(heads[1], justify="right", no_wrap=True)
    table.add_column(heads[2], no_wrap=True)
    table.add_column(heads[3], ratio=1)
    for d in decisions:
        if d.kind == "milestone":
            words = MILESTONE_WORDS[lang]
            progress = words.get(d.actual, "—")  # type: ignore[arg-type]
        else:
            actual = fmt_number(d.actual, lang) if d.actual is not None else "—"
            progress = f"{actual} / {fmt_number(d.goal, lang)}"  # type: ignore[arg-type]
        table.add_row(
            f"[{STYLES[d.status]}]{LABELS[lang][d.status]}[/]",
            progress,
            f"{fmt_date(d.due, lang)}\n[dim]{d.days_left:+d} {days}[/]",
            f"[bold]{escape(d.item_id)}[/]\n{escape(d.explanation[lang])}",
        )
    console.print(table)
    counts = Counter(d.status for d in decisions)
    summary = ", ".join(f"[{STYLES[s]}]{LABELS[lang][s]}[/] {counts[s]}" for s in STATUSES if counts[s])
    console.print(summary)
