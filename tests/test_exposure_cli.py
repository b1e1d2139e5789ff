"""The money at risk reaches its users: `rrf exposure` (table and JSON), `rrf status --format json`,
the evaluation log (replayable) and the digests, on the illustrative example plan
(examples/illustrative-requests.toml: the shipped plan with made-up payment requests appended).
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SEED_PROGRESS
from conftest import SHIPPED_PLAN as SHIPPED
from rrf.cli.main import app

EXAMPLE = ROOT / "examples" / "illustrative-requests.toml"


@pytest.fixture
def cli(workdir, monkeypatch):
    """`rrf ARGS...` on the example plan, with the seeds' progress imported into a fresh database."""
    for name in ("RRF_NOTIFY_CONFIG", "RRF_PORTAL_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    db = f"sqlite:///{workdir / 'money.db'}"

    def run(*args: str, plan: Path = EXAMPLE):
        return runner.invoke(app, [*args, "--plan", str(plan), "--db", db])

    assert run("import", str(SEED_PROGRESS)).exit_code == 0
    return run


def test_the_example_is_the_shipped_plan_with_an_appendix():
    """It holds milestones.toml byte for byte, so that the example never drifts from the plan."""
    example = EXAMPLE.read_text(encoding="utf-8")
    assert SHIPPED.read_text(encoding="utf-8") in example
    assert "ILLUSTRATIVE" in example[:600]


def test_validate_names_the_requests_and_the_plan_history_as_written(workdir):
    """`rrf validate` counts the payment requests and lists the plan's versions, each amendment with
    its own title as written in the plan: brackets are not markup, and nothing is escaped twice."""
    plan = workdir / "plan.toml"
    plan.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'title_en = "Illustrative amendment: verification documents"',
        'title_en = "Illustrative [draft] amendment"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--plan", str(plan)])
    assert result.exit_code == 0, result.stderr
    assert "payment requests: 3" in result.stdout
    lines = result.stdout.splitlines()
    history = lines[lines.index("plan history:") + 1:]
    assert history[:2] == ["  0. as adopted: 14 items", "  1. amendment 1 of 2025-01-01: Illustrative [draft] "
                           "amendment: 14 items; changed 6.3.1.3.i/legal-framework, 3.1.1.2.i/specialists-trained"]


def test_exposure_json_prices_every_request_as_of_a_day(cli):
    """As of 15.09.2026 request 2 (24 000 000, four items, all missed) is wholly at risk; in request 3
    the NGOs at 6 of 30 are 80 % short: 10 000 000 x 0.8 = 8 000 000; the specialists at 276 of 1 300
    are 1 024/1 300 short: 10 000 000 x 0.787692... = 7 876 923.08; the platforms (nothing recorded)
    10 000 000. Request 1 was paid on 28.06.2024: nothing of it is at risk."""
    result = cli("exposure", "--as-of", "2026-09-15", "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {r["number"]: (r["at_risk_eur"], r["pending_eur"], r["reversal_eur"]) for r in data["requests"]}
    assert totals == {1: (0, 0, 0), 2: (24000000, 0, 0), 3: (25876923.08, 0, 0)}
    items = {i["id"]: i for r in data["requests"] for i in r["items"]}
    assert items["6.3.1.4.i/ngos-supported"]["amount_eur"] == 8000000
    assert items["3.1.1.2.i/specialists-trained"]["amount_eur"] == 7876923.08
    assert items["6.3.1.3.i/legal-framework"]["coefficient"] == 5  # the amendment of 01.01.2025 weighs it 5
    assert items["2.1.2.1.i/plans-approved"]["category"] == "paid"


def test_exposure_table_names_requests_items_amounts_and_why(cli):
    """The table shows each request's title, every item's amount and reason, and the totals."""
    result = cli("exposure", "--as-of", "2026-09-15", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Payment request 3: 30 000 000.00 EUR" in text
    assert "at risk 25 876 923.08 EUR, pending 0.00 EUR, secure 4 123 076.92 EUR" in text
    assert "x 80 % short = 8 000 000.00 EUR" in text


def test_a_plan_without_requests_says_there_is_nothing_to_price(cli):
    result = cli("exposure", "--as-of", "2026-09-15", "--lang", "en", plan=SHIPPED)
    assert result.exit_code == 0
    assert "declares no payment requests" in result.stdout


def test_status_json_carries_each_items_part_of_its_request(cli):
    """An item in a request has `exposure` with its request, category, amount and why; the
    specialists' target names the sources' disagreement on its deadline in `conflicts`."""
    result = cli("status", "--as-of", "2026-09-15", "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    ngos = rows["6.3.1.4.i/ngos-supported"]["exposure"]
    assert (ngos["request"], ngos["category"], ngos["amount_eur"]) == (3, "at_risk", 8000000)
    assert "exposure" not in rows["2.1.1.1.i/lbis-system"]  # in no request
    conflict = rows["3.1.1.2.i/specialists-trained"]["conflicts"][0]
    assert conflict["field"] == "due" and [v["value"] for v in conflict["values"]] == ["2026-08-31", "2026-06-30"]
    assert "the sources disagree on the deadline" in rows["3.1.1.2.i/specialists-trained"]["explanation"]


def test_the_log_keeps_the_exposure_and_replays_it(cli):
    """A logged check holds each item's exposure in its decision and the requests' totals in the
    run's closing entry; replaying an entry computes the same exposure again."""
    assert cli("check", "--as-of", "2026-09-15", "--direct").exit_code == 0
    log = json.loads(cli("audit", "log", "--format", "json", "--kind", "all").stdout)
    entry = next(e for e in log if e["id"] == "6.3.1.4.i/ngos-supported")
    assert entry["decision"]["exposure"]["amount_eur"] == 8000000
    run = next(e for e in log if e["kind"] == "run")
    assert [r["at_risk_eur"] for r in run["exposure"]] == [0, 24000000, 25876923.08]
    assert run["plan_version"] == {"number": 1, "effective": "2025-01-01"}
    replay = cli("audit", "replay", str(entry["entry"]))
    assert replay.exit_code == 0, replay.stdout + replay.stderr
    assert "identical" in replay.stdout.lower()


def test_the_digest_says_how_much_money_is_at_stake(cli):
    """Each alert in a digest of an item in a request says the request and the amount, and why
    (the NGOs' contact reads Latvian: 8 000 000,00 EUR of request 3)."""
    result = cli("check", "--as-of", "2026-09-15", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    messages = json.loads(result.stdout)["messages"]
    body = next(m["body"] for m in messages if "6.3.1.4.i/ngos-supported" in m["items"])
    ngos = body[body.index("6.3.1.4.i/ngos-supported"):]
    line = next(line for line in ngos.splitlines() if "8 000 000,00" in line)
    assert "3" in line and "10 000 000,00" in line and "80 %" in line


def test_the_portals_item_page_shows_the_money_at_stake(tmp_path):
    """An item page of a plan with payment requests says the item's request and amount, and why,
    in the reader's language; an item in no request has no such section."""
    from urllib.parse import quote

    import portal
    from rrf.web.app import create_app

    ctx = portal.build(tmp_path / "portal").context(plan=EXAMPLE)
    client = portal.client_for(create_app(ctx), "anna")
    assert client.get("/lang/en").status_code == 303
    page = client.get("/items/" + quote("6.3.1.4.i/ngos-supported") + "?as_of=2026-09-15").text
    assert 'class="exposure exposure-at_risk"' in page
    assert "payment request 3:" in page and "8 000 000.00 EUR" in page
    other = client.get("/items/" + quote("2.1.1.1.i/lbis-system") + "?as_of=2026-09-15").text
    assert "exposure-" not in other


def test_the_portals_item_page_shows_the_item_as_amended_and_its_amended_documents(tmp_path):
    """On the day the amendment is in force, the item page describes the amended item (the overview
    does too): a record whose evidence is the published act, a document only the amendment
    requires, is shown with the document's title, not its bare name."""
    from urllib.parse import quote

    import portal
    from rrf.services import progress
    from rrf.web.app import create_app

    ctx = portal.build(tmp_path / "portal").context(plan=EXAMPLE)
    progress.record(ctx, item_id="6.3.1.3.i/legal-framework", value="done", as_of="2025-03-31",
                    source="Latvijas Vēstnesis", evidence="https://likumi.lv/act", evidence_for="published-act")
    client = portal.client_for(create_app(ctx), "anna")
    assert client.get("/lang/en").status_code == 303
    page = client.get("/items/" + quote("6.3.1.3.i/legal-framework") + "?as_of=2026-09-15").text
    assert 'class="evidence-for"' in page and "required document: The published act" in page
