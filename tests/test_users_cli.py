"""`rrf users add|disable|enable|password|list` manage the portal's accounts: every problem with an
account is named at once and nothing is written; the password is never stored or shown, only its
argon2 hash; only a coordinator manages accounts (an auditor may list them). Runs on SQLite and
PostgreSQL."""

import json

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from conftest import SHIPPED_PLAN
from rrf.cli.main import app

PASSWORD = "correct horse battery"


@pytest.fixture
def users(workdir, store):
    """`rrf users ARGS...` on the shipped plan and the spec's database, the password on stdin."""
    def invoke(*args: str, password: str = PASSWORD, operator: str | None = None):  # --plan too: every subcommand accepts it (README)
        return CliRunner().invoke(app, ["users", *args, "--plan", str(SHIPPED_PLAN), "--db", store.url],
                                  input=password + "\n", env={"RRF_OPERATOR": operator})
    return invoke


def password_hash(store, name: str) -> str:
    engine = create_engine(store.url)
    with engine.connect() as conn:
        [found] = conn.execute(text("SELECT password_hash FROM app_user WHERE name = :n"), {"n": name}).one()
    engine.dispose()
    return found


def opens(hashed: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(hashed, password)
    except VerificationError:
        return False


def test_add_list_and_disable(users, store):
    """It adds accounts with their role and institution, lists them without any secret, and
    disables one."""
    first = users("add", "anna", "--role", "coordinator", "--password-stdin")  # a Latvian portal user:
    assert first.exit_code == 0 and "izveidota" not in first.stderr  # the operator's line stays English
    assert ("created a new database at" in first.stderr) is store.url.startswith("sqlite")
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


def test_the_office_sets_a_new_password_and_enables_an_account_again(users, store):
    """It gives an account a new password (the old one opens it no longer), refuses a short one
    and an unknown name without changing anything, and enables a disabled account again."""
    assert users("add", "zane", "--role", "head", "--institution", "zpr", "--password-stdin").exit_code == 0
    short = users("password", "zane", "--password-stdin", password="short")
    assert short.exit_code == 2 and "at least 12 characters" in short.stderr
    assert opens(password_hash(store, "zane"), PASSWORD)
    unknown = users("password", "nobody", "--password-stdin", password="a new password 2026")
    assert unknown.exit_code == 2 and "there is no user 'nobody'" in unknown.stderr
    result = users("password", "zane", "--password-stdin", password="a new password 2026")
    assert result.exit_code == 0 and "new password set for zane" in result.stdout
    assert opens(password_hash(store, "zane"), "a new password 2026") and not opens(password_hash(store, "zane"), PASSWORD)
    assert users("disable", "zane").exit_code == 0
    assert users("enable", "zane").exit_code == 0
    [zane] = json.loads(users("list", "--format", "json").stdout)
    assert zane["disabled"] is False
    assert users("enable", "nobody").exit_code == 2


# (the command line's operator, RRF_OPERATOR, and the command): refused (exit 2) unless a coordinator
RIGHTS = [
    ("vita.head", ("add", "mallory", "--role", "coordinator", "--password-stdin"), False),
    ("rudolfs.reporter", ("add", "mallory", "--role", "coordinator", "--password-stdin"), False),
    ("aija.auditor", ("add", "mallory", "--role", "coordinator", "--password-stdin"), False),
    ("rudolfs.reporter", ("password", "anna", "--password-stdin"), False),
    ("vita.head", ("disable", "anna"), False),
    ("aija.auditor", ("enable", "vita.head"), False),
    ("vita.head", ("list",), False),
    ("aija.auditor", ("list",), True),
    ("anna", ("add", "mallory", "--role", "auditor", "--password-stdin"), True),
    ("anna", ("password", "vita.head", "--password-stdin"), True),
]


@pytest.mark.parametrize(("operator", "args", "allowed"), RIGHTS, ids=[f"{o}-{a[0]}" for o, a, _ in RIGHTS])
def test_only_a_coordinator_manages_accounts(users, store, operator, args, allowed):
    """It lets the command line act on accounts only for a coordinator (an auditor may list them):
    a head or a reporter acting as themselves (RRF_OPERATOR) cannot make a coordinator of anyone."""
    for name, role, institution in [("anna", "coordinator", None), ("vita.head", "head", "vk"),
                                    ("rudolfs.reporter", "reporter", "zpr"), ("aija.auditor", "auditor", None)]:
        made = users("add", name, "--role", role, *(["--institution", institution] if institution else []),
                     "--password-stdin")
        assert made.exit_code == 0, made.stderr
    before = users("list", "--format", "json").stdout
    result = users(*args, password="a new password 2026", operator=operator)
    if allowed:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2 and "may not manage the portal's accounts" in result.stderr
        assert users("list", "--format", "json").stdout == before
        assert opens(password_hash(store, "anna"), PASSWORD)
