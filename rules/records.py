"""Checking one reported progress figure against the plan, before anything is written.

Pure: "today" is passed in. Used by `rrf record` and by every row of `rrf import`.

A record's evidence may say which document the item's verification requires it is
(`evidence_for`: the `name` of one of the item's `evidence_required`, in any version of the plan).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rrf.rules.amend import AmendmentError
from rrf.rules.dates import BadDate, parse_date
from rrf.rules.errors import RrfError, said
from rrf.rules.figures import out_of_bounds
from rrf.rules.vocab import MILESTONE_VALUES, NOT_DONE
from rrf.rules.plan import Evidence, Item, Plan

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_GROUPED = re.compile(r"^\d{1,3}([ ]\d{3})+([.,]\d+)?$")
_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")  # 0.125 is no thousands group: a decimal


_ = said  # refusals: English on the command line (README), the user's language in the portal (rules.errors)


class RecordError(RrfError, ValueError):
    """Why a reported figure cannot be recorded (one message per problem)."""

    closing = _("nothing was written")
    itemised = True


@dataclass(frozen=True)
class CheckedRecord:
    item_id: str
    as_of: date
    value: Decimal | None
    done: bool | None
    breakdown_key: str | None
    source: str
    reporter: str | None
    evidence: str | None
    corrects: int | None = None
    reason: str | None = None
    evidence_for: str | None = None  # the required document (Item.evidence_required) the evidence is


@dataclass(frozen=True)
class ImportRow:
    """A checked record from line `line` of an imported file, with its evidence's SHA-256."""

    line: int
    record: CheckedRecord
    evidence_sha256: str | None


def quoted(text: str, width: int = 24) -> str:
    """A value as a message quotes it: a long one by its start and its length."""
    if len(text) <= width:
        return repr(text)
    return _("{start}… ({n} characters)", start=repr(text[:width]), n=len(text))


def parse_number(text: str) -> Decimal:
    """Read 1300, 1 300, 1300,0, 1 300,5 or 1300.5; refuse 1,300 and 1.300 as ambiguous, and a
    figure beyond the bounds of out_of_bounds."""
    s = text.strip()
    if _AMBIGUOUS.match(s):
        raise ValueError(_("{value} is ambiguous: write 1300 or 1 300 for thousands, 1,3 or 1.3 for a decimal "
                           "({example} for three decimal places)", value=repr(text), example=f"{s}0"))
    if _GROUPED.match(s.replace("\u00a0", " ").replace("\u202f", " ")):
        s = _SPACES.sub("", s)
    s = s.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", s):
        raise ValueError(_("{value} is not a number", value=quoted(text)))
    number = Decimal(s)  # digits, and a point: always a decimal
    problem = out_of_bounds(number, quoted(text))
    if problem is not None:
        raise ValueError(problem)
    return number


def check_record(
    plan: Plan,
    *,
    item_id: str,
    value: str,
    as_of: str | date,
    source: str,
    today: date,
    breakdown: str | None = None,
    reporter: str | None = None,
    evidence: str | None = None,
    evidence_for: str | None = None,
) -> CheckedRecord:
    """Return the record to write, or raise RecordError naming every problem found.

    `evidence_for`: which of the item's required documents the evidence (a file or URL, or the
    portal's upload) is; refused when the item does not require a document of that name, or
    when no evidence is given."""
    problems: list[str] = []
    item: Item | None
    try:
        item = plan.item(item_id)  # also an item an amendment adds
    except KeyError:
        item = None
    if item is None:
        close = [i for i in plan.ids if i.split("/")[0] == item_id.split("/")[0]] or plan.ids
        problems.append(_("unknown id {id} (known: {known})", id=repr(item_id), known=", ".join(close)))

    day: date | None = None
    try:
        day = parse_date(as_of)
        if day > today:
            problems.append(_("as-of date {day} is in the future (today is {today} in Riga)", day=day, today=today))
    except BadDate as exc:
        problems.append(_("as-of date: {problem}", problem=exc.problems[0]))

    if not source or not source.strip():
        problems.append(_("source is empty: say where the figure comes from"))

    number: Decimal | None = None
    done: bool | None = None
    text = (value or "").strip()
    if item is not None and item.kind == "milestone":
        if text.lower() in MILESTONE_VALUES:
            done = MILESTONE_VALUES[text.lower()]
        else:
            problems.append(_("{id} is a milestone: the value must be done or not-done, got {value}", id=item_id,
                              value=repr(value)))
    elif item is not None:
        if text.lower() in MILESTONE_VALUES:
            problems.append(_("{id} is a target: the value must be a number, got {value}", id=item_id,
                              value=repr(value)))
        else:
            try:
                number = parse_number(text)
                if number < 0:
                    problems.append(_("value: {value} is negative", value=repr(value)))
            except ValueError as exc:
                problems.append(_("value: {problem}", problem=exc.args[0]))

    key = None
    if breakdown is not None and item is not None:
        key = _breakdown_key(item, breakdown, problems)
    document = (evidence_for or "").strip() or None
    if document is not None and item is not None:
        _evidence_for(plan, item, document, bool((evidence or "").strip()), problems)
    if problems:
        raise RecordError(problems)
    assert item is not None and day is not None
    return CheckedRecord(
        item_id=item.id,
        as_of=day,
        value=number,
        done=done,
        breakdown_key=key,
        source=source.strip(),
        reporter=(reporter or "").strip() or None,
        evidence=(evidence or "").strip() or None,
        evidence_for=document,
    )


def required_documents(plan: Plan, item: Item) -> dict[str, Evidence]:
    """The documents `item` requires, by name: as the plan adopted it, then those that amendments
    add to it (a name once, with its latest titles). A record may name any of them."""
    found = {e.name: e for e in item.evidence_required}
    try:
        versions = plan.versions[1:]
    except AmendmentError:  # reported by the loader; the item as it is looked up
        versions = []
    for version in versions:
        if version.plan.holds(item.id):
            found.update({e.name: e for e in version.plan.item(item.id).evidence_required})
    return found


def _evidence_for(plan: Plan, item: Item, name: str, evidence: bool, problems: list[str]) -> None:
    required = required_documents(plan, item)
    if not required:
        problems.append(_("evidence-for {value}: {id} requires no documents", value=quoted(name), id=item.id))
    elif name not in required:
        problems.append(_("evidence-for {value} is not a document {id} requires (required: {names})",
                          value=quoted(name), id=item.id, names=", ".join(required)))
    elif not evidence:
        problems.append(_("evidence-for {value} is given without evidence: attach the document (a file or URL)",
                          value=quoted(name)))


def _breakdown_key(item, text: str, problems: list[str]) -> str | None:  # noqa: ANN001
    bd = item.breakdown
    if bd is None:
        problems.append(_("{id} has no breakdown, got the breakdown {value}", id=item.id, value=repr(text)))
        return None
    dimension, sep, key = text.partition("=")
    if not sep:
        dimension, key = bd.dimension, text
    dimension, key = dimension.strip(), key.strip()
    if dimension != bd.dimension:
        problems.append(_("unknown breakdown dimension {dimension} for {id} (expected {expected}=KEY)",
                          dimension=repr(dimension), id=item.id, expected=bd.dimension))
        return None
    if key not in bd.keys:
        problems.append(_("unknown breakdown key {key} for {id} (known {dimension} keys: {known})", key=repr(key),
                          id=item.id, dimension=bd.dimension, known=", ".join(bd.keys)))
        return None
    return key


def check_correction(
    plan: Plan,
    *,
    original: CheckedRecord,
    original_id: int,
    reason: str,
    source: str,
    today: date,
    value: str | None = None,
    as_of: str | date | None = None,
    breakdown: str | None = None,
    reporter: str | None = None,
    evidence: str | None = None,
    evidence_for: str | None = None,
) -> CheckedRecord:
    """A record that replaces record `original_id` (or, with no value, withdraws it).

    The correction keeps the original's item, and its as-of date and breakdown key unless
    new ones are given; the reason is required. Its evidence (and `evidence_for`) is its own:
    the original's is not carried over.
    """
    problems = [] if reason and reason.strip() else [_("reason is empty: say why the record is corrected")]
    withdraw = value is None
    key = breakdown
    if key is None and original.breakdown_key is not None:
        key = original.breakdown_key
    try:
        checked = check_record(
            plan, item_id=original.item_id,
            value=value if not withdraw else (NOT_DONE if original.done is not None else "0"),
            as_of=as_of if as_of is not None else original.as_of, source=source, today=today,
            breakdown=key, reporter=reporter, evidence=evidence, evidence_for=evidence_for,
        )
    except RecordError as exc:
        problems += exc.problems
        raise RecordError(problems) from None
    if problems:
        raise RecordError(problems)
    return CheckedRecord(**{
        **checked.__dict__,
        "value": None if withdraw else checked.value,
        "done": None if withdraw else checked.done,
        "corrects": original_id,
        "reason": reason.strip(),
    })
