"""How much money each payment request has at risk as of a day, and why. Pure.

The rule (README, "Money at risk", says which parts are the Commission's and which our estimate):

- Each item of a request has a *unit value*: the request's amount over the number of its items
  in force (`[suspension] unit_value = "request"`), or the Commission's: the plan's whole
  allocation over its number of milestones and targets (`"plan"`).
- It weighs `unit value x coefficient` (the item's `importance` class in `[suspension.importance]`,
  else `default_importance`) x the *shortfall*: 1 for a milestone, for an item with nothing
  recorded and for a reached item whose required evidence is missing; for a target, the share
  of the way from its baseline to its goal not yet made (0 when it is at most
  `minimal_shortfall_percent`).
- A request not yet paid: its reached items (evidence complete) are secure; an item whose status
  is one of `at_risk_statuses`, or reached without its evidence, puts its amount *at risk*; any
  other unreached item (on track) is *pending*. An item's amount, and a request's at risk, are
  capped at the request's amount (a suspension never exceeds the payment); pending at what is
  left of it.
- A paid request (`paid` on or before the day): its items are priced again only when reversed
  (the Commission may recover or deduct what was paid for them): the *reversal* amount, capped at
  the request's amount.
Amounts are rounded to the cent, half up, item by item.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Iterable, Literal

from rrf.rules.amend import in_force
from rrf.rules.evaluate import Decision
from rrf.rules.i18n import Words
from rrf.rules.plan import PaymentRequest, Plan
from rrf.rules.serialize import decision_dict, number
from rrf.rules.vocab import LANGUAGES

CENT = Decimal("0.01")
Category = Literal["secure", "at_risk", "pending", "paid", "reversal", "not_in_force"]


@dataclass(frozen=True)
class ItemExposure:
    item_id: str
    request: int
    category: Category
    status: str | None  # None: the item is not in the plan in force that day
    unit_eur: Decimal
    coefficient: Decimal
    shortfall: Decimal  # 0 to 1
    amount_eur: Decimal  # unit x coefficient x shortfall, to the cent, at most the request (0: secure or paid)
    evidence_missing: tuple[str, ...]
    why: dict[str, str]
    capped: bool = False  # weighed at more than its request pays: the request's amount counts


@dataclass(frozen=True)
class RequestExposure:
    number: int
    amount_eur: Decimal
    submission: date
    paid: date | None  # on or before the day: paid
    items: tuple[ItemExposure, ...]
    at_risk_eur: Decimal
    pending_eur: Decimal
    reversal_eur: Decimal
    capped: bool  # the items' amounts added up to more than the request: the request's amount counts

    @property
    def secure_eur(self) -> Decimal:
        return self.amount_eur - self.at_risk_eur - self.pending_eur if self.paid is None else self.amount_eur


@dataclass(frozen=True)
class Exposure:
    as_of: date
    unit_value: str
    requests: tuple[RequestExposure, ...]

    @property
    def at_risk_eur(self) -> Decimal:
        return sum((r.at_risk_eur for r in self.requests), Decimal(0))

    @property
    def reversal_eur(self) -> Decimal:
        return sum((r.reversal_eur for r in self.requests), Decimal(0))

    @property
    def pending_eur(self) -> Decimal:
        return sum((r.pending_eur for r in self.requests), Decimal(0))

    def of_item(self, item_id: str) -> ItemExposure | None:
        return self._by_item.get(item_id)

    @cached_property
    def _by_item(self) -> dict[str, ItemExposure]:
        return {i.item_id: i for r in self.requests for i in r.items}


def exposure(plan: Plan, decisions: Iterable[Decision], as_of: date) -> Exposure:
    """Every payment request's money at risk as of `as_of`, from that day's decisions."""
    by_id = {d.item_id: d for d in decisions}
    return Exposure(as_of, plan.suspension.unit_value,
                    tuple(_request(plan, r, by_id, as_of) for r in plan.payment_requests))


def item_exposure(plan: Plan, d: Decision) -> ItemExposure | None:
    """One item's part of its request as of its decision's day (None: in no request), at most the
    request's amount; the cap of the request's totals needs the other items (see `exposure`)."""
    req = plan.request_of(d.item_id)
    if req is None:
        return None
    return _item(plan, req, d.item_id, d, _unit(plan, req, d.as_of), _paid(req, d.as_of))


def _unit(plan: Plan, req: PaymentRequest, as_of: date) -> Decimal:
    """The unit value of the request's items: the plan's (Commission) or the request's own."""
    s = plan.suspension
    if s.unit_value == "plan":
        return s.plan_allocation_eur / s.plan_milestones_targets  # type: ignore[operator]
    counted = in_force(plan, as_of).plan.request_sizes[req.number]
    return req.amount_eur / counted if counted else Decimal(0)


def _paid(req: PaymentRequest, as_of: date) -> bool:
    return req.paid is not None and req.paid <= as_of


def _request(plan: Plan, req: PaymentRequest, by_id: dict[str, Decision], as_of: date) -> RequestExposure:
    unit, paid = _unit(plan, req, as_of), _paid(req, as_of)
    items = tuple(_item(plan, req, item_id, by_id.get(item_id), unit, paid) for item_id in req.items)
    total = {c: sum((i.amount_eur for i in items if i.category == c), Decimal(0))
             for c in ("at_risk", "pending", "reversal")}
    at_risk = min(total["at_risk"], req.amount_eur)
    pending = min(total["pending"], req.amount_eur - at_risk)
    reversal = min(total["reversal"], req.amount_eur)
    capped = total["at_risk"] > req.amount_eur or total["reversal"] > req.amount_eur or \
        total["pending"] > req.amount_eur - at_risk or any(i.capped for i in items)
    return RequestExposure(req.number, req.amount_eur, req.submission, req.paid if paid else None, items,
                           at_risk, pending, reversal, capped)


def _item(plan: Plan, req: PaymentRequest, item_id: str, d: Decision | None, unit: Decimal,
          paid: bool) -> ItemExposure:
    s = plan.suspension
    if d is None:
        return ItemExposure(item_id, req.number, "not_in_force", None, Decimal(0), Decimal(0), Decimal(0),
                            Decimal(0), (), _words(lambda _: _("not in the plan in force on this day")))
    item = d.item  # as the plan in force that day has it
    coefficient = s.importance[item.importance] if item.importance else s.default_importance
    reached = d.status in ("met", "met_late")
    shortfall = _shortfall(d, s.minimal_shortfall_percent)
    if paid:
        category: Category = "reversal" if d.status == "reversed" else "paid"
    elif reached and not d.evidence_missing:
        category = "secure"
    elif reached or d.status in s.at_risk_statuses:
        category = "at_risk"
    else:
        category = "pending"
    if reached and d.evidence_missing:
        shortfall = Decimal(1)  # not verifiable: not satisfactorily fulfilled
    weighed = category in ("at_risk", "pending", "reversal")
    weight = (unit * coefficient * shortfall).quantize(CENT, ROUND_HALF_UP) if weighed else Decimal(0)
    amount = min(weight, req.amount_eur)  # no one item suspends more than its request pays
    return ItemExposure(item_id, req.number, category, d.status, unit, coefficient, shortfall if weighed else Decimal(0),
                        amount, d.evidence_missing, _why(category, req, unit, coefficient, shortfall, weight, d),
                        weight > req.amount_eur)


def _shortfall(d: Decision, minimal_percent: Decimal) -> Decimal:
    """The share of the way still to go: 1 for a milestone or nothing recorded; for a target 1 -
    progress, 0 when it is at most `minimal_percent` %."""
    if d.kind == "milestone" or d.actual is None:
        return Decimal(1) if d.status not in ("met", "met_late") else Decimal(0)
    short = Decimal(1) - d.progress
    return Decimal(0) if short * 100 <= minimal_percent else short


def _why(category: Category, req: PaymentRequest, unit: Decimal, coefficient: Decimal, shortfall: Decimal,
         weight: Decimal, d: Decision) -> dict[str, str]:
    def say(_: Words) -> str:
        status = _.label(d.status)
        figures = _("{unit} EUR unit value x coefficient {coefficient} x {short} short = {amount} EUR",
                    unit=money(unit, _), coefficient=_.number(coefficient.normalize()),
                    short=f"{_.number((shortfall * 100).quantize(Decimal('0.1'), ROUND_HALF_UP).normalize())} %",
                    amount=money(weight, _))
        if weight > req.amount_eur:
            figures = _("{figures}, capped at the {cap} EUR of request {number}", figures=figures,
                        cap=money(req.amount_eur, _), number=req.number)
        match category:
            case "secure":
                return _("{status}: the evidence is complete, nothing at risk", status=status)
            case "paid":
                return _("{status}: request {number} was paid", status=status, number=req.number)
            case "reversal":
                return _("reversed after request {number} was paid: {figures} may be recovered",
                         number=req.number, figures=figures)
            case "pending":
                return _("{status}: not reached yet; {figures} if it is not reached", status=status, figures=figures)
        if d.evidence_missing:
            return _("{status} but the required evidence is missing: {figures}", status=status, figures=figures)
        return _("{status}: {figures}", status=status, figures=figures)
    return _words(say)


def _words(say) -> dict[str, str]:  # noqa: ANN001
    return {lang: say(Words(lang)) for lang in LANGUAGES}


def money(value: Decimal, _: Words) -> str:
    """An amount in euro with its cents: "1 234 567.89" (LV "1 234 567,89")."""
    text = _.number(value.quantize(CENT, ROUND_HALF_UP))
    if "." not in text and "," not in text:
        text += ",00" if _.lang == "lv" else ".00"
    elif len(text.replace(",", ".").rsplit(".", 1)[1]) == 1:
        text += "0"
    return text


def item_dict(e: ItemExposure) -> dict[str, object]:
    """An item's exposure as JSON data (status JSON, the log): amounts as strings with cents."""
    return {"request": e.request, "category": e.category, "amount_eur": number(e.amount_eur),
            "unit_eur": number(e.unit_eur.quantize(CENT, ROUND_HALF_UP)), "coefficient": number(e.coefficient),
            "shortfall": number(e.shortfall.quantize(Decimal("0.0001"), ROUND_HALF_UP)), "why": e.why}


def request_dict(r: RequestExposure) -> dict[str, object]:
    """A request's totals as JSON data (`rrf exposure --format json`, the log's run entry)."""
    return {"number": r.number, "amount_eur": number(r.amount_eur), "submission": r.submission.isoformat(),
            "paid": r.paid.isoformat() if r.paid else None, "at_risk_eur": number(r.at_risk_eur),
            "pending_eur": number(r.pending_eur), "reversal_eur": number(r.reversal_eur),
            "secure_eur": number(r.secure_eur), "capped": r.capped}


def with_exposure(row: dict[str, object], plan: Plan, d: Decision) -> dict[str, object]:
    """A decision's JSON data (serialize.decision_dict) with its item's part of its payment
    request (`exposure`, item_dict), when the item is in one."""
    e = item_exposure(plan, d)
    return {**row, "exposure": item_dict(e)} if e is not None else row


def status_row(plan: Plan, d: Decision, lang: str) -> dict[str, object]:
    """An item as `rrf status --format json` and the portal's data give it (CONTRACT.md's fields):
    `explanation` in `lang`, `explanations` in both, and its `exposure` when it is in a request."""
    return {**with_exposure(decision_dict(d.item, d), plan, d), "explanation": d.explanation[lang]}
