"""`rrf history` as a table: the whole chain of records of one item, oldest first, with every change explained."""

from datetime import datetime
from typing import Any

from rich.console import Console

from rrf.cli.render import Col, fitted
from rrf.cli.text import shown
from rrf.rules.i18n import Words, fmt_time



def print_history(console: Console, item_id: str, entries: list[dict[str, Any]]) -> None:
    _ = Words("en")  # the operators' lines are English (README)
    if not entries:
        console.print(_("{id}: no records yet", id=shown(item_id)), highlight=False)
        return
    rows, styles = [], []
    for e in entries:
        value = "withdrawn" if e["withdrawn"] else str(e["value"])
        if e["breakdown_key"]:
            value = f"{e['breakdown_key']}: {value}"
        source = e["source"]
        if e["evidence"]:
            what = f"evidence for {e['evidence_for']}" if e.get("evidence_for") else "evidence"  # a required document
            source += f"\n{what}: {e['evidence']}" + (f" (sha256 {e['evidence_sha256'][:12]}…)" if e["evidence_sha256"] else "")
        if e["import"]:
            source += f"\nimport #{e['import']['import']}: {e['import']['file']} row {e['import']['row']}"
        change = []
        if e["corrects"]:
            change.append(f"corrects #{e['corrects']}: {e['reason']}")
        if e["corrected_by"]:
            change.append(f"[dim]replaced by #{e['corrected_by']}[/]")
        who = (e["reporter"] or "—") + (f"\nrecorded by {e['recorded_by']}" if e.get("recorded_by") else "")
        rows.append([str(e["record"]), e["as_of"], shown(value), fmt_time(datetime.fromisoformat(e["recorded_at"])),
                     shown(who), shown(source), "\n".join(c if c.startswith("[dim]") else shown(c) for c in change)])
        styles.append("" if e["in_force"] else "dim")
    title = _.ngettext("{id}: {n} record, oldest first", "{id}: {n} records, oldest first", len(entries),
                       id=shown(item_id))
    keys = max((len(w) for row in rows for w in row[2].split()), default=0)  # a breakdown key stays whole
    columns = [Col("#", justify="right", whole=True, side=True), Col("as of", whole=True, side=True),
               Col("value", side=True, least=keys), Col("recorded", whole=True, side=True), Col("who", side=True),
               Col("source and evidence"), Col("change")]
    console.print(fitted(console, columns, rows, styles=styles, title=title, min_width=len(item_id)))
