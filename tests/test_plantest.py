"""`rrf test [FILE...]` runs the plan's own test cases, like `opa test`: each case is a day and
the progress recorded by then, and what the engine must decide (status, actual, reasons, the
escalation level and recipients of a first check, evidence and money at risk).

Exit 0 when every case passes, 1 with a line per difference of each failed case, 2 for a tests
file that cannot be run (naming the file and the key path, like a bad plan). Without FILE it
runs `<plan>.tests.toml` beside the plan: for the shipped plan, milestones.tests.toml.

`rrf test` opens no database, so these specs run it once, not on both backends (the `run`
fixture of conftest.py would run each twice, once on PostgreSQL, for nothing).
"""

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import MILESTONE, ROOT, SHIPPED_PLAN, TARGET, VALID_PLAN, edit_plan
from rrf.cli.main import app
from rrf.rules import load_plan

SHIPPED_TESTS = ROOT / "milestones.tests.toml"
SUMMARY = re.compile(r"^(\d+) cases?, (\d+) passed, (\d+) failed$", re.M)


@pytest.fixture
def rrf(workdir, plan_file):
    """`rrf test ARGS...` in an empty folder on VALID_PLAN (plan.toml), unless ARGS give --plan."""
    runner = CliRunner()
    default_plan = plan_file()

    def invoke(*args: str):
        plan = [] if "--plan" in args else ["--plan", str(default_plan)]
        return runner.invoke(app, ["test", *args, *plan])

    return invoke


def write_cases(workdir: Path, text: str, name: str = "plan.tests.toml") -> Path:
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    return path


MET_CASE = f'''\
[[case]]
name = "trained everywhere"
as_of = 2026-09-15
records = [
  {{ id = "{TARGET}", value = "300", as_of = "28.08.2026", breakdown = "RPR" }},
  {{ id = "{TARGET}", value = "1 300", as_of = "28.08.2026", breakdown = "region=KPR" }},
  {{ id = "{TARGET}", value = 260, as_of = 2026-08-28, breakdown = "LPR" }},
  {{ id = "{TARGET}", value = 260.0, as_of = 2026-08-28, breakdown = "VPR" }},
  {{ id = "{TARGET}", value = 260, as_of = 2026-08-28, breakdown = "ZPR" }},
  {{ id = "{MILESTONE}", value = "done", as_of = "20.06.2025" }},
]

[case.expect."{TARGET}"]
status = "met"
actual = 2380
reasons = []
level = 0
recipients = []

[case.expect."{MILESTONE}"]
status = "met"
actual = "done"
'''


# The shipped plan's own cases --------------------------------------------------------------------

def test_the_shipped_cases_pass_and_cover_every_item(rrf):
    """It runs milestones.tests.toml beside the shipped plan when no FILE is given: every case
    passes (exit 0), and no item of the plan is left without a test (no warning)."""
    result = rrf("--plan", str(SHIPPED_PLAN))
    assert result.exit_code == 0, result.stdout + result.stderr
    total, passed, failed = map(int, SUMMARY.search(result.stdout).groups())
    assert total == passed > 0 and failed == 0
    assert result.stderr == ""


def test_without_plan_it_runs_the_default_plans_tests(workdir):
    """It takes the plan as every command does (here the shipped one: no --plan, no RRF_PLAN,
    no ./milestones.toml) and its tests file beside it."""
    result = CliRunner().invoke(app, ["test"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert SUMMARY.search(result.stdout)


def test_every_item_of_the_shipped_plan_has_a_case():
    """It expects something of each of the shipped plan's items in at least one case."""
    cases = tomllib.loads(SHIPPED_TESTS.read_text(encoding="utf-8"))["case"]
    expected = {item_id for case in cases for item_id in case.get("expect", {})}
    assert set(load_plan(SHIPPED_PLAN).plan.ids) <= expected


def test_verbose_names_each_passing_case(rrf, workdir):
    """It prints `PASS <name>` for each case that passes with --verbose (-v), and only the
    summary without."""
    write_cases(workdir, MET_CASE)
    quiet, verbose = rrf(), rrf("-v")
    assert quiet.exit_code == verbose.exit_code == 0, quiet.stdout + quiet.stderr
    assert quiet.stdout == "1 case, 1 passed, 0 failed\n"
    assert verbose.stdout == "PASS trained everywhere\n1 case, 1 passed, 0 failed\n"


def test_a_tests_file_with_a_byte_order_mark_runs(rrf, workdir):
    """It reads a tests file saved with a UTF-8 byte-order mark (as Notepad saves it) as without one."""
    (workdir / "plan.tests.toml").write_bytes("\ufeff".encode("utf-8") + MET_CASE.encode("utf-8"))
    result = rrf()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == "1 case, 1 passed, 0 failed\n"


# Failing cases -------------------------------------------------------------------------------

def test_a_wrong_expectation_fails_with_exit_1_and_a_line_per_difference(rrf, workdir):
    """It exits 1 and prints `FAIL <file>: <name>`, then `  <item id> <field>: expected <x>, got <y>`
    for each expectation the engine does not meet (numbers as the plan writes them), then the summary."""
    wrong = MET_CASE.replace('status = "met"\nactual = 2380', 'status = "missed"\nactual = "1 300"', 1)
    write_cases(workdir, wrong, "wrong.tests.toml")
    result = rrf("wrong.tests.toml")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "FAIL wrong.tests.toml: trained everywhere",
        f"  {TARGET} status: expected missed, got met",
        f"  {TARGET} actual: expected 1300, got 2380",
        "1 case, 0 passed, 1 failed",
    ]


def test_lists_compare_sorted_and_show_in_brackets(rrf, workdir):
    """It compares reasons (and recipients, missing evidence) whatever their order, and shows a
    list that differs sorted, in brackets."""
    case = f'''\
[[case]]
name = "{{name}}"
as_of = 2026-09-15
records = [{{{{ id = "{TARGET}", value = 1300, as_of = 2026-08-28, breakdown = "RPR" }}}}]

[case.expect."{TARGET}"]
status = "missed"
reasons = {{reasons}}
'''
    write_cases(workdir, case.format(name="in any order", reasons='["key_short:ZPR", "key_short:VPR", "key_short:LPR", '
                                                                  '"key_short:KPR"]')
               + case.format(name="two regions forgotten", reasons='["key_short:ZPR", "key_short:KPR"]'))
    result = rrf("plan.tests.toml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL plan.tests.toml: two regions forgotten",
        f"  {TARGET} reasons: expected [key_short:KPR, key_short:ZPR], "
        "got [key_short:KPR, key_short:LPR, key_short:VPR, key_short:ZPR]",
        "2 cases, 1 passed, 1 failed",
    ]


def test_level_and_recipients_are_those_of_a_first_check(rrf, workdir, plan_file):
    """It expects the highest level a first check (no history) decides, and everyone it tells:
    a target missed by its whole goal reaches level 1 only on a plan whose ladder has one level."""
    text = f'''\
[[case]]
name = "missed with nothing recorded"
as_of = 2026-09-15

[case.expect."{TARGET}"]
status = "missed"
actual = "none"
level = 1
recipients = ["contact:baiba-zvejniece"]
'''
    ladder = '''
[roles.head]
name_lv = "Vadītājs"
name_en = "Head"

[escalation]
[[escalation.levels]]
level = 1
name_lv = "atbildīgais"
name_en = "responsible"
notify = ["responsible"]
when = [{ statuses = ["missed"] }]

[[escalation.cadence]]
every_working_days = 5
'''
    plan_file(VALID_PLAN + ladder)
    write_cases(workdir, text)
    result = rrf()
    assert result.exit_code == 0, result.stdout + result.stderr


def test_text_from_the_tests_file_is_shown_not_obeyed(rrf, workdir):
    """It prints a case's name as written: Rich markup stays text, a control character shows as
    `\\x1b`, so a tests file cannot style or clear the terminal."""
    text = MET_CASE.replace('name = "trained everywhere"', 'name = "[bold]x[/bold] \\u001b[2J"')
    write_cases(workdir, text.replace('actual = 2380', 'actual = 1'))
    result = rrf("plan.tests.toml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "FAIL plan.tests.toml: [bold]x[/bold] \\x1b[2J"


def test_json_output(rrf, workdir):
    """It prints every case, its differences and the untested items as JSON with --format json,
    with the same exit code."""
    write_cases(workdir, MET_CASE.replace('actual = "done"', 'actual = "not-done"'))
    result = rrf("--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed"] == 1 and data["passed"] == 0
    assert data["cases"][0]["differences"] == [
        {"subject": MILESTONE, "key": "actual", "expected": "not-done", "got": "done"}]
    assert data["untested"] == []


# Coverage ------------------------------------------------------------------------------------

def test_items_no_case_expects_anything_of_are_named_in_a_warning(rrf, workdir):
    """It warns on stderr about the items that no case expects anything of: not a failure."""
    write_cases(workdir, MET_CASE[: MET_CASE.index(f'[case.expect."{MILESTONE}"]')])
    result = rrf()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr == f"warning: 1 item has no test: {MILESTONE}\n"


# Money at risk and evidence ------------------------------------------------------------------

REQUEST_PLAN = edit_plan(
    ('goal = "done"\ndue = 2025-06-30\n',
     'goal = "done"\ndue = 2025-06-30\n'
     'evidence_required = [{ name = "report", title_lv = "Ziņojums", title_en = "Report" }]\n'),
) + f'''
[[payment_requests]]
number = 1
amount_eur = 1000000
submission = 2026-09-30
items = ["{TARGET}", "{MILESTONE}"]
'''

# 650 of 1 300 on 30.06.2026, behind the 750 checkpoint of 2024: at risk. Each item is worth
# 1 000 000 / 2 = 500 000; the target is half short (250 000), the milestone is done but
# without its report (all of 500 000) until the report is attached.
EXPOSURE_CASES = f'''\
[[case]]
name = "the report is missing"
as_of = "01.07.2026"
records = [
  {{ id = "{TARGET}", value = 130, as_of = "30.06.2026", breakdown = "RPR" }},
  {{ id = "{TARGET}", value = 130, as_of = "30.06.2026", breakdown = "KPR" }},
  {{ id = "{TARGET}", value = 130, as_of = "30.06.2026", breakdown = "LPR" }},
  {{ id = "{TARGET}", value = 130, as_of = "30.06.2026", breakdown = "VPR" }},
  {{ id = "{TARGET}", value = 130, as_of = "30.06.2026", breakdown = "ZPR" }},
  {{ id = "{MILESTONE}", value = "done", as_of = "20.06.2025" }},
]

[case.expect."{TARGET}"]
status = "at_risk"
exposure = "at_risk"
exposure_eur = "250 000"

[case.expect."{MILESTONE}"]
status = "met"
evidence_missing = ["report"]
exposure = "at_risk"
exposure_eur = 500000

[case.expect_requests."1"]
at_risk_eur = 750000
pending_eur = 0
secure_eur = 250000

[[case]]
name = "the report is attached"
as_of = 2026-07-01
records = [
  {{ id = "{MILESTONE}", value = "done", as_of = 2025-06-20, evidence_for = "report" }},
]

[case.expect."{MILESTONE}"]
evidence_missing = []
exposure = "secure"
exposure_eur = 0

[case.expect_requests."1"]
at_risk_eur = 500000
'''


def test_money_at_risk_per_item_and_per_payment_request(rrf, workdir, plan_file):
    """It compares an item's category and amount in its payment request, its missing evidence,
    and a request's totals (a plan with one request of 1 000 000 over two items)."""
    plan = plan_file(REQUEST_PLAN, "request.toml")
    write_cases(workdir, EXPOSURE_CASES, "request.tests.toml")
    result = rrf("--plan", str(plan), "-v")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "PASS the report is missing", "PASS the report is attached", "2 cases, 2 passed, 0 failed"]


def test_a_wrong_amount_shows_both_amounts(rrf, workdir, plan_file):
    """It names the request and the total that differs: `request 1 at_risk_eur: expected …, got …`."""
    plan = plan_file(REQUEST_PLAN, "request.toml")
    write_cases(workdir, EXPOSURE_CASES.replace("at_risk_eur = 750000", "at_risk_eur = 700000.5"), "request.tests.toml")
    result = rrf("--plan", str(plan))
    assert result.exit_code == 1
    assert "  request 1 at_risk_eur: expected 700000.5, got 750000" in result.stdout.splitlines()


def test_a_plan_named_in_the_file_is_read_relative_to_it(rrf, workdir, plan_file):
    """It evaluates the cases against the file's own `plan` (relative to the tests file), not
    against --plan."""
    (workdir / "sub").mkdir()
    plan_file(REQUEST_PLAN, "sub/request.toml")
    write_cases(workdir, 'plan = "request.toml"\n' + EXPOSURE_CASES, "sub/cases.toml")
    result = rrf("sub/cases.toml")
    assert result.exit_code == 0, result.stdout + result.stderr


# Bad tests files -----------------------------------------------------------------------------

CASE = f'[[case]]\nname = "c"\nas_of = 2026-09-15\n[case.expect."{TARGET}"]\nstatus = "missed"\n'

BAD = [
    # what, the tests file, a line of the refusal
    ("not TOML", "case = [", "  not valid TOML: "),
    ("not UTF-8", b"name = '\xff'", "  line 1: not UTF-8"),
    ("an unknown top-level key", "plans = 'x'\n" + CASE, "  plans: unknown key (expected plan and [[case]])"),
    ("no case", "", "  case: no [[case]]: a tests file holds at least one case"),
    ("a case that is a table", '[case]\nname = "c"\n', "  case: expected [[case]] tables"),
    ("an unknown key in a case", CASE.replace('as_of', 'day = 1\nas_of'),
     "  case[0] (c).day: unknown key (expected one of name, as_of, records, expect, expect_requests)"),
    ("an unknown expectation", CASE + "levle = 2\n",
     f'  case[0] (c).expect."{TARGET}".levle: unknown key (expected one of status, actual, reasons, level, '
     "recipients, evidence_missing, exposure_eur, exposure)"),
    ("an item id the plan does not have", CASE.replace(TARGET, "3.1.1.2.i/nothing"),
     '  case[0] (c).expect."3.1.1.2.i/nothing": \'3.1.1.2.i/nothing\' is not an item id of the plan '
     f"(known: {TARGET}, {MILESTONE})"),
    ("an unknown item id in a record", CASE.replace("as_of = 2026", 'records = [{ id = "9.9/x", value = 1 }]\nas_of = 2026'),
     f"  case[0] (c).records[0] (9.9/x): unknown id '9.9/x' (known: {TARGET}, {MILESTONE})"),
    ("a bad date", CASE.replace("2026-09-15", '"31.02.2026"'),
     "  case[0] (c).as_of: '31.02.2026' is not a real date (day is out of range for month)"),
    ("a bad date in a record",
     CASE.replace("as_of = 2026", f'records = [{{ id = "{TARGET}", value = 1, as_of = "2026-13-01" }}]\nas_of = 2026'),
     f"  case[0] (c).records[0] ({TARGET}).as_of: '2026-13-01' is not a real date (month must be in 1..12)"),
    ("an ambiguous figure", CASE.replace("as_of = 2026", f'records = [{{ id = "{TARGET}", value = "1,300" }}]\nas_of = 2026'),
     f"  case[0] (c).records[0] ({TARGET}): value: '1,300' is ambiguous: write 1300 or 1 300 for thousands, "
     "1,3 or 1.3 for a decimal (1,3000 for three decimal places)"),
    ("a milestone's value", CASE.replace("as_of = 2026", f'records = [{{ id = "{MILESTONE}", value = 1 }}]\nas_of = 2026'),
     f"  case[0] (c).records[0] ({MILESTONE}): {MILESTONE} is a milestone: the value must be done or not-done, got '1'"),
    ("an unknown breakdown key",
     CASE.replace("as_of = 2026", f'records = [{{ id = "{TARGET}", value = 1, breakdown = "XPR" }}]\nas_of = 2026'),
     f"  case[0] (c).records[0] ({TARGET}): unknown breakdown key 'XPR' for {TARGET} "
     "(known region keys: RPR, KPR, LPR, VPR, ZPR)"),
    ("a bad status name", CASE.replace('"missed"', '"late"'),
     f'  case[0] (c).expect."{TARGET}".status: \'late\' is not a status '
     "(one of met, met_late, on_track, at_risk, missed, no_data, reversed)"),
    ("a bad reason", CASE + 'reasons = ["key_short:XPR"]\n',
     f'  case[0] (c).expect."{TARGET}".reasons: \'key_short:XPR\' is not a reason of {TARGET} '
     "(one of checkpoint_behind, no_progress, pace_behind, stale, key_short:RPR, key_short:KPR, "
     "key_short:LPR, key_short:VPR, key_short:ZPR)"),
    ("a level the plan has no ladder for", CASE + "level = 1\n",
     f'  case[0] (c).expect."{TARGET}".level: the plan has no [escalation]: the level is always 0 (got 1)'),
    ("a recipient that is none", CASE + 'recipients = ["baiba"]\n',
     f'  case[0] (c).expect."{TARGET}".recipients: \'baiba\' is not a recipient '
     "(contact:<id>, role:<role>@<institution> or office:<name>)"),
    ("a duplicate name", CASE + CASE, "  case[1] (c).name: duplicate name 'c' (first at case[0])"),
    ("a case without a name", CASE.replace('name = "c"\n', ""), "  case[0].name: required key is missing"),
    ("a case that expects nothing", '[[case]]\nname = "c"\nas_of = 2026-09-15\n',
     '  case[0] (c): expects nothing: add [case.expect."<item id>"] or [case.expect_requests."<n>"]'),
    ("exposure of an item in no request", CASE + 'exposure = "at_risk"\n',
     f'  case[0] (c).expect."{TARGET}".exposure: {TARGET} is in no payment request of the plan'),
    ("a request the plan does not declare", CASE + '[case.expect_requests."1"]\nat_risk_eur = 0\n',
     "  case[0] (c).expect_requests.1: '1' is not a payment request of the plan (declared: none)"),
    ("a plan that is not there", 'plan = "nowhere.toml"\n' + CASE, "  plan: 'nowhere.toml': there is no plan file at "),
]


@pytest.mark.parametrize("what, text, line", BAD, ids=[b[0] for b in BAD])
def test_a_bad_tests_file_exits_2_naming_the_file_and_the_key_path(rrf, workdir, what, text, line):
    """It refuses a tests file that cannot be run, before running any case: exit 2, the file (the
    default one beside the plan, named from the current folder) and every problem with its key
    path on stderr, nothing on stdout."""
    path = workdir / "plan.tests.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = rrf()
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: plan.tests.toml: ") and " in the tests file:" in lines[0]
    assert any(found.startswith(line) for found in lines[1:]), result.stderr
    assert result.stdout == ""


def test_every_problem_of_every_file_is_named_at_once(rrf, workdir):
    """It names each bad file and each of its problems, not only the first."""
    write_cases(workdir, CASE.replace('"missed"', '"late"') + "levle = 1\n", "a.toml")
    write_cases(workdir, "case = [", "b.toml")
    result = rrf("a.toml", "b.toml")
    assert result.exit_code == 2
    assert "a.toml: 2 problems in the tests file:" in result.stderr
    assert "b.toml: 1 problem in the tests file:" in result.stderr


def test_without_a_tests_file_beside_the_plan_it_exits_2_naming_where_it_looked(rrf, workdir):
    """It looks for `<plan stem>.tests.toml` beside the plan when no FILE is given, and names
    that path when there is none."""
    result = rrf()
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {workdir / 'plan.tests.toml'}: no tests file")


def test_a_tests_file_that_is_not_there_exits_2(rrf):
    """It names a FILE that cannot be read."""
    result = rrf("nothing.toml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1] == "  cannot read the file: No such file or directory"


def test_a_bad_plan_exits_2_as_for_every_command(rrf, workdir, plan_file):
    """It refuses a plan that does not load as every command does, naming the plan."""
    plan = plan_file("schema_version = 1\n", "bad.toml")
    write_cases(workdir, CASE)
    result = rrf("--plan", str(plan), "plan.tests.toml")
    assert result.exit_code == 2
    assert " in the plan:" in result.stderr
