"""No text from users, files or the plan can drive the terminal: control characters (the escape
sequences that clear the screen, set the window title or move the cursor) are shown as `\\x1b`
in every human-readable output, and refused in the plan's text."""

import json

import pytest

from conftest import MILESTONE, TARGET, edit_plan

HOSTILE = "\x1b[2J\x1b]0;owned\x07 report"


def test_a_records_text_is_shown_not_obeyed(run):
    """It prints a source full of escape sequences visibly in `rrf history`, and stores it as given."""
    assert run("record", TARGET, "10", "--as-of", "2025-01-01", "--source", HOSTILE, "--breakdown", "RPR",
               "--reporter", "\x1b[31mRPR").exit_code == 0
    shown = run("history", TARGET)
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "\\x1" in shown.stdout  # made visible (the table may wrap it)
    stored = json.loads(run("history", TARGET, "--format", "json").stdout)
    assert stored[0]["source"] == HOSTILE  # kept as given; JSON escapes it


def test_an_acknowledgements_reason_is_shown_not_obeyed(run):
    """It shows an acknowledgement's reason visibly in `rrf audit log`."""
    assert run("record", MILESTONE, "not-done", "--as-of", "2025-01-01", "--source", "x").exit_code == 0
    assert run("check", "--direct", "--as-of", "2026-09-01").exit_code == 0
    assert run("ack", MILESTONE, "--reason", HOSTILE).exit_code == 0
    log = run("audit", "log", "--kind", "ack")
    assert log.exit_code == 0 and "\x1b" not in log.stdout and "\\x1b]0;owned\\x07" in log.stdout.replace("\n", "")


@pytest.mark.parametrize("field", ["unit_en", "name_lv"])
def test_the_plan_refuses_control_characters(run, plan_file, field):
    """It refuses a plan whose text holds a control character, naming the field (exit 2)."""
    old = {"unit_en": 'unit_en = "specialists trained"', "name_lv": 'name_lv = "Apmācīti speciālisti"'}[field]
    new = old[:-1] + '\\u001b[2J"'
    result = run("validate", plan=plan_file(edit_plan((old, new))))
    assert result.exit_code == 2 and field in result.stderr and "control character" in result.stderr
    assert "\x1b" not in result.stderr
