"""Decisions as JSON (CONTRACT.md) and as a Rich table."""

from collections import Counter
from typing import Any, Iterable

from rich.console import Console
from rrf.cli.text import shown
from rich.table import Table

from rrf.rules.escalate import Waiver
from rrf.rules.evaluate import Decision
from rrf.rules.i18n import Words
from rrf.rules.plan import Plan
from rrf.rules.serialize import decision_dict
from rrf.rules.vocab import STATUSES

STYLES = {"met": "bold green", "met_late": "green", "on_track": "cyan", "at_risk": "bold yellow",
          "missed": "bold red", "no_data": "magenta", "reversed": "bold red reverse"}


def to_json(plan: Plan, decisions: list[Decision], lang: str, waivers: Iterable[Waiver] = ()) -> list[dict[str, Any]]:
    """CONTRACT.md's array; `explanation` in the chosen language, `explanations` in both; an item
    with waivers in force (`waivers`, those of the as-of day) also has `waivers`:
    [{key, approver, reason, until}] (absent when it has none)."""
    waived: dict[str, list[Waiver]] = {}
    for w in waivers:
        waived.setdefault(w.item_id, []).append(w)
    out = []
    for d in decisions:
        row = decision_dict(plan.item(d.item_id), d)
        extra = {"waivers": [{"key": w.key, "approver": w.approver, "reason": w.reason, "until": w.expires.isoformat()}
                             for w in waived[d.item_id]]} if d.item_id in waived else {}
        out.append({**row, "explanation": d.explanation[lang], **extra})
    return out


def status_cell(status: str, lang: str) -> str:
    """A status as Rich markup: its label in the language, in its colour."""
    return f"[{STYLES[status]}]{Words(lang).label(status)}[/]"


def print_table(console: Console, plan: Plan, decisions: list[Decision], lang: str) -> None:
    _ = Words(lang)
    as_of = _.date(decisions[0].as_of) if decisions else ""
    table = Table(title=_("RRF milestones and targets as of {as_of}", as_of=as_of), show_lines=True, expand=True)
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Actual / goal"), justify="right", no_wrap=True)
    table.add_column(_("Due"), no_wrap=True)
    table.add_column(_("Milestone or target and explanation"), ratio=1)
    for d in decisions:
        actual = "—" if d.actual is None else _.actual(d.actual)
        progress = actual if d.kind == "milestone" else f"{actual} / {_.actual(d.goal)}"
        days = _("{n:+d} d", n=d.days_left)  # days left (negative: overdue)
        table.add_row(
            status_cell(d.status, lang),
            progress,
            f"{_.date(d.due)}\n[dim]{days}[/]",
            f"[bold]{shown(d.item_id)}[/]\n{shown(d.explanation[lang])}",
        )
    console.print(table)
    counts = Counter(d.status for d in decisions)
    console.print(", ".join(f"{status_cell(s, lang)} {counts[s]}" for s in STATUSES if counts[s]))
