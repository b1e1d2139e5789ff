"""The plan's own test cases (`rrf test`, like `opa test`): what the engine must decide for the
plan given some progress, written by the people who edit the plan. Pure: the file's bytes and
the plan come in, the differences go out.

A tests file is TOML:

    plan = "milestones.toml"        # optional, relative to the tests file (default: the plan in use)

    [[case]]
    name = "one region short"       # required, unique in the file
    as_of = 2026-09-15              # the day of the evaluation (2026-09-15 or "15.09.2026")
    records = [                     # the progress, as `rrf record` takes it: seq 1..n in file order
      { id = "3.1.1.2.i/specialists-trained", value = "1 300", as_of = "31.08.2026", breakdown = "KPR" },
    ]                               # `as_of` defaults to the case's; `evidence_for` names a required document

    [case.expect."3.1.1.2.i/specialists-trained"]
    status = "missed"               # any of these keys; each one given is compared
    actual = 1300                   # a number, "done", "not-done" or "none"
    reasons = ["key_short:KPR"]     # Decision.reasons (compared sorted)
    level = 3                       # the highest alert level of a first check with no history (0: none)
    recipients = ["contact:zane-gaile", "role:department-head@varam"]   # compared sorted
    evidence_missing = []           # required documents not attached (compared sorted)
    exposure = "at_risk"            # the item's category in its payment request (rules.exposure)
    exposure_eur = 1250000          # the item's amount at risk, pending or reversal

    [case.expect_requests."1"]      # a payment request's totals: at_risk_eur, pending_eur,
    at_risk_eur = 1250000           # reversal_eur, secure_eur

A case runs `evaluate`, then `decide` with no history (no notices sent, no acknowledgements, no
waivers) on its day, then `exposure`. Bad input (not TOML, an unknown key, an id the plan does
not have, a bad date, value or status) is a `PlanTestError` naming every problem by key path.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from rrf.rules.dates import BadDate, parse_date
from rrf.rules.errors import RrfError, key_path, labelled, shown_value
from rrf.rules.escalate import decide
from rrf.rules.evaluate import Decision, evaluate
from rrf.rules.exposure import Exposure, exposure
from rrf.rules.load import Problem, read_toml
from rrf.rules.plan import Item, Plan
from rrf.rules.progress import Observation
from rrf.rules.records import RecordError, check_record, parse_number, required_documents
from rrf.rules.serialize import decimal_text
from rrf.rules.vocab import MILESTONE_VALUES, STATUSES, RecipientKey

TOP_KEYS = ("plan", "case")
CASE_KEYS = ("name", "as_of", "records", "expect", "expect_requests")
RECORD_KEYS = ("id", "value", "as_of", "breakdown", "evidence_for")
EXPECT_KEYS = ("status", "actual", "reasons", "level", "recipients", "evidence_missing", "exposure_eur", "exposure")
REQUEST_KEYS = ("at_risk_eur", "pending_eur", "reversal_eur", "secure_eur")
CATEGORIES = ("secure", "at_risk", "pending", "paid", "reversal", "not_in_force")
REASONS = ("checkpoint_behind", "no_progress", "pace_behind", "stale")  # and key_short:<KEY> (rules.evaluate)
NONE = "none"  # `actual = "none"`: nothing recorded


class PlanTestError(RrfError):
    """A tests file that cannot be run; `problems` lists every reason found (each a `Problem`)."""

    def __init__(self, file: str, problems: list[Problem]):
        lines = "\n".join(f"  {p}" for p in problems)
        counted = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(problems, f"{file}: {counted} in the tests file:\n{lines}")
        self.file = file


@dataclass(frozen=True)
class CaseFile:
    """A tests file read as TOML, before it is checked against its plan."""

    path: str
    raw: dict[str, Any]
    plan: str | None  # the `plan` key as written (relative to the file), or None: the plan in use


@dataclass(frozen=True)
class Case:
    name: str
    as_of: date
    records: tuple[Observation, ...]
    expect: dict[str, dict[str, Any]]  # item id -> key -> the expected value, normalised (see _got)
    expect_requests: dict[int, dict[str, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    path: str
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Difference:
    subject: str  # an item id, or "request <n>"
    key: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.subject} {self.key}: expected {self.expected}, got {self.got}"


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    differences: tuple[Difference, ...]

    @property
    def passed(self) -> bool:
        return not self.differences


# Reading ---------------------------------------------------------------------------------------

def read_cases(raw_bytes: bytes, name: str) -> CaseFile:
    """The file as TOML and the plan it names; PlanTestError when it is not UTF-8 TOML or its
    `plan` is not a path."""
    _, raw = read_toml(raw_bytes, name, PlanTestError, "not a tests file: arrays or tables nested hundreds deep")
    plan = raw.get("plan")
    if plan is not None and (not isinstance(plan, str) or not plan.strip()):
        raise PlanTestError(name, [Problem("plan", f"expected the path of a plan file, relative to this one "
                                                   f"(got {shown_value(plan)})")])
    return CaseFile(name, raw, plan)


def parse_cases(file: CaseFile, plan: Plan) -> Suite:
    """Every case of the file, checked against `plan`; PlanTestError naming every problem."""
    problems: list[Problem] = []
    raw = file.raw
    problems += [Problem(key_path("", k), "unknown key (expected plan and [[case]])") for k in raw if k not in TOP_KEYS]
    cases_raw = raw.get("case")
    cases: list[Case] = []
    if cases_raw is None:
        problems.append(Problem("case", "no [[case]]: a tests file holds at least one case"))
    elif not isinstance(cases_raw, list) or not all(isinstance(c, dict) for c in cases_raw):
        problems.append(Problem("case", "expected [[case]] tables"))
    else:
        seen: dict[str, int] = {}
        for n, spec in enumerate(cases_raw):
            name = spec.get("name")
            where = labelled(f"case[{n}]", name)
            if isinstance(name, str) and name in seen:
                problems.append(Problem(f"{where}.name", f"duplicate name {shown_value(name)} (first at case[{seen[name]}])"))
            elif isinstance(name, str):
                seen[name] = n
            case = _case(plan, spec, where, problems)
            if case is not None:
                cases.append(case)
    if problems:
        raise PlanTestError(file.path, problems)
    return Suite(file.path, tuple(cases))


def _case(plan: Plan, spec: dict[str, Any], where: str, problems: list[Problem]) -> Case | None:
    before = len(problems)
    problems += [Problem(key_path(where, k), f"unknown key (expected one of {', '.join(CASE_KEYS)})")
                 for k in spec if k not in CASE_KEYS]
    name = spec.get("name")
    if name is None:
        problems.append(Problem(f"{where}.name", "required key is missing"))
    elif not isinstance(name, str) or not name.strip():
        problems.append(Problem(f"{where}.name", f"expected a name (got {shown_value(name)})"))
    day = _date(spec, "as_of", where, problems, required=True)
    records = _records(plan, spec.get("records", []), day, f"{where}.records", problems)
    expect = _expectations(plan, spec.get("expect", {}), f"{where}.expect", problems)
    requests = _request_expectations(plan, spec.get("expect_requests", {}), f"{where}.expect_requests", problems)
    if not expect and not requests and len(problems) == before:
        problems.append(Problem(where, 'expects nothing: add [case.expect."<item id>"] or [case.expect_requests."<n>"]'))
    if len(problems) > before:
        return None
    assert isinstance(name, str) and day is not None
    return Case(name, day, tuple(records), expect, requests)


def _date(spec: dict[str, Any], key: str, where: str, problems: list[Problem], *, required: bool) -> date | None:
    value = spec.get(key)
    if value is None:
        if required:
            problems.append(Problem(f"{where}.{key}", "required key is missing"))
        return None
    try:
        return parse_date(value)
    except BadDate as exc:
        problems.append(Problem(f"{where}.{key}", str(exc)))
        return None


def _records(plan: Plan, raw: Any, day: date | None, where: str, problems: list[Problem]) -> list[Observation]:
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        problems.append(Problem(where, "expected an array of inline tables {id, value, as_of, breakdown, evidence_for}"))
        return []
    out = []
    for n, spec in enumerate(raw):
        here = labelled(f"{where}[{n}]", spec.get("id"))
        problems += [Problem(key_path(here, k), f"unknown key (expected one of {', '.join(RECORD_KEYS)})")
                     for k in spec if k not in RECORD_KEYS]
        problems += [Problem(f"{here}.{k}", "required key is missing") for k in ("id", "value") if k not in spec]
        text = {k: spec.get(k) for k in ("id", "breakdown", "evidence_for")}
        for k, v in text.items():
            if v is not None and not isinstance(v, str):
                problems.append(Problem(f"{here}.{k}", f"expected a text (got {shown_value(v)})"))
                text[k] = None
        value = _value_text(spec.get("value"))
        if "value" in spec and value is None:
            problems.append(Problem(f"{here}.value", f'expected a number, "done" or "not-done" (got {shown_value(spec["value"])})'))
        as_of = _date(spec, "as_of", here, problems, required=False) or day
        if text["id"] is None or value is None:
            continue
        try:  # the rest of a record with a bad date is still checked, on a stand-in day
            checked = check_record(plan, item_id=text["id"], value=value, as_of=as_of or date.min, source=here,
                                   today=date.max, breakdown=text["breakdown"],
                                   evidence=here if text["evidence_for"] else None, evidence_for=text["evidence_for"])
        except RecordError as exc:
            problems += [Problem(here, p) for p in exc.problems]
            continue
        if as_of is not None:
            out.append(Observation(seq=n + 1, item_id=checked.item_id, as_of=checked.as_of, value=checked.value,
                                   done=checked.done, key=checked.breakdown_key, evidence_for=checked.evidence_for))
    return out


def _value_text(value: Any) -> str | None:
    """A record's value as `rrf record` reads it: TOML numbers as their digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return value if isinstance(value, str) else None


def all_ids(plan: Plan) -> list[str]:
    """The plan's items as adopted, then those its amendments add."""
    return list(dict.fromkeys(i.id for v in plan.versions for i in v.plan.items))


def _expectations(plan: Plan, raw: Any, where: str, problems: list[Problem]) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        problems.append(Problem(where, 'expected tables [case.expect."<item id>"]'))
        return {}
    known = all_ids(plan)
    out: dict[str, dict[str, Any]] = {}
    for item_id, spec in raw.items():
        here = key_path(where, item_id)
        if item_id not in known:
            close = [i for i in known if i.split("/")[0] == item_id.split("/")[0]] or known
            problems.append(Problem(here, f"{item_id!r} is not an item id of the plan (known: {', '.join(close)})"))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(here, f"expected a table of {', '.join(EXPECT_KEYS)}"))
            continue
        item = plan.item(item_id)
        expected: dict[str, Any] = {}
        for key, value in spec.items():
            if key not in EXPECT_KEYS:
                problems.append(Problem(key_path(here, key), f"unknown key (expected one of {', '.join(EXPECT_KEYS)})"))
                continue
            try:
                expected[key] = _expected(plan, item, key, value)
            except ValueError as exc:
                problems.append(Problem(f"{here}.{key}", str(exc)))
        if not spec:
            problems.append(Problem(here, f"expects nothing: give any of {', '.join(EXPECT_KEYS)}"))
        out[item_id] = expected
    return out


def _expected(plan: Plan, item: Item, key: str, value: Any) -> Any:
    """One expected value, normalised as the engine's is (see _got); ValueError says why not."""
    match key:
        case "status":
            if value not in STATUSES:
                raise ValueError(f"{shown_value(value)} is not a status (one of {', '.join(STATUSES)})")
            return value
        case "actual":
            if value == NONE:
                return None
            if item.kind == "milestone":
                if value not in MILESTONE_VALUES:
                    raise ValueError(f'{item.id} is a milestone: expected "done", "not-done" or "none" (got {shown_value(value)})')
                return value
            return _number(value, f'{item.id} is a target: expected a number or "none"')
        case "reasons":
            keys = list(item.breakdown.keys) if item.breakdown else []
            known = [*REASONS, *(f"key_short:{k}" for k in keys)]
            for reason in _texts(value):
                if reason not in known:
                    raise ValueError(f"{reason!r} is not a reason of {item.id} (one of {', '.join(known)})")
            return tuple(sorted(value))
        case "level":
            top = len(plan.escalation.levels) if plan.escalation else 0
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                if not top:
                    raise ValueError(f"the plan has no [escalation]: the level is always 0 (got {shown_value(value)})")
                raise ValueError(f"expected a level from 0 (no alert) to {top} (got {shown_value(value)})")
            return value
        case "recipients":
            out = []
            for text in _texts(value):
                recipient = RecipientKey.parse(text)  # ValueError: not one
                _known_recipient(plan, recipient)
                out.append(str(recipient))
            return tuple(sorted(out))
        case "evidence_missing":
            names = required_documents(plan, item)
            for name in _texts(value):
                if name not in names:
                    raise ValueError(f"{shown_value(name)} is not a document {item.id} requires "
                                     f"({'required: ' + ', '.join(names) if names else 'it requires none'})")
            return tuple(sorted(value))
        case "exposure" | "exposure_eur":
            if plan.request_of(item.id) is None:
                raise ValueError(f"{item.id} is in no payment request of the plan")
            if key == "exposure_eur":
                return _number(value, "expected an amount in EUR")
            if value not in CATEGORIES:
                raise ValueError(f"{shown_value(value)} is not a category (one of {', '.join(CATEGORIES)})")
            return value
    raise AssertionError(key)


def _known_recipient(plan: Plan, r: RecipientKey) -> None:
    if r.kind == "contact" and r.name not in plan.contacts:
        raise ValueError(f"{str(r)!r}: {r.name!r} is not defined in [contacts]")
    if r.kind == "role" and (r.name not in plan.roles or r.institution not in plan.institutions):
        raise ValueError(f"{str(r)!r}: expected a role of [roles] at an institution of [institutions]")
    if r.kind == "office":
        raise ValueError(f"{str(r)!r}: the office is told about the engine, never about an item")


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of texts (got {shown_value(value)})")
    return value


def _number(value: Any, expected: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{expected} (got {shown_value(value)})")
    try:
        return parse_number(_value_text(value) or "")
    except ValueError as exc:
        raise ValueError(f"{expected}: {exc}") from None


def _request_expectations(plan: Plan, raw: Any, where: str, problems: list[Problem]) -> dict[int, dict[str, Decimal]]:
    if not isinstance(raw, dict):
        problems.append(Problem(where, 'expected tables [case.expect_requests."<number>"]'))
        return {}
    numbers = [r.number for r in plan.payment_requests]
    out: dict[int, dict[str, Decimal]] = {}
    for number, spec in raw.items():
        here = key_path(where, number)
        if not number.isdigit() or int(number) not in numbers:
            declared = ", ".join(map(str, numbers)) if numbers else "none"
            problems.append(Problem(here, f"{number!r} is not a payment request of the plan (declared: {declared})"))
            continue
        if not isinstance(spec, dict) or not spec:
            problems.append(Problem(here, f"expected a table of any of {', '.join(REQUEST_KEYS)}"))
            continue
        expected = {}
        for key, value in spec.items():
            if key not in REQUEST_KEYS:
                problems.append(Problem(key_path(here, key),
                                        f"unknown key (expected one of {', '.join(REQUEST_KEYS)})"))
                continue
            try:
                expected[key] = _number(value, "expected an amount in EUR")
            except ValueError as exc:
                problems.append(Problem(f"{here}.{key}", str(exc)))
        out[int(number)] = expected
    return out


# Running ---------------------------------------------------------------------------------------

def run_case(plan: Plan, case: Case) -> tuple[Difference, ...]:
    """Every expectation of the case that the engine does not meet."""
    decisions = evaluate(plan, case.records, case.as_of)
    notices = [n for n in decide(plan, decisions, [], [], case.as_of) if n.kind == "alert"]
    money = exposure(plan, decisions, case.as_of)
    by_id = {d.item_id: d for d in decisions}
    out: list[Difference] = []
    for item_id, expected in case.expect.items():
        d = by_id.get(item_id)
        for key, want in expected.items():
            if d is None:
                got: Any = f"no decision (not in the plan in force on {case.as_of.isoformat()})"
            else:
                got = _got(key, d, [n for n in notices if n.item_id == item_id], money)
            if got != want:
                out.append(Difference(item_id, key, _text(want), _text(got)))
    for number, expected in case.expect_requests.items():
        request = next(r for r in money.requests if r.number == number)
        for key, want in expected.items():
            got = getattr(request, key)
            if got != want:
                out.append(Difference(f"request {number}", key, _text(want), _text(got)))
    return tuple(out)


def _got(key: str, d: Decision, notices: list, money: Exposure) -> Any:  # noqa: ANN001
    match key:
        case "status":
            return d.status
        case "actual":
            return d.actual
        case "reasons":
            return tuple(sorted(d.reasons))
        case "level":
            return max((n.level for n in notices), default=0)
        case "recipients":
            return tuple(sorted(str(n.recipient) for n in notices))
        case "evidence_missing":
            return tuple(sorted(d.evidence_missing))
        case "exposure":
            e = money.of_item(d.item_id)
            return e.category if e else None
        case "exposure_eur":
            e = money.of_item(d.item_id)
            return e.amount_eur if e else None
    raise AssertionError(key)


def _text(value: Any) -> str:
    """A value as a difference shows it: numbers as the plan writes them, lists in brackets."""
    if value is None:
        return NONE
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


def run_suite(plan: Plan, suite: Suite) -> list[CaseResult]:
    return [CaseResult(suite.path, case.name, run_case(plan, case)) for case in suite.cases]


def untested(plan: Plan, suites: Iterable[Suite]) -> list[str]:
    """The plan's items that no case of `suites` expects anything of, in plan order."""
    expected = {item_id for s in suites for c in s.cases for item_id in c.expect}
    return [i for i in all_ids(plan) if i not in expected]
