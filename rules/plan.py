"""The declarative plan (`milestones.toml`) as typed, validated pydantic models.

Field-level checks live on the models; checks that need the whole plan (ids,
references between sections) live in `rules.load`.
"""

import re
from datetime import date
from functools import cached_property
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator

from rrf.rules.dates import BadDate, parse_date
from rrf.rules.errors import shown_value
from rrf.rules.figures import out_of_bounds

if TYPE_CHECKING:
    from rrf.rules.amend import PlanVersion

ID_PATTERN = r"^[A-Za-z0-9]+([.-][A-Za-z0-9]+)*/[a-z0-9]+([.-][a-z0-9]+)*$"  # <measure>/<name>
KEY_PATTERN = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"
REF_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PATTERN_WORDS = {  # what each pattern asks for, as a refusal says it (rules.load)
    ID_PATTERN: "an id is <measure>/<name>: letters, digits, '.' and '-', one '/', the name in lower case",
    KEY_PATTERN: "a breakdown key is letters and digits, words joined by single '-'",
    REF_PATTERN: "a name is lower-case letters and digits, words joined by single '-'",
    EMAIL_PATTERN: "not an e-mail address",
}


def _date(value: object) -> date:
    try:
        return parse_date(value)  # type: ignore[arg-type]
    except BadDate as exc:
        raise ValueError(str(exc)) from None


def _number(value: object) -> Decimal:
    """A figure of the plan, held to the bounds of a recorded one (rules.figures: inf and nan refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"{shown_value(value)} is not a number")
    number = Decimal(str(value))
    problem = out_of_bounds(number, shown_value(value))
    if problem is not None:
        raise ValueError(problem)
    return number


PlanDate = Annotated[date, BeforeValidator(_date)]
Number = Annotated[Decimal, BeforeValidator(_number)]
NonNegative = Annotated[Decimal, BeforeValidator(_number), Field(ge=0)]
Ref = Annotated[str, Field(pattern=REF_PATTERN)]


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # control characters but tab and line feed


def _plain(text: str, what: str) -> None:
    """Plan text reaches terminals, pages and e-mails: no escape sequences in it (`what`: the text)."""
    found = CONTROL.search(text)
    if found:
        raise ValueError(f"{what} holds a control character ({found.group()!r}): write plain text")


def _plain_key(key: str) -> str:
    _plain(key, "the key")
    return key


PlainKey = Annotated[str, AfterValidator(_plain_key)]  # a key of a table that no pattern holds to


_FIELDS_SET: dict[frozenset[str], set[str]] = {}  # one of each: see Strict._share_fields_set


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _share_fields_set(self) -> "Strict":
        """Models with the same fields given share one set of their names (pydantic keeps one set per
        model, 700 bytes for an item: a third of a plan of a million items). Safe as they are frozen:
        pydantic adds to the set only on assignment, and model_copy copies it first."""
        given = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _FIELDS_SET.setdefault(frozenset(given), given))
        return self

    @model_validator(mode="after")
    def _no_control_characters(self) -> "Strict":
        """No escape sequences in its text (_plain); its tables' keys are PlainKey, or a pattern's."""
        for name, value in self.__dict__.items():
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                if isinstance(text, str):
                    _plain(text, name)
        return self


class Quote(Strict):
    """Where a figure comes from: a source document and the phrase in it."""

    doc: str
    quote: str = Field(min_length=1)


class DateAlternative(Quote):
    value: PlanDate


class NumberAlternative(Quote):
    value: NonNegative


class Source(Strict):
    file: str = Field(min_length=1)
    title_lv: str
    title_en: str
    published: PlanDate | None = None


class Institution(Strict):
    name_lv: str
    name_en: str
    department_lv: str | None = None
    department_en: str | None = None


class Contact(Strict):
    name: str = Field(min_length=1)
    role_lv: str | None = None
    role_en: str | None = None
    institution: Ref | None = None
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    phone: str | None = None
    language: Literal["lv", "en"] = "lv"
    doc: str


class Measure(Strict):
    name_lv: str
    name_en: str
    type: Literal["reform", "investment", "project"]
    start: PlanDate | None = None  # when the measure began: its items' trajectories start here
    component_lv: str | None = None
    component_en: str | None = None
    institution: Ref
    contacts: list[Ref] = []
    funding_eur: NonNegative | None = None
    funding_alternatives: list[NumberAlternative] = []
    funding_note_lv: str | None = None
    end: PlanDate | None = None
    legal_basis_lv: str | None = None
    sources: list[Quote] = []

    @property
    def funding_disputed(self) -> bool:
        """Whether its sources give more than one amount of funding (funding_alternatives)."""
        return len({a.value for a in self.funding_alternatives}) > 1

    @model_validator(mode="after")
    def _adopted_funding_is_sourced(self) -> "Measure":
        if self.funding_alternatives and self.funding_eur not in {
            a.value for a in self.funding_alternatives
        }:
            raise ValueError(
                f"funding_eur {self.funding_eur} is none of its funding_alternatives"
            )
        return self


class BreakdownKey(Strict):
    minimum: NonNegative
    name_lv: str
    name_en: str
    contacts: list[Ref] = []


class Breakdown(Strict):
    dimension: str = Field(pattern=REF_PATTERN)
    name_lv: str
    name_en: str
    keys: dict[Annotated[str, Field(pattern=KEY_PATTERN)], BreakdownKey] = Field(min_length=1)


class Checkpoint(Strict):
    """An interim checkpoint: `value` reached by `date` (inclusive, Riga)."""

    date: PlanDate
    value: NonNegative
    breakdown: dict[PlainKey, NonNegative] = {}
    doc: str
    quote: str


class Evidence(Strict):
    """A document the item's verification mechanism requires (`name` is what a record names)."""

    name: Annotated[str, Field(pattern=REF_PATTERN, max_length=60)]
    title_lv: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    doc: str | None = None
    quote: str | None = None


class Item(Strict):
    """One milestone (qualitative, goal "done") or target (a number to reach).

    `direction` "decrease" makes a reduction target: reached when the value falls to the goal
    or below (goal at or below the baseline). `indicator` "level" is a point-in-time indicator:
    each record states the value on its day (the latest counts; nothing is added up), where
    "cumulative" records state the total reached so far (breakdown keys add up)."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["milestone", "target"]
    name_lv: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit_lv: str | None = None
    unit_en: str | None = None
    baseline: NonNegative = Decimal(0)
    start: PlanDate | None = None
    direction: Literal["increase", "decrease"] = "increase"
    indicator: Literal["cumulative", "level"] = "cumulative"
    goal: Number | Literal["done"]
    due: PlanDate
    due_alternatives: list[DateAlternative] = []
    breakdown: Breakdown | None = None
    checkpoints: list[Checkpoint] = []
    contacts: list[Ref] = []
    binding: StrictBool = True  # true or false, not "yes" (pydantic would read that as true)
    scope: Literal["eu", "national"] | None = None
    evidence_required: list[Evidence] = []
    importance: Ref | None = None  # a class of [suspension.importance]; none: the default weight
    sources: list[Quote] = Field(min_length=1)

    @property
    def measure(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def reduction(self) -> bool:
        return self.direction == "decrease"

    @property
    def due_disputed(self) -> bool:
        """Whether its sources give more than one deadline (due_alternatives)."""
        return len({a.value for a in self.due_alternatives}) > 1

    def reaches(self, value: Decimal, goal: Decimal) -> bool:
        """Whether `value` reaches `goal` in this item's direction (at or above; at or below)."""
        return value <= goal if self.reduction else value >= goal

    @model_validator(mode="after")
    def _consistent(self) -> "Item":
        problems: list[str] = []
        if self.kind == "milestone":
            if self.goal != "done":
                problems.append(f'goal of a milestone must be "done", got {self.goal}')
            if self.breakdown or self.checkpoints:
                problems.append("a milestone has no breakdown and no checkpoints")
            if self.reduction or self.indicator != "cumulative":
                problems.append("direction and indicator are for targets, not milestones")
        else:
            if self.goal == "done":
                problems.append('goal of a target must be a number, got "done"')
            elif self.reduction:
                if self.goal < 0:
                    problems.append(f"goal must not be negative, got {self.goal}")
                elif self.goal > self.baseline:
                    problems.append(f"goal {self.goal} of a reduction (direction = \"decrease\") is above "
                                    f"the baseline {self.baseline}")
            elif self.goal <= 0:
                problems.append(f"goal must be a positive number, got {self.goal}")
            elif self.goal <= self.baseline:
                problems.append(f"goal {self.goal} is not above the baseline {self.baseline} "
                                "(a reduction says direction = \"decrease\")")
            if not self.unit_lv or not self.unit_en:
                problems.append("a target needs unit_lv and unit_en")
            if self.breakdown and (self.reduction or self.indicator == "level"):
                problems.append("a breakdown adds up its keys: only a cumulative increase has one "
                                "(declare one item per key)")
        names = [e.name for e in self.evidence_required]
        if len(set(names)) != len(names):
            problems.append(f"evidence_required names a document twice: {sorted(n for n in set(names) if names.count(n) > 1)}")
        if isinstance(self.goal, Decimal) and self.breakdown:
            total = sum(k.minimum for k in self.breakdown.keys.values())
            if total > self.goal:
                problems.append(
                    f"breakdown minimums add up to {total}, above the goal {self.goal}"
                )
        for n, cp in enumerate(self.checkpoints):
            if cp.date > self.due:
                problems.append(f"checkpoints[{n}] date {cp.date} is after the due date {self.due}")
            if isinstance(self.goal, Decimal) and not self.reduction and cp.value > self.goal:
                problems.append(f"checkpoints[{n}] value {cp.value} is above the goal {self.goal}")
            if isinstance(self.goal, Decimal) and self.reduction and cp.value < self.goal:
                problems.append(f"checkpoints[{n}] value {cp.value} is below the goal {self.goal} of a reduction")
            keys = self.breakdown.keys if self.breakdown else {}
            for key in cp.breakdown:
                if key not in keys:
                    problems.append(
                        f"checkpoints[{n}].breakdown key {key!r} is not one of {sorted(keys)}"
                    )
        if self.due_alternatives and self.due not in {a.value for a in self.due_alternatives}:
            problems.append(f"due {self.due} is none of its due_alternatives")
        if self.start and self.start >= self.due:
            problems.append(f"start {self.start} is not before the due date {self.due}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RoadmapMeasure(Strict):
    """A row of the administrative-capacity roadmap, linked to the investment it belongs to."""

    title_lv: str
    planned_results_lv: list[str] = Field(min_length=1)
    funding_eur: NonNegative | None = None
    period: str
    progress_lv: str | None = None
    progress_as_of: PlanDate | None = None
    investment: str
    items: list[str] = []
    doc: str
    quote: str


StatusName = Literal["met", "met_late", "on_track", "at_risk", "missed", "no_data", "reversed"]


class Role(Strict):
    """A position (e.g. the department head); who holds it in each institution is configuration."""

    name_lv: str
    name_en: str


class Condition(Strict):
    """Holds when every field given holds (an empty condition always holds)."""

    statuses: list[StatusName] = []
    days_left_at_most: int | None = None
    gap_percent_at_least: NonNegative | None = None
    checkpoint_missed: bool | None = None
    evidence_missing: bool | None = None  # reached, but a document its verification requires is not attached
    unacknowledged_working_days: Annotated[int, Field(ge=1)] | None = None


class Level(Strict):
    """A rung of the ladder: who is told (`responsible`: the item's contacts; or a role) and when."""

    level: Annotated[int, Field(ge=1)]
    name_lv: str
    name_en: str
    notify: list[str] = Field(min_length=1)
    when: list[Condition] = Field(min_length=1)


class Cadence(Strict):
    """How often the same item is repeated to the same person; the first rule that matches applies."""

    days_left_above: int | None = None
    statuses: list[StatusName] = []
    every_working_days: Annotated[int, Field(ge=1)]


class Escalation(Strict):
    alert_statuses: list[StatusName] = ["at_risk", "no_data", "missed", "reversed"]
    levels: list[Level] = Field(min_length=1)
    cadence: list[Cadence] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> "Escalation":
        numbers = [lv.level for lv in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"levels must be numbered 1, 2, 3, ... in order, got {numbers}")
        last = self.cadence[-1]
        if last.days_left_above is not None or last.statuses:
            raise ValueError("the last cadence rule must have no condition (it applies to everything else)")
        return self


class PlanInfo(Strict):
    title_lv: str
    title_en: str
    timezone: Literal["Europe/Riga"] = "Europe/Riga"
    currency: Literal["EUR"] = "EUR"
    start: PlanDate | None = None  # when the plan's measures began, where neither item nor measure says


Amount = Annotated[Decimal, BeforeValidator(_number), Field(gt=0)]
Coefficient = Annotated[Decimal, BeforeValidator(_number), Field(ge=0)]


class Suspension(Strict):
    """How much of a payment request a shortfall puts at risk: Annex II of COM(2023) 99 (the
    Commission's payment-suspension methodology) as far as it is published, the rest our estimate
    (README, "Money at risk"). Applied by rules.exposure."""

    # "plan": the Commission's unit value, the plan's whole allocation over its number of
    # milestones and targets (both given below); "request": the request's amount over its items.
    unit_value: Literal["plan", "request"] = "request"
    plan_allocation_eur: Amount | None = None
    plan_milestones_targets: Annotated[int, Field(ge=1)] | None = None
    # Importance coefficients by class (Item.importance); items without a class weigh `default_importance`.
    importance: dict[Ref, Coefficient] = {
        "reform-final": Decimal(5), "investment-large": Decimal(2), "standard": Decimal(1),
        "intermediate": Decimal("0.5"),
    }
    default_importance: Coefficient = Decimal(1)
    # A target short by at most this share of the way from its baseline puts nothing at risk.
    minimal_shortfall_percent: Annotated[Decimal, BeforeValidator(_number), Field(ge=0, le=100)] = Decimal(0)
    # Statuses whose items' amounts are at risk; an unreached item in any other status is pending.
    at_risk_statuses: list[StatusName] = ["at_risk", "missed", "no_data", "reversed"]

    @model_validator(mode="after")
    def _plan_basis(self) -> "Suspension":
        if self.unit_value == "plan" and (self.plan_allocation_eur is None or self.plan_milestones_targets is None):
            raise ValueError('unit_value = "plan" needs plan_allocation_eur and plan_milestones_targets')
        return self


class PaymentRequest(Strict):
    """An instalment: the amount the Commission pays once the items it covers are fulfilled.
    `paid`: the day it was paid (its items are then priced for reversal, not for suspension)."""

    number: Annotated[int, Field(ge=1)]
    amount_eur: Amount
    grant_eur: NonNegative | None = None
    loan_eur: NonNegative | None = None
    submission: PlanDate
    paid: PlanDate | None = None
    items: list[str] = Field(min_length=1)
    note_lv: str | None = None
    note_en: str | None = None
    sources: list[Quote] = []

    @model_validator(mode="after")
    def _split(self) -> "PaymentRequest":
        parts = [v for v in (self.grant_eur, self.loan_eur) if v is not None]
        if len(parts) == 2 and sum(parts) != self.amount_eur:
            raise ValueError(f"grant_eur {self.grant_eur} and loan_eur {self.loan_eur} add up to {sum(parts)}, "
                             f"not amount_eur {self.amount_eur}")
        if len(parts) == 1 and parts[0] > self.amount_eur:
            raise ValueError(f"{parts[0]} is above amount_eur {self.amount_eur}")
        if len(set(self.items)) != len(self.items):
            raise ValueError("items names an item twice")
        if self.paid is not None and self.paid < self.submission:
            raise ValueError(f"paid {self.paid} is before the submission {self.submission}")
        return self


class Change(Strict):
    """What an amendment changes in one item (the fields given; the others stay)."""

    id: str
    goal: Number | Literal["done"] | None = None
    due: PlanDate | None = None
    baseline: NonNegative | None = None
    start: PlanDate | None = None
    checkpoints: list[Checkpoint] | None = None
    evidence_required: list[Evidence] | None = None
    importance: Ref | None = None
    name_lv: str | None = None
    name_en: str | None = None


class Amendment(Strict):
    """A revision of the plan in force from `effective` (inclusive): items changed, added, removed."""

    effective: PlanDate
    title_lv: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    sources: list[Quote] = []
    change: list[Change] = []
    add: list[Item] = []
    remove: list[str] = []


class Plan(Strict):
    schema_version: Literal[1]
    plan: PlanInfo
    sources: dict[PlainKey, Source]
    institutions: dict[Ref, Institution]
    contacts: dict[Ref, Contact]
    measures: dict[PlainKey, Measure]
    items: list[Item] = Field(min_length=1)
    roadmap: dict[PlainKey, RoadmapMeasure] = {}
    roles: dict[Ref, Role] = {}
    escalation: Escalation | None = None
    suspension: Suspension = Suspension()
    payment_requests: list[PaymentRequest] = []
    amendments: list[Amendment] = []

    @cached_property
    def versions(self) -> "list[PlanVersion]":
        """The plan as adopted (0) and after each amendment (see rules.amend)."""
        from rrf.rules.amend import versions
        return versions(self)

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        """Every item by id: as adopted, and those that amendments add (their latest definition).
        To read an item as a given day's plan has it, use rules.amend.in_force."""
        by_id = {it.id: it for it in self.items}
        if self.amendments:
            from rrf.rules.amend import AmendmentError
            try:
                for version in reversed(self.versions[1:]):
                    for it in version.plan.items:
                        by_id.setdefault(it.id, it)
            except AmendmentError:  # reported by the loader; lookups see the plan as adopted
                pass
        return by_id

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    def knows(self, item_id: str) -> bool:
        """Whether any version of the plan has `item_id` (`item` finds it)."""
        return item_id in self._by_id

    @cached_property
    def starts(self) -> dict[str, date | None]:
        """Where each measure's trajectories start when an item has no `start` of its own: the
        measure's `start`, else the plan's (start_of)."""
        return {name: m.start or self.plan.start for name, m in self.measures.items()}

    def start_of(self, item: Item) -> date | None:
        """The day an item's trajectory starts from its baseline: its own start, else its measure's,
        else the plan's (none: the pace is measured between records only)."""
        return item.start or self.starts.get(item.measure, self.plan.start)

    @cached_property
    def _own(self) -> frozenset[str]:
        return frozenset(it.id for it in self.items)

    def holds(self, item_id: str) -> bool:
        """Whether `item_id` is one of this plan's own items (of a version: one in force)."""
        return item_id in self._own

    @cached_property
    def _requests(self) -> "dict[str, PaymentRequest]":
        """The payment request of each item in one (loading refuses an item in two)."""
        return {item_id: r for r in self.payment_requests for item_id in r.items}

    def request_of(self, item_id: str) -> "PaymentRequest | None":
        return self._requests.get(item_id)

    @cached_property
    def request_sizes(self) -> dict[int, int]:
        """How many of each payment request's items this plan holds (of a version: in force then)."""
        return {r.number: sum(1 for i in r.items if self.holds(i)) for r in self.payment_requests}

    @property
    def ids(self) -> list[str]:
        return [it.id for it in self.items]
