"""The engine's words in each language, from gettext message catalogues built with Babel.

Every user-facing sentence is written once, as an English msgid with named placeholders that
are filled in after translation:

    _ = Words("lv")
    _("On track: “{name}” is not done yet, {left}.", name=..., left=...)
    _.ngettext("{n} day left", "{n} days left", n)   # Latvian has 3 forms: 1, 21…; 2…; 0

The catalogues are locale/<lang>/LC_MESSAGES/rrf.mo beside this file, compiled from rrf.po by
scripts/messages.sh, which also extracts the msgids (babel.cfg says from where; the msgid is
always the first argument, so Babel's default keywords find them). English is the source
language: its catalogue translates nothing, so English text is the msgid itself.

Dates are written 31.08.2026 in Latvian and 2026-08-31 in English; numbers group thousands
with a space ("1 300") in both. Times (when something was recorded, imported, sent) are Riga
time with the zone named, in both: "2026-03-16 09:12 EET" (EEST in summer).
"""

import datetime as dt
import gettext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

from rrf.rules.dates import RIGA
from rrf.rules.vocab import DONE, NOT_DONE

LOCALE = Path(__file__).parent / "locale"  # inside the package, also when installed from a wheel
DOMAIN = "rrf"


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `lang`, read once."""
    with (LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as f:
        return gettext.GNUTranslations(f)


def N_(msgid: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is used."""
    return msgid


@dataclass(frozen=True)
class Words:
    """The messages and formats of one language (`Words("lv")`)."""

    lang: str
    catalogue: gettext.GNUTranslations = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "catalogue", translations(self.lang))

    def __call__(self, msgid: str, /, **values: object) -> str:
        return self.catalogue.gettext(msgid).format(**values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The form of the message for the number `n`, with `{n}` and `values` filled in."""
        return self.catalogue.ngettext(singular, plural, n).format(n=n, **values)

    def pgettext(self, context: str, msgid: str, /, **values: object) -> str:
        """A message whose msgid alone is ambiguous: `context` tells which one."""
        return self.catalogue.pgettext(context, msgid).format(**values)

    def label(self, status: str) -> str:
        return label(status, self.lang)

    def number(self, value: Decimal) -> str:
        return fmt_number(value, self.lang)

    def date(self, day: dt.date) -> str:
        return fmt_date(day, self.lang)

    def actual(self, value: object) -> str:
        """A recorded value as people read it: a number, done, not done, or no data."""
        if value is None:
            return self.pgettext("value", "no data")
        if value == DONE:
            return self.pgettext("value", "done")
        if value == NOT_DONE:
            return self.pgettext("value", "not done")
        return self.number(value)  # type: ignore[arg-type]

    def pick(self, obj: object, what: str = "name") -> str:
        """The plan's own text in this language: `obj.name_lv` or `obj.name_en`, `obj.unit_lv`…"""
        return getattr(obj, f"{what}_{self.lang}")


def label(status: str, lang: str) -> str:
    """A status as people read it: "at_risk" is "at risk", "apdraudēts"."""
    return _labels(lang)[status]


@cache
def _labels(lang: str) -> dict[str, str]:
    t = translations(lang)
    return {
        "met": t.pgettext("status", "met"),
        "met_late": t.pgettext("status", "met late"),
        "on_track": t.pgettext("status", "on track"),
        "at_risk": t.pgettext("status", "at risk"),
        "missed": t.pgettext("status", "missed"),
        "no_data": t.pgettext("status", "no data"),
        "reversed": t.pgettext("status", "reversed"),
    }


@lru_cache(maxsize=1 << 16)  # a check writes the same goals, days and figures thousands of times
def fmt_number(value: Decimal, lang: str = "en") -> str:
    """A figure as recorded or planned, every decimal it has (never rounded: 14.999 of 15 is not
    "15 of 15"), trailing zeros dropped, thousands grouped by a space: "1 300", "14.999" (LV
    "14,999"). Money is rounded to cents by its caller (rules.exposure.money)."""
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", " ")
    else:
        text = f"{value.normalize():,f}".replace(",", " ")
        if lang == "lv":
            text = text.replace(".", ",")
    return text


@lru_cache(maxsize=1 << 16)
def fmt_date(d: dt.date, lang: str) -> str:
    """31.08.2026 (LV) or 2026-08-31 (EN); formatted by hand: strftime costs three times more."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}" if lang == "lv" else d.isoformat()


def fmt_time(instant: dt.datetime) -> str:
    """An instant on the Riga wall clock, its zone named: "2026-03-16 09:12 EET". The database
    keeps times in UTC; one read back without its zone is taken as UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.timezone.utc)
    return instant.astimezone(RIGA).strftime("%Y-%m-%d %H:%M %Z")


def days(n: int, lang: str, case: str = "nom") -> str:
    """`n` days on their own: "1 day", "5 days". Latvian inflects the noun by its role in the
    sentence: `case` is nom ("1 diena"), acc ("1 dienu"), dat after pirms or pēc ("1 dienas",
    "5 dienām") or par ("1 dienu", "5 dienām"). Sentences translate whole clauses instead."""
    t = translations(lang)
    forms = {
        "nom": lambda: t.npgettext("days: nominative", "{n} day", "{n} days", n),
        "acc": lambda: t.npgettext("days: accusative", "{n} day", "{n} days", n),
        "dat": lambda: t.npgettext("days: after pirms or pēc", "{n} day", "{n} days", n),
        "par": lambda: t.npgettext("days: after par", "{n} day", "{n} days", n),
    }
    return forms[case]().format(n=n)
