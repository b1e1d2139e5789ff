"""Decisions and their inputs as plain JSON data: for `rrf status --format json` and for the
evaluation log, where the same data must come out of a replay."""

from datetime import date
from decimal import Decimal
from typing import Any

from rrf.rules.evaluate import Decision
from rrf.rules.plan import Item
from rrf.rules.progress import Observation
from rrf.rules.vocab import MILESTONE_VALUES, milestone_value


def number(value: Any) -> Any:
    """JSON numbers: integers stay integers (1300, not 1300.0)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def decimal_text(value: Decimal) -> str:
    """A canonical decimal: 10, 10.5 (never 10.000000 or 1E+1), whatever the database returned."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def decision_dict(item: Item, d: Decision) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": d.item_id,
        "kind": d.kind,
        "measure": item.measure,
        "name": {"lv": item.name_lv, "en": item.name_en},
        "due": d.due.isoformat(),
        "goal": number(d.goal),
        "actual": number(d.actual),
        "status": d.status,
        "explanations": d.explanation,
        "as_of": d.as_of.isoformat(),
        "days_left": d.days_left,
        "reached_on": _day(d.reached_on),
        "projected_on": _day(d.projection.on),
        "reasons": list(d.reasons),
        "records_used": list(d.records_used),
        "binding": item.binding,
    }
    if item.kind == "target" and (item.reduction or item.indicator != "cumulative"):
        row["direction"], row["indicator"] = item.direction, item.indicator
    if item.evidence_required:
        row["evidence_required"] = [e.name for e in item.evidence_required]
        row["evidence_missing"] = list(d.evidence_missing)
    if item.due_disputed:
        row["conflicts"] = [{"field": "due", "used": item.due.isoformat(), "values": [
            {"value": a.value.isoformat(), "doc": a.doc, "quote": a.quote} for a in item.due_alternatives]}]
    if d.plan_version:
        row["plan_version"] = d.plan_version
    if d.breakdown:
        row["breakdown"] = [
            {"key": k.key, "goal": number(k.goal), "actual": number(k.actual), "met": k.met} for k in d.breakdown
        ]
    if d.checkpoints:
        row["checkpoints"] = [
            {"date": c.date.isoformat(), "goal": number(c.goal), "actual": number(c.actual), "status": c.status}
            for c in d.checkpoints
        ]
    return row


def inputs_to_json(inputs: tuple[Observation, ...]) -> list[list[Any]]:
    """Compact rows [record id, as-of, value or done/not-done, key, corrects], and the required
    document its evidence is, when it is one (a sixth column)."""
    return [
        [o.seq, o.as_of.isoformat(),
         decimal_text(o.value) if o.value is not None else milestone_value(o.done),
         o.key, o.corrects, *([o.evidence_for] if o.evidence_for else [])]
        for o in inputs
    ]


def inputs_from_json(item_id: str, rows: list[list[Any]]) -> list[Observation]:
    out = []
    for seq, as_of, value, key, corrects, *more in rows:
        done = MILESTONE_VALUES.get(value) if isinstance(value, str) else None
        num = Decimal(value) if isinstance(value, str) and done is None else None
        out.append(Observation(seq=seq, item_id=item_id, as_of=date.fromisoformat(as_of), value=num,
                               done=done, key=key, corrects=corrects, evidence_for=more[0] if more else None))
    return out
