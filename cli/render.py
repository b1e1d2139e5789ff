"""Decisions as JSON (CONTRACT.md) and as a Rich table."""

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rrf.rules.evaluate import STATUSES, Decision
from rrf.rules.explain import STATUS_LABELS, fmt_date, fmt_number
from rrf.rules.plan import Plan
from rrf.rules.serialize import decision_dict

LABELS = STATUS_LABELS
MILESTONE_WORDS = {"lv": {"done": "izpildīts", "not-done": "neizpildīts"},
                   "en": {"done": "done", "not-done": "not done"}}
STYLES = {"met": "bold green", "met_late": "green", "on_track": "cyan", "at_risk": "bold yellow",
          "missed": "bold red", "no_data": "magenta", "reversed": "bold red reverse"}


def to_json(plan: Plan, decisions: list[Decision], lang: str) -> list[dict[str, Any]]:
    """CONTRACT.md's array; `explanation` in the chosen language, `explanations` in both."""
    out = []
    for d in decisions:
        row = decision_dict(plan.item(d.item_id), d)
        out.append({**row, "explanation": d.explanation[lang]})
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
