"""`rrf check` tells the right people, at the right level, on the right days, through a real SMTP
server (aiosmtpd on loopback) and a real JSON webhook; a server that is down loses nothing and,
once back, duplicates nothing; an acknowledgement stops the climb; secrets never reach output
or storage. "Today" is set with freezegun, day by day.
"""

import email
import email.policy
import json
import re
import socket
import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from freezegun import freeze_time
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from rrf.services import users
from rrf.services.context import Context
from rrf.settings import settings as make_settings
from ladder import ANNA as ANNA_KEY, HEAD as HEAD_KEY, LADDER, item_plan
from rrf.notifications.config import NotifyConfig, recipient
from rrf.notifications.render import digest
from rrf.rules import Observation, evaluate, parse_plan
from rrf.rules.escalate import decide
from rrf.cli.main import app

PLAN = item_plan("Apmācīti darbinieki", "Employees trained") + LADDER
SECRET = "S3cret-Pa55word"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mails: list[dict] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 (aiosmtpd's hook)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append({"to": envelope.rcpt_tos, "subject": msg["Subject"],
                           "body": msg.get_body(("plain", "html")).get_content(), "message": msg})
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[dict]:
        return [m for m in self.mails if address in m["to"]]


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def inbox():
    box = Inbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def hook():
    Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def rrf(db_url, inbox, hook, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    settings = tmp_path / "notify.toml"
    settings.write_text(f'''
[email]
server = "mailto://127.0.0.1:{inbox.port}?from=rrf@example.test"
[roles."department-head@vk"]
name = "Jānis Kalniņš"
email = "janis@example.test"
language = "en"
[roles."institution-head@vk"]
name = "Inese Ozola"
urls = ["json://127.0.0.1:{hook.server_address[1]}/hook"]
[delivery]
attempts = 2
backoff_seconds = 0
''', encoding="utf-8")
    runner = CliRunner()

    def run(*args: str, on: str | None = None):
        argv = [*args, "--plan", str(plan), "--db", db_url]
        if args and args[0] in {"check", "outbox"}:
            argv += ["--notify-config", str(settings)]
        if args and args[0] == "check":  # the plain check: the Prefect flow around it is in test_flows
            argv += ["--direct", "--lang", "en"]  # its summary lines in English, as the specs read them
        if on is None:
            return runner.invoke(app, argv)
        with freeze_time(f"{on} 08:00:00", tick=True):  # 10:00 or 11:00 in Riga
            return runner.invoke(app, argv)

    run.settings = settings
    run.plan = plan
    assert run("record", "1.1.i/trained", "10", "--as-of", "2026-03-01", "--source", "VK", on="2026-03-01").exit_code == 0
    return run


def check(rrf, day: str):
    result = rrf("check", on=day)
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


def test_the_right_people_hear_at_the_right_level_on_the_right_days(rrf, inbox):
    check(rrf, "2026-03-02")                       # at risk, 120 days left: the responsible contact
    assert [m["subject"] for m in inbox.to("anna@example.test")] == ["[RRF L1] 02.03.2026: apdraudēts 1"]
    assert "Labdien, Anna Bērziņa!" in inbox.mails[0]["body"] and "rrf ack" not in inbox.mails[0]["body"]  # a contact reports
    check(rrf, "2026-03-02")                       # the same day again: nothing new
    assert len(inbox.mails) == 1
    for day in ("2026-03-03", "2026-03-09", "2026-03-13"):
        check(rrf, day)
    assert len(inbox.mails) == 1                   # the cadence: monthly this far from the deadline
    check(rrf, "2026-03-16")                       # 10 working days unacknowledged: head of department
    [janis] = inbox.to("janis@example.test")
    assert janis["subject"] == "[RRF L2] 2026-03-16: at risk 1"
    assert "Dear Jānis Kalniņš" in janis["body"] and "no acknowledgement for 10 working days" in janis["body"]
    assert len(inbox.mails) == 2


def test_a_digest_mail_is_plain_text_that_arrives_as_written(rrf, inbox):
    """It sends e-mail as plain text only: apprise's HTML part, made from the text, had every space
    as `&nbsp;` (a digest's long lines could not wrap, and its links were not links). The text
    part is the digest as the outbox holds it, line for line and space for space."""
    check(rrf, "2026-03-02")
    [mail] = inbox.to("anna@example.test")
    message = mail["message"]
    assert [part.get_content_type() for part in message.walk()] == ["text/plain"]
    [stored] = json.loads(rrf("outbox", "--format", "json").stdout)
    plain = message.get_body(("plain",)).get_content()
    assert plain.splitlines() == stored["body"].splitlines() and plain.startswith("Labdien, Anna Bērziņa!")
    assert max(len(line) for line in plain.splitlines()) > 78  # long lines stay whole: the reader's client wraps them
    assert "&nbsp;" not in message.as_string()


def test_an_email_server_url_that_sets_its_format_keeps_it(rrf, inbox):
    """`format=` in the `[email] server` URL (here HTML) is the operator's choice: it is kept."""
    rrf.settings.write_text(rrf.settings.read_text(encoding="utf-8").replace(
        "?from=rrf@example.test", "?from=rrf@example.test&format=html"), encoding="utf-8")
    check(rrf, "2026-03-02")
    [mail] = inbox.to("anna@example.test")
    assert {part.get_content_type() for part in mail["message"].walk()} >= {"text/plain", "text/html"}


def test_the_head_of_the_institution_hears_through_the_json_webhook(rrf, inbox, hook):
    check(rrf, "2026-06-01")                       # 29 days left: all three levels
    [posted] = Hook.received
    assert posted["title"].startswith("[RRF L3] 01.06.2026") and "Labdien, Inese Ozola!" in posted["message"]
    assert {tuple(m["to"]) for m in inbox.mails} == {("anna@example.test",), ("janis@example.test",)}


def test_a_mail_server_that_is_down_loses_nothing_and_duplicates_nothing(rrf, inbox):
    inbox.stop()
    result = check(rrf, "2026-03-02")
    assert "1 failed" in result.stdout
    pending = json.loads(rrf("outbox", "--format", "json", "--status", "pending").stdout)
    assert [(m["recipient"], m["attempts"]) for m in pending] == [("contact:anna", 2)]
    assert pending[0]["last_error"] and not re.match(r"\d{4}-\d\d-\d\d", pending[0]["last_error"])  # the reason alone
    assert "WARNING" not in pending[0]["last_error"] and pending[0]["last_attempt_at"]  # (when: the attempt's time)
    inbox.start()
    check(rrf, "2026-03-02")                       # nothing new to decide; the pending one goes out
    check(rrf, "2026-03-03")
    assert [m["subject"] for m in inbox.mails] == ["[RRF L1] 02.03.2026: apdraudēts 1"]
    assert json.loads(rrf("outbox", "--format", "json", "--status", "pending").stdout) == []


def test_digests_that_could_not_go_out_give_way_to_the_newest_that_covers_them(rrf, inbox):
    """It sends a recipient whose mail server was down for a month the newest digest about their
    items once the server is back, not every stale one at once: an older digest that no channel
    received and whose items are all in the newer one is superseded by it (and says by which);
    the others' messages are not touched."""
    inbox.stop()
    check(rrf, "2026-03-02")
    check(rrf, "2026-03-30")                       # a month on: the contact's reminder, the head's alert
    everything = json.loads(rrf("outbox", "--format", "json").stdout)
    anna = [m for m in everything if m["recipient"] == "contact:anna"]
    assert [(m["status"], m["superseded_by"]) for m in anna] == [("superseded", anna[1]["id"]), ("pending", None)]
    assert anna[0]["items"] == anna[1]["items"] and anna[0]["attempts"] == 2  # tried while the server was down
    inbox.start()
    sent = rrf("outbox", "--send")
    assert sent.exit_code == 0, sent.stderr
    [mail] = inbox.to("anna@example.test")
    assert "30.03.2026" in mail["subject"]
    others = [m for m in everything if m["recipient"] != "contact:anna"]
    assert others and "superseded" not in {m["status"] for m in others} and inbox.to("janis@example.test")


def test_an_acknowledgement_stops_the_climb(rrf, inbox, db_url):  # noqa: F811
    """The head of the State Chancellery, a portal user, acknowledges on the command line (`--by`)."""
    check(rrf, "2026-03-02")
    ctx = Context(make_settings(plan=rrf.plan, database_url=db_url), lambda: datetime.now(timezone.utc))
    users.add(ctx, name="anna.berzina", role="head", institution="vk", password="jauni kursi 2026")
    ack = rrf("ack", "1.1.i/trained", "--by", "anna.berzina", "--reason", "jauni kursi no aprīļa", on="2026-03-03")
    assert ack.exit_code == 0, ack.stderr
    for day in ("2026-03-16", "2026-03-30", "2026-03-31"):
        check(rrf, day)
    assert inbox.to("janis@example.test") == []    # no climb to the head of department
    assert len(inbox.to("anna@example.test")) == 2  # the first alert and the monthly reminder (30 March)
    acks = json.loads(rrf("audit", "log", "--kind", "ack", "--format", "json").stdout)
    assert [(a["id"], a["by"], a["role"], a["reason"]) for a in acks] == [
        ("1.1.i/trained", "anna.berzina", "head", "jauni kursi no aprīļa")]


def test_only_an_enabled_portal_user_may_acknowledge_by_name(rrf, inbox):
    """`--by` names a portal user: a free-text name is refused (exit 2, naming `rrf users add`)."""
    check(rrf, "2026-03-02")
    ack = rrf("ack", "1.1.i/trained", "--by", "Anna Bērziņa", "--reason", "jauni kursi", on="2026-03-03")
    assert ack.exit_code == 2 and "rrf users add" in ack.stderr


def test_dry_run_shows_who_would_be_told_and_writes_and_sends_nothing(rrf, inbox, db_url):  # noqa: F811
    result = rrf("check", "--dry-run", "--as-of", "2026-06-01", on="2026-06-01")
    assert result.exit_code == 0
    for who in ("contact:anna", "role:department-head@vk", "role:institution-head@vk"):
        assert who in result.stdout
    assert "nothing was written or sent" in result.stdout
    assert inbox.mails == [] and Hook.received == []
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0
    engine.dispose()


def test_secrets_never_reach_output_or_storage(rrf, db_url, inbox):  # noqa: F811
    closed = free_port()
    rrf.settings.write_text(f'''
[email]
server = "mailto://rrf-user:{SECRET}@127.0.0.1:{closed}?from=rrf@example.test"
[roles."department-head@vk"]
urls = ["json://hook-user:{SECRET}@127.0.0.1:{closed}/hook"]
[delivery]
attempts = 1
backoff_seconds = 0
''', encoding="utf-8")
    outputs = [rrf("check", on=day) for day in ("2026-04-01", "2026-04-02")]
    outputs.append(rrf("outbox", "--format", "json"))
    outputs.append(rrf("audit", "log", "--kind", "all", "--format", "json"))
    for result in outputs:
        assert result.exit_code == 0, result.stderr
        assert SECRET not in result.stdout + result.stderr
    assert "2 failed" in outputs[0].stdout
    engine = create_engine(db_url)
    with engine.connect() as conn:
        for table in ("outbox", "notice", "audit_entry", "audit_run", "plan_text", "acknowledgement"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert SECRET not in " ".join(str(v) for v in row), table
    engine.dispose()


@pytest.mark.parametrize("who, portal, asks", [
    (HEAD_KEY, "https://rrf.example.test/", "To stop the escalation, acknowledge here: "
                                            "https://rrf.example.test/items/1.1.i/trained#acknowledge"),
    (HEAD_KEY, None, 'rrf ack 1.1.i/trained --by USER'),          # no portal: the command line
    (ANNA_KEY, "https://rrf.example.test/", None),                 # a contact reports; heads acknowledge
    (ANNA_KEY, None, None),
])
def test_a_head_is_asked_to_acknowledge_in_the_portal_when_there_is_one(who, portal, asks):
    """The call to action of a role ("head") with a portal is the item's acknowledgement link,
    not the `rrf ack` command line, which stays without a portal; an item's contacts, who may not
    acknowledge, are not asked to."""
    plan = parse_plan(PLAN.encode()).plan
    day = date(2026, 4, 1)
    decisions = evaluate(plan, [Observation(1, "1.1.i/trained", date(2026, 3, 1), value=Decimal(10))], day)
    notices = [n for n in decide(plan, decisions, [], [], day) if n.recipient == who]
    reader = recipient(who, plan, NotifyConfig()).model_copy(update={"language": "en"})
    message = digest(reader, notices, {d.item_id: d for d in decisions}, plan, day,
                     portal_url=portal)
    if asks is None:
        assert "acknowledge" not in message.body.lower() and "rrf ack" not in message.body
        return
    assert asks in message.body
    assert ("#acknowledge" in message.body) is (asks.endswith("#acknowledge"))
    assert ("rrf ack" in message.body) is (not asks.endswith("#acknowledge"))


def test_a_channel_that_fails_is_retried_alone_and_the_others_get_the_message_once(rrf, inbox, hook):
    """A head of department with an e-mail address and a JSON webhook, while the mail server is
    down: the webhook gets the message once, however many attempts and deliveries follow; the
    message stays pending for its e-mail alone (`rrf outbox` says so), and is sent once the
    server is back and the e-mail has it too."""
    rrf.settings.write_text(rrf.settings.read_text(encoding="utf-8").replace(
        'language = "en"\n', f'language = "en"\nurls = ["json://127.0.0.1:{hook.server_address[1]}/head"]\n', 1),
        encoding="utf-8")
    inbox.stop()
    check(rrf, "2026-06-01")                       # 29 days left: the head of department among others

    def to_janis() -> list[dict]:
        return [p for p in Hook.received if "Dear Jānis Kalniņš" in p["message"]]
    for _ in range(2):
        assert rrf("outbox", "--send").exit_code == 0
    assert len(to_janis()) == 1
    [head] = [m for m in json.loads(rrf("outbox", "--format", "json").stdout)
              if m["recipient"] == "role:department-head@vk"]
    assert (head["status"], head["attempts"], head["delivered_to"], head["pending_to"]) == (
        "pending", 6, ["url 1"], ["email"])
    assert re.search(r"pending:\s+email", rrf("outbox", "--status", "pending").stdout)
    inbox.start()
    assert rrf("outbox", "--send").exit_code == 0
    assert len(to_janis()) == 1 and len(inbox.to("janis@example.test")) == 1
    [head] = [m for m in json.loads(rrf("outbox", "--format", "json").stdout)
              if m["recipient"] == "role:department-head@vk"]
    assert (head["status"], head["delivered_to"], head["pending_to"]) == ("sent", ["url 1", "email"], [])
    check(rrf, "2026-06-02")                       # a later check's delivery sends it nowhere again
    assert len(to_janis()) == 1 and len(inbox.to("janis@example.test")) == 1
