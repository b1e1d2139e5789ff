"""A recipient's digest (one message per run listing all their items), from Jinja2 templates."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from rrf.notifications.config import Recipient
from rrf.rules.escalate import Notice
from rrf.rules.evaluate import Decision
from rrf.rules.explain import STATUS_LABELS, en_days, fmt_date, fmt_number, lv_days
from rrf.rules.plan import Plan

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)

ASK = {
    "lv": {
        "no_data": "reģistrējiet aktuālo progresu (rrf record) vai nosūtiet to RRF birojam.",
        "at_risk": "ziņojiet aktuālo progresu un pasākumus, lai mērķi sasniegtu līdz termiņam.",
        "missed": "ziņojiet, vai un kad mērķis tiks sasniegts: maksājuma pieprasījums ir apdraudēts.",
        "reversed": "paskaidrojiet kritumu zem sasniegtā mērķa un kā to atjaunosiet (RRF neļauj sasniegto zaudēt).",
        "head": "pārliecinieties, ka atbildīgie rīkojas, un vajadzības gadījumā iesaistieties.",
    },
    "en": {
        "no_data": "record the current progress (rrf record) or send it to the RRF office.",
        "at_risk": "report the current progress and the steps that will reach the goal by the deadline.",
        "missed": "report whether and when the goal will be reached: the payment request is at risk.",
        "reversed": "explain the fall below the goal that was reached and how it will be restored (RRF forbids reversal).",
        "head": "make sure the people responsible act, and step in where needed.",
    },
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    level: int
    items: list[str]
    language: str


def digest(recipient: Recipient, notices: list[Notice], decisions: dict[str, Decision], plan: Plan,
           as_of: date) -> Message:
    lang = recipient.language
    alerts, resolved = [], []
    for n in sorted(notices, key=lambda n: (-n.level, n.item_id)):
        item, d = plan.item(n.item_id), decisions[n.item_id]
        name = item.name_lv if lang == "lv" else item.name_en
        if n.kind == "resolved":
            resolved.append({"id": n.item_id, "name": name, "reason": n.reason[lang]})
            continue
        alerts.append({
            "id": n.item_id, "name": name, "level": n.level, "status_label": STATUS_LABELS[lang][d.status],
            "goal": "izpildīts" if d.goal == "done" and lang == "lv" else (
                "done" if d.goal == "done" else fmt_number(d.goal, lang)),  # type: ignore[arg-type]
            "unit": (item.unit_lv if lang == "lv" else item.unit_en) or "",
            "actual": _actual(d, lang), "due": fmt_date(d.due, lang), "left": _left(d.days_left, lang),
            "projected": fmt_date(d.projection.on, lang)
            if d.projection.on and d.projection.on >= as_of and d.days_left >= 0 else None,
            "explanation": d.explanation[lang], "reason": n.reason[lang],
            "ask": ASK[lang]["head" if n.recipient.startswith("role:") else d.status],
        })
    body = _ENV.get_template(f"digest.{lang}.j2").render(
        recipient=recipient, as_of=fmt_date(as_of, lang), alerts=alerts, resolved=resolved)
    level = max((n.level for n in notices if n.kind == "alert"), default=0)
    return Message(_subject(lang, as_of, notices, decisions, level), body, level,
                   sorted({n.item_id for n in notices}), lang)


def _left(days: int, lang: str) -> str:
    if lang == "lv":
        if days >= 0:
            return f"{'atlikusi' if lv_days(days).endswith('diena') else 'atlikušas'} {lv_days(days)}"
        return f"nokavēts par {lv_days(-days, 'par')}"
    return f"{en_days(days)} left" if days >= 0 else f"{en_days(-days)} overdue"


def _actual(d: Decision, lang: str) -> str:
    if d.actual is None:
        return "nav datu" if lang == "lv" else "no data"
    if d.actual in ("done", "not-done"):
        return {"lv": {"done": "izpildīts", "not-done": "nav izpildīts"},
                "en": {"done": "done", "not-done": "not done"}}[lang][d.actual]  # type: ignore[index]
    return fmt_number(d.actual, lang)  # type: ignore[arg-type]


def _subject(lang: str, as_of: date, notices: list[Notice], decisions: dict[str, Decision], level: int) -> str:
    """`[RRF L3] 01.09.2026: nav sasniegts 2, apdraudēts 1`: the level first, so heads can sort by it."""
    counts = Counter(decisions[n.item_id].status for n in notices if n.kind == "alert")
    parts = [f"{STATUS_LABELS[lang][s]} {c}" for s, c in sorted(counts.items(), key=lambda kv: -_rank(kv[0]))]
    fixed = sum(1 for n in notices if n.kind == "resolved")
    if fixed:
        parts.append(f"{'atrisināts' if lang == 'lv' else 'resolved'} {fixed}")
    tag = f"[RRF L{level}]" if level else "[RRF]"
    return f"{tag} {fmt_date(as_of, lang)}: {', '.join(parts)}"


def _rank(status: str) -> int:
    return {"reversed": 4, "missed": 3, "at_risk": 2, "no_data": 1}.get(status, 0)
