"""Dates as the plan and its users write them, and whole days in Europe/Riga.

A deadline "by 31.08.2026" includes that whole day in Riga: an instant counts
for the day it falls on on a Riga wall clock, whatever the offset (EET or EEST).
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rrf.rules.errors import RrfError, said as _, shown_value

RIGA = ZoneInfo("Europe/Riga")

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LV = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")


class BadDate(RrfError, ValueError):
    """A text that is not a real calendar date in either accepted form."""


def parse_date(text: str) -> date:
    """Read `2026-08-31` or `31.08.2026` (a trailing dot, as Latvian texts write it, is fine).

    Impossible dates such as 31.02.2026 are refused, naming the text.
    """
    if isinstance(text, date) and not isinstance(text, datetime):
        return text
    if not isinstance(text, str):  # a date and time, a number: as the TOML wrote it
        raise BadDate(_("{value} is not a date (expected 2026-08-31 or 31.08.2026)", value=shown_value(text)))
    s = text.strip()
    if m := _ISO.match(s):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _LV.match(s):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    else:
        raise BadDate(_("{value} is not a date (expected 2026-08-31 or 31.08.2026)", value=repr(text)))
    try:
        return date(y, mo, d)
    except ValueError:
        raise BadDate(_("{value} is not a real date ({why})", value=repr(text), why=_impossible(y, mo))) from None


def _impossible(year: int, month: int) -> str:
    """Why a year, month and day make no date (the standard library's reasons, in the catalogues)."""
    if not 1 <= year <= 9999:
        return _("year {year} is out of range", year=year)
    if not 1 <= month <= 12:
        return _("month must be in 1..12")
    return _("day is out of range for month")


def riga_day(instant: datetime | date) -> date:
    """The calendar day an instant falls on in Riga; a plain date is returned as is.

    A naive datetime is refused: without an offset the day is ambiguous.
    """
    if isinstance(instant, datetime):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("a datetime without a time zone cannot be placed on a Riga day")
        return instant.astimezone(RIGA).date()
    return instant
