"""Load and validate a plan file as a whole, reporting every problem at once.

`load_plan` reads bytes, so that "not UTF-8" and "not TOML" are reported like any
other problem; it never writes anything. One `PlanError` carries all problems,
each naming the key path and the bad value.
"""

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from rrf.rules.amend import AmendmentError, PlanVersion
from rrf.rules.errors import RrfError, key_path, labelled, printable, shown_value
from rrf.rules.i18n import Words
from rrf.rules.plan import PATTERN_WORDS, Item, Plan

_ = Words("en")  # refusals are the operators' lines: English (README)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PlanError(RrfError):
    """The plan file is unusable; `problems` lists every reason found (each a `Problem`)."""

    def __init__(self, file: str, problems: list[Problem]):
        lines = "\n".join(f"  {p}" for p in problems)
        counted = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(problems, f"{file}: {counted} in the plan:\n{lines}")
        self.file = file
        self.problems = problems  # type: ignore[assignment]  (the Problems themselves, with their key paths)


@dataclass(frozen=True)
class LoadedPlan:
    """A validated plan together with the exact text it came from."""

    plan: Plan
    text: str
    sha256: str
    path: str
    warnings: list[str]


def load_plan(path: str | Path) -> LoadedPlan:
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise PlanError(str(path), [Problem("", f"cannot read the file: {exc.strerror}")]) from None
    return parse_plan(raw_bytes, str(path))


def parse_plan(raw_bytes: bytes, name: str = "<plan>") -> LoadedPlan:
    text, raw = read_toml(raw_bytes, name, PlanError, _("not a plan: arrays or tables nested hundreds deep"))
    if not raw:  # not a line for each section a plan must have
        comments = "" if not text.removeprefix(_BOM).strip() else " (nothing but comments)"
        raise PlanError(name, [Problem("", f"the file is empty{comments}")])
    plan, problems = _validated(raw)
    problems += _cross_problems(raw)
    if plan is not None and not problems:
        problems += _version_problems(plan)
    if problems or plan is None:
        raise PlanError(name, _unique(problems))
    return LoadedPlan(
        plan=plan,
        text=text,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        path=name,
        warnings=conflict_warnings(plan),
    )


_BOM = "\ufeff"  # the byte-order mark that some editors (Notepad) write first in a UTF-8 file


def read_toml(raw_bytes: bytes, name: str, refusal: Callable[[str, list[Problem]], RrfError],
              too_deep: str) -> tuple[str, dict[str, Any]]:
    """The text of a file's bytes (as given: a leading byte-order mark stays, so that it hashes as
    the file does) and its TOML (read without the mark), or `refusal` of the file `name` with the
    one problem why not: not UTF-8, not TOML (`_syntax_problem`), or nested too deep (`too_deep`)."""
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        bad = raw_bytes[exc.start : exc.start + 1]
        raise refusal(name, [Problem(f"line {line}", f"not UTF-8 (byte 0x{bad.hex().upper()} at offset {exc.start})")]) from None
    toml = text.removeprefix(_BOM)
    try:
        return text, tomllib.loads(toml)
    except tomllib.TOMLDecodeError as exc:
        raise refusal(name, [_syntax_problem(toml, exc)]) from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise refusal(name, [Problem("", too_deep)]) from None


_WHERE = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column \d+\)$", re.S)
_SHOWN_LINE = 100  # characters of a line that a TOML syntax error shows


def _syntax_problem(text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """What TOML says, as a clause ('invalid date or datetime'), at the line where it stopped reading,
    with that line as written: stripped, characters that are not printable escaped (rules.errors.printable),
    a long one cut. TOML's column is left out: the line shows where."""
    where = _WHERE.match(str(exc))
    what = where["what"] if where else str(exc).removesuffix(" (at end of document)")
    what = what[:1].lower() + what[1:]
    if where is None:
        return Problem("", f"not valid TOML: {what} at the end of the file")
    number = int(where["line"])
    line = text.split("\n", number)[number - 1].strip()
    shown = printable(line[:_SHOWN_LINE]) + ("…" if len(line) > _SHOWN_LINE else "")
    return Problem(f"line {number}", f"not valid TOML: {what}: {shown}")


def _validated(raw: dict[str, Any]) -> tuple[Plan | None, list[Problem]]:
    """The plan, or every field-level problem (a union reports once per member: the first is kept)."""
    try:
        return Plan.model_validate(raw), []
    except ValidationError as exc:
        problems: dict[str, Problem] = {}
        for err in exc.errors():
            problem = _problem(raw, err)
            problems.setdefault(problem.path, problem)
        return None, list(problems.values())


# pydantic's sentences that speak of its own terms ("List should have at least 1 item after validation,
# not 0", "instance of Checkpoint"), in the plan's words; a pattern, in PATTERN_WORDS
_PLAIN = {
    "too_short": "must list at least one",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "model_type": "expected a table",
    "dict_type": "expected a table",
    "bool_type": "expected true or false",
    "list_type": "expected a list, [...]",
    "string_type": "expected a text in quotes",
    "int_type": "expected a whole number",
}


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "string_pattern_mismatch":
        return PATTERN_WORDS.get(err["ctx"]["pattern"], "not in the form expected")
    if err["type"] in _PLAIN:
        return _PLAIN[err["type"]].format(**err.get("ctx", {}))
    return err["msg"].removeprefix("Value error, ")


def _problem(raw: dict[str, Any], err: dict[str, Any]) -> Problem:
    path = _path(raw, list(err["loc"]))
    msg = _message(err)
    if err["type"] == "extra_forbidden":
        return Problem(path, "unknown key")
    if err["type"] == "missing":
        return Problem(path, "required key is missing")
    value = err.get("input")
    if err["type"] in {"value_error", "assertion_error"} and isinstance(value, dict):
        return Problem(path, msg)
    if shown_value(value) in msg:  # the message names it already ('soon' is not a date)
        return Problem(path, msg)
    return Problem(path, f"{msg} (got {shown_value(value)})")



_UNION_TAG = re.compile(r"^(function-[a-z-]+\[.*\]|literal\[.*\]|decimal|date|str|int|float|bool)$")


def _path(raw: Any, loc: list[Any]) -> str:
    """The key path of a pydantic location in the raw file: `items[3] (id).breakdown.keys.KPR`.

    pydantic also names the member of a union it tried (`decimal`, `literal['done']`), and a bad
    key by `[key]` after it; such a part is skipped unless the file really has a key of that name there.
    """
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            out = labelled(f"{out}[{part}]", _get(node, "id"))
            continue
        key = str(part)
        if not (isinstance(node, dict) and key in node) and (_UNION_TAG.match(key) or key == "[key]"):
            continue  # "[key]": the key before it is the bad value
        out = key_path(out, key)
        node = node.get(key) if isinstance(node, dict) else None
    return out


def _cross_problems(raw: dict[str, Any]) -> list[Problem]:
    """Checks that span sections: duplicate ids and every reference to a defined key."""
    problems: list[Problem] = []
    defined = {sec: _keys(raw.get(sec)) for sec in ("sources", "contacts", "institutions", "measures")}
    items = raw.get("items") if isinstance(raw.get("items"), list) else []

    def ref(path: str, section: str, value: Any) -> None:
        if isinstance(value, str) and value not in defined[section]:
            problems.append(Problem(path, f"{shown_value(value)} is not defined in [{section}]"))

    seen: dict[str, int] = {}
    ids: set[str] = set()
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        item_id = item.get("id")
        where = labelled(f"items[{n}]", item_id)
        if isinstance(item_id, str):
            if item_id in seen:
                problems.append(
                    Problem(f"{where}.id", f"duplicate id {item_id!r} (first at items[{seen[item_id]}])")
                )
            seen.setdefault(item_id, n)
            ids.add(item_id)
            ref(f"{where}.id", "measures", item_id.split("/", 1)[0] if "/" in item_id else None)
        for c in _list(item.get("contacts")):
            ref(f"{where}.contacts", "contacts", c)
        for q, quote in enumerate(_list(item.get("sources"))):
            ref(f"{where}.sources[{q}].doc", "sources", _get(quote, "doc"))
        for q, alt in enumerate(_list(item.get("due_alternatives"))):
            ref(f"{where}.due_alternatives[{q}].doc", "sources", _get(alt, "doc"))
        for q, cp in enumerate(_list(item.get("checkpoints"))):
            ref(f"{where}.checkpoints[{q}].doc", "sources", _get(cp, "doc"))
        keys = _get(_get(item, "breakdown"), "keys")
        for key, spec in (keys.items() if isinstance(keys, dict) else []):
            for c in _list(_get(spec, "contacts")):
                ref(f"{key_path(f'{where}.breakdown.keys', key)}.contacts", "contacts", c)

    for n, req in enumerate(_list(raw.get("payment_requests"))):
        for q, quote in enumerate(_list(_get(req, "sources"))):
            ref(f"payment_requests[{n}].sources[{q}].doc", "sources", _get(quote, "doc"))
    for n, amendment in enumerate(_list(raw.get("amendments"))):
        for q, quote in enumerate(_list(_get(amendment, "sources"))):
            ref(f"amendments[{n}].sources[{q}].doc", "sources", _get(quote, "doc"))
        for q, added in enumerate(_list(_get(amendment, "add"))):  # an added item's measure, as an item's
            added_id = _get(added, "id")
            ref(f"{labelled(f'amendments[{n}].add[{q}]', added_id)}.id", "measures",
                added_id.split("/", 1)[0] if isinstance(added_id, str) and "/" in added_id else None)
    for n, item in enumerate(items):
        for q, ev in enumerate(_list(_get(item, "evidence_required"))):
            if _get(ev, "doc") is not None:
                ref(f"items[{n}].evidence_required[{q}].doc", "sources", _get(ev, "doc"))
    for code, m in _items(raw.get("measures")):
        where = key_path("measures", code)
        ref(f"{where}.institution", "institutions", _get(m, "institution"))
        for c in _list(_get(m, "contacts")):
            ref(f"{where}.contacts", "contacts", c)
        for q, quote in enumerate(_list(_get(m, "sources"))):
            ref(f"{where}.sources[{q}].doc", "sources", _get(quote, "doc"))
        for q, alt in enumerate(_list(_get(m, "funding_alternatives"))):
            ref(f"{where}.funding_alternatives[{q}].doc", "sources", _get(alt, "doc"))
    for key, c in _items(raw.get("contacts")):
        ref(f"{key_path('contacts', key)}.institution", "institutions", _get(c, "institution"))
        ref(f"{key_path('contacts', key)}.doc", "sources", _get(c, "doc"))
    roles = _keys(raw.get("roles"))
    for n, level in enumerate(_list(_get(raw.get("escalation"), "levels"))):
        for who in _list(_get(level, "notify")):
            if isinstance(who, str) and who != "responsible" and who not in roles:
                problems.append(Problem(f"escalation.levels[{n}].notify",
                                        f"{who!r} is neither \"responsible\" nor defined in [roles]"))
    for num, row in _items(raw.get("roadmap")):
        where = key_path("roadmap", num)
        ref(f"{where}.investment", "measures", _get(row, "investment"))
        ref(f"{where}.doc", "sources", _get(row, "doc"))
        for item_id in _list(_get(row, "items")):
            if isinstance(item_id, str) and item_id not in ids:
                problems.append(Problem(f"{where}.items", f"{item_id!r} is not an item id"))
    return problems


def _version_problems(plan: Plan) -> list[Problem]:
    """Amendments that cannot apply, payment requests that name no item of any version or
    an item twice, and checkpoints out of time (checked once the plan itself is valid)."""
    try:
        versions = plan.versions
    except AmendmentError as exc:
        return [Problem(path, message) for path, message in exc.problems]
    problems: list[Problem] = []
    known = {i.id for v in versions for i in v.plan.items}
    seen: dict[str, int] = {}
    numbers: set[int] = set()
    for n, req in enumerate(plan.payment_requests):
        where = f"payment_requests[{n}] (number {req.number})"
        if req.number in numbers:
            problems.append(Problem(f"{where}.number", f"payment request {req.number} is declared twice"))
        numbers.add(req.number)
        for item_id in req.items:
            if item_id not in known:
                problems.append(Problem(f"{where}.items", f"{item_id!r} is not an item id (in any version of the plan)"))
            elif item_id in seen:
                problems.append(Problem(f"{where}.items", f"{item_id!r} is already in payment request {seen[item_id]}: "
                                                           "an item belongs to one request"))
            else:
                seen[item_id] = req.number
    classes = set(plan.suspension.importance)
    for v in versions:
        for item in v.plan.items:
            if item.importance is not None and item.importance not in classes:
                problems.append(Problem(f"items ({item.id}).importance",
                                        f"{item.importance!r} is not defined in [suspension.importance]"))
    return problems + _checkpoint_problems(plan, versions)


def _checkpoint_problems(plan: Plan, versions: list[PlanVersion]) -> list[Problem]:
    """The checkpoints out of time of every item as adopted and as each amendment changes or adds it."""
    placed = [(f"items[{n}]", item) for n, item in enumerate(plan.items)]
    for v in versions[1:]:
        where, amendment = f"amendments[{v.number - 1}]", v.amendment
        placed += [(f"{where}.change[{k}]", v.plan.item(c.id)) for k, c in enumerate(amendment.change)]
        placed += [(f"{where}.add[{k}]", item) for k, item in enumerate(amendment.add)]
    return [Problem(f"{labelled(where, item.id)}.checkpoints[{n}]", message)
            for where, item in placed for n, message in _out_of_time(plan, item)]


def _out_of_time(plan: Plan, item: Item) -> list[tuple[int, str]]:
    """Checkpoints (by their index) on a day another one has, dated before the item's trajectory
    starts (Plan.start_of), or going back on the one before them in time; and why."""
    problems: list[tuple[int, str]] = []
    start = plan.start_of(item)
    first_on: dict[date, int] = {}
    for n, cp in enumerate(item.checkpoints):
        if cp.date in first_on:
            problems.append((n, f"{cp.date} is also the date of checkpoints[{first_on[cp.date]}]: one a day"))
            continue
        first_on[cp.date] = n
        if start is not None and cp.date < start:
            problems.append((n, f"date {cp.date} is before {_whose_start(plan, item)} start {start}"))
    in_time = [n for _, n in sorted(first_on.items())]
    for before, n in zip(in_time, in_time[1:]):
        earlier, later = item.checkpoints[before], item.checkpoints[n]
        if later.value != earlier.value and item.reaches(earlier.value, later.value):  # back toward the baseline
            side, rule = _GOING_BACK[item.reduction]
            problems.append((n, f"value {later.value} by {later.date} is {side} {earlier.value} by {earlier.date} "
                                f"(checkpoints[{before}]): {rule}"))
    return problems


_GOING_BACK = {  # by Item.reduction: where a checkpoint that goes back on the one before it is, and the rule
    False: ("below", "a target that increases does not go down from one checkpoint to the next"),
    True: ("above", 'a reduction (direction = "decrease") does not go up from one checkpoint to the next'),
}


def _whose_start(plan: Plan, item: Item) -> str:
    """Whose start Plan.start_of takes for `item`: its own, its measure's or the plan's."""
    if item.start:
        return "the item's"
    measure = plan.measures.get(item.measure)
    return f"measure {item.measure}'s" if measure is not None and measure.start else "the plan's"


def conflict_warnings(plan: Plan) -> list[str]:
    """One warning per figure on which the source documents disagree."""
    out: list[str] = []

    def describe(alts: list[Any], adopted: Any) -> str:
        return "; ".join(
            f"{a.value} in {plan.sources[a.doc].file} (\"{a.quote}\")"
            + (" [used]" if a.value == adopted else "")
            for a in alts
        )

    for item in plan.items:
        if item.due_disputed:
            out.append(f"{item.id}: the sources disagree on the due date: "
                       f"{describe(item.due_alternatives, item.due)}")
    for code, m in plan.measures.items():
        if m.funding_disputed:
            out.append(f"{code}: the sources disagree on the funding in EUR: "
                       f"{describe(m.funding_alternatives, m.funding_eur)}")
    return out


def _keys(section: Any) -> set[str]:
    return set(section) if isinstance(section, dict) else set()


def _items(section: Any) -> list[tuple[str, Any]]:
    return list(section.items()) if isinstance(section, dict) else []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, dict) else None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
