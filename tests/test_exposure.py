"""exposure(plan, decisions, as_of) says how much of each payment request is at risk, pending or
to be recovered, item by item, with the figures that make each amount (rules/exposure.py).

Every amount below is worked out by hand in its case's comment.
"""

from datetime import date
from decimal import Decimal

import pytest
import tomli_w

from rrf.rules import Observation, Plan, PlanError, evaluate, parse_plan
from rrf.rules.exposure import exposure, money
from rrf.rules.i18n import Words

D = date.fromisoformat
SOURCES = [{"doc": "s", "quote": "q"}]


def item(name: str, kind: str = "target", **extra) -> dict:
    base = {"id": f"1.1.i/{name}", "kind": kind, "name_lv": name, "name_en": name, "due": "2026-06-30",
            "sources": SOURCES}
    if kind == "target":
        base.update(unit_lv="u", unit_en="u", goal=100, start="2026-01-01")
    else:
        base.update(goal="done")
    return {**base, **extra}


A, B, C = item("a"), item("b"), item("c", "milestone")
E = item("e", "milestone", evidence_required=[{"name": "act", "title_lv": "Akts", "title_en": "Act"}])


def make_plan(items: list[dict], requests: list[dict], suspension: dict | None = None) -> Plan:
    return Plan.model_validate(plan_data(items, requests, suspension))


def plan_data(items: list[dict], requests: list[dict], suspension: dict | None = None) -> dict:
    return ({
        "schema_version": 1, "plan": {"title_lv": "t", "title_en": "t"},
        "sources": {"s": {"file": "f.txt", "title_lv": "t", "title_en": "t"}},
        "institutions": {"inst": {"name_lv": "i", "name_en": "i"}}, "contacts": {},
        "measures": {"1.1.i": {"name_lv": "m", "name_en": "m", "type": "investment", "institution": "inst"}},
        "items": items, "payment_requests": requests, **({"suspension": suspension} if suspension else {}),
    })


def rec(seq: int, it: dict, as_of: str, value, evidence_for: str | None = None) -> Observation:
    if value in ("done", "not-done"):
        return Observation(seq, it["id"], D(as_of), done=value == "done", evidence_for=evidence_for)
    return Observation(seq, it["id"], D(as_of), value=Decimal(value))


def run(plan: Plan, records: list[Observation], as_of: str):
    day = D(as_of)
    return exposure(plan, evaluate(plan, records, day), day)


REQUEST = {"number": 1, "amount_eur": 3_000_000, "submission": "2026-09-30", "items": [A["id"], B["id"], C["id"]]}
MET = [rec(1, A, "2026-06-01", 100), rec(2, B, "2026-06-01", 100), rec(3, C, "2026-06-01", "done")]

CASES = [
    # name, items, request, suspension, records, as_of, at_risk, pending, reversal, per item {id: amount}
    # all three reached: nothing at risk, 3 000 000 secure
    ("a fully met request", [A, B, C], REQUEST, None, MET, "2026-07-01", "0", "0", "0",
     {"a": "0", "b": "0", "c": "0"}),
    # c not done by 30.06: unit 3 000 000 / 3 = 1 000 000, coefficient 1, shortfall 1 -> 1 000 000
    ("one missed milestone", [A, B, C], REQUEST, None, MET[:2] + [rec(3, C, "2026-06-01", "not-done")],
     "2026-07-01", "1000000", "0", "0", {"c": "1000000"}),
    # b at 80 of 100 after its deadline: 1 000 000 x 1 x 20 % = 200 000
    ("a target at 80 %", [A, B, C], REQUEST, None, [MET[0], rec(2, B, "2026-06-01", 80), MET[2]],
     "2026-07-01", "200000", "0", "0", {"b": "200000"}),
    # the same with the Commission's "reform-final" coefficient 5 on b: 1 000 000 x 5 x 20 % = 1 000 000
    ("a weighted target at 80 %", [A, {**B, "importance": "reform-final"}, C], REQUEST, None,
     [MET[0], rec(2, B, "2026-06-01", 80), MET[2]], "2026-07-01", "1000000", "0", "0", {"b": "1000000"}),
    # within a 25 % minimal shortfall: 20 % short puts nothing at risk
    ("a minimal shortfall", [A, B, C], REQUEST, {"minimal_shortfall_percent": 25},
     [MET[0], rec(2, B, "2026-06-01", 80), MET[2]], "2026-07-01", "0", "0", "0", {"b": "0"}),
    # nothing recorded on any, all missed, coefficient 5 each: 1 000 000 x 5 = 5 000 000 each, more than the
    # request pays: each capped at 3 000 000, and so is the request's total
    ("the cap", [{**A, "importance": "reform-final"}, {**B, "importance": "reform-final"},
                 {**C, "importance": "reform-final"}], REQUEST, None, [], "2026-07-01", "3000000", "0", "0",
     {"a": "3000000", "b": "3000000", "c": "3000000"}),
    # request 1 (a, b; 2 000 000) paid on 31.07.2026; a reached 100 then fell to 40: reversed.
    # unit 2 000 000 / 2 = 1 000 000 x 1 x 60 % short = 600 000 may be recovered; b stays paid
    ("a reversal of an earlier-paid item", [A, B, C],
     {"number": 1, "amount_eur": 2_000_000, "submission": "2026-06-30", "paid": "2026-07-31",
      "items": [A["id"], B["id"]]}, None,
     [MET[0], MET[1], rec(4, A, "2026-08-15", 40)], "2026-09-01", "0", "0", "600000", {"a": "600000", "b": "0"}),
    # before the deadline, a on track (60 by 01.04 from 01.01 reaches 100 before 30.06) is pending:
    # 1 000 000 x 40 % = 400 000; b has nothing recorded (no_data): 1 000 000 at risk; c not done yet but on
    # track: 1 000 000 pending. Pending 1 400 000 is within what at risk leaves of the request (2 000 000).
    ("pending and at risk before the deadline", [A, B, C], REQUEST, None,
     [rec(1, A, "2026-04-01", 60), rec(3, C, "2026-04-01", "not-done")], "2026-04-02", "1000000", "1400000", "0",
     {"a": "400000", "b": "1000000", "c": "1000000"}),
    # the Commission's unit value: 12 000 000 over 24 milestones and targets = 500 000 a item; c missed
    ("the plan's unit value", [A, B, C], REQUEST,
     {"unit_value": "plan", "plan_allocation_eur": 12_000_000, "plan_milestones_targets": 24},
     MET[:2] + [rec(3, C, "2026-06-01", "not-done")], "2026-07-01", "500000", "0", "0", {"c": "500000"}),
]


@pytest.mark.parametrize("name,items,req,suspension,records,as_of,at_risk,pending,reversal,amounts", CASES,
                         ids=[c[0] for c in CASES])
def test_the_exposure_of_a_request(name, items, req, suspension, records, as_of, at_risk, pending, reversal,
                                   amounts):
    """It prices each item and sums (and caps) the request's amounts as its comment works out."""
    got = run(make_plan(items, [req], suspension), records, as_of)
    r = got.requests[0]
    assert (r.at_risk_eur, r.pending_eur, r.reversal_eur) == (Decimal(at_risk), Decimal(pending), Decimal(reversal))
    for short, amount in amounts.items():
        assert got.of_item(f"1.1.i/{short}").amount_eur == Decimal(amount), short


def test_a_reached_item_without_its_evidence_is_at_risk():
    """e done but its act not attached: unit 3 000 000 / 3 = 1 000 000 at risk, and the reason says why;
    with the act attached it is secure."""
    plan = make_plan([A, B, E], [{**REQUEST, "items": [A["id"], B["id"], E["id"]]}])
    lacking = run(plan, MET[:2] + [rec(3, E, "2026-06-01", "done")], "2026-07-01").of_item(E["id"])
    assert (lacking.category, lacking.amount_eur, lacking.evidence_missing) == ("at_risk", Decimal(1_000_000), ("act",))
    assert "required evidence is missing" in lacking.why["en"]
    whole = run(plan, MET[:2] + [rec(3, E, "2026-06-01", "done", evidence_for="act")], "2026-07-01")
    assert whole.of_item(E["id"]).category == "secure" and whole.at_risk_eur == 0


def test_each_amount_says_how_it_was_made_in_both_languages():
    """The reason carries the unit value, coefficient, shortfall and amount, in euro with cents."""
    got = run(make_plan([A, B, C], [REQUEST]), [MET[0], rec(2, B, "2026-06-01", 80), MET[2]], "2026-07-01")
    why = got.of_item(B["id"]).why
    assert why["en"] == "missed: 1 000 000.00 EUR unit value x coefficient 1 x 20 % short = 200 000.00 EUR"
    assert "200 000,00" in why["lv"]


def test_an_item_never_puts_more_at_stake_than_its_request_pays():
    """One item weighed above its request's amount (coefficient 5 on a third of 3 000 000) counts
    for the request's amount, and its reason says so: a head never reads that one item puts more
    at stake than the whole payment."""
    got = run(make_plan([A, {**B, "importance": "reform-final"}, C], [REQUEST]), MET[:1] + MET[2:], "2026-07-01")
    b = got.of_item(B["id"])
    assert b.amount_eur == Decimal(3_000_000) and b.capped and got.requests[0].capped
    assert b.why["en"] == ("missed: 1 000 000.00 EUR unit value x coefficient 5 x 100 % short = 5 000 000.00 EUR, "
                           "capped at the 3 000 000.00 EUR of request 1")
    assert "3 000 000,00" in b.why["lv"] and "capped" not in b.why["lv"]


@pytest.mark.parametrize("value,lang,shown", [
    (Decimal("1234567.891"), "en", "1 234 567.89"), (Decimal("1234567.5"), "lv", "1 234 567,50"),
    (Decimal(0), "en", "0.00"),
])
def test_money_is_shown_with_its_cents(value, lang, shown):
    assert money(value, Words(lang)) == shown


BAD = [
    ({"number": 1, "amount_eur": 10, "submission": "2026-09-30", "items": ["1.1.i/nope"]},
     "payment_requests[0] (number 1).items", "'1.1.i/nope' is not an item id"),
    ({"number": 1, "amount_eur": 0, "submission": "2026-09-30", "items": ["1.1.i/a"]},
     "payment_requests[0].amount_eur", "greater than 0"),
    ({"number": 1, "amount_eur": 10, "grant_eur": 4, "loan_eur": 5, "submission": "2026-09-30", "items": ["1.1.i/a"]},
     "payment_requests[0]", "add up to 9, not amount_eur 10"),
]


@pytest.mark.parametrize("request_,path,message", BAD)
def test_a_bad_payment_request_is_named_by_its_key(request_, path, message):
    """Loading refuses a request naming an unknown item, a non-positive amount or a split that does not add up."""
    data = plan_data([A], [request_])
    with pytest.raises(PlanError) as caught:
        parse_plan(tomli_w.dumps(data).encode(), "p.toml")
    assert any(p.path == path and message in p.message for p in caught.value.problems), caught.value.problems


def test_an_item_belongs_to_one_request():
    data = plan_data([A], [{"number": n, "amount_eur": 10, "submission": "2026-09-30", "items": ["1.1.i/a"]}
                           for n in (1, 2)])
    with pytest.raises(PlanError, match="already in payment request 1"):
        parse_plan(tomli_w.dumps(data).encode(), "p.toml")
