"""Decisions as JSON (CONTRACT.md), and tables that fit the terminal they are printed on.

Imported by the commands that print (in their bodies, not when `rrf` starts); the JSON's money
and serialisation (rrf.rules.exposure, rrf.rules.serialize) only when JSON is asked for."""

from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.markup import render
from rich.table import Table

from rrf.cli.text import shown
from rrf.rules.i18n import Words
from rrf.rules.vocab import STATUSES

if TYPE_CHECKING:
    from rrf.rules.escalate import Waiver
    from rrf.rules.evaluate import Decision
    from rrf.rules.plan import Plan

STYLES = {"met": "bold green", "met_late": "green", "on_track": "cyan", "at_risk": "bold yellow",
          "missed": "bold red", "no_data": "magenta", "reversed": "bold red reverse"}
FOLD = 12  # when nothing else fits, a column may be this narrow, folding longer words (a path, a URL)


def to_json(plan: "Plan", decisions: "list[Decision]", lang: str,
            waivers: "Iterable[Waiver]" = ()) -> list[dict[str, Any]]:
    """CONTRACT.md's array; `explanation` in the chosen language, `explanations` in both; an item
    with waivers in force (`waivers`, those of the as-of day) also has `waivers`:
    [{key, approver, reason, until}] (absent when it has none)."""
    from rrf.rules.exposure import status_row

    waived: "dict[str, list[Waiver]]" = {}
    for w in waivers:
        waived.setdefault(w.item_id, []).append(w)
    out = []
    for d in decisions:
        extra = {"waivers": [{"key": w.key, "approver": w.approver, "reason": w.reason, "until": w.expires.isoformat()}
                             for w in waived[d.item_id]]} if d.item_id in waived else {}
        out.append({**status_row(plan, d, lang), **extra})
    return out


def status_cell(status: str, lang: str) -> str:
    """A status as Rich markup: its label in the language, in its colour."""
    return f"[{STYLES[status]}]{Words(lang).label(status)}[/]"


def print_table(console: Console, plan: "Plan", decisions: "list[Decision]", lang: str) -> None:
    _ = Words(lang)
    as_of = _.date(decisions[0].as_of) if decisions else ""
    columns = [Col(_("Status"), side=True), Col(_("Actual / goal"), justify="right", whole=True, side=True),
               Col(_("Due"), whole=True, side=True),
               Col(_("Milestone or target and explanation"), least=longest(plan.ids))]
    rows = []
    for d in decisions:
        actual = "—" if d.actual is None else _.actual(d.actual)
        progress = actual if d.kind == "milestone" else f"{actual} / {_.actual(d.goal)}"
        days = _("{n:+d} d", n=d.days_left)  # days left (negative: overdue)
        rows.append([status_cell(d.status, lang), progress, f"{_.date(d.due)}\n[dim]{days}[/]",
                     f"[bold]{shown(d.item_id)}[/]\n{shown(d.explanation[lang])}"])
    console.print(fitted(console, columns, rows, title=_("RRF milestones and targets as of {as_of}", as_of=as_of)))
    counts = Counter(d.status for d in decisions)
    console.print(", ".join(f"{status_cell(s, lang)} {counts[s]}" for s in STATUSES if counts[s]))


# Tables that fit ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    """A column of a `fitted` table. `whole`: its cells never wrap (dates, numbers, hashes);
    `least`: it is never narrower (the longest id it may show, so that no id is ever broken);
    `side`: on a terminal too narrow for every column side by side, the side columns are
    stacked, one above the other, into the first column."""

    header: str
    justify: str = "left"
    whole: bool = False
    least: int = 0
    side: bool = False


def longest(ids: Iterable[str]) -> int:
    return max((len(i) for i in ids), default=0)


def fitted(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[str]], *,
           styles: Sequence[str] | None = None, **table: Any) -> Table:
    """A table (cells as Rich markup) no wider than the console. The widest columns give way
    first, but never below what they must show whole, nor below their longest word; when that
    is too wide, the side columns are stacked into one; when even that is too wide, words longer
    than FOLD may be folded, never an id. Then Rich wraps each cell within its column."""
    layouts = [(columns, rows)] + ([_stacked(columns, rows)] if any(c.side for c in columns) else [])
    for fold, (cols, cells) in [(fold, layout) for fold in (None, FOLD) for layout in layouts]:
        widths = _fit(console.width, cols, cells, fold)
        if widths:
            break
    out = Table(show_lines=True, **table)
    for n, c in enumerate(cols):
        out.add_column(c.header, justify=c.justify, overflow="fold",  # type: ignore[arg-type]
                       width=widths[n] if widths else None, min_width=c.least or None)
    for n, row in enumerate(cells):
        out.add_row(*row, style=styles[n] if styles else None)
    return out


@lru_cache(maxsize=4096)
def _measure(markup: str) -> tuple[int, int]:
    """The narrowest a cell can be (its longest word) and the widest (its longest line), as Rich
    measures text."""
    lines = (render(markup).plain if "[" in markup else markup).splitlines() or [""]
    return (max((cell_len(word) for line in lines for word in line.split()), default=0),
            max(cell_len(line) for line in lines))


def _needs(column: Col, cells: Iterable[str], fold: int | None = None) -> tuple[int, int]:
    """How narrow the column may be (its longest word, or `fold`), and how wide it would like to be."""
    head, body = _measure(column.header), [_measure(c) for c in cells]
    wants = max([head[1], *(m[1] for m in body)])
    if column.whole:
        return max([head[0], *(m[1] for m in body)]), wants
    word = max([head[0], *(m[0] for m in body)])
    return max(column.least, min(word, fold or word)), wants


def _fit(width: int, columns: Sequence[Col], rows: Sequence[Sequence[str]], fold: int | None) -> list[int] | None:
    """Each column's width, the widest narrowed first; None when the columns cannot fit."""
    room = width - 3 * len(columns) - 1  # the borders, and a space either side of each cell
    needs = [_needs(c, [row[n] for row in rows], fold) for n, c in enumerate(columns)]
    least, widths = [n[0] for n in needs], [n[1] for n in needs]
    while sum(widths) > room:
        give = [n for n, w in enumerate(widths) if w > least[n]]
        if not give:
            return None
        widths[max(give, key=lambda n: widths[n])] -= 1
    return widths


def _stacked(columns: Sequence[Col], rows: Sequence[Sequence[str]]):  # noqa: ANN202
    """The side columns as one column, each cell their cells one above the other."""
    side = [n for n, c in enumerate(columns) if c.side]
    rest = [n for n, c in enumerate(columns) if not c.side]
    whole = max(_needs(replace(columns[n], header=""), [row[n] for row in rows])[0] if columns[n].whole
                else columns[n].least for n in side)
    first = Col("\n".join(columns[n].header for n in side), least=whole)
    return [first, *(columns[n] for n in rest)], [["\n".join(row[n] for n in side), *(row[n] for n in rest)]
                                                  for row in rows]
