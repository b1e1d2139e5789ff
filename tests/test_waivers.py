"""Waivers (`rrf waive`, services.waiver): a coordinator silences an item's escalation, or one
breakdown key's shortfall, from the as-of day until a day (inclusive), with a reason; and the
acknowledgement's identity and day (`rrf ack --by USER --as-of DATE`).

The store is a SQLite file (PostgreSQL where `db_url` runs on it); the plan is one target of the
State Chancellery (`1.1.i/trained`, at risk from March) and one with two planning regions
(`1.1.i/regions`, A and B, 50 each), under the shipped ladder. Checks are the real
services.check.check; what they decide is read from `result.notices`.
"""

from datetime import date, datetime, timezone
from decimal import Decimal

import json
import pytest
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from ladder import ANNA, HEAD, LADDER, item_plan
from rrf.cli.main import app
from rrf.rules import Observation, evaluate, parse_plan
from rrf.rules.errors import RrfError
from rrf.rules.escalate import Sent, Waiver, decide, silencing
from rrf.services import ack, audit, check, progress, users, waiver
from rrf.services.access import Forbidden, NotFound, Viewer
from rrf.services.context import Context
from rrf.settings import settings

REGIONS = '''
[institutions.zpr]
name_lv = "Zemgales plānošanas reģions"
name_en = "Zemgale Planning Region"
[[items]]
id = "1.1.i/regions"
kind = "target"
name_lv = "Reģionos"
name_en = "In the regions"
unit_lv = "cilvēki"
unit_en = "people"
goal = 100
due = 2026-06-30
start = 2026-01-01
contacts = ["anna"]
sources = [{ doc = "s", quote = "q" }]
[items.breakdown]
dimension = "region"
name_lv = "reģions"
name_en = "region"
[items.breakdown.keys.A]
minimum = 50
name_lv = "A"
name_en = "A"
[items.breakdown.keys.B]
minimum = 50
name_lv = "B"
name_en = "B"
'''
PLAN_TEXT = item_plan() + REGIONS + LADDER
PLAN = parse_plan(PLAN_TEXT.encode()).plan
TRAINED, REGIONAL = "1.1.i/trained", "1.1.i/regions"
PASSWORD = "a long enough password"
D = date.fromisoformat
# name: (role, institution)
USERS = {"koord": ("coordinator", None), "head.vk": ("head", "vk"), "head.zpr": ("head", "zpr"),
         "reporter.vk": ("reporter", "vk"), "auditor": ("auditor", None)}


class Store:
    def __init__(self, tmp_path, url: str) -> None:  # noqa: ANN001
        self.plan = tmp_path / "plan.toml"
        self.plan.write_text(PLAN_TEXT, encoding="utf-8")
        self.url = url
        self.reports = tmp_path / "reports"
        self.day = D("2026-03-01")

    def ctx(self) -> Context:
        now = datetime(self.day.year, self.day.month, self.day.day, 7, 0, tzinfo=timezone.utc)
        return Context(settings(plan=self.plan, database_url=self.url, reports_dir=self.reports), lambda: now)

    def check(self, day: str) -> check.CheckResult:
        self.day = D(day)
        return check.check(self.ctx(), as_of=self.day, deliver=False)

    def user(self, name: str) -> Viewer:
        return users.viewer(self.ctx(), name)

    def rrf(self, *args: str):  # noqa: ANN201
        with_day = [*args, "--plan", str(self.plan), "--db", self.url]
        return CliRunner().invoke(app, with_day)


@pytest.fixture
def store(tmp_path, db_url, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_OPERATOR", raising=False)
    s = Store(tmp_path, db_url)
    ctx = s.ctx()
    progress.record(ctx, item_id=TRAINED, value="10", as_of="2026-03-01", source="VK")
    for name, (role, institution) in USERS.items():
        users.add(ctx, name=name, role=role, institution=institution, password=PASSWORD)
    return s


def told(result: check.CheckResult, item_id: str) -> list[tuple]:
    return sorted((str(n.recipient), n.level, n.kind) for n in result.notices if n.item_id == item_id)


# -- who may waive -----------------------------------------------------------------------------

@pytest.mark.parametrize("who, item_id, refused", [
    (None, TRAINED, None),                  # the command line's operator: a coordinator
    ("koord", TRAINED, None),               # a coordinator user
    ("head.vk", TRAINED, Forbidden),        # heads acknowledge; they do not waive
    ("reporter.vk", TRAINED, Forbidden),
    ("auditor", TRAINED, Forbidden),        # sees every item, changes nothing
    ("head.zpr", TRAINED, NotFound),        # outside the Zemgale head's scope: not found, like no item
    ("koord", "9.9.i/nothing", NotFound),
])
def test_only_coordinators_may_waive(store, who, item_id, refused):
    by = store.user(who) if who else None
    grant = lambda: waiver.grant(store.ctx(), item_id=item_id, reason="a ministry's decision pending",  # noqa: E731
                                 expires="2026-03-31", by=by, as_of=D("2026-03-02"))
    if refused is None:
        w = grant()
        assert (w.item_id, w.approver, w.day, w.expires) == (item_id, by.name if by else w.approver,
                                                             D("2026-03-02"), D("2026-03-31"))
        assert by is not None or w.approver.startswith("os:")
    else:
        with pytest.raises(refused):
            grant()
        assert waiver.active(store.ctx(), D("2026-03-02")) == []


@pytest.mark.parametrize("given, says", [
    ({"key": "C"}, "not a breakdown key of 1.1.i/regions (its keys: A, B)"),
    ({"item_id": TRAINED, "key": "A"}, "it has no breakdown"),
    ({"expires": "2026-03-01"}, "before the waiver's day 2026-03-02"),
    ({"reason": "  "}, "--reason is required"),
])
def test_a_bad_waiver_is_refused_and_nothing_is_written(store, given, says):
    args = {"item_id": REGIONAL, "reason": "r", "expires": "2026-03-31", "as_of": D("2026-03-02"), **given}
    with pytest.raises(RrfError, match=says.replace("(", r"\(").replace(")", r"\)")):
        waiver.grant(store.ctx(), **args)
    assert waiver.active(store.ctx(), D("2026-03-02")) == []


# -- what a waiver silences -----------------------------------------------------------------------

def test_a_waiver_silences_the_next_checks_messages_until_it_expires(store):
    """Waived from 2 to 13 March: the checks of those days tell nobody about the item. On 16 March
    (expired) it starts at the bottom: nobody was told, so its episode (and the "unacknowledged"
    count) begins with this first alert, not with the waived days."""
    waiver.grant(store.ctx(), item_id=TRAINED, reason="reorganisation", expires="2026-03-13", as_of=D("2026-03-02"))
    for day in ("2026-03-02", "2026-03-09", "2026-03-13"):
        assert told(store.check(day), TRAINED) == []
    assert told(store.check("2026-03-16"), TRAINED) == [("contact:anna", 1, "alert")]
    assert told(store.check("2026-03-30"), TRAINED) == [("role:department-head@vk", 2, "alert")]


def test_a_waiver_given_after_the_first_alert_stops_the_reminders_but_not_the_resolution(store):
    """Told on 2 March; waived until the end of June: no reminder on 30 March, no climb on
    1 April (90 days left); the goal reached on 10 April: Anna still hears it is resolved."""
    assert told(store.check("2026-03-02"), TRAINED) == [("contact:anna", 1, "alert")]
    waiver.grant(store.ctx(), item_id=TRAINED, reason="r", expires="2026-06-30", as_of=D("2026-03-03"))
    assert told(store.check("2026-03-30"), TRAINED) == []
    assert told(store.check("2026-04-01"), TRAINED) == []
    store.day = D("2026-04-10")
    progress.record(store.ctx(), item_id=TRAINED, value="100", as_of="2026-04-10", source="VK")
    assert told(store.check("2026-04-10"), TRAINED) == [("contact:anna", 1, "resolved")]


def test_a_waiver_does_not_hold_before_its_day(store):
    waiver.grant(store.ctx(), item_id=TRAINED, reason="r", expires="2026-03-31", as_of=D("2026-03-05"))
    assert told(store.check("2026-03-02"), TRAINED) == [("contact:anna", 1, "alert")]


def regions(*records: tuple[str, str | None, int]) -> list:
    """Decisions as of the day after the deadline (1 July 2026) or, for `at_risk`, 2 March."""
    return [Observation(n, REGIONAL, D(day), value=Decimal(v), key=key) for n, (day, key, v) in enumerate(records, 1)]


MISSED_A = regions(("2026-06-30", "A", 30), ("2026-06-30", "B", 60))     # 90 of 100: only A short
MISSED_BOTH = regions(("2026-06-30", "A", 40), ("2026-06-30", "B", 40))  # 80 of 100: A and B short
AT_RISK_A = regions(("2026-03-01", "A", 1), ("2026-03-01", "B", 9))      # behind the pace, and A short


@pytest.mark.parametrize("records, day, keys, silenced", [
    (MISSED_A, "2026-07-01", ["A"], True),          # the only reason is A's shortfall
    (MISSED_A, "2026-07-01", ["B"], False),         # B is met: its waiver has nothing to silence
    (MISSED_BOTH, "2026-07-01", ["A"], False),      # B's shortfall is a reason too
    (MISSED_BOTH, "2026-07-01", ["A", "B"], True),  # every reason is a waived key's shortfall
    (AT_RISK_A, "2026-03-02", ["A", "B"], False),   # behind the pace: a reason of the total, not of a key
    ([], "2026-03-02", ["A", "B"], False),          # no data: never silenced by a key waiver
    ([], "2026-03-02", [None], True),               # an item-wide waiver silences anything
])
def test_a_key_waiver_silences_only_when_every_reason_is_a_waived_keys_shortfall(records, day, keys, silenced):
    """Pure: `silencing` and `decide` on the item's reasons (`key_short:<KEY>`, pace, ...)."""
    [d] = [d for d in evaluate(PLAN, records, D(day)) if d.item_id == REGIONAL]
    ws = [Waiver(REGIONAL, k, "koord", "r", D("2026-03-01"), D("2026-07-31")) for k in keys]
    assert bool(silencing(d, ws, D(day))) is silenced, d.reasons
    notices = decide(PLAN, [d], [], [], D(day), ws)
    assert (notices == []) is silenced


@pytest.mark.parametrize("waived, on, silenced", [
    (("2026-03-01", "2026-03-10"), "2026-03-10", True),   # its last day still holds
    (("2026-03-01", "2026-03-10"), "2026-03-11", False),  # expired: counts no more
    (("2026-03-05", "2026-03-10"), "2026-03-04", False),  # not yet
])
def test_a_waiver_holds_from_its_day_to_its_expiry_inclusive(waived, on, silenced):
    [d] = [d for d in evaluate(PLAN, [], D(on)) if d.item_id == TRAINED]
    w = Waiver(TRAINED, None, "k", "r", D(waived[0]), D(waived[1]))
    notices = decide(PLAN, [d], [], [], D(on), [w])  # no data, nobody told yet: a first alert is due
    assert (notices == []) is silenced
    assert bool(silencing(d, [w], D(on))) is silenced


# -- the status JSON and the evaluation log ---------------------------------------------------------

def test_status_json_and_the_log_carry_the_waivers_in_force(store):
    waiver.grant(store.ctx(), item_id=TRAINED, reason="reorganisation", expires="2026-03-13", as_of=D("2026-03-02"),
                 by=store.user("koord"))
    waiver.grant(store.ctx(), item_id=REGIONAL, key="A", reason="region A merges", expires="2026-04-30",
                 as_of=D("2026-03-02"))
    status = json.loads(store.rrf("status", "--as-of", "2026-03-02", "--format", "json").stdout)
    by_id = {row["id"]: row for row in status}
    assert by_id[TRAINED]["waivers"] == [
        {"key": None, "approver": "koord", "reason": "reorganisation", "until": "2026-03-13"}]
    assert by_id[REGIONAL]["waivers"][0]["key"] == "A"
    later = json.loads(store.rrf("status", "--as-of", "2026-03-14", "--format", "json").stdout)
    assert "waivers" not in {row["id"]: row for row in later}[TRAINED]  # expired: not shown

    store.check("2026-03-02")
    ctx = store.ctx()
    entries = [audit.entry_dict(e) for e in audit.entries(ctx, audit.Filters(kind="evaluation"))]
    assert {e["id"]: e.get("waivers") for e in entries} == {
        TRAINED: [{"key": None, "approver": "koord", "reason": "reorganisation", "until": "2026-03-13"}],
        REGIONAL: [{"key": "A", "approver": entries[1]["waivers"][0]["approver"], "reason": "region A merges",
                    "until": "2026-04-30"}]}
    logged = [audit.entry_dict(e) for e in audit.entries(ctx, audit.Filters(kind="waiver"))]
    assert [(e["id"], e["by"], e["role"], e["key"], e["until"], e["reason"]) for e in logged] == [
        (TRAINED, "koord", "coordinator", None, "2026-03-13", "reorganisation"),
        (REGIONAL, logged[1]["by"], "coordinator", "A", "2026-04-30", "region A merges")]
    assert logged[1]["by"].startswith("os:")
    assert audit.verify(ctx).broken is None
    verified = store.rrf("audit", "verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_a_check_without_waivers_logs_no_waivers_key(store):
    """Entries of a run without waivers read (and hash) as before waivers existed."""
    store.check("2026-03-02")
    entries = [audit.entry_dict(e) for e in audit.entries(store.ctx(), audit.Filters(kind="evaluation"))]
    assert entries and all("waivers" not in e for e in entries)


# -- the command line ------------------------------------------------------------------------------

def test_rrf_waive_on_the_command_line(store):
    ok = store.rrf("waive", TRAINED, "--reason", "reorganisation", "--until", "2026-03-31", "--as-of", "2026-03-02",
                   "--by", "koord")
    assert ok.exit_code == 0, ok.stderr
    assert "waived 1.1.i/trained from 2026-03-02 until 2026-03-31, approved by koord" in ok.stdout
    keyed = store.rrf("waive", REGIONAL, "--key", "B", "--reason", "r", "--until", "2026-03-31", "--as-of", "2026-03-02")
    assert keyed.exit_code == 0 and "(breakdown key B)" in keyed.stdout
    for args, says in [
        (("--by", "head.vk"), "may not waive"),
        (("--by", "nobody"), "rrf users add"),
        (("--until", "2026-03-01"), "before the waiver's day"),
    ]:
        given = dict(zip(args[::2], args[1::2]))
        argv = ["waive", TRAINED, "--reason", "r", "--as-of", "2026-03-02",
                "--until", given.pop("--until", "2026-03-31"), *[x for kv in given.items() for x in kv]]
        refused = store.rrf(*argv)
        assert refused.exit_code == 2 and says in refused.stderr, refused.stderr
    assert len(waiver.active(store.ctx(), D("2026-03-02"))) == 2


# -- acknowledgements: who, and for which day ----------------------------------------------------------

def test_an_acknowledgement_is_a_users_and_speaks_for_the_checks_day(store):
    """`as_of` is the acknowledgement's day and `until` may not be before it (not the wall clock:
    the store's clock says 1 March here); heads of the item's institution and coordinators may
    acknowledge; the log names the user and their role."""
    store.check("2026-03-02")
    head = store.user("head.vk")
    a = ack.acknowledge(store.ctx(), item_id=TRAINED, reason="new courses", until="2026-03-20", by=head,
                        as_of=D("2026-03-10"))
    assert (a.by, a.day, a.until, a.level) == ("head.vk", D("2026-03-10"), D("2026-03-20"), 1)
    with pytest.raises(RrfError, match="before the acknowledgement's day 2026-03-10"):
        ack.acknowledge(store.ctx(), item_id=TRAINED, reason="r", until="2026-03-09", by=head, as_of=D("2026-03-10"))
    for who, refused in (("reporter.vk", Forbidden), ("auditor", Forbidden), ("head.zpr", NotFound)):
        with pytest.raises(refused):
            ack.acknowledge(store.ctx(), item_id=TRAINED, reason="r", by=store.user(who), as_of=D("2026-03-10"))
    logged = [audit.entry_dict(e) for e in audit.entries(store.ctx(), audit.Filters(kind="ack"))]
    assert [(e["by"], e["role"], e["as_of"], e["until"]) for e in logged] == [
        ("head.vk", "head", "2026-03-10", "2026-03-20")]
    # the operator acknowledges when nobody is named
    assert ack.acknowledge(store.ctx(), item_id=TRAINED, reason="r", as_of=D("2026-03-10")).by.startswith("os:")


def test_rrf_ack_by_a_disabled_user_is_refused(store):
    users.disable(store.ctx(), name="head.vk")
    refused = store.rrf("ack", TRAINED, "--by", "head.vk", "--reason", "r", "--as-of", "2026-03-02")
    assert refused.exit_code == 2 and "rrf users add" in refused.stderr
    ok = store.rrf("ack", TRAINED, "--by", "koord", "--reason", "r", "--as-of", "2026-03-02", "--until", "2026-03-05")
    assert ok.exit_code == 0 and "by koord as of 2026-03-02 until 2026-03-05" in ok.stdout, ok.stderr
