"""`rules.load.load_plan` validates the whole plan file up front and reports every problem at
once, each naming the key path and the bad value.

It reads bytes, so "not UTF-8" and "not TOML" are problems like any other; one `PlanError`
carries them all. The shipped `milestones.toml` loads, holds every id of CONTRACT.md with the
contract's figures, and warns where its sources disagree. `rrf validate` is the same check
from the command line: exit 0 with warnings on stderr, or exit 2 naming the key path, and it
never writes anything.
"""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from conftest import MILESTONE, SHIPPED_PLAN, TARGET, VALID_PLAN, edit_plan
from rrf.rules.load import PlanError, conflict_warnings, load_plan

T = f"items[0] ({TARGET})"     # key path of the target in VALID_PLAN
M = f"items[1] ({MILESTONE})"  # key path of the milestone in VALID_PLAN


def _line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


def refusals(path) -> list[str]:
    """Each problem of the plan file at `path` as shown, key path first ([]: it loads)."""
    try:
        load_plan(path)
    except PlanError as exc:
        return [str(p) for p in exc.problems]
    return []


NATIVE_BAD_DATE = edit_plan(("due = 2025-06-30", "due = 2026-02-31"))

# (edits of VALID_PLAN, substrings the error must contain)
BAD_PLANS = [
    pytest.param(
        [('id = "3.1.1.2.i/evaluation-done"', f'id = "{TARGET}"')],
        [f"items[1] ({TARGET}).id", f"duplicate id '{TARGET}'", "first at items[0]"],
        id="duplicate-id",
    ),
    pytest.param(
        [("schema_version = 1", 'schema_version = 1\ncolour = "blue"')],
        ["colour: unknown key"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        [('kind = "milestone"', 'kind = "milestone"\nowner = "varam"')],
        [f"{M}.owner: unknown key"],
        id="unknown-key-in-item",
    ),
    pytest.param(
        [("value = 750, doc", "value = 750, breakdown = { XYZ = 100 }, doc")],
        [T, "checkpoints[0].breakdown key 'XYZ' is not one of", "RPR"],
        id="checkpoint-names-unknown-breakdown-key",
    ),
    pytest.param(
        [("due = 2025-06-30", 'due = "2026-13-01"')],
        [f"{M}.due", "'2026-13-01' is not a real date"],
        id="date-month-13",
    ),
    pytest.param(
        [("due = 2025-06-30", 'due = "tomorrow"')],
        [f"{M}.due", "'tomorrow' is not a date", "2026-08-31 or 31.08.2026"],
        id="date-tomorrow",
    ),
    pytest.param(
        [("due = 2025-06-30", 'due = "31.02.2026"')],
        [f"{M}.due", "'31.02.2026' is not a real date"],
        id="impossible-latvian-date-string",
    ),
    pytest.param(
        [("due = 2025-06-30", "due = 2026-02-31")],
        ["not valid TOML", f"line {_line_of(NATIVE_BAD_DATE, 'due = 2026-02-31')}"],
        id="impossible-native-toml-date",
    ),
    pytest.param(
        [("goal = 1300", "goal = -5")],
        [T, "goal must be a positive number, got -5"],
        id="negative-goal",
    ),
    pytest.param(
        [("minimum = 260\nname_lv = \"Rīgas", "minimum = -10\nname_lv = \"Rīgas")],
        [f"{T}.breakdown.keys.RPR.minimum", "greater than or equal to 0", "got -10"],
        id="negative-breakdown-minimum",
    ),
    pytest.param(
        [("goal = 1300", 'goal = "many"')],
        [f"{T}.goal", "'many' is not a number"],
        id="non-numeric-goal",
    ),
    pytest.param(
        [("goal = 1300", "goal = 1000")],
        [T, "breakdown minimums add up to 1300, above the goal 1000"],
        id="breakdown-minimums-above-goal",
    ),
    pytest.param(
        [("date = 2024-12-31", "date = 2026-09-30")],
        [T, "checkpoints[0] date 2026-09-30 is after the due date 2026-08-31"],
        id="checkpoint-after-due-date",
    ),
    pytest.param(
        [('contacts = ["baiba-zvejniece"]\nsources', 'contacts = ["janis-berzins"]\nsources')],
        [f"{T}.contacts: 'janis-berzins' is not defined in [contacts]"],
        id="item-contact-not-defined",
    ),
    pytest.param(
        [('name_en = "Riga Planning Region"\ncontacts = ["baiba-zvejniece"]',
          'name_en = "Riga Planning Region"\ncontacts = ["sarmite-putnina"]')],
        [f"{T}.breakdown.keys.RPR.contacts: 'sarmite-putnina' is not defined in [contacts]"],
        id="breakdown-key-contact-not-defined",
    ),
    pytest.param(
        [('institution = "varam"\ncontacts = ["baiba-zvejniece"]',
          'institution = "varam"\ncontacts = ["elina-karkla"]')],
        ['measures."3.1.1.2.i".contacts: \'elina-karkla\' is not defined in [contacts]'],
        id="measure-contact-not-defined",
    ),
    pytest.param(
        [('sources = [{ doc = "001", quote = "veikt', 'sources = [{ doc = "009", quote = "veikt')],
        [f"{M}.sources[0].doc: '009' is not defined in [sources]"],
        id="item-source-doc-not-defined",
    ),
    pytest.param(
        [('doc = "001"\n\n[measures', 'doc = "002"\n\n[measures')],
        ["contacts.baiba-zvejniece.doc: '002' is not defined in [sources]"],
        id="contact-source-doc-not-defined",
    ),
    pytest.param(
        [('id = "3.1.1.2.i/evaluation-done"', 'id = "9.9.9.9.i/evaluation-done"')],
        ["items[1] (9.9.9.9.i/evaluation-done).id: '9.9.9.9.i' is not defined in [measures]"],
        id="item-of-undefined-measure",
    ),
    pytest.param(
        [("due = 2025-06-30\n", "")],
        [f"{M}.due: required key is missing"],
        id="missing-due-date",
    ),
]


@pytest.mark.parametrize("edits, expected", BAD_PLANS)
def test_a_bad_plan_is_refused_naming_the_key_path_and_the_bad_value(plan_file, edits, expected):
    path = plan_file(edit_plan(*edits))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for part in expected:
        assert part in message


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(plan_file):
    line = 'name = "Baiba Zvejniece"'
    latin1 = 'name = "Andr\u00e9 Zvejniece"'.encode("latin-1")  # é is the single byte 0xe9
    path = plan_file(VALID_PLAN.encode("utf-8").replace(line.encode(), latin1))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.problems
    assert problem.path == f"line {_line_of(VALID_PLAN, line)}"
    assert "not UTF-8" in problem.message and "byte 0xE9" in problem.message


def test_a_file_that_is_not_toml_is_refused(plan_file):
    path = plan_file("# Milestones\n\nThe plan has **two** items:\n\n- specialists trained\n", name="plan.md")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.problems
    assert str(problem) == ("line 3: not valid TOML: expected '=' after a key in a key/value pair: "
                            "The plan has **two** items:")


# (an edit of VALID_PLAN that TOML cannot read, the line the refusal names, its message)
TOML_SYNTAX = [
    pytest.param(("due = 2025-06-30", "due = 2026-02-30"), "due = 2026-02-30",
                 "not valid TOML: invalid date or datetime: due = 2026-02-30", id="february-30"),
    pytest.param(("due = 2025-06-30", "due = 2026-13-01"), "due = 2026-13-01",
                 "not valid TOML: expected newline or end of document after a statement: due = 2026-13-01",
                 id="month-13"),
    pytest.param(("goal = 1300", "    goal = 1 300   "), "    goal = 1 300   ",
                 "not valid TOML: expected newline or end of document after a statement: goal = 1 300",
                 id="white-space-around-the-line-stripped"),
    pytest.param(('name_en = "Evaluation done"', 'name_en = "Evaluation\x1b[2J done\u202e"'),
                 'name_en = "Evaluation\x1b[2J done\u202e"',
                 "not valid TOML: illegal character '\\x1b': name_en = \"Evaluation\\x1b[2J done\\u202e\"",
                 id="control-characters-escaped"),
]


@pytest.mark.parametrize("edit, line, expected", TOML_SYNTAX)
def test_a_toml_syntax_error_names_the_line_and_shows_it(plan_file, edit, line, expected):
    """It refuses text that TOML cannot read as one problem: the number of the line where reading
    stopped, what TOML says in plain words, and that line as written (stripped of the white space
    around it, control characters and bidi overrides escaped), rather than TOML's column alone."""
    text = edit_plan(edit)
    assert refusals(plan_file(text)) == [f"line {_line_of(text, line)}: {expected}"]


BOM = "\ufeff".encode("utf-8")  # the byte-order mark Notepad writes at the start of a UTF-8 file

# (edits of VALID_PLAN, saved with a byte-order mark: None, it loads; else the one problem)
WITH_BOM = [
    pytest.param([], None, id="valid-plan"),
    pytest.param([("due = 2025-06-30", "due = 2026-02-30")],
                 f"line {_line_of(edit_plan(('due = 2025-06-30', 'due = 2026-02-30')), 'due = 2026-02-30')}: "
                 "not valid TOML: invalid date or datetime: due = 2026-02-30", id="bad-date-on-its-own-line"),
    pytest.param([("schema_version = 1", "schema_version = 2")],
                 "schema_version: Input should be 1 (got 2)", id="first-key-read"),
]


@pytest.mark.parametrize("edits, expected", WITH_BOM)
def test_a_utf8_file_with_a_byte_order_mark_is_read_as_without_it(plan_file, edits, expected):
    """It reads a plan saved with a UTF-8 byte-order mark (as Notepad saves it) as the same plan
    without one: valid, or refused for what is wrong in it on the line where it is. The plan's
    text and sha256 are still those of the bytes as given."""
    raw = BOM + edit_plan(*edits).encode("utf-8")
    path = plan_file(raw)
    assert refusals(path) == ([] if expected is None else [expected])
    if expected is None:
        loaded = load_plan(path)
        assert loaded.plan.ids == [TARGET, MILESTONE]
        assert loaded.sha256 == hashlib.sha256(raw).hexdigest() and loaded.text.encode("utf-8") == raw


@pytest.mark.parametrize("nested", [
    pytest.param("x = " + "[" * 100_000 + "]" * 100_000, id="100000-nested-arrays"),
    pytest.param("x = " + "{a=" * 50_000 + "1" + "}" * 50_000, id="50000-nested-inline-tables"),
    pytest.param(VALID_PLAN + "\nextra = " + "[" * 2_000 + "]" * 2_000, id="a-valid-plan-with-2000-nested-arrays"),
])
def test_a_file_nested_beyond_any_plan_is_one_problem_not_a_crash(plan_file, nested):
    """It refuses TOML nested far deeper than a plan ever is (its reader would run out of stack)
    as one problem of the file, like any other that is not a plan."""
    path = plan_file(nested)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.problems
    assert problem.message == "not a plan: arrays or tables nested hundreds deep"


# (what the file holds, the one problem)
EMPTY = [
    pytest.param("", "the file is empty", id="nothing"),
    pytest.param(" \n\t\n\n", "the file is empty", id="white-space"),
    pytest.param("\ufeff", "the file is empty", id="a-byte-order-mark"),
    pytest.param("# Milestones\n\n# to be written\n", "the file is empty (nothing but comments)", id="comments"),
]


@pytest.mark.parametrize("text, expected", EMPTY)
def test_an_empty_file_is_one_problem(plan_file, text, expected):
    """It refuses a file with no key in it as one problem, the file is empty, rather than a line
    for each of the sections a plan must have."""
    assert refusals(plan_file(text)) == [expected]


def test_a_missing_file_is_refused(workdir):
    with pytest.raises(PlanError, match="cannot read the file"):
        load_plan(workdir / "nowhere.toml")


def test_every_problem_is_reported_at_once(plan_file):
    path = plan_file(edit_plan(
        ("schema_version = 1", 'schema_version = 1\ncolour = "blue"'),
        ('contacts = ["baiba-zvejniece"]\nsources', 'contacts = ["janis-berzins"]\nsources'),
        ("due = 2025-06-30", 'due = "tomorrow"'),
    ))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    problems = caught.value.problems
    assert len(problems) == 3
    assert {p.path for p in problems} == {"colour", f"{T}.contacts", f"{M}.due"}
    assert "3 problems in the plan" in str(caught.value)


def test_the_valid_plan_loads_with_its_figures(plan_file):
    loaded = load_plan(plan_file())
    target = loaded.plan.item(TARGET)
    assert loaded.plan.ids == [TARGET, MILESTONE]
    assert (target.goal, target.due) == (Decimal(1300), date(2026, 8, 31))
    assert {k: v.minimum for k, v in target.breakdown.keys.items()} == dict.fromkeys(
        ["RPR", "KPR", "LPR", "VPR", "ZPR"], Decimal(260))
    assert [(c.date, c.value) for c in target.checkpoints] == [(date(2024, 12, 31), Decimal(750))]
    assert loaded.warnings == []


@pytest.mark.parametrize("edits, path", [
    pytest.param(
        [("date = 2024-12-31", 'date = "2024-12-32"')],
        f"{T}.checkpoints[0].date", id="checkpoint-date-field",
    ),
    pytest.param(
        [("[items.breakdown.keys.ZPR]\nminimum = 260", "[items.breakdown.keys.international]\nminimum = -1")],
        f"{T}.breakdown.keys.international.minimum", id="breakdown-key-international",
    ),
    pytest.param(
        [('[measures."3.1.1.2.i"]',
          '[contacts.strazds]\nname = "Jānis Strazds"\nemail = "not-an-email"\ndoc = "001"\n\n'
          '[measures."3.1.1.2.i"]')],
        "contacts.strazds.email", id="contact-named-strazds",
    ),
])
def test_the_key_path_keeps_keys_that_look_like_type_names(plan_file, edits, path):
    with pytest.raises(PlanError) as caught:
        load_plan(plan_file(edit_plan(*edits)))
    assert [p.path for p in caught.value.problems] == [path]


@pytest.mark.parametrize("goal", ['"many"', '"1300"', "true"])
def test_a_bad_goal_is_one_problem(plan_file, goal):
    with pytest.raises(PlanError) as caught:
        load_plan(plan_file(edit_plan(("goal = 1300", f"goal = {goal}"))))
    assert len(caught.value.problems) == 1


REQUEST = ('quote = "veikt pašvaldību publisko pakalpojumu novērtēšanu" }]\n',
           'quote = "veikt pašvaldību publisko pakalpojumu novērtēšanu" }]\n\n[[payment_requests]]\nnumber = 1\n'
           f'amount_eur = 1250000\nsubmission = 2026-09-30\nitems = ["{TARGET}"]\n')
TOO_LONG = "has 16 digits (at most 15, 6 of them after the decimal point)"
TOO_PRECISE = "has 7 digits after the decimal point (at most 6)"

# (edits of VALID_PLAN, the one problem: None, the plan loads)
FIGURES = [
    pytest.param([("goal = 1300", "goal = 999999999999999")], None, id="15-digits"),
    pytest.param([("goal = 1300", "goal = 1300.000001")], None, id="6-decimals"),
    pytest.param([("goal = 1300", "goal = 1300.0000000")], None, id="zeros-ending-the-decimals"),
    pytest.param([("goal = 1300", "goal = 1000000000000000")], f"{T}.goal: 1000000000000000 {TOO_LONG}",
                 id="goal-16-digits"),
    pytest.param([("goal = 1300", "goal = 15.0000001")], f"{T}.goal: 15.0000001 {TOO_PRECISE}", id="goal-7-decimals"),
    pytest.param([("goal = 1300", "goal = inf")], f"{T}.goal: inf is not a finite number", id="goal-inf"),
    pytest.param([("goal = 1300", "goal = -inf")], f"{T}.goal: -inf is not a finite number", id="goal-minus-inf"),
    pytest.param([("goal = 1300", "goal = nan")], f"{T}.goal: nan is not a finite number", id="goal-nan"),
    pytest.param([("goal = 1300", "goal = 1300\nbaseline = 0.0000001")], f"{T}.baseline: 1e-07 {TOO_PRECISE}",
                 id="baseline-7-decimals"),
    pytest.param([("value = 750, doc", "value = 750.1234567, doc")],
                 f"{T}.checkpoints[0].value: 750.1234567 {TOO_PRECISE}", id="checkpoint-value"),
    pytest.param([("value = 750, doc", "value = 750, breakdown = { RPR = 1e20 }, doc")],
                 f"{T}.checkpoints[0].breakdown.RPR: 1e+20 has 21 digits (at most 15, 6 of them after the decimal "
                 "point)", id="checkpoint-breakdown-value"),
    pytest.param([("minimum = 260\nname_lv = \"Rīgas", "minimum = 260.0000001\nname_lv = \"Rīgas")],
                 f"{T}.breakdown.keys.RPR.minimum: 260.0000001 {TOO_PRECISE}", id="breakdown-minimum"),
    pytest.param([('type = "investment"', 'type = "investment"\nfunding_eur = 1e15')],
                 'measures."3.1.1.2.i".funding_eur: 1000000000000000.0 has 16 digits (at most 15, 6 of them after '
                 "the decimal point)", id="measure-funding"),
    pytest.param([REQUEST], None, id="payment-request"),
    pytest.param([REQUEST, ("amount_eur = 1250000", "amount_eur = 1250000.0000001")],
                 f"payment_requests[0].amount_eur: 1250000.0000001 {TOO_PRECISE}", id="payment-request-amount"),
]


@pytest.mark.parametrize("edits, expected", FIGURES)
def test_a_figure_of_the_plan_is_held_to_the_bounds_of_a_recorded_one(plan_file, edits, expected):
    """It refuses a figure of the plan (goal, baseline, checkpoint, minimum, funding, amount) that a
    record could not hold: more than 15 digits, more than 6 of them after the decimal point, or
    not a finite number (inf, nan), naming the key and saying so in words."""
    assert refusals(plan_file(edit_plan(*edits))) == ([] if expected is None else [expected])


M_SOURCES = 'sources = [{ doc = "001", quote = "veikt pašvaldību publisko pakalpojumu novērtēšanu" }]'
REF_WORDS = "lower-case letters and digits, words joined by single '-'"

# (edits of VALID_PLAN, the first problem in full)
PLAIN_WORDS = [
    pytest.param([('id = "3.1.1.2.i/evaluation-done"', 'id = "3.1.1.2.i/plans approved"')],
                 "items[1] (3.1.1.2.i/plans approved).id: an id is <measure>/<name>: letters, digits, '.' and '-', "
                 "one '/', the name in lower case (got '3.1.1.2.i/plans approved')", id="id"),
    pytest.param([(M_SOURCES, "sources = []")], f"{M}.sources: must list at least one (got [])", id="empty-list"),
    pytest.param([('name_en = "Evaluation done"', 'name_en = ""')], f"{M}.name_en: must not be empty (got '')",
                 id="empty-text"),
    pytest.param([("[items.breakdown.keys.ZPR]", '[items.breakdown.keys."Z PR"]')],
                 f'{T}.breakdown.keys."Z PR": a breakdown key is letters and digits, words joined by single \'-\' '
                 "(got 'Z PR')", id="breakdown-key"),
    pytest.param([("[institutions.varam]", "[institutions.VARAM]")],
                 f"institutions.VARAM: a name is {REF_WORDS} (got 'VARAM')", id="table-key"),
    pytest.param([('dimension = "region"', 'dimension = "Region X"')],
                 f"{T}.breakdown.dimension: a name is {REF_WORDS} (got 'Region X')", id="name-field"),
    pytest.param([('email = "baiba.zvejniece@varam.gov.lv"', 'email = "baiba"')],
                 "contacts.baiba-zvejniece.email: not an e-mail address (got 'baiba')", id="e-mail"),
    pytest.param([("due = 2025-06-30", 'due = 2025-06-30\nevidence_required = [{ name = "' + "a" * 61
                   + '", title_lv = "x", title_en = "y" }]')],
                 f"{M}.evidence_required[0].name: must be at most 60 characters (got '{'a' * 61}')", id="long-name"),
    pytest.param([("checkpoints = [\n", 'checkpoints = [\n  "x",\n')],
                 f"{T}.checkpoints[0]: expected a table (got 'x')", id="not-a-table"),
]


@pytest.mark.parametrize("edits, expected", PLAIN_WORDS)
def test_a_refusal_says_what_is_expected_in_plain_words(plan_file, edits, expected):
    """It says what an id, a key, a name or an e-mail address is made of rather than print the
    pattern it is matched against, and 'must list at least one' or 'expected a table' rather than
    the validator's sentences ('List should have at least 1 item after validation, not 0'), with
    the bad value as the plan wrote it; a key that is wrong itself is named by its path alone."""
    assert refusals(plan_file(edit_plan(*edits)))[:1] == [expected]


ROADMAP_ROW = ('title_lv = "x"\nplanned_results_lv = ["y"]\nperiod = "2023-2024"\ninvestment = "3.1.1.2.i"\n'
               'doc = "001"\nquote = "z"\n')


def control_in(path: str, key: str) -> str:
    """The refusal of a table key `key` (escaped, as shown) at `path`, with an escape character in it."""
    return f"{path}: the key holds a control character ('\\x1b'): write plain text (got '{key}')"


# (edits of VALID_PLAN, one of the problems in full)
CONTROL_IN_KEYS = [
    pytest.param([('[measures."3.1.1.2.i"]', '[measures."6.3.1.r\\u001b]0;PWN\\u0007"]')],
                 control_in('measures."6.3.1.r\\x1b]0;PWN\\x07"', "6.3.1.r\\x1b]0;PWN\\x07"), id="measure"),
    pytest.param([('[measures."3.1.1.2.i"]', f'[roadmap."3.2\\u001b[2J"]\n{ROADMAP_ROW}\n[measures."3.1.1.2.i"]')],
                 control_in('roadmap."3.2\\x1b[2J"', "3.2\\x1b[2J"), id="roadmap-row"),
    pytest.param([('[sources."001"]', '[sources."001\\u001b"]')],
                 control_in('sources."001\\x1b"', "001\\x1b"), id="source"),
    pytest.param([("value = 750, doc", 'value = 750, breakdown = { "R\\u001bPR" = 100 }, doc')],
                 control_in(f'{T}.checkpoints[0].breakdown."R\\x1bPR"', "R\\x1bPR"), id="checkpoint-breakdown-key"),
    pytest.param([('id = "3.1.1.2.i/evaluation-done"', 'id = "3.1.1.2.i/plans\\napproved\\u202e"')],
                 "items[1] (3.1.1.2.i/plans\\napproved\\u202e).id: an id is <measure>/<name>: letters, digits, "
                 "'.' and '-', one '/', the name in lower case (got '3.1.1.2.i/plans\\napproved\\u202e')",
                 id="id-with-a-line-break-and-a-bidi-override"),
    pytest.param([(M_SOURCES, M_SOURCES + '\n\n[[amendments]]\neffective = 2025-01-01\ntitle_lv = "a"\n'
                   'title_en = "a"\nchange = [{ id = "3.1.1.2.i/x\\n\\u202e", goal = 5 }]')],
                 "amendments[0].change[0] (3.1.1.2.i/x\\n\\u202e): '3.1.1.2.i/x\\n\\u202e' is not an item in force "
                 "before this amendment", id="amendment-change-id"),
]


@pytest.mark.parametrize("edits, expected", CONTROL_IN_KEYS)
def test_control_characters_are_refused_in_table_keys_and_never_printed(plan_file, edits, expected):
    """It refuses a control character (an escape sequence that would clear a terminal or set its
    title) in every key of the plan's tables, as it does in text, naming the key escaped; and no
    key path prints a line break or a bidi override of a bad id as it is: each is escaped."""
    shown = refusals(plan_file(edit_plan(*edits)))
    assert expected in shown
    assert all(line.isprintable() for line in shown), shown


FIRST_CHECKPOINT = ('{ date = 2024-12-31, value = 750, doc = "001", '
                    'quote = "2024. gadā plānots apmācīt līdz 750" },')


def checkpoint(day: str, value: int) -> str:
    return f'{{ date = {day}, value = {value}, doc = "001", quote = "plānots" }},'


def reduction(*checkpoints: str) -> tuple[str, str]:
    """An edit of VALID_PLAN adding a reduction target, items[2] (3.1.1.2.i/paper-forms), with these checkpoints."""
    return (M_SOURCES, M_SOURCES + '\n\n[[items]]\nid = "3.1.1.2.i/paper-forms"\nkind = "target"\n'
            'name_lv = "Papīra veidlapas"\nname_en = "Paper forms"\nunit_lv = "veidlapas"\nunit_en = "forms"\n'
            'baseline = 1000\ngoal = 200\ndirection = "decrease"\ndue = 2026-08-31\n'
            f'checkpoints = [{" ".join(checkpoints)}]\nsources = [{{ doc = "001", quote = "veidlapas" }}]\n')


def then(*checkpoints: str) -> tuple[str, str]:
    """An edit of VALID_PLAN giving its target these checkpoints after its own (750 by 2024-12-31)."""
    return FIRST_CHECKPOINT, " ".join([FIRST_CHECKPOINT, *checkpoints])


FALLING = "value 500 by 2025-12-31 is below 750 by 2024-12-31"
GOES_DOWN = "a target that increases does not go down from one checkpoint to the next"
GOES_UP = 'a reduction (direction = "decrease") does not go up from one checkpoint to the next'
CHANGE = (M_SOURCES, M_SOURCES + '\n\n[[amendments]]\neffective = 2025-01-01\ntitle_lv = "a"\ntitle_en = "a"\n'
          f'change = [{{ id = "{TARGET}", checkpoints = [{FIRST_CHECKPOINT} {checkpoint("2025-12-31", 500)}] }}]\n')

# (edits of VALID_PLAN, the one problem: None, the plan loads)
CHECKPOINTS = [
    pytest.param([then(checkpoint("2025-12-31", 1000))], None, id="rising"),
    pytest.param([then(checkpoint("2025-12-31", 750))], None, id="level"),
    pytest.param([then(checkpoint("2025-12-31", 500))],
                 f"{T}.checkpoints[1]: {FALLING} (checkpoints[0]): {GOES_DOWN}",
                 id="falling"),
    pytest.param([(FIRST_CHECKPOINT, checkpoint("2025-12-31", 500) + " " + FIRST_CHECKPOINT)],
                 f"{T}.checkpoints[0]: {FALLING} (checkpoints[1]): {GOES_DOWN}",
                 id="falling-listed-latest-first"),
    pytest.param([reduction(checkpoint("2024-12-31", 600), checkpoint("2025-12-31", 400))], None,
                 id="reduction-falling"),
    pytest.param([reduction(checkpoint("2024-12-31", 600), checkpoint("2025-12-31", 700))],
                 "items[2] (3.1.1.2.i/paper-forms).checkpoints[1]: value 700 by 2025-12-31 is above 600 by 2024-12-31 "
                 f"(checkpoints[0]): {GOES_UP}", id="reduction-rising"),
    pytest.param([then(checkpoint("2024-12-31", 800))],
                 f"{T}.checkpoints[1]: 2024-12-31 is also the date of checkpoints[0]: one a day",
                 id="same-date"),
    pytest.param([("goal = 1300", "goal = 1300\nstart = 2025-01-01")],
                 f"{T}.checkpoints[0]: date 2024-12-31 is before the item's start 2025-01-01", id="before-item-start"),
    pytest.param([('type = "investment"', 'type = "investment"\nstart = 2025-01-01')],
                 f"{T}.checkpoints[0]: date 2024-12-31 is before measure 3.1.1.2.i's start 2025-01-01",
                 id="before-measure-start"),
    pytest.param([('title_en = "Test plan"', 'title_en = "Test plan"\nstart = 2025-01-01')],
                 f"{T}.checkpoints[0]: date 2024-12-31 is before the plan's start 2025-01-01", id="before-plan-start"),
    pytest.param([('type = "investment"', 'type = "investment"\nstart = 2025-01-01'),
                  ("goal = 1300", "goal = 1300\nstart = 2024-01-01")], None, id="item-start-before-measure-start"),
    pytest.param([CHANGE], f"amendments[0].change[0] ({TARGET}).checkpoints[1]: {FALLING} (checkpoints[0]): "
                           f"{GOES_DOWN}", id="amended-checkpoints"),
]


@pytest.mark.parametrize("edits, expected", CHECKPOINTS)
def test_checkpoints_follow_the_target_in_time(plan_file, edits, expected):
    """It refuses, naming the checkpoint by its key path, a checkpoint that goes back on an earlier
    one (lower than it for a target that increases, higher for a reduction), two checkpoints on one
    day, and a checkpoint dated before the trajectory starts (the item's start, else its measure's,
    else the plan's); in the plan as adopted and in an amendment alike."""
    assert refusals(plan_file(edit_plan(*edits))) == ([] if expected is None else [expected])


# (a value in the plan, how the refusal shows it: as TOML writes it, never as Python does)
SHOWN = [
    ("due = 2026-08-31T10:00:00", "due: 2026-08-31T10:00:00 is not a date"),
    ("due = 12:00:00", "due: 12:00:00 is not a date"),
    ("due = true", "due: true is not a date"),
    ('due = "soon"', "due: 'soon' is not a date (expected 2026-08-31 or 31.08.2026)"),
    ("goal = 2026-01-01", "goal: 2026-01-01 is not a number"),
    ("goal = false", "goal: false is not a number"),
    ("goal = [1300]", "goal: [1300] is not a number"),
]


@pytest.mark.parametrize("line, expected", SHOWN, ids=[line for line, _ in SHOWN])
def test_a_bad_value_is_shown_as_the_plan_wrote_it(plan_file, line, expected):
    """It names a bad value once, as its author wrote it in TOML (2026-08-31T10:00:00, true, [1300]),
    not as Python's repr (datetime.datetime(...), True) and not twice ("'soon' ... (got 'soon')")."""
    key = line.split(" = ")[0]
    with pytest.raises(PlanError) as caught:
        load_plan(plan_file(edit_plan((f"{key} = {'2026-08-31' if key == 'due' else '1300'}", line))))
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.endswith(expected) or f"{expected} " in problem, problem
    assert "datetime" not in problem and "True" not in problem and "False" not in problem
    assert problem.count(expected.split(": ", 1)[1].split(" is ")[0]) == 1


@pytest.mark.parametrize("value, expected", [('"yes"', "expected true or false (got 'yes')"),
                                             ("1", "expected true or false (got 1)")])
def test_binding_is_true_or_false_and_nothing_read_as_such(plan_file, value, expected):
    """It refuses `binding = "yes"` (or 1), which pydantic would have read as true, in plain words."""
    with pytest.raises(PlanError) as caught:
        load_plan(plan_file(edit_plan(('goal = "done"', f'goal = "done"\nbinding = {value}'))))
    [problem] = caught.value.problems
    assert str(problem) == f"{M}.binding: {expected}"


def test_an_amendment_adds_no_item_of_a_measure_the_plan_lacks(plan_file):
    """It refuses an item an amendment adds under a measure the plan does not define, naming it
    (it was loaded, and a checkpoint of such an item crashed the loader with a KeyError)."""
    amendment = f'''
[[amendments]]
effective = 2025-01-01
title_lv = "Grozījumi"
title_en = "Amendment"

[[amendments.add]]
id = "9.9.9.9.i/new-thing"
kind = "target"
name_lv = "Jauns"
name_en = "New"
unit_lv = "vienības"
unit_en = "units"
goal = 10
due = 2026-08-31
sources = [{{ doc = "001", quote = "q" }}]
checkpoints = [{{ date = 2000-01-01, value = 5, doc = "001", quote = "q" }}]
'''
    with pytest.raises(PlanError) as caught:
        load_plan(plan_file(VALID_PLAN + amendment))
    assert any(p.path == "amendments[0].add[0] (9.9.9.9.i/new-thing).id" and "'9.9.9.9.i' is not defined in [measures]"
               in p.message for p in caught.value.problems), caught.value.problems


# The shipped plan: every id of CONTRACT.md with the contract's figures.
CONTRACT_TABLE = [
    # id, kind, goal, due, breakdown dimension, {key: minimum}
    ("2.1.2.1.i/plans-approved", "target", 15, "2023-03-31", None, {}),
    ("2.1.2.1.i/ict-descriptions", "target", 15, "2023-09-30", None, {}),
    ("2.1.2.1.i/platforms-operational", "target", 15, "2026-08-31", "category",
     {"public-services": 4, "support-functions": 5, "municipal": 6}),
    ("6.3.1.1.i/employees-trained", "target", 16232, "2026-05-31", None, {}),
    ("6.3.1.2.i/employees-trained", "target", 20011, "2026-05-31", None, {}),
    ("6.3.1.3.i/legal-framework", "milestone", "done", "2025-06-30", None, {}),
    ("6.3.1.4.i/ngos-supported", "target", 30, "2026-08-31", "field",
     {"social-security": 15, "public-interest-monitoring": 15}),
    ("3.1.1.2.i/specialists-trained", "target", 1300, "2026-08-31", "region",
     dict.fromkeys(["RPR", "KPR", "LPR", "VPR", "ZPR"], 260)),
]


@pytest.fixture(scope="module")
def shipped():
    return load_plan(SHIPPED_PLAN)


@pytest.mark.parametrize("item_id, kind, goal, due, dimension, minimums", CONTRACT_TABLE,
                         ids=[row[0] for row in CONTRACT_TABLE])
def test_the_shipped_plan_has_every_contract_item(shipped, item_id, kind, goal, due, dimension, minimums):
    item = shipped.plan.item(item_id)
    assert item.kind == kind
    assert item.goal == (goal if goal == "done" else Decimal(goal))
    assert item.due == date.fromisoformat(due)
    if dimension is None:
        assert item.breakdown is None
    else:
        assert item.breakdown.dimension == dimension
        assert {k: v.minimum for k, v in item.breakdown.keys.items()} == {
            k: Decimal(v) for k, v in minimums.items()}


def test_the_shipped_specialists_target_has_the_contract_checkpoint(shipped):
    item = shipped.plan.item("3.1.1.2.i/specialists-trained")
    assert [(c.date, c.value) for c in item.checkpoints] == [(date(2024, 12, 31), Decimal(750))]


def test_the_shipped_plan_warns_exactly_where_its_sources_disagree(shipped):
    warnings = conflict_warnings(shipped.plan)
    assert warnings == shipped.warnings
    assert len(warnings) == 2
    due, funding = sorted(warnings, key=lambda w: not w.startswith("3.1.1.2.i"))
    assert due.startswith("3.1.1.2.i") and "2026-08-31" in due and "2026-06-30" in due
    assert funding.startswith("6.3.1.4.i") and "2318960" in funding and "2276970" in funding


def test_items_given_the_same_fields_share_one_set_of_their_names_and_a_changed_copy_gets_its_own(shipped):
    """Pydantic keeps, per model, the set of the fields that were given (a third of a plan of a million
    items): items given the same fields share one. The plan stays frozen, and a copy made with changes
    records its own fields without touching the set the others share."""
    items = shipped.plan.items
    alike = [i for i in items if i.model_fields_set == items[0].model_fields_set]
    assert len(alike) > 1 and all(i.__pydantic_fields_set__ is alike[0].__pydantic_fields_set__ for i in alike)
    before = set(alike[0].model_fields_set)
    with pytest.raises(ValidationError):
        alike[0].binding = False
    copy = alike[0].model_copy(update={"binding": False})
    assert "binding" in copy.model_fields_set and copy.binding is False
    assert alike[0].model_fields_set == alike[1].model_fields_set == before


# `rrf validate`


def test_validate_accepts_the_shipped_plan_and_warns_on_stderr(run, workdir, store):
    result = run("validate", plan=SHIPPED_PLAN)
    assert result.exit_code == 0, result.stderr
    assert "valid" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert any("3.1.1.2.i" in w and "2026-08-31" in w and "2026-06-30" in w for w in warnings)
    assert any("6.3.1.4.i" in w and "2318960" in w and "2276970" in w for w in warnings)
    assert not store.exists()


def test_validate_accepts_a_plan_without_conflicts_silently(run, store, workdir):
    """(Its source document beside it holds every phrase it quotes: see test_sources.py.)"""
    (workdir / "001_test.txt").write_text("2024. gadā plānots apmācīt līdz 750; mācības vismaz 1300 personām; "
                                          "veikt pašvaldību publisko pakalpojumu novērtēšanu", encoding="utf-8")
    result = run("validate")
    assert result.exit_code == 0, result.stderr
    assert "2 items (1 targets, 1 milestones)" in result.stdout
    assert result.stderr == ""
    assert not store.exists()


@pytest.mark.parametrize("edits, expected", [
    pytest.param([("goal = 1300", "goal = 1000")],
                 [T, "breakdown minimums add up to 1300, above the goal 1000"], id="minimums-above-goal"),
    pytest.param([("due = 2025-06-30", 'due = "31.02.2026"')],
                 [f"{M}.due", "31.02.2026"], id="impossible-date"),
    pytest.param([('kind = "milestone"', 'kind = "milestone"\nowner = "varam"')],
                 [f"{M}.owner: unknown key"], id="unknown-key"),
])
def test_validate_refuses_a_bad_plan_with_exit_2_and_writes_nothing(run, plan_file, workdir, edits, expected):
    bad = plan_file(edit_plan(*edits), name="bad.toml")
    before = sorted(p.name for p in workdir.iterdir())
    result = run("validate", plan=bad)
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr
    for part in expected:
        assert part in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in workdir.iterdir()) == before  # no database, no other file
