"""`rrf history` as a table: the whole chain of records of one item, oldest first, with every change explained."""

from datetime import datetime
from typing import Any

from rich.console import Console
from rrf.cli.text import shown
from rich.table import Table

from rrf.rules.dates import RIGA


def print_history(console: Console, item_id: str, entries: list[dict[str, Any]]) -> None:
    if not entries:
        console.print(f"{shown(item_id)}: no records yet", highlight=False)
        return
    table = Table(title=f"{item_id}: {len(entries)} records, oldest first", show_lines=True, expand=True)
    for head in ("#", "as of", "value", "recorded (Riga)", "who", "source and evidence", "change"):
        table.add_column(head, overflow="fold")
    for e in entries:
        when = datetime.fromisoformat(e["recorded_at"]).astimezone(RIGA).strftime("%Y-%m-%d %H:%M")
        value = "withdrawn" if e["withdrawn"] else str(e["value"])
        if e["breakdown_key"]:
            value = f"{e['breakdown_key']}: {value}"
        source = e["source"]
        if e["evidence"]:
            source += f"\nevidence: {e['evidence']}" + (f" (sha256 {e['evidence_sha256'][:12]}…)" if e["evidence_sha256"] else "")
        if e["import"]:
            source += f"\nimport #{e['import']['import']}: {e['import']['file']} row {e['import']['row']}"
        change = []
        if e["corrects"]:
            change.append(f"corrects #{e['corrects']}: {e['reason']}")
        if e["corrected_by"]:
            change.append(f"[dim]replaced by #{e['corrected_by']}[/]")
        style = "" if e["in_force"] else "dim"
        who = (e["reporter"] or "—") + (f"\nrecorded by {e['recorded_by']}" if e.get("recorded_by") else "")
        table.add_row(str(e["record"]), e["as_of"], shown(value), when, shown(who),
                      shown(source), "\n".join(c if c.startswith("[dim]") else shown(c) for c in change),
                      style=style)
    console.print(table)
