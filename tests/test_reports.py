"""Each compliance check writes every institution's report, in Latvian and in English, as one
self-contained HTML file (styles and charts inline, nothing fetched), after the run is logged:
a report that cannot be written costs a warning, never the check. Digests link to the portal
when one is configured (RRF_PORTAL_URL); without it they carry the recipient's institution
report as an attachment, read back here from a real SMTP server (aiosmtpd on loopback).
"""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from ladder import LADDER, item_plan
from seeding import PLAN, seed
from test_delivery import inbox  # noqa: F401  (the fixture: a real SMTP server on loopback)
from rrf.cli.main import app
from rrf.notifications.render import item_url
from rrf.rules import load_plan
from rrf.rules.vocab import LANGUAGES
from rrf.services import report
from rrf.services.access import Viewer, visible_items

AS_OF = "2026-09-01"
PORTAL = "https://rrf.example.lv/portal"
# a URL or path in src=, href=, url(...) or @import: everything but an in-page anchor is a reference
REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)([^"'\s)>]*)""", re.I)


def references(html: str) -> list[str]:
    """What the page would fetch or lead to outside itself (in-page anchors are left out)."""
    return [ref for ref in REFERENCE.findall(html) if not ref.startswith("#")]


@pytest.fixture
def checked(db_url, tmp_path, monkeypatch):  # noqa: F811
    """`rrf check --direct` on the shipped plan and the seeds' progress; returns a function that
    runs it (extra environment as keyword arguments) and gives the result and the reports folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_PORTAL_URL", raising=False)
    url = seed(db_url)

    monkeypatch.setenv("RRF_REPORTS_DIR", str(tmp_path / "reports"))

    def run(*args: str, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, ["check", "--direct", "--as-of", AS_OF, "--lang", "en", *args,
                                          "--plan", str(PLAN), "--db", url])
        return result, tmp_path / "reports"

    return run


def expected_reports() -> set[tuple[str, str]]:
    plan = load_plan(PLAN).plan
    return {(ref, lang) for ref in plan.institutions if visible_items(Viewer("t", "head", ref), plan)
            for lang in LANGUAGES}


def test_a_check_writes_one_self_contained_report_per_institution_and_language(checked):
    """One file per institution with items and per language, in <reports>/<as-of>/; each is a
    single HTML page with its charts as inline <svg> and nothing to fetch: no src= or href= to
    the web or to another file, no stylesheet or script from elsewhere, no portal link."""
    result, folder = checked()
    assert result.exit_code == 0, result.stderr
    day = folder / AS_OF
    files = sorted(day.iterdir())
    assert {tuple(f.name.removesuffix(".html").rsplit(".", 1)) for f in files} == expected_reports()
    assert all(f.suffix == ".html" for f in files)
    plan = load_plan(PLAN).plan
    for f in files:
        html = f.read_text(encoding="utf-8")
        institution, lang = f.name.removesuffix(".html").rsplit(".", 1)
        assert html.lstrip().lower().startswith("<!doctype html>") and html.count("<html") == 1, f.name
        assert "<svg" in html, f"{f.name}: no inline chart"
        assert references(html) == [], f"{f.name} refers outside itself: {references(html)[:3]}"
        assert "<script src" not in html and "<link" not in html, f.name
        inst = plan.institutions[institution]
        assert (inst.name_lv if lang == "lv" else inst.name_en) in html, f.name
    assert f"institution reports ({len(files) // 2} institutions, in Latvian and English): {day}" in result.stdout


def test_a_configured_portal_is_the_one_link_out_of_a_report(checked):
    """With RRF_PORTAL_URL the report links to the portal, and to nothing else outside itself."""
    result, folder = checked(RRF_PORTAL_URL=PORTAL)
    assert result.exit_code == 0, result.stderr
    for f in (folder / AS_OF).iterdir():
        refs = references(f.read_text(encoding="utf-8"))
        assert refs and all(r.startswith(PORTAL) for r in refs), (f.name, refs)


def test_the_json_output_lists_the_reports(checked):
    """`rrf check --format json` names each report (institution, language, file) and no error."""
    result, folder = checked("--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert {(r["institution"], r["language"]) for r in out["reports"]} == expected_reports()
    assert all(Path(r["path"]).parent == folder / AS_OF for r in out["reports"]) and out["report_error"] is None


def test_a_report_that_cannot_be_written_costs_a_warning_not_the_check(checked, db_url, monkeypatch):  # noqa: F811
    """The run is logged before the reports are written: when they fail, the command still exits
    0, the run and its entries stay in the log, and a warning line says what went wrong."""
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(report, "write_all", broken)
    result, folder = checked()
    assert result.exit_code == 0, result.stderr
    assert "logged run" in result.stdout
    assert "warning: the institution reports were not written (OSError: No space left on device)" in result.stderr
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM audit_run")).scalars().all() == ["finished"]
    engine.dispose()
    assert not (folder / AS_OF).exists()


def test_a_dry_run_writes_no_report(checked):
    """`--dry-run` writes nothing, reports included."""
    result, folder = checked("--dry-run")
    assert result.exit_code == 0, result.stderr
    assert not folder.exists()


# Digests ---------------------------------------------------------------------------------------

VK_PLAN = item_plan("Apmācīti darbinieki", "Employees trained").replace(
    'name = "Anna Bērziņa"\n', 'name = "Anna Bērziņa"\ninstitution = "vk"\n') + LADDER


@pytest.fixture
def rrf(db_url, inbox, tmp_path, monkeypatch):  # noqa: F811
    """`rrf` on one target of the State Chancellery (vk) with no record: on 2026-06-01 (29 days
    left) Anna (a contact of vk, Latvian) and the head of department of vk (English) are told
    by e-mail; the head of the institution has no address. `plan=` gives another plan text."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_PORTAL_URL", raising=False)
    monkeypatch.setenv("RRF_REPORTS_DIR", str(tmp_path / "reports"))
    notify = tmp_path / "notify.toml"
    notify.write_text(f'''
[email]
server = "mailto://127.0.0.1:{inbox.port}?from=rrf@example.test"
[roles."department-head@vk"]
name = "Jānis Kalniņš"
email = "janis@example.test"
language = "en"
[delivery]
attempts = 1
backoff_seconds = 0
''', encoding="utf-8")

    def run(*args: str, plan: str = VK_PLAN):
        path = tmp_path / "plan.toml"
        path.write_text(plan, encoding="utf-8")
        result = CliRunner().invoke(app, [*args, "--plan", str(path), "--db", db_url, "--notify-config", str(notify)])
        assert result.exit_code == 0, result.stderr + result.stdout
        return result

    run.reports = tmp_path / "reports"
    return run


def outbox_attachments(db_url: str) -> dict[str, str | None]:  # noqa: F811
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT recipient, attachment FROM outbox")).all())
    engine.dispose()
    return rows


def test_with_a_portal_each_alert_links_to_its_item_and_nothing_is_attached(rrf, inbox, monkeypatch, db_url):  # noqa: F811
    """RRF_PORTAL_URL set: the digest links each item's page (`{portal}/items/{id}`) and ends with
    the portal's overview; the e-mail has no attachment (its text and HTML forms only)."""
    monkeypatch.setenv("RRF_PORTAL_URL", PORTAL + "/")
    rrf("check", "--direct", "--as-of", "2026-06-01")
    [anna] = inbox.to("anna@example.test")
    assert f"{PORTAL}/items/1.1.i/trained" in anna["body"]
    overview = f"Visi Jūsu atskaites punkti un mērķi portālā: {PORTAL}/"
    assert anna["body"].index(f"Portālā: {PORTAL}/items/1.1.i/trained") < anna["body"].index(overview) \
        < anna["body"].index("RRF atbilstības dzinējs")
    [janis] = inbox.to("janis@example.test")
    assert f"In the portal: {PORTAL}/items/1.1.i/trained" in janis["body"]
    assert f"All your milestones and targets in the portal: {PORTAL}/" in janis["body"]
    for mail in inbox.mails:
        message = mail["message"]
        assert message.get_content_type() != "multipart/mixed" and list(message.iter_attachments()) == []
        assert "Attached" not in mail["body"] and "Pielikumā" not in mail["body"]
    assert set(outbox_attachments(db_url).values()) == {None}


def test_an_item_link_quotes_the_id_and_keeps_its_slashes():
    """An item's portal address quotes what a URL path cannot hold, and keeps the id's `/`."""
    assert item_url("https://p.example/", "6.3.1.4.i/ngos supported#2") == \
        "https://p.example/items/6.3.1.4.i/ngos%20supported%232"


def test_without_a_portal_the_digest_carries_the_institution_report(rrf, inbox, db_url):  # noqa: F811
    """No portal URL: each recipient of vk gets vk's report, in their own language, attached as
    one text/html file whose name says the day and the language; the body says it is attached."""
    rrf("check", "--direct", "--as-of", "2026-06-01")
    for address, lang, name in (("anna@example.test", "lv", "Valsts kanceleja"),
                                ("janis@example.test", "en", "State Chancellery")):
        [mail] = inbox.to(address)
        [part] = list(mail["message"].iter_attachments())
        assert part.get_filename() == f"rrf-2026-06-01-vk.{lang}.html"
        assert part.get_content_type() == "text/html"
        html = part.get_payload(decode=True).decode("utf-8")  # the page says so itself: <meta charset>
        assert '<meta charset="utf-8">' in html.lower()
        assert name in html and "<svg" in html and f'lang="{lang}"' in html
        assert html == (rrf.reports / "2026-06-01" / f"vk.{lang}.html").read_text(encoding="utf-8")
        assert name in mail["body"] and ("Attached" in mail["body"] or "Pielikumā" in mail["body"])
    assert outbox_attachments(db_url) == {"contact:anna": "2026-06-01/vk.lv.html",
                                          "role:department-head@vk": "2026-06-01/vk.en.html",
                                          "role:institution-head@vk": "2026-06-01/vk.lv.html"}


def test_a_contact_without_an_institution_gets_no_report(rrf, inbox, db_url):  # noqa: F811
    """Whose report: the institution of a role, or a contact's `institution` in the plan; a
    contact without one gets no attachment (and no sentence about one)."""
    rrf("check", "--direct", "--as-of", "2026-06-01", plan=item_plan() + LADDER)  # Anna: no institution
    [anna] = inbox.to("anna@example.test")
    assert list(anna["message"].iter_attachments()) == [] and "Pielikumā" not in anna["body"]
    [janis] = inbox.to("janis@example.test")  # a role names its institution
    assert [p.get_filename() for p in janis["message"].iter_attachments()] == ["rrf-2026-06-01-vk.en.html"]
    assert outbox_attachments(db_url)["contact:anna"] is None


def test_a_message_whose_report_is_gone_goes_out_without_it(rrf, inbox):
    """Delivered later (the mail server was down) after the report was removed: the escalation is
    not held back for its attachment; it goes out without it."""
    inbox.stop()
    rrf("check", "--direct", "--as-of", "2026-06-01")
    for f in (rrf.reports / "2026-06-01").iterdir():
        f.unlink()
    inbox.start()
    sent = rrf("outbox", "--send")
    assert "2 sent, 0 failed" in sent.stdout
    assert [list(m["message"].iter_attachments()) for m in inbox.mails] == [[], []]


def test_the_output_says_where_the_reports_are(rrf, inbox):
    """One line of `rrf check`, in the language asked for."""
    result = rrf("check", "--direct", "--as-of", "2026-06-01", "--lang", "lv")
    assert f"iestāžu pārskati (1 iestāde, latviešu un angļu valodā): {rrf.reports / '2026-06-01'}" in result.stdout
    assert sorted(p.name for p in (rrf.reports / "2026-06-01").iterdir()) == ["vk.en.html", "vk.lv.html"]
    assert len(inbox.mails) == 2


def test_a_later_day_writes_beside_an_earlier_one(rrf):
    """A later check of another day writes beside the earlier one; the same day replaces it."""
    rrf("check", "--direct", "--as-of", "2026-06-01")
    rrf("check", "--direct", "--as-of", "2026-06-02")
    rrf("check", "--direct", "--as-of", "2026-06-02")
    assert sorted(p.name for p in rrf.reports.iterdir()) == ["2026-06-01", "2026-06-02"]
    assert sorted(p.name for p in (rrf.reports / "2026-06-02").iterdir()) == ["vk.en.html", "vk.lv.html"]


def test_report_paths_are_relative_to_the_reports_folder():
    """What an outbox row stores to find its report: the day's folder and the file, no address."""
    assert report.relative_path("vk", "lv", date(2026, 6, 1)) == "2026-06-01/vk.lv.html"
