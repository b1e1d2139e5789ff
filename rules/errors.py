"""The one base class of the engine's refusals: bad input (a plan, a figure, a file, an option)
that changes nothing. Front ends show its problems (the CLI exits with code 2).

A problem may be a `Said`: a sentence that is English as the text it is (the command line's
operators read English, README) and that the portal shows in its user's language (`in_`). Such
sentences are written `_("msgid {x}", x=...)` with `_ = said` in their module, so that Babel
extracts them into the catalogues like every other message.
"""

from datetime import date
from typing import Any, Iterable


class Said(str):
    """A sentence with named placeholders: its text is the English one; `in_(lang)` translates the
    message and the Said values within it through the catalogue of `lang`."""

    msgid: str
    values: dict[str, Any]
    plural: str | None  # with a count `n` in `values`: the plural msgid (the form is picked by `n`)

    def __new__(cls, msgid: str, values: dict[str, Any], plural: str | None = None) -> "Said":
        english = plural if plural is not None and values["n"] != 1 else msgid  # English: the source language
        self = super().__new__(cls, english.format(**values))
        self.msgid, self.values, self.plural = msgid, values, plural
        return self

    def in_(self, lang: str) -> str:
        from rrf.rules.i18n import Words  # not at import: i18n reads rules.dates, which refuses with Said

        words = Words(lang)
        values = {k: words.date(v) if type(v) is date else in_language(v, lang)
                  for k, v in self.values.items()}  # a day as the language writes it
        if self.plural is not None:
            return words.ngettext(self.msgid, self.plural, values.pop("n"), **values)
        return words(self.msgid, **values)

    def __reduce__(self) -> tuple[Any, ...]:  # a copy or a pickle (a refusal crossing processes) stays a Said
        return (Said, (self.msgid, self.values, self.plural))


def said(msgid: str, /, **values: Any) -> Said:
    """A sentence to be shown in its reader's language (see the module's docstring)."""
    return Said(msgid, values)


def said_n(singular: str, plural: str, n: int, /, **values: Any) -> Said:
    """`said` of a sentence about `n` things: the form the reader's language uses for `n`."""
    return Said(singular, {"n": n, **values}, plural)


def in_language(text: object, lang: str) -> object:
    """`text` in `lang` when it is a Said; anything else as it is (a file name, a number, a value)."""
    return text.in_(lang) if isinstance(text, Said) else text


def shown_value(value: Any) -> str:
    """A value of the plan as its author wrote it in TOML (a date as 2026-08-31, true, a table),
    never as Python writes it (datetime.date(2026, 8, 31), True, {...}); text in quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):  # a TOML date, time or date and time
        return value.isoformat()
    if isinstance(value, dict):
        return "a table (" + ", ".join(map(str, list(value)[:5])) + (", ..." if len(value) > 5 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(shown_value(v) for v in value[:5]) + (", ..." if len(value) > 5 else "") + "]"
    return repr(value) if isinstance(value, str) else str(value)


def printable(text: str) -> str:
    """`text` with every character that is not printable (a control character, a line break, a bidi
    override) escaped as `shown_value` shows text (\\x1b, \\n, \\u202e), but without its quotes: a
    line of a file or an id within a key path."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def key_path(where: str, key: str) -> str:
    """`where` followed by `key` as a refusal's key path writes it: bare, or in quotes when it holds more
    than letters, digits, '_' and '-' (`measures."3.1.1.2.i"`), not printable characters escaped."""
    part = key if key.replace("_", "").replace("-", "").isalnum() else f'"{printable(key)}"'
    return f"{where}.{part}" if where else part


def labelled(where: str, name: object) -> str:
    """`where` followed by the id or name of what is there, when it has one: `items[3] (3.1.1.2.i/x)`."""
    return f"{where} ({printable(name)})" if isinstance(name, str) else where


class RrfError(Exception):
    """Refused input; `problems` lists every reason found, `closing` what it means for the user."""

    closing: str | None = None
    itemised = False  # show each problem on a line of its own, rather than the message

    def __init__(self, problems: Iterable[object] | str, message: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else [p if isinstance(p, str) else str(p)
                                                                       for p in problems]
        super().__init__(message if message is not None else "; ".join(self.problems))

    def lines(self) -> list[str]:
        """What to show, one line each (after "error:")."""
        return self.problems if self.itemised else [str(self)]

    def lines_in(self, lang: str) -> list[str]:
        """`lines` in `lang`: its sentences that are Said translated (the portal's refusals)."""
        if self.itemised:
            return [str(in_language(p, lang)) for p in self.problems]
        if str(self) != "; ".join(self.problems):  # a message of its own: as it was given
            return [str(self)]
        return ["; ".join(str(in_language(p, lang)) for p in self.problems)]

    def closing_in(self, lang: str) -> str | None:
        return None if self.closing is None else str(in_language(self.closing, lang))
