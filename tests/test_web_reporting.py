"""Reporting through the portal, spoken over HTTP to the real application on a real SQLite store
(tests/portal.py): recording a figure with an evidence file, correcting a record, importing a
file, and the boundaries of each role and key. Whatever is refused writes nothing: no record,
no kept evidence file. The same form in a real browser: tests/test_web_reporting_browser.py."""

import hashlib
import html
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

import portal
from portal import TARGET, VK_ITEM, client_for, csrf_of
from rrf.services import evidence_store
from rrf.web.app import create_app

PDF = b"%PDF-1.4\n% evidence of the web specs\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return portal.build(tmp_path_factory.mktemp("portal-reporting"))


@pytest.fixture(scope="module")
def evidence_dir(store):
    return store.folder / "evidence"


@pytest.fixture(scope="module")
def app(store, evidence_dir):
    return create_app(store.context(evidence_dir=evidence_dir))






def report_url(item_id: str) -> str:
    return "/items/" + quote(item_id) + "/report"


def token(client: TestClient) -> str:
    """This session's CSRF token, as any page of the portal carries it."""
    return csrf_of(client.get("/").text)


def post_report(client: TestClient, item_id: str = TARGET, files: dict | None = None, **fields: str):
    data = {"csrf": token(client), "value": "120", "as_of": "2026-10-31", "breakdown": "ZPR",
            "source": "ZPR quarterly report", "reporter": "", **fields}
    # multipart even without a file, as the browser sends the form (enctype="multipart/form-data")
    return client.post(report_url(item_id), data=data, files=files or {"evidence": ("", b"", "application/octet-stream")})


def records_of(app, item_id: str = TARGET) -> list[dict]:
    """The item's records as the coordinator's JSON shows them."""
    answer = client_for(app, "anna").get("/api/items/" + quote(item_id))
    assert answer.status_code == 200
    return answer.json()["records"]


def kept_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_reporter_records_a_figure_of_their_key(app):
    """It takes rita's 120 for ZPR, answers 303 to the item page at the new record, and the item's
    JSON shows the record as recorded by rita."""
    rita = client_for(app, "rita")
    before = len(records_of(app))
    answer = post_report(rita, value="120", source="ZPR quarterly report, Q3")
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/items/" + quote(TARGET) + "#record-")
    new_id = int(location.rsplit("-", 1)[1])
    after = records_of(app)
    assert len(after) == before + 1
    record = next(r for r in after if r["record"] == new_id)
    assert record["recorded_by"] == "rita" and record["breakdown_key"] == "ZPR" and record["value"] == 120
    assert record["as_of"] == "2026-10-31" and record["source"] == "ZPR quarterly report, Q3"
    assert f'id="record-{new_id}"' in rita.get(location.split("#")[0]).text


def test_the_form_offers_only_the_keys_of_the_users_institution(app):
    """It shows rita (a planning region's reporter) the form with ZPR as the only key and no
    "without a key" choice; the coordinator gets every key and the figure without a key."""
    rita_form = client_for(app, "rita").get(report_url(TARGET))
    assert rita_form.status_code == 200
    options = re.findall(r'<option value="([^"]*)"', rita_form.text)
    assert options == ["ZPR"]
    assert 'enctype="multipart/form-data"' in rita_form.text and 'type="file"' in rita_form.text
    anna_options = re.findall(r'<option value="([^"]*)"', client_for(app, "anna").get(report_url(TARGET)).text)
    assert anna_options[0] == "" and "ZPR" in anna_options and "RPR" in anna_options


def test_the_item_page_offers_reporting_only_to_who_may_report(app):
    """It links the report form on the item page for rita and the coordinator, with a Correct link
    per record of a key they report; a head and an auditor see neither."""
    rita_page = client_for(app, "rita").get("/items/" + quote(TARGET)).text
    assert 'id="report-link"' in rita_page and report_url(TARGET) in rita_page
    rpr = next(r for r in records_of(app) if r["breakdown_key"] == "RPR" and r["in_force"])
    zpr = next(r for r in records_of(app) if r["breakdown_key"] == "ZPR" and r["in_force"])
    assert f'href="/records/{zpr["record"]}/correct"' in rita_page
    assert f'href="/records/{rpr["record"]}/correct"' not in rita_page
    assert f'href="/records/{rpr["record"]}/correct"' in client_for(app, "anna").get("/items/" + quote(TARGET)).text
    for name in ("vilis", "aija"):
        shown = client_for(app, name).get("/items/" + quote(TARGET)).text
        assert 'id="report-link"' not in shown and "/correct" not in shown


def test_a_crafted_post_for_another_regions_key_is_forbidden(app, evidence_dir):
    """It answers rita's POST for key RPR (not offered to her) with 403, and stores nothing:
    no record, no evidence file."""
    rita = client_for(app, "rita")
    before, files = records_of(app), kept_files(evidence_dir)
    answer = post_report(rita, breakdown="RPR", files={"evidence": ("list.pdf", PDF, "application/pdf")})
    assert answer.status_code == 403
    assert records_of(app) == before and kept_files(evidence_dir) == files


def test_another_institutions_item_is_not_found(app):
    """It answers rita's form and POST for the State Chancellery's item with 404, as for an id
    that does not exist."""
    rita = client_for(app, "rita")
    before = records_of(app, VK_ITEM)
    assert rita.get(report_url(VK_ITEM)).status_code == 404
    assert post_report(rita, VK_ITEM, breakdown="").status_code == 404
    assert rita.get(report_url("no/such-item")).status_code == 404
    assert records_of(app, VK_ITEM) == before


@pytest.mark.parametrize("name", ["vilis", "aija"])
def test_a_role_that_may_not_record_is_forbidden(app, name):
    """It answers a head's and an auditor's form and POST with 403, and records nothing."""
    client = client_for(app, name)
    before = records_of(app)
    assert client.get(report_url(TARGET)).status_code == 403
    assert post_report(client, breakdown="").status_code == 403
    assert records_of(app) == before


def test_too_large_evidence_is_refused_and_nothing_is_stored(app, evidence_dir):
    """It refuses a 21 MiB evidence file with the size message (400, the form again with the
    values typed), and neither the record nor the file is kept."""
    rita = client_for(app, "rita")
    before, files = records_of(app), kept_files(evidence_dir)
    big = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
    answer = post_report(rita, source="too big a scan", files={"evidence": ("scan.pdf", big, "application/pdf")})
    assert answer.status_code == 400
    assert "vairāk nekā pieņemtie 20 MiB" in answer.text and "scan.pdf" in answer.text  # rita reads Latvian
    assert 'value="too big a scan"' in answer.text and 'id="report-form"' in answer.text
    assert records_of(app) == before and kept_files(evidence_dir) == files


def test_evidence_whose_bytes_are_not_its_type_is_refused(app, evidence_dir):
    """It refuses a .pdf that is not a PDF with the type message, and keeps nothing."""
    rita = client_for(app, "rita")
    before, files = records_of(app), kept_files(evidence_dir)
    answer = post_report(rita, files={"evidence": ("report.pdf", b"MZ\x90\x00 an executable", "application/pdf")})
    assert answer.status_code == 400
    assert "report.pdf: nav tāda veida datne, ko pieņem kā pierādījumu" in answer.text
    assert records_of(app) == before and kept_files(evidence_dir) == files


def test_a_bad_value_comes_back_with_the_values_typed(app):
    """It refuses a value that is not a number (400): the form again, the reasons listed, the
    values typed kept, nothing written."""
    rita = client_for(app, "rita")
    before = records_of(app)
    answer = post_report(rita, value="many", source="a source typed once")
    assert answer.status_code == 400
    assert 'id="problems"' in answer.text and 'value="many"' in answer.text
    assert 'value="a source typed once"' in answer.text
    assert records_of(app) == before


@pytest.mark.parametrize(("lang", "says"), [
    ("lv", ["datums: '31.02.2026' nav īsts datums (šādas dienas šajā mēnesī nav)",
            "vērtība: '1,300' ir neviennozīmīgs", "avots nav norādīts"]),
    ("en", ["as-of date: '31.02.2026' is not a real date (day is out of range for month)",
            "value: '1,300' is ambiguous", "source is empty"]),
])
def test_the_reasons_of_a_refusal_are_in_the_users_language(app, lang, says):
    """It gives every reason a figure is refused in the language the user reads the portal in
    (Latvian first, English on the switch), as the command line gives them in English."""
    rita = client_for(app, "rita")
    if lang == "en":
        rita.get("/lang/en")
    answer = post_report(rita, value="1,300", as_of="31.02.2026", source=" ")
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    for reason in says:
        assert reason in text


def test_an_imported_files_reasons_are_in_the_users_language(app):
    """It names each bad row of an imported file, and what that means, in the user's language."""
    rita = client_for(app, "rita")
    body = CSV_HEAD + f"{TARGET},abc,31.10.2026,region=ZPR,ZPR file row,ZPR,\n"
    answer = rita.post("/import", data={"csrf": token(rita)}, files={"file": ("zpr.csv", body.encode(), "text/csv")})
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "zpr.csv:2: vērtība: 'abc' nav skaitlis" in text and "1 problēma: nekas netika importēts" in text


def test_good_evidence_is_kept_by_its_hash_and_served_in_scope(app, evidence_dir):
    """It keeps a good PDF under <evidence folder>/<sha[:2]>/<sha>; zane (head of ZPR) downloads it
    from /evidence/<record>, kaspars (another institution) gets 404."""
    rita = client_for(app, "rita")
    answer = post_report(rita, value="125", files={"evidence": ("attendance-q3.pdf", PDF, "application/pdf")})
    assert answer.status_code == 303, answer.text
    record_id = int(answer.headers["location"].rsplit("-", 1)[1])
    digest = hashlib.sha256(PDF).hexdigest()
    kept = evidence_dir / digest[:2] / digest
    assert kept.read_bytes() == PDF
    record = next(r for r in records_of(app) if r["record"] == record_id)
    assert record["evidence"] == "attendance-q3.pdf" and record["evidence_sha256"] == digest
    download = client_for(app, "zane").get(f"/evidence/{record_id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["x-content-sha256"] == digest
    assert "attendance-q3.pdf" in download.headers["content-disposition"]
    assert client_for(app, "kaspars").get(f"/evidence/{record_id}").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(app, evidence_dir):
    """It answers a report without the session's CSRF token (or with another) with 403, and
    writes nothing."""
    rita = client_for(app, "rita")
    before, files = records_of(app), kept_files(evidence_dir)
    fields = {"value": "130", "as_of": "2026-10-31", "breakdown": "ZPR", "source": "forged"}
    pdf = {"evidence": ("forged.pdf", PDF + b"forged", "application/pdf")}
    assert rita.post(report_url(TARGET), data=fields, files=pdf).status_code == 403
    assert rita.post(report_url(TARGET), data={**fields, "csrf": "not-the-token"}, files=pdf).status_code == 403
    assert rita.post("/import", data={"csrf": "x"}, files={"file": ("a.csv", b"id\n", "text/csv")}).status_code == 403
    assert records_of(app) == before and kept_files(evidence_dir) == files


def test_a_correction_replaces_a_record_and_needs_a_reason(app):
    """It takes rita's correction of her ZPR record (303; the JSON shows the new record naming the
    one it corrects, by rita), refuses one without a reason (400, nothing written), and answers
    her correction of an RPR record with 403."""
    rita = client_for(app, "rita")
    original = next(r for r in records_of(app) if r["breakdown_key"] == "ZPR" and r["in_force"])
    form = rita.get(f"/records/{original['record']}/correct")
    assert form.status_code == 200 and 'name="reason"' in form.text
    before = records_of(app)
    fields = {"csrf": token(rita), "value": "121", "source": "ZPR corrected report", "reason": ""}
    empty = {"evidence": ("", b"", "application/octet-stream")}
    refused = rita.post(f"/records/{original['record']}/correct", data=fields, files=empty)
    assert refused.status_code == 400 and "iemesls nav norādīts" in refused.text
    assert 'value="ZPR corrected report"' in refused.text
    assert records_of(app) == before
    answer = rita.post(f"/records/{original['record']}/correct", data={**fields, "reason": "a typo in Q3"}, files=empty)
    assert answer.status_code == 303, answer.text
    new_id = int(answer.headers["location"].rsplit("-", 1)[1])
    new = next(r for r in records_of(app) if r["record"] == new_id)
    assert new["corrects"] == original["record"] and new["reason"] == "a typo in Q3"
    assert new["value"] == 121 and new["recorded_by"] == "rita" and new["breakdown_key"] == "ZPR"
    rpr = next(r for r in records_of(app) if r["breakdown_key"] == "RPR" and r["in_force"])
    assert rita.get(f"/records/{rpr['record']}/correct").status_code == 403
    crafted = rita.post(f"/records/{rpr['record']}/correct", data={**fields, "reason": "mine now"}, files=empty)
    assert crafted.status_code == 403
    assert client_for(app, "kaspars").get(f"/records/{original['record']}/correct").status_code == 404
    assert len(records_of(app)) == len(before) + 1


def test_a_record_can_be_withdrawn(app):
    """It withdraws a record when "withdraw" is ticked (no new value): the new record shows as
    withdrawn and the old one is no longer in force."""
    rita = client_for(app, "rita")
    made = post_report(rita, value="7", as_of="2026-09-30", source="to be withdrawn")
    original = int(made.headers["location"].rsplit("-", 1)[1])
    answer = rita.post(f"/records/{original}/correct", files={"evidence": ("", b"", "application/octet-stream")},
                       data={"csrf": token(rita), "value": "", "withdraw": "1", "source": "ZPR", "reason": "sent twice"})
    assert answer.status_code == 303, answer.text
    shown = {r["record"]: r for r in records_of(app)}
    new_id = int(answer.headers["location"].rsplit("-", 1)[1])
    assert shown[new_id]["withdrawn"] and shown[new_id]["corrects"] == original and not shown[original]["in_force"]


CSV_HEAD = "id,value,as_of,breakdown,source,reporter,evidence\n"


def test_an_import_with_a_row_out_of_scope_writes_nothing_and_names_the_row(app):
    """It refuses rita's file whose third line is another region's share (400): nothing is
    imported, and the report names that line of that file."""
    rita = client_for(app, "rita")
    before = records_of(app)
    body = (CSV_HEAD + f"{TARGET},131,31.10.2026,region=ZPR,ZPR file row,ZPR,\n"
            f"{TARGET},99,31.10.2026,region=RPR,RPR's row,RPR,\n")
    answer = rita.post("/import", data={"csrf": token(rita)},
                       files={"file": ("zpr-october.csv", body.encode(), "text/csv")})
    assert answer.status_code == 400
    assert "zpr-october.csv:3:" in answer.text and "RPR" in answer.text
    assert "zpr-october.csv:2:" not in answer.text
    assert records_of(app) == before


def test_an_import_in_scope_is_taken_once(app):
    """It imports rita's file of her own rows ("1 row imported as import #K"); the same bytes again
    add nothing ("already imported")."""
    rita = client_for(app, "rita")
    before = records_of(app)
    body = (CSV_HEAD + f"{TARGET},132,01.11.2026,region=ZPR,ZPR file row,ZPR,\n").encode()
    first = rita.post("/import", data={"csrf": token(rita)}, files={"file": ("zpr-nov.csv", body, "text/csv")})
    assert first.status_code == 200, first.text
    assert re.search(r"1 (rinda importēta|row imported) .*#\d+", first.text), first.text
    added = [r for r in records_of(app) if r not in before]
    assert len(added) == 1 and added[0]["value"] == 132 and added[0]["import"]["file"] == "zpr-nov.csv"
    again = rita.post("/import", data={"csrf": token(rita)}, files={"file": ("again.csv", body, "text/csv")})
    assert again.status_code == 200 and 'id="imported"' in again.text
    assert len(records_of(app)) == len(before) + 1


def test_only_roles_that_import_get_the_import_form(app):
    """It answers a head's and an auditor's import form and upload with 403, and refuses a file
    that is neither CSV nor XLSX (400)."""
    for name in ("zane", "aija"):
        client = client_for(app, name)
        assert client.get("/import").status_code == 403
        sent = client.post("/import", data={"csrf": token(client)}, files={"file": ("a.csv", b"id\n", "text/csv")})
        assert sent.status_code == 403
    rita = client_for(app, "rita")
    assert rita.get("/import").status_code == 200
    odd = rita.post("/import", data={"csrf": token(rita)}, files={"file": ("a.pdf", PDF, "application/pdf")})
    assert odd.status_code == 400 and "a.pdf" in odd.text


def test_evidence_limit_is_the_stores(app):
    """It uses the evidence store's limit, 20 MiB, in the form's hint."""
    assert evidence_store.MAX_BYTES == 20 * 1024 * 1024
    assert "20 MiB" in client_for(app, "rita").get(report_url(TARGET)).text


# Acknowledgements and waivers -----------------------------------------------------------------

def test_a_head_acknowledges_and_a_coordinator_waives_from_the_item_page(tmp_path):
    """It takes an acknowledgement from the head of the item's institution and a waiver from a
    coordinator, each stored with its user; a reporter may do neither (403), a head of another
    institution does not find the item (404), and a form without its CSRF token is refused."""
    store = portal.build(tmp_path / "esc")
    app = create_app(store.context())
    page = client_for(app, "vilis").get(f"/items/{quote(TARGET)}").text
    assert 'id="acknowledge"' in page and 'id="waive"' not in page
    vilis = client_for(app, "vilis")
    token = csrf_of(vilis.get(f"/items/{quote(TARGET)}").text)
    done = vilis.post(f"/items/{quote(TARGET)}/acknowledge", data={"csrf": token, "reason": "training in December",
                                                                   "until": "2026-12-31"})
    assert done.status_code == 303 and "done=ack" in done.headers["location"]
    assert vilis.post(f"/items/{quote(TARGET)}/acknowledge", data={"reason": "x"}).status_code == 403
    anna = client_for(app, "anna")
    token = csrf_of(anna.get(f"/items/{quote(TARGET)}").text)
    granted = anna.post(f"/items/{quote(TARGET)}/waive", data={"csrf": token, "reason": "Commission agreed",
                                                               "until": "2027-01-31", "key": "ZPR"})
    assert granted.status_code == 303
    shown = anna.get(f"/items/{quote(TARGET)}").text
    assert 'id="waivers"' in shown and "Commission agreed" in shown and "anna" in shown
    assert "training in December" in shown
    acks, waivers = anna.get("/audit?kind=ack").text, anna.get("/audit?kind=waiver").text
    assert "<td>vilis</td>" in acks and "<td>anna</td>" in waivers  # the log names who gave them
    rita = client_for(app, "rita")
    token = csrf_of(rita.get(f"/items/{quote(TARGET)}").text)
    assert rita.post(f"/items/{quote(TARGET)}/acknowledge", data={"csrf": token, "reason": "x"}).status_code == 403
    assert rita.post(f"/items/{quote(TARGET)}/waive", data={"csrf": token, "reason": "x", "until": "2027-01-01"}
                     ).status_code == 403
    kaspars = client_for(app, "kaspars")
    token = csrf_of(kaspars.get("/").text)
    assert kaspars.post(f"/items/{quote(TARGET)}/acknowledge", data={"csrf": token, "reason": "x"}).status_code == 404


def test_a_bad_waiver_is_refused_with_its_reason(tmp_path):
    """It shows why a waiver was refused (an end before the day, no reason) and grants nothing."""
    store = portal.build(tmp_path / "bad")
    app = create_app(store.context())
    anna = client_for(app, "anna")
    token = csrf_of(anna.get(f"/items/{quote(TARGET)}").text)
    refused = anna.post(f"/items/{quote(TARGET)}/waive", data={"csrf": token, "reason": "", "until": "2020-01-01"})
    assert refused.status_code == 400 and 'class="error"' in refused.text
    assert 'id="waivers"' not in anna.get(f"/items/{quote(TARGET)}").text
