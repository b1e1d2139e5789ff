"""The portal's contract, spoken over HTTP to the real application on a real SQLite store
(tests/portal.py): who may see what, sign-in and its limits, CSRF, cookies and headers, the
overview's filters, the item page and the exports. The same pages in a real browser:
tests/test_web_browser.py."""

import csv
import html
import io
import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, create_engine, select

import portal
from portal import AS_OF, HOSTILE, PASSWORD, TARGET, USERS, VK_ITEM, client_for, csrf_of
from rrf.models.tables import SignInEvent
from rrf.services import users
from rrf.web.app import create_app

ZPR_ONLY = "6.3.1.1.i/employees-trained"  # VK's: no planning region in it


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return portal.build(tmp_path_factory.mktemp("portal"))


@pytest.fixture(scope="module")
def app(store):
    return create_app(store.context())






def item_url(item_id: str, prefix: str = "/items/") -> str:
    return prefix + quote(item_id)


# role x address: in scope (200) or not (404 for an item, 403 for the log: the role has no log at all)
MATRIX = [
    # user,     address,                                   status
    ("anna",    item_url(VK_ITEM),                         200),
    ("anna",    item_url(TARGET),                          200),
    ("anna",    "/audit",                                  200),
    ("aija",    item_url(VK_ITEM, "/api/items/"),          200),
    ("aija",    "/audit/export.csv",                       200),
    ("aija",    "/audit/replay/1",                         200),
    ("vilis",   item_url(TARGET),                          200),
    ("vilis",   item_url(VK_ITEM),                         404),
    ("vilis",   item_url(VK_ITEM, "/api/items/"),          404),
    ("vilis",   "/audit",                                  403),
    ("vilis",   "/audit/export.json",                      403),
    ("zane",    item_url(TARGET),                          200),
    ("zane",    item_url(TARGET, "/api/items/"),           200),
    ("zane",    item_url(ZPR_ONLY),                        404),
    ("zane",    item_url(ZPR_ONLY, "/api/items/"),         404),
    ("zane",    "/audit/replay/1",                         403),
    ("kaspars", item_url(VK_ITEM),                         200),
    ("kaspars", item_url(TARGET),                          404),
    ("kaspars", item_url("no/such-item"),                  404),
    ("rita",    item_url(TARGET),                          200),
    ("rita",    item_url(VK_ITEM),                         404),
    ("rita",    "/audit",                                  403),
]


@pytest.mark.parametrize(("name", "address", "status"), MATRIX, ids=[f"{n}-{a}" for n, a, _ in MATRIX])
def test_each_role_reaches_exactly_its_scope(app, name, address, status):
    """It answers every address by the user's role and institution; out of scope is 404, like an
    id that does not exist, so a head cannot even learn which other items exist."""
    assert client_for(app, name).get(address).status_code == status


@pytest.mark.parametrize("address", ["/", item_url(TARGET), "/api/items", "/export/items.csv", "/audit",
                                     "/audit/export.csv", "/evidence/7"])
def test_nothing_is_shown_before_signing_in(app, address):
    """It sends pages to the sign-in form and answers data addresses 401, with no data in either."""
    answer = client_for(app, None).get(address)
    if address.startswith(("/api/", "/export/", "/evidence/", "/audit/export")):
        assert answer.status_code == 401 and "3.1.1.2" not in answer.text
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(("name", "expected"), [
    ("anna", 14), ("aija", 14), ("vilis", 8), ("zane", 1), ("rita", 1), ("kaspars", 10)])
def test_overview_json_and_csv_hold_only_the_scope(app, store, name, expected):
    """It lists in the JSON and the CSV export exactly the items the user may see."""
    client = client_for(app, name)
    listed = [i["id"] for i in client.get(f"/api/items?as_of={AS_OF}").json()["items"]]
    exported = list(csv.DictReader(io.StringIO(client.get(f"/export/items.csv?as_of={AS_OF}").content.decode("utf-8-sig"))))
    plan = store.context().loaded.plan
    role, institution = USERS[name]
    assert len(listed) == expected and sorted(listed) == sorted(r["id"] for r in exported)
    if institution == "zpr":
        assert listed == [TARGET]
    if institution == "vk":  # the measures it runs, and the items that name one of its people
        assert VK_ITEM in listed and TARGET not in listed
        for i in listed:
            item = plan.item(i)
            assert plan.measures[item.measure].institution == "vk" or \
                any(plan.contacts[c].institution == "vk" for c in item.contacts)


def test_overview_filters_and_sorts(app):
    """It filters by status, institution and due date, sorts, and counts what it shows."""
    client = client_for(app, "anna")
    everything = client.get(f"/api/items?as_of={AS_OF}").json()
    assert sum(everything["counts"].values()) == 14
    missed = client.get(f"/api/items?as_of={AS_OF}&status=missed").json()["items"]
    assert missed and {i["status"] for i in missed} == {"missed"}
    early = client.get(f"/api/items?as_of={AS_OF}&due_before=2024-01-01").json()["items"]
    assert early and all(i["due"] < "2024-01-01" for i in early)
    by_id = [i["id"] for i in client.get(f"/api/items?as_of={AS_OF}&sort=id").json()["items"]]
    assert by_id == sorted(by_id)
    by_due = [i["due"] for i in everything["items"]]
    assert by_due == sorted(by_due)
    zpr = client.get(f"/api/items?as_of={AS_OF}&institution=zpr").json()["items"]
    assert [i["id"] for i in zpr] == [TARGET]
    page = client.get(f"/?as_of={AS_OF}&status=missed").text
    assert page.count('data-status="missed"') == len(missed) and 'data-status="met"' not in page


def test_the_data_of_an_item_is_what_status_json_gives_for_it(app, store):
    """It gives, for each item of /api/items and /api/items/<id>, the record `rrf status --format
    json` gives for the same day: `explanation` in the user's language too."""
    from rrf.cli.render import to_json
    from rrf.services import status

    loaded, decisions = status.status(store.context(), AS_OF)
    for name, lang in (("anna", "lv"), ("aija", "en")):
        expected = {row["id"]: row for row in json.loads(json.dumps(to_json(loaded.plan, decisions, lang)))}
        client = client_for(app, name)
        items = client.get(f"/api/items?as_of={AS_OF}").json()["items"]
        assert {i["id"]: i for i in items} == expected
        one = client.get(item_url(TARGET, "/api/items/") + f"?as_of={AS_OF}").json()
        assert {k: v for k, v in one.items() if k != "records"} == expected[TARGET]


def test_a_bad_filter_is_refused_with_its_reason(app):
    """It answers a status or date it does not know with 400 and says which."""
    client = client_for(app, "anna")
    answer = client.get("/api/items?status=late")
    assert answer.status_code == 400 and "late" in answer.json()["problems"][0]
    assert client.get("/?due_before=31.02.2026").status_code == 400


@pytest.mark.parametrize("address, status", [
    ("/records/abc/correct", 404), ("/audit/replay/abc", 404), ("/evidence/abc", 404), ("/audit/export.xml", 404),
    (item_url(TARGET) + "?as_of=9990-01-01", 200), (item_url(TARGET) + "?as_of=9999-12-31", 200),
])
def test_odd_addresses_get_the_portals_own_answer_in_the_users_language(app, address, status):
    """It answers a number that is not one, an unknown export format and a day at the calendar's end
    with its own page (or, for data addresses, its own JSON), in Latvian for a Latvian user: never
    FastAPI's raw English validation JSON, an empty page or a server error."""
    answer = client_for(app, "anna").get(address)
    assert answer.status_code == status
    assert "int_parsing" not in answer.text and answer.text.strip()
    if status == 404:
        said = answer.json()["error"] if answer.headers["content-type"].startswith("application/json") else answer.text
        assert "Nav atrasts" in said


def test_item_page_shows_trajectory_records_evidence_and_sources(app, store):
    """It shows the chart, each breakdown key, both explanations, every record with its source
    and evidence hash, the conflict between sources, and who was told."""
    page = client_for(app, "zane").get(item_url(TARGET) + f"?as_of={AS_OF}").text
    assert page.count("<svg") >= 2 and 'id="trajectory"' in page and 'id="breakdown"' in page
    assert 'lang="lv"' in page and 'lang="en"' in page
    assert "Zemgales plānošanas reģions" in page
    assert "ZPR report 2024" in page and "attendance.pdf" in page
    assert re.search(r"SHA-256 [0-9a-f]{64}", page)
    assert "30.06.2026" in page and "31.08.2026" in page  # the two due dates of the sources
    assert "record-1" in page


def test_text_from_records_is_escaped(app):
    """It never lets a record's text become markup: a source with a script tag is shown as text."""
    page = client_for(app, "anna").get(item_url(TARGET)).text
    assert HOSTILE not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;" in page


def test_evidence_downloads_for_the_scope_only(app, store):
    """It serves an evidence file to a user who sees its item, with its SHA-256, and 404 to others."""
    record_id = next(r["record"] for r in client_for(app, "anna").get(item_url(TARGET, "/api/items/")).json()["records"]
                     if r["evidence"])
    answer = client_for(app, "zane").get(f"/evidence/{record_id}")
    assert answer.status_code == 200 and answer.content == store.evidence.read_bytes()
    assert len(answer.headers["x-content-sha256"]) == 64
    assert client_for(app, "kaspars").get(f"/evidence/{record_id}").status_code == 404


def test_a_form_without_the_sessions_csrf_token_is_refused(app):
    """It refuses every POST whose CSRF token is missing or not this session's, and does nothing."""
    client = client_for(app, "anna")
    assert client.post("/sign-out", data={}).status_code == 403
    assert client.post("/sign-out", data={"csrf": "forged"}).status_code == 403
    assert client.post("/audit/verify", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    other = TestClient(app)
    stolen = csrf_of(other.get("/sign-in").text)  # a token of another session
    assert client.post("/sign-out", data={"csrf": stolen}).status_code == 403


def test_verify_the_chain_from_the_log_page(app):
    """It verifies the whole evaluation log on request and shows the result."""
    client = client_for(app, "aija")
    token = csrf_of(client.get("/audit").text)
    page = client.post("/audit/verify", data={"csrf": token}).text
    assert 'id="verify-result" class="ok"' in page and "Intact" in page
    assert re.search(r'id="verify-trail">trail intact: [1-9]\d* entries \(records', page)  # the trail is checked too


def test_the_log_page_names_kinds_and_outcomes_in_the_users_language(app):
    """It names each entry's kind and a run's outcome in the user's language, as its filter does."""
    latvian = client_for(app, "anna").get("/audit?kind=all").text
    assert "<td>novērtējums</td>" in latvian and "<td>pārbaude</td>" in latvian and "<td>pabeigta</td>" in latvian
    assert "<td>evaluation</td>" not in latvian and "<td>finished</td>" not in latvian
    english = client_for(app, "aija").get("/audit?kind=all").text
    assert "<td>evaluation</td>" in english and "<td>run</td>" in english


def test_replay_and_export_of_the_log(app):
    """It replays a logged entry identically and exports the filtered log as CSV and JSON."""
    client = client_for(app, "aija")
    assert 'id="replay-result" class="ok"' in client.get("/audit/replay/1").text
    rows = json.loads(client.get(f"/audit/export.json?item={quote(TARGET)}").content)
    assert rows and {r["id"] for r in rows} == {TARGET}
    text = client.get("/audit/export.csv?status=missed").content.decode("utf-8-sig")
    assert {r["status"] for r in csv.DictReader(io.StringIO(text))} == {"missed"}


def test_cookies_are_signed_httponly_and_samesite(app, store):
    """It keeps the session in a signed cookie the page's scripts cannot read; Secure over HTTPS;
    a cookie changed by hand signs nobody in."""
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"csrf": token, "username": "anna", "password": PASSWORD})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    signed = client.cookies["rrf_session"]  # one character of the signature changed (not the last: its low
    changed = signed[:-10] + ("A" if signed[-10] != "A" else "B") + signed[-9:]  # bits are padding)
    forged = TestClient(app, follow_redirects=False, cookies={"rrf_session": changed})
    assert forged.get("/").status_code == 303
    https = TestClient(create_app(store.context(portal_url="https://rrf.example.test")), follow_redirects=False)
    token = csrf_of(https.get("/sign-in").text)
    answer = https.post("/sign-in", data={"csrf": token, "username": "anna", "password": PASSWORD})
    assert "secure" in answer.headers["set-cookie"].lower()


def test_pages_forbid_scripts_and_framing(app):
    """It sends a Content-Security-Policy with no script source, and refuses to be framed."""
    headers = client_for(app, "anna").get("/").headers
    assert "default-src 'none'" in headers["content-security-policy"] and "script-src" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_sign_in_failures_are_logged_and_rate_limited(store):
    """It logs every failed sign-in and, after five failures for a name within 15 minutes,
    refuses that name even with the right password; other names are not affected."""
    app = create_app(store.context())
    users.add(store.context(), name="guessed", role="head", institution="varam", password=PASSWORD)
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/sign-in").text)
    for _ in range(users.MAX_FAILURES_PER_NAME):
        answer = client.post("/sign-in", data={"csrf": token, "username": "guessed", "password": "wrong password!"})
        assert answer.status_code == 401 and "guessed" in answer.text
    answer = client.post("/sign-in", data={"csrf": token, "username": "guessed", "password": PASSWORD})
    assert answer.status_code == 429
    assert client_for(app, "kaspars").get("/").status_code == 200
    engine = create_engine(store.url)
    with Session(engine) as session:
        events = session.exec(select(SignInEvent).where(SignInEvent.name == "guessed")).all()
    engine.dispose()
    assert [e.why for e in events][-6:] == ["bad"] * 5 + ["throttled"]


def test_an_unknown_name_and_a_wrong_password_read_the_same(app):
    """It does not tell whether an account exists."""
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/sign-in").text)
    unknown = client.post("/sign-in", data={"csrf": token, "username": "nobody", "password": "whatever123456"})
    wrong = client.post("/sign-in", data={"csrf": token, "username": "anna", "password": "whatever123456"})
    assert unknown.status_code == wrong.status_code == 401
    assert re.search(r'class="error"[^>]*>([^<]+)', unknown.text).group(1) == \
        re.search(r'class="error"[^>]*>([^<]+)', wrong.text).group(1)


def test_a_disabled_user_is_out_at_the_next_request(store):
    """It ends the sessions of a user disabled while signed in."""
    app = create_app(store.context())
    users.add(store.context(), name="temp.user", role="coordinator", password=PASSWORD)
    client = client_for(app, "temp.user")
    assert client.get("/").status_code == 200
    users.disable(store.context(), "temp.user")
    assert client.get("/").status_code == 303


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(app):
    """It ends a session on the server when its user signs out: a copy of the cookie taken before
    (another tab, a stolen cookie) is signed in no longer, for pages, data and forms."""
    client = client_for(app, "rita")
    copy = TestClient(app, follow_redirects=False, cookies=dict(client.cookies))
    assert copy.get("/").status_code == 200
    token = csrf_of(client.get("/").text)
    assert client.post("/sign-out", data={"csrf": token}).status_code == 303
    assert copy.get("/").status_code == 303 and copy.get("/").headers["location"].startswith("/sign-in")
    assert copy.get("/api/items").status_code == 401
    reported = copy.post(item_url(TARGET) + "/report", data={"csrf": token, "value": "5", "as_of": "2025-01-15",
                                                           "breakdown": "ZPR", "source": "after sign-out"})
    assert reported.status_code in (303, 403) and "after sign-out" not in client_for(app, "anna").get(
        item_url(TARGET)).text


def test_signing_in_again_ends_the_session_before(app):
    """It ends the earlier session when its browser signs in again (as the same or another user): a
    copy of the earlier cookie is signed in no longer."""
    client = client_for(app, "rita")
    copy = TestClient(app, follow_redirects=False, cookies=dict(client.cookies))
    token = csrf_of(client.get("/sign-in").text)
    again = client.post("/sign-in", data={"csrf": token, "username": "zane", "password": PASSWORD, "next": "/"})
    assert again.status_code == 303 and client.get("/").status_code == 200
    assert copy.get("/").status_code == 303


def test_a_session_lasts_its_hours_and_no_longer(store):
    """It keeps a session open for SESSION_HOURS after sign-in, then refuses it; disabling the
    account ends its open sessions too."""
    from datetime import timedelta

    from rrf.services.context import Context

    ctx = store.context()
    users.add(ctx, name="hours.user", role="auditor", password=PASSWORD)
    who = users.viewer(ctx, "hours.user")
    token = users.open_session(ctx, who)
    later = lambda hours: Context(ctx.settings, lambda: portal.NOW + timedelta(hours=hours))  # noqa: E731
    assert users.session_viewer(later(users.SESSION_HOURS - 0.01), token) == who
    assert users.session_viewer(later(users.SESSION_HOURS), token) is None
    assert users.session_viewer(ctx, "a token never given") is None
    other = users.open_session(ctx, who)
    users.disable(ctx, "hours.user")
    assert users.session_viewer(ctx, other) is None


def change(client, **form: str):  # noqa: ANN001, ANN201
    token = csrf_of(client.get("/account").text)
    return client.post("/account/password", data={"csrf": token, **form})


def test_a_user_changes_their_own_password_and_their_other_sessions_end(store):
    """It lets a signed-in user change their password on their account page: the current password
    is checked, the new one given twice and at least 12 characters long, each refusal named in the
    user's language with nothing changed; once changed, the user's other sessions end, this one stays,
    and only the new password signs in."""
    app = create_app(store.context())
    users.add(store.context(), name="own.password", role="head", institution="vk", password=PASSWORD)
    client, other = client_for(app, "own.password"), client_for(app, "own.password")
    page = client.get("/account")
    assert page.status_code == 200 and "own.password" in page.text and 'action="/account/password"' in page.text
    new = "jauna parole 2026"
    refusals = [
        ({"current": "not my password", "new": new, "repeated": new}, "pašreizējā parole nav pareiza"),
        ({"current": PASSWORD, "new": new, "repeated": new + "!"}, "jaunā parole un tās atkārtojums atšķiras"),
        ({"current": PASSWORD, "new": "short", "repeated": "short"}, "parolē jābūt vismaz 12 rakstzīmēm"),
        ({"current": PASSWORD, "new": PASSWORD, "repeated": PASSWORD}, "jaunā parole ir tāda pati kā pašreizējā"),
    ]
    for form, reason in refusals:
        answer = change(client, **form)
        assert answer.status_code == 400 and reason in answer.text, form
    assert other.get("/").status_code == 200  # nothing changed yet
    assert client.post("/account/password", data={"current": PASSWORD, "new": new, "repeated": new}).status_code == 403
    done = change(client, current=PASSWORD, new=new, repeated=new)
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password"
    assert 'id="changed"' in client.get(done.headers["location"]).text
    assert client.get("/").status_code == 200 and other.get("/").status_code == 303
    fresh = TestClient(app, follow_redirects=False)
    token = csrf_of(fresh.get("/sign-in").text)
    assert fresh.post("/sign-in", data={"csrf": token, "username": "own.password", "password": PASSWORD}).status_code == 401
    assert fresh.post("/sign-in", data={"csrf": token, "username": "own.password", "password": new}).status_code == 303


def test_guessing_the_current_password_counts_as_failed_sign_ins(store):
    """It counts a wrong current password as a failed sign-in: after five, the change is refused
    even with the right one, as sign-in is, and an English page says so in English."""
    app = create_app(store.context())
    users.add(store.context(), name="guessed.current", role="auditor", password=PASSWORD)
    client = client_for(app, "guessed.current")
    client.get("/lang/en")
    new = "a new password 2026"
    for _ in range(users.MAX_FAILURES_PER_NAME):
        assert "the current password is wrong" in change(client, current="a wrong guess!", new=new, repeated=new).text
    answer = change(client, current=PASSWORD, new=new, repeated=new)
    assert answer.status_code == 400 and "too many failed sign-ins" in answer.text
    fresh = TestClient(app, follow_redirects=False)
    token = csrf_of(fresh.get("/sign-in").text)
    assert fresh.post("/sign-in", data={"csrf": token, "username": "guessed.current", "password": PASSWORD}).status_code == 429


def test_language_switch_and_no_open_redirect(app):
    """It shows Latvian first, English on request, and only ever redirects within the portal."""
    client = client_for(app, "vilis")
    assert "Pārskats" in client.get("/").text or 'lang="lv"' in client.get("/").text
    answer = client.get("/lang/en?next=//evil.example/")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert '<html lang="en">' in client.get("/").text


@pytest.mark.parametrize("query, lv, en", [
    ("status=bogus", "statuss 'bogus': jābūt vienam no: met,", "status 'bogus': expected one of met,"),
    ("sort=size", "kārtošana 'size': jābūt vienai no: due,", "sort 'size': expected one of due,"),
    ("institution=nasa", "iestādes 'nasa' plānā nav", "institution 'nasa' is not in the plan"),
])
def test_a_bad_filter_is_refused_in_the_users_language(app, query, lv, en):
    """It refuses an overview filter it does not know with a 400 page that says why in the user's
    language: Latvian first, English after the switch (it was English on Latvian pages)."""
    client = client_for(app, "anna")
    latvian = client.get(f"/?{query}")
    assert latvian.status_code == 400 and lv in html.unescape(latvian.text)
    client.get("/lang/en")
    english = client.get(f"/?{query}")
    assert english.status_code == 400 and en in html.unescape(english.text)


def test_health_answers_without_signing_in(app):
    """It reports the plan, the database and the last check for monitoring, and no item data."""
    answer = TestClient(app).get("/health")
    assert answer.headers["cache-control"] == "no-store"  # a monitor reads it fresh, never from a cache
    body = answer.json()
    assert body["status"] == "ok" and body["plan"]["items"] == 14 and body["last_check"]["as_of"] == AS_OF.isoformat()
    assert "3.1.1.2" not in json.dumps(body)


def test_a_portal_without_accounts_says_how_to_make_the_first(tmp_path):
    """It tells whoever opens a portal with no account yet which command makes one."""
    from rrf.services.context import Context
    from rrf.settings import settings
    ctx = Context(settings(plan=portal.ROOT / "milestones.toml", database_url=f"sqlite:///{tmp_path / 'new.db'}"),
                  lambda: portal.NOW)
    page = TestClient(create_app(ctx)).get("/sign-in").text
    assert 'id="no-accounts"' in page and "rrf users add NAME --role coordinator" in page


def test_an_item_page_links_web_evidence_to_its_address_and_shows_riga_time(app, store):
    """It links evidence given as a web address to that address (a download exists only for a file
    with a SHA-256), and shows when each record was recorded on the Riga clock with its zone."""
    from rrf.services import progress

    address = "https://www.zpr.gov.lv/atskaites/2025-q1.pdf?a=1&b=2"
    progress.record(store.context(), item_id=TARGET, value="130", as_of="2025-03-31", breakdown="ZPR",
                    source="ZPR Q1", evidence=address)
    page = client_for(app, "anna").get(item_url(TARGET)).text
    assert '<a href="https://www.zpr.gov.lv/atskaites/2025-q1.pdf?a=1&amp;b=2" rel="noopener noreferrer"' in page
    assert "2026-11-23 09:00 EET" in page  # portal.NOW, 07:00 UTC
    assert "2026-11-23 07:00<" not in page


def test_a_file_named_by_path_is_served_only_as_the_command_lines_own_operator_recorded_it(app, store):
    """It serves evidence named by a path on this machine only for a record the command line's local
    operator made: never for one a portal account made (as an operator, or through a portal import
    before 0.2.0, whose evidence column could name any file on the server)."""
    from rrf.services import progress

    row, _ = progress.record(store.context(operator="rita"), item_id=TARGET, value="131", as_of="2025-04-30",
                             breakdown="ZPR", source="ZPR", evidence=str(store.evidence))
    assert row.recorded_by == "rita" and row.evidence_sha256
    assert client_for(app, "anna").get(f"/evidence/{row.id}").status_code == 404
