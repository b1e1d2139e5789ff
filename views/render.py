"""The Jinja2 environment of the portal's pages and the institution report: autoescaped (text
from users and files is escaped everywhere), translated through the message catalogues
(`{% trans %}`, `_()`), with the formats of `rrf.rules.i18n` as filters and the SVG charts as
globals."""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rrf.rules.i18n import N_, Words, fmt_time, translations
from rrf.rules.plan import Plan
from rrf.rules.vocab import LANGUAGES, STATUSES, RecipientKey
from rrf.views import charts

HERE = Path(__file__).parent
CSS = HERE / "static" / "portal.css"


@cache
def environment(lang: str) -> Environment:
    """One environment per language, built once per process."""
    w = Words(lang)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=w, gettext=w, ngettext=w.ngettext)  # str.format placeholders ({n}), as everywhere else
    env.filters.update(number=_number(w), day=lambda d: w.date(_day(d)) if d else "", label=w.label,
                       actual=lambda v: w.actual(_decimal(v)), pick=w.pick, capfirst=lambda s: s[:1].upper() + s[1:],
                       time=_time)
    env.globals.update(lang=lang, languages=LANGUAGES, statuses=STATUSES, w=w, other=_other,
                       trajectory=charts.trajectory, breakdown=charts.breakdown,
                       roles=ROLE_LABELS, checkpoint_labels=CHECKPOINT_LABELS)
    return env


def _day(value: Any) -> Any:
    """An ISO date as JSON data holds it ("2024-12-31") as a date; a date as it is."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _time(value: Any) -> str:
    """An instant (a datetime, or ISO text as JSON data holds it) on the Riga wall clock, its zone named."""
    return fmt_time(datetime.fromisoformat(value) if isinstance(value, str) else value) if value else ""


def _decimal(value: Any) -> Any:
    """JSON numbers (int, float) as the Decimal the formats expect; anything else as it is."""
    return Decimal(str(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _number(w: Words):  # noqa: ANN202
    def number(value: Any) -> str:
        if value is None:
            return ""
        return w.number(_decimal(value))
    return number


def _other(lang: str) -> str:
    return "en" if lang == "lv" else "lv"


def page(name: str, lang: str, **values: Any) -> str:
    return environment(lang).get_template(name).render(**values)


def css() -> str:
    return CSS.read_text(encoding="utf-8")




ROLE_LABELS = {"coordinator": N_("coordinator"), "head": N_("department head"), "auditor": N_("auditor"),
               "reporter": N_("reporter")}
CHECKPOINT_LABELS = {"met": N_("held on its date"), "met_late": N_("reached late"), "missed": N_("missed"),
                     "pending": N_("ahead")}


def recipient_label(plan: Plan, lang: str) -> Callable[[str], str]:
    """How a stored recipient (`contact:<id>`, `role:<role>@<institution>`) reads on a page."""
    w = Words(lang)

    def label(text: str) -> str:
        try:
            key = RecipientKey.parse(text)
        except ValueError:
            return text
        if not key.is_role:
            contact = plan.contacts.get(key.name)
            return contact.name if contact else key.name
        role, inst = plan.roles.get(key.name), plan.institutions.get(key.institution or "")
        return f"{w.pick(role) if role else key.name} ({w.pick(inst) if inst else key.institution})"
    return label
