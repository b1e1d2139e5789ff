"""`rrf users add|disable|list` manage the portal's accounts: every problem with an account is
named at once and nothing is written; the password is never stored or shown, only its argon2
hash. Runs on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from conftest import SHIPPED_PLAN
from rrf.cli.main import app

PASSWORD = "correct horse battery"


@pytest.fixture
def users(workdir, store):
    """`rrf users ARGS...` on the shipped plan and the spec's database, the password on stdin."""
    def invoke(*args: str, password: str = PASSWORD):  # --plan too: every subcommand accepts it (README)
        return CliRunner().invoke(app, ["users", *args, "--plan", str(SHIPPED_PLAN), "--db", store.url],
                                  input=password + "\n")
    return invoke


def test_add_list_and_disable(users, store):
    """It adds accounts with their role and institution, lists them without any secret, and
    disables one."""
    assert users("add", "anna", "--role", "coordinator", "--password-stdin").exit_code == 0
    result = users("add", "zane", "--role", "head", "--institution", "zpr", "--lang", "en", "--password-stdin")
    assert result.exit_code == 0 and "added zane (head, zpr)" in result.stdout
    assert users("disable", "zane").exit_code == 0
    listed = json.loads(users("list", "--format", "json").stdout)
    assert [(u["name"], u["role"], u["institution"], u["language"], u["disabled"]) for u in listed] == [
        ("anna", "coordinator", None, "lv", False), ("zane", "head", "zpr", "en", True)]
    assert PASSWORD not in json.dumps(listed)
    engine = create_engine(store.url)
    with engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("SELECT password_hash FROM app_user"))]
    engine.dispose()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


BAD = [
    (("add", "Anna Z", "--role", "coordinator"), PASSWORD, "user name 'Anna Z'"),
    (("add", "anna", "--role", "boss"), PASSWORD, "--role 'boss': expected one of coordinator, head, auditor, reporter"),
    (("add", "anna", "--role", "head"), PASSWORD, "a head needs --institution"),
    (("add", "anna", "--role", "head", "--institution", "nasa"), PASSWORD, "--institution 'nasa'"),
    (("add", "anna", "--role", "auditor", "--institution", "vk"), PASSWORD, "the auditor role sees every institution"),
    (("add", "anna", "--role", "coordinator"), "short", "at least 12 characters"),
    (("add", "anna", "--role", "coordinator", "--lang", "de"), PASSWORD, "--lang 'de'"),
]


@pytest.mark.parametrize(("args", "password", "message"), BAD, ids=[m for _, _, m in BAD])
def test_a_bad_account_is_refused_and_nothing_is_written(users, store, args, password, message):
    """It names what is wrong with the account (exit 2) and adds nobody: not even a database."""
    result = users(*args, "--password-stdin", password=password)
    assert result.exit_code == 2 and message in result.stderr
    assert not store.exists()


def test_every_problem_is_named_at_once(users):
    """It lists all the problems of one command, each on its own line."""
    result = users("add", "X", "--role", "head", "--password-stdin", password="short")
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and len(lines) == 3


def test_the_same_name_twice_and_an_unknown_name(users):
    """It refuses a second account of the same name, and disabling someone who is not there."""
    assert users("add", "anna", "--role", "coordinator", "--password-stdin").exit_code == 0
    again = users("add", "anna", "--role", "auditor", "--password-stdin")
    assert again.exit_code == 2 and "there is already a user 'anna'" in again.stderr
    assert users("disable", "nobody").exit_code == 2
