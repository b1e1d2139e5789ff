"""One sentence per decision, with its numbers, in Latvian and in English.

Latvian dates are written 31.08.2026, English ones 2026-08-31; numbers group
thousands with a space ("1 300") in both.
"""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from rrf.rules.plan import Item

if TYPE_CHECKING:
    from rrf.rules.evaluate import Decision


STATUS_LABELS = {
    "lv": {"met": "sasniegts", "met_late": "sasniegts ar nokavēšanos", "on_track": "atbilst grafikam",
           "at_risk": "apdraudēts", "missed": "nav sasniegts", "no_data": "nav datu",
           "reversed": "sasniegtais zaudēts"},
    "en": {"met": "met", "met_late": "met late", "on_track": "on track", "at_risk": "at risk",
           "missed": "missed", "no_data": "no data", "reversed": "reversed"},
}


def fmt_number(value: Decimal, lang: str = "en") -> str:
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", " ")
    else:
        text = f"{value:,.2f}".rstrip("0").replace(",", " ")
        if lang == "lv":
            text = text.replace(".", ",")
    return text


def fmt_date(d: date, lang: str) -> str:
    return d.strftime("%d.%m.%Y") if lang == "lv" else d.isoformat()


def lv_days(n: int, case: str = "nom") -> str:
    """`n` days in Latvian: numbers ending in 1 (but not 11) take the singular."""
    singular = n % 10 == 1 and n % 100 != 11
    forms = {"nom": ("diena", "dienas"), "acc": ("dienu", "dienas"), "dat": ("dienas", "dienām"),
             "par": ("dienu", "dienām")}
    return f"{n} {forms[case][0 if singular else 1]}"


def en_days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def explain(item: Item, d: "Decision") -> dict[str, str]:
    return {"lv": _lv(item, d), "en": _en(item, d)}


def _en(item: Item, d: "Decision") -> str:
    D, due = fmt_date(d.as_of, "en"), fmt_date(d.due, "en")
    if item.kind == "milestone":
        name = f"“{item.name_en}”"
        reached = fmt_date(d.reached_on, "en") if d.reached_on else ""
        text = {
            "met": f"Met: {name} was done on {reached}, by the deadline {due}",
            "met_late": f"Met late: {name} was done on {reached}, "
            f"{en_days((d.reached_on - d.due).days) if d.reached_on else ''} after the deadline {due}",
            "on_track": f"On track: {name} is not done yet, {_left_en(d)}",
            "missed": f"Missed: {name} was not done by the deadline {due}, {en_days(-d.days_left)} ago",
            "no_data": f"No data: nothing recorded as of {D} on {name}, {_left_en(d)}",
            "reversed": f"Reversed: {name} was done on {reached} but the latest record says it is not done",
        }[d.status]
        return text + "."
    goal = fmt_number(d.goal, "en")  # type: ignore[arg-type]
    unit = item.unit_en
    subject = f"{fmt_number(d.actual, 'en') if d.actual is not None else 'none'} of {goal} {unit}"
    if d.status == "no_data":
        return f"No data: nothing recorded as of {D} toward {goal} {unit}, {_left_en(d)}."
    if d.status == "missed" and d.actual is None:
        return f"Missed: nothing recorded toward {goal} {unit} by the deadline {due}, {en_days(-d.days_left)} ago."
    reached = fmt_date(d.reached_on, "en") if d.reached_on else ""
    head = {
        "met": f"Met: {subject} by {due} (reached on {reached})",
        "met_late": f"Met late: {subject}, reached on {reached}, "
        f"{en_days((d.reached_on - d.due).days) if d.reached_on else ''} after the deadline {due}",
        "on_track": f"On track: {subject}, {_left_en(d)}",
        "at_risk": f"At risk: {subject}, {_left_en(d)}",
        "missed": f"Missed: {subject} by the deadline {due}, {en_days(-d.days_left)} ago",
        "reversed": f"Reversed: the goal was reached on {reached} but the latest record shows {subject}",
    }[d.status]
    return "; ".join([head, *_details_en(item, d)]) + "."


def _left_en(d: "Decision") -> str:
    if d.days_left == 0:
        return f"due today ({fmt_date(d.due, 'en')})"
    return f"{en_days(d.days_left)} left to {fmt_date(d.due, 'en')}"


def _details_en(item: Item, d: "Decision") -> list[str]:
    out = []
    for cp in d.checkpoints:
        if cp.status == "missed" and d.status in {"at_risk", "on_track"}:
            actual = fmt_number(cp.actual, "en") if cp.actual is not None else "none"
            out.append(f"behind the checkpoint of {fmt_number(cp.goal, 'en')} by "
                       f"{fmt_date(cp.date, 'en')} ({actual} on that day)")
    short = [k for k in d.breakdown if not k.met]
    if short and d.status != "met" and item.breakdown:
        if all(k.actual is None for k in d.breakdown):
            out.append(f"nothing recorded by {item.breakdown.name_en}")
        else:
            out.append("short in " + ", ".join(
                f"{k.key} ({fmt_number(k.actual, 'en')} of {fmt_number(k.goal, 'en')})" if k.actual is not None
                else f"{k.key} (no data; {fmt_number(k.goal, 'en')} needed)" for k in short))
    p = d.projection
    if d.status in {"on_track", "at_risk", "missed"}:
        goal = fmt_number(d.goal, "en")  # type: ignore[arg-type]
        if p.on is not None and p.on < d.as_of:
            out.append(f"at the recorded pace {goal} would have been reached on {fmt_date(p.on, 'en')}, "
                       f"but no record shows it (latest as of {fmt_date(d.latest_record, 'en')})")
        elif p.on == date.max:
            out.append(f"at the recorded pace {goal} is reached only after the year 9999")
        elif p.on is not None:
            gap = (p.on - d.due).days
            rel = "on the deadline" if gap == 0 else (
                f"{en_days(gap)} after the deadline" if gap > 0 else f"{en_days(-gap)} before the deadline")
            out.append(f"at the recorded pace {goal} is reached on {fmt_date(p.on, 'en')}, {rel}")
        elif p.never:
            out.append("no gain has been recorded, so at this pace the goal is never reached")
        elif d.status != "missed":
            out.append("too few records to project the pace")
    return out


def _lv(item: Item, d: "Decision") -> str:
    D, due = fmt_date(d.as_of, "lv"), fmt_date(d.due, "lv")
    if item.kind == "milestone":
        name = f"“{item.name_lv}”"
        reached = fmt_date(d.reached_on, "lv") if d.reached_on else ""
        text = {
            "met": f"Izpildīts: {name} izpildīts {reached}, līdz termiņam {due}",
            "met_late": f"Izpildīts ar nokavēšanos: {name} izpildīts {reached}, "
            f"{lv_days((d.reached_on - d.due).days, 'acc') if d.reached_on else ''} pēc termiņa {due}",
            "on_track": f"Atbilst grafikam: {name} vēl nav izpildīts, {_left_lv(d)}",
            "missed": f"Nav izpildīts: {name} nebija izpildīts līdz termiņam {due}, "
            f"kas pagāja pirms {lv_days(-d.days_left, 'dat')}",
            "no_data": f"Nav datu: līdz {D} par {name} nav neviena ieraksta, {_left_lv(d)}",
            "reversed": f"Sasniegtais zaudēts: {name} bija izpildīts {reached}, "
            "bet pēdējais ieraksts saka, ka tas nav izpildīts",
        }[d.status]
        return text + "."
    goal = fmt_number(d.goal, "lv")  # type: ignore[arg-type]
    unit = item.unit_lv
    subject = f"{unit}: {fmt_number(d.actual, 'lv') if d.actual is not None else 'nav datu'} no {goal}"
    if d.status == "no_data":
        return f"Nav datu: līdz {D} nav neviena ieraksta (mērķis: {unit} {goal}), {_left_lv(d)}."
    if d.status == "missed" and d.actual is None:
        return (f"Nav sasniegts: līdz termiņam {due} nav neviena ieraksta (mērķis: {unit} {goal}); "
                f"termiņš pagāja pirms {lv_days(-d.days_left, 'dat')}.")
    reached = fmt_date(d.reached_on, "lv") if d.reached_on else ""
    head = {
        "met": f"Sasniegts: {subject} līdz {due} (sasniegts {reached})",
        "met_late": f"Sasniegts ar nokavēšanos: {subject}, sasniegts {reached}, "
        f"{lv_days((d.reached_on - d.due).days, 'acc') if d.reached_on else ''} pēc termiņa {due}",
        "on_track": f"Atbilst grafikam: {subject}, {_left_lv(d)}",
        "at_risk": f"Apdraudēts: {subject}, {_left_lv(d)}",
        "missed": f"Nav sasniegts: {subject} līdz termiņam {due}, kas pagāja pirms {lv_days(-d.days_left, 'dat')}",
        "reversed": f"Sasniegtais zaudēts: mērķis bija sasniegts {reached}, bet pēdējais ieraksts rāda {subject}",
    }[d.status]
    return "; ".join([head, *_details_lv(item, d)]) + "."


def _left_lv(d: "Decision") -> str:
    if d.days_left == 0:
        return f"termiņš ir šodien ({fmt_date(d.due, 'lv')})"
    verb = "atlikusi" if lv_days(d.days_left).endswith("diena") else "atlikušas"
    return f"līdz termiņam {fmt_date(d.due, 'lv')} {verb} {lv_days(d.days_left)}"


def _details_lv(item: Item, d: "Decision") -> list[str]:
    out = []
    for cp in d.checkpoints:
        if cp.status == "missed" and d.status in {"at_risk", "on_track"}:
            actual = fmt_number(cp.actual, "lv") if cp.actual is not None else "nav datu"
            out.append(f"atpaliek no starpposma mērķa {fmt_number(cp.goal, 'lv')} līdz "
                       f"{fmt_date(cp.date, 'lv')} (tajā dienā {actual})")
    short = [k for k in d.breakdown if not k.met]
    if short and d.status != "met" and item.breakdown:
        if all(k.actual is None for k in d.breakdown):
            out.append(f"nav datu sadalījumā: {item.breakdown.name_lv}")
        else:
            out.append("nepietiek: " + ", ".join(
                f"{k.key} ({fmt_number(k.actual, 'lv')} no {fmt_number(k.goal, 'lv')})" if k.actual is not None
                else f"{k.key} (nav datu; vajag {fmt_number(k.goal, 'lv')})" for k in short))
    p = d.projection
    if d.status in {"on_track", "at_risk", "missed"}:
        goal = fmt_number(d.goal, "lv")  # type: ignore[arg-type]
        if p.on is not None and p.on < d.as_of:
            out.append(f"ar reģistrēto tempu {goal} būtu sasniegts {fmt_date(p.on, 'lv')}, bet neviens "
                       f"ieraksts to neapliecina (pēdējais uz {fmt_date(d.latest_record, 'lv')})")
        elif p.on == date.max:
            out.append(f"ar reģistrēto tempu {goal} tiks sasniegts tikai pēc 9999. gada")
        elif p.on is not None:
            gap = (p.on - d.due).days
            rel = "tieši termiņā" if gap == 0 else (
                f"{lv_days(gap, 'acc')} pēc termiņa" if gap > 0 else f"{lv_days(-gap, 'acc')} pirms termiņa")
            out.append(f"ar reģistrēto tempu {goal} tiks sasniegts {fmt_date(p.on, 'lv')}, {rel}")
        elif p.never:
            out.append("pieaugums nav reģistrēts, tāpēc ar šo tempu mērķis netiks sasniegts")
        elif d.status != "missed":
            out.append("pārāk maz ierakstu, lai aprēķinātu tempu")
    return out
