"""A record's evidence may say which of the documents its item requires it is: `evidence_for`,
the `name` of one of the item's `evidence_required` in the plan. `rrf record --evidence PATH
--evidence-for NAME`, `rrf correct` (the same two options), the `evidence_for` column of a CSV or
XLSX import and the portal's report form take it; `rrf history` shows it, and the evaluation reads
it (a reached item reports the required documents no standing record carries as missing).

A name the item does not require (also when it requires none), and a name without the evidence
itself, are refused with the name given and the names allowed, and nothing is written. Records
written before the column existed (migration 0009) keep verifying in `rrf audit verify`.
"""

import hashlib
import html
import json
import re
from urllib.parse import quote

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, select, text
from sqlmodel import Session

from backends import db_url  # noqa: F401  (fixture: every CLI spec runs on both databases)
from conftest import MILESTONE, ROOT, TARGET, edit_plan, stored_records
from rrf.models import db as dbm
from rrf.models import progress as records
from rrf.models.trail import GENESIS, link_hash, row_json

DOCUMENTS = '''evidence_required = [
  { name = "acceptance-act", title_lv = "Pieņemšanas akts", title_en = "Acceptance act" },
  { name = "evaluation-report", title_lv = "Novērtējuma ziņojums", title_en = "Evaluation report" },
]
'''
# VALID_PLAN whose milestone requires two documents (its target requires none)
PLAN = edit_plan(("due = 2025-06-30\n", "due = 2025-06-30\n" + DOCUMENTS))
ALLOWED = "(required: acceptance-act, evaluation-report)"


@pytest.fixture
def rrf(run, plan_file):
    """`rrf ARGS...` on PLAN (SQLite, then PostgreSQL)."""
    plan = plan_file(PLAN)
    return lambda *args: run(*args, plan=plan)


@pytest.fixture
def act(workdir):
    path = workdir / "pienemsanas-akts.pdf"
    path.write_bytes(b"%PDF-1.4 acceptance act\n")
    return path


def record(*extra: str, item_id: str = MILESTONE, value: str = "done", as_of: str = "2025-03-31") -> list[str]:
    return ["record", "--as-of", as_of, "--source", "VARAM", *extra, "--", item_id, value]


def history_of(rrf, item_id: str = MILESTONE) -> list[dict]:
    result = rrf("history", item_id, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def status_of(rrf, item_id: str = MILESTONE, as_of: str = "2025-07-01") -> dict:
    result = rrf("status", "--format", "json", "--as-of", as_of)
    assert result.exit_code == 0, result.stderr
    return next(r for r in json.loads(result.stdout) if r["id"] == item_id)


def observations_at(url: str) -> list:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return records.observations(session=session)
    finally:
        engine.dispose()


# --- rrf record ---------------------------------------------------------------------------------


def test_a_record_names_the_required_document_its_evidence_is(rrf, store, act):
    """It keeps `--evidence-for acceptance-act` with the evidence file: `rrf history` (table and
    JSON) shows which required document the evidence is, the evaluation reads it into the
    record's Observation, and the status names the other required document as missing."""
    result = rrf(*record("--evidence", str(act), "--evidence-for", "acceptance-act"))
    assert result.exit_code == 0, result.stderr
    assert "(evidence for acceptance-act)" in result.stdout
    (row,) = stored_records(store)
    assert row.evidence_for == "acceptance-act"
    assert row.evidence_sha256 == hashlib.sha256(act.read_bytes()).hexdigest()
    (entry,) = history_of(rrf)
    assert entry["evidence_for"] == "acceptance-act" and entry["evidence"] == str(act.resolve())
    table = rrf("history", MILESTONE)
    assert "evidence for acceptance-act" in " ".join(table.stdout.split())
    (seen,) = observations_at(store.url)
    assert seen.evidence_for == "acceptance-act" and seen.done is True
    decided = status_of(rrf)
    assert decided["status"] == "met" and decided["evidence_missing"] == ["evaluation-report"]


def test_a_record_without_evidence_for_names_no_document(rrf, store, act):
    """It keeps evidence without `--evidence-for` as before: the record names no document, and
    both required documents are missing."""
    assert rrf(*record("--evidence", str(act))).exit_code == 0
    assert stored_records(store)[0].evidence_for is None
    assert history_of(rrf)[0]["evidence_for"] is None
    assert status_of(rrf)["evidence_missing"] == ["acceptance-act", "evaluation-report"]


BAD = [
    pytest.param(record("--evidence", "https://varam.gov.lv/akts.pdf", "--evidence-for", "acceptance"),
                 f"evidence-for 'acceptance' is not a document {MILESTONE} requires {ALLOWED}", id="unknown-name"),
    pytest.param(record("--evidence", "https://varam.gov.lv/akts.pdf", "--evidence-for", "Acceptance-Act"),
                 f"evidence-for 'Acceptance-Act' is not a document {MILESTONE} requires {ALLOWED}",
                 id="name-in-capitals"),
    pytest.param(record("--evidence", "https://varam.gov.lv/akts.pdf", "--evidence-for", "acceptance-act",
                        item_id=TARGET, value="5"),
                 f"evidence-for 'acceptance-act': {TARGET} requires no documents", id="item-requires-none"),
    pytest.param(record("--evidence-for", "acceptance-act"),
                 "evidence-for 'acceptance-act' is given without evidence: attach the document (a file or URL)",
                 id="without-evidence"),
]


@pytest.mark.parametrize("args, message", BAD)
def test_a_bad_evidence_for_exits_2_names_it_and_writes_nothing(rrf, store, args, message):
    """It refuses the record with exit 2, naming the value given and the names the item allows,
    and writes nothing, also to a store that holds records already."""
    assert rrf(*record(as_of="2025-01-31")).exit_code == 0
    result = rrf(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "nothing was written" in result.stderr
    assert len(stored_records(store)) == 1


def test_every_problem_of_the_record_is_named_with_the_bad_document(rrf, store):
    """It names a bad `--evidence-for` together with the record's other problems."""
    result = rrf(*record("--evidence-for", "minutes", value="5"))
    assert result.exit_code == 2
    assert f"{MILESTONE} is a milestone" in result.stderr
    assert f"evidence-for 'minutes' is not a document {MILESTONE} requires {ALLOWED}" in result.stderr
    assert stored_records(store) == []


# --- rrf correct --------------------------------------------------------------------------------


def test_a_correction_carries_its_own_evidence_for(rrf, store, act):
    """It keeps `--evidence-for` on a correction (with the correction's own evidence): the
    correction is in force with the document, and the corrected record's document no longer
    counts."""
    assert rrf(*record("--evidence", str(act), "--evidence-for", "acceptance-act")).exit_code == 0
    result = rrf("correct", "1", "done", "--reason", "the report was the evaluation's", "--source", "VARAM",
                 "--evidence", "https://varam.gov.lv/novertejums.pdf", "--evidence-for", "evaluation-report")
    assert result.exit_code == 0, result.stderr
    first, fix = history_of(rrf)
    assert (first["evidence_for"], first["in_force"]) == ("acceptance-act", False)
    assert (fix["evidence_for"], fix["corrects"], fix["in_force"]) == ("evaluation-report", 1, True)
    assert [o.evidence_for for o in observations_at(store.url)] == ["acceptance-act", "evaluation-report"]
    assert status_of(rrf)["evidence_missing"] == ["acceptance-act"]


@pytest.mark.parametrize("extra, message", [
    (["--evidence", "https://varam.gov.lv/a.pdf", "--evidence-for", "minutes"],
     f"evidence-for 'minutes' is not a document {MILESTONE} requires {ALLOWED}"),
    (["--evidence-for", "evaluation-report"], "evidence-for 'evaluation-report' is given without evidence"),
], ids=["unknown-name", "without-evidence"])
def test_a_bad_evidence_for_on_a_correction_is_refused(rrf, store, extra, message):
    """It refuses the correction with exit 2 and the same message as `rrf record`; nothing is written."""
    assert rrf(*record()).exit_code == 0
    result = rrf("correct", "1", "done", "--reason", "r", "--source", "s", *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(stored_records(store)) == 1


# --- rrf import ---------------------------------------------------------------------------------


def test_an_imported_file_may_have_an_evidence_for_column(rrf, store, workdir, act):
    """It imports the optional `evidence_for` column (header also written `evidence-for`): a row
    may name the document its evidence is, or leave it empty; a correction row may name one."""
    assert rrf(*record(as_of="2025-01-31")).exit_code == 0
    path = workdir / "progress.csv"
    path.write_text(
        "id,value,as_of,source,evidence,evidence-for,corrects,reason\n"
        f"{MILESTONE},done,2025-03-31,VARAM,{act.name},acceptance-act,,\n"
        f"{TARGET},276,2024-06-30,VARAM,,,,\n"
        f"{MILESTONE},done,,VARAM,https://varam.gov.lv/n.pdf,evaluation-report,1,the report came\n",
        encoding="utf-8")
    result = rrf("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert [(r.item_id, r.evidence_for, r.corrects) for r in stored_records(store)] == [
        (MILESTONE, None, None), (MILESTONE, "acceptance-act", None), (TARGET, None, None),
        (MILESTONE, "evaluation-report", 1)]
    assert [h["evidence_for"] for h in history_of(rrf)] == [None, "acceptance-act", "evaluation-report"]
    assert status_of(rrf)["evidence_missing"] == []


def test_an_import_with_a_bad_evidence_for_imports_nothing_and_names_the_line(rrf, store, workdir, act):
    """It refuses the whole file when one row names a document its item does not require, or names
    one without evidence, each by its line; no row of the file is written."""
    path = workdir / "progress.csv"
    path.write_text(
        "id,value,as_of,source,evidence,evidence_for\n"
        f"{MILESTONE},done,2025-03-31,VARAM,{act.name},acceptance-act\n"   # line 2: good
        f"{TARGET},276,2024-06-30,VARAM,{act.name},acceptance-act\n"       # line 3: the target requires none
        f"{MILESTONE},done,2025-04-30,VARAM,,evaluation-report\n"          # line 4: no evidence
        f"{MILESTONE},done,2025-05-31,VARAM,{act.name},minutes\n",         # line 5: not a required document
        encoding="utf-8")
    result = rrf("import", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: evidence-for 'acceptance-act': {TARGET} requires no documents" in result.stderr
    assert f"{path}:4: evidence-for 'evaluation-report' is given without evidence" in result.stderr
    assert f"{path}:5: evidence-for 'minutes' is not a document {MILESTONE} requires {ALLOWED}" in result.stderr
    assert f"{path}:2:" not in result.stderr
    assert "3 problems: nothing was imported" in result.stderr
    assert stored_records(store) == []


# --- an amended plan ----------------------------------------------------------------------------

AMENDED = PLAN + f'''
[[amendments]]
effective = 2025-02-01
title_lv = "Grozījumi"
title_en = "Amendment"

[[amendments.change]]
id = "{MILESTONE}"
evidence_required = [
  {{ name = "acceptance-act", title_lv = "Pieņemšanas akts", title_en = "Acceptance act" }},
  {{ name = "council-decision", title_lv = "Padomes lēmums", title_en = "Council decision" }},
]

[[amendments.add]]
id = "3.1.1.2.i/portal-launched"
kind = "milestone"
name_lv = "Portāls palaists"
name_en = "Portal launched"
goal = "done"
due = 2026-06-30
evidence_required = [{{ name = "launch-act", title_lv = "Palaišanas akts", title_en = "Launch act" }}]
sources = [{{ doc = "001", quote = "veikt pašvaldību publisko pakalpojumu novērtēšanu" }}]
'''


def test_an_amended_plans_documents_and_items_may_be_named(run, plan_file, store):
    """It takes a document that an amendment requires of an item, and a record of an item that an
    amendment adds (naming that item's document); a name no version requires is refused with
    every version's names."""
    plan = plan_file(AMENDED)
    url = ["--evidence", "https://varam.gov.lv/x.pdf"]
    assert run(*record(*url, "--evidence-for", "council-decision"), plan=plan).exit_code == 0
    added = run(*record(*url, "--evidence-for", "launch-act", item_id="3.1.1.2.i/portal-launched"), plan=plan)
    assert added.exit_code == 0, added.stderr
    refused = run(*record(*url, "--evidence-for", "minutes"), plan=plan)
    assert refused.exit_code == 2
    assert (f"evidence-for 'minutes' is not a document {MILESTONE} requires "
            "(required: acceptance-act, evaluation-report, council-decision)") in refused.stderr
    assert [(r.item_id, r.evidence_for) for r in stored_records(store)] == [
        (MILESTONE, "council-decision"), ("3.1.1.2.i/portal-launched", "launch-act")]


# --- migration 0009 -----------------------------------------------------------------------------


def test_records_of_the_release_before_keep_verifying_after_the_upgrade(store, plan_file, run):
    """It upgrades a store of revision 0008 (two records, each entered in the trail as
    that release entered them, without `evidence_for`) to the new column: `rrf audit verify` finds
    the trail intact, the old records name no document, a new record naming one verifies too,
    the append-only guard still refuses an UPDATE, and a document set on an old record behind the
    engine's back is named."""
    db_url = store.url
    engine = dbm.open_engine(db_url)
    command.upgrade(dbm._alembic_config(engine), "0008")
    with engine.begin() as conn:  # ids as the database gives them (PostgreSQL's sequence)
        conn.execute(text(
            "INSERT INTO progress_record (item_id, as_of, value, done, source, reporter, evidence, recorded_at, "
            f"recorded_by) VALUES ('{MILESTONE}', '2025-03-31', NULL, TRUE, 'VARAM', 'VK', "
            "'https://varam.gov.lv/akts.pdf', '2025-04-01 10:00:00.000000', 'os:anna')"))
        conn.execute(text(
            "INSERT INTO progress_record (item_id, as_of, value, done, source, recorded_at, corrects, reason) "
            f"VALUES ('{TARGET}', '2024-06-30', 276.5, NULL, 'VARAM', '2025-04-02 10:00:00.123456', NULL, NULL)"))
        table = Table("progress_record", MetaData(), autoload_with=conn)  # the columns of revision 0008
        prev = GENESIS
        for seq, row in enumerate(conn.execute(select(table).order_by(table.c.id)).mappings(), start=1):
            entry = row_json("progress_record", row)
            assert "evidence_for" not in entry
            h = link_hash(prev, seq, "progress_record", row["id"], entry)
            conn.execute(text("INSERT INTO trail_entry (seq, table_name, row_id, row, prev_hash, hash) "
                              "VALUES (:seq, 'progress_record', :id, :row, :prev, :hash)"),
                         {"seq": seq, "id": row["id"], "row": entry, "prev": prev, "hash": h})
            prev = h
    engine.dispose()

    plan = plan_file(PLAN)
    assert run("db", "upgrade", plan=plan).exit_code == 0
    engine = dbm.open_engine(db_url)
    assert dbm.current_revision(engine) == dbm.head_revision() >= "0009"  # to the newest migration
    engine.dispose()
    verified = run("audit", "verify", plan=plan)
    assert verified.exit_code == 0, verified.stderr
    assert "trail intact: 2 entries" in verified.stdout
    assert [r.evidence_for for r in stored_records(store)] == [None, None]

    assert run(*record("--evidence", "https://varam.gov.lv/n.pdf", "--evidence-for", "evaluation-report",
                       as_of="2025-05-31"), plan=plan).exit_code == 0
    verified = run("audit", "verify", plan=plan)
    assert verified.exit_code == 0, verified.stderr
    assert "trail intact: 3 entries" in verified.stdout

    raw = create_engine(db_url)
    with raw.connect() as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE progress_record SET evidence_for = 'acceptance-act' WHERE id = 1"))
    with raw.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER progress_record_no_update"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE progress_record SET evidence_for = 'acceptance-act' WHERE id = 1"))
    raw.dispose()
    tampered = run("audit", "verify", plan=plan)
    assert tampered.exit_code == 3
    assert "progress_record #1 no longer holds what was entered (evidence_for changed" in tampered.stderr


# --- the portal ---------------------------------------------------------------------------------

PORTAL_ITEM = "3.1.1.2.i/specialists-trained"  # VARAM's, with a share per planning region
PORTAL_DOCUMENTS = '''evidence_required = [
  { name = "attendance-list", title_lv = "Dalībnieku saraksts", title_en = "Attendance list" },
  { name = "certificates", title_lv = "Apliecību kopijas", title_en = "Copies of certificates" },
]
'''
PORTAL_ALLOWED = "(required: attendance-list, certificates)"
PDF = b"%PDF-1.4\n% evidence of the web specs\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
NO_FILE = {"evidence": ("", b"", "application/octet-stream")}


@pytest.fixture(scope="module")
def portal_app(tmp_path_factory):
    """The portal on the shipped plan whose specialists-trained target requires two documents (a
    real SQLite store; users as in tests/portal.py)."""
    from portal import NOW, add_users
    from rrf.services import progress
    from rrf.services.context import Context
    from rrf.settings import settings
    from rrf.web.app import create_app

    folder = tmp_path_factory.mktemp("portal-evidence-for")
    shipped = (ROOT / "milestones.toml").read_text(encoding="utf-8")
    anchor = f'id = "{PORTAL_ITEM}"\nkind = "target"\n'
    assert shipped.count(anchor) == 1
    plan = folder / "plan.toml"
    plan.write_text(shipped.replace(anchor, anchor + PORTAL_DOCUMENTS), encoding="utf-8")
    ctx = Context(settings(plan=plan, database_url=f"sqlite:///{folder / 'rrf.db'}", reports_dir=folder / "reports",
                           evidence_dir=folder / "evidence"), lambda: NOW)
    progress.record(ctx, item_id=PORTAL_ITEM, value="120", as_of="2024-06-30", breakdown="ZPR", source="ZPR 2024")
    add_users(ctx)
    app = create_app(ctx)
    app.state.evidence_folder = folder / "evidence"
    return app


def _client(app, name: str):
    from portal import client_for
    return client_for(app, name)


def _token(client) -> str:
    from portal import csrf_of
    return csrf_of(client.get("/").text)


def _records(app) -> list[dict]:
    answer = _client(app, "anna").get("/api/items/" + quote(PORTAL_ITEM))
    assert answer.status_code == 200
    return answer.json()["records"]


def _kept(app) -> list:
    folder = app.state.evidence_folder
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _report(client, files=None, **fields: str):
    data = {"csrf": _token(client), "value": "130", "as_of": "2026-10-31", "breakdown": "ZPR",
            "source": "ZPR quarterly report", "reporter": "", **fields}
    return client.post(f"/items/{quote(PORTAL_ITEM)}/report", data=data, files=files or NO_FILE)


def _shown_problems(answer) -> str:
    return html.unescape(" ".join(re.findall(r'<li class="error">(.*?)</li>', answer.text, re.S)))


def test_the_report_form_offers_the_items_required_documents(portal_app):
    """It shows a select of the item's required documents, titled in the user's language, with
    an empty choice first (the field is optional); an item that requires none gets no select."""
    rita = _client(portal_app, "rita")
    form = rita.get(f"/items/{quote(PORTAL_ITEM)}/report")
    assert form.status_code == 200
    select_ = re.search(r'<select id="evidence_for" name="evidence_for">(.*?)</select>', form.text, re.S)
    assert select_ is not None
    assert re.findall(r'<option value="([^"]*)"', select_.group(1)) == ["", "attendance-list", "certificates"]
    assert "Dalībnieku saraksts" in select_.group(1) and "Apliecību kopijas" in select_.group(1)
    other = _client(portal_app, "anna").get("/items/" + quote("6.3.1.4.i/ngos-supported") + "/report")
    assert other.status_code == 200 and 'name="evidence_for"' not in other.text


def test_the_portal_keeps_the_document_an_uploaded_file_is(portal_app):
    """It records rita's figure with her uploaded file as the attendance list (303): the item's
    JSON names the document, and the item page shows the document's title with the record."""
    rita = _client(portal_app, "rita")
    answer = _report(rita, evidence_for="attendance-list",
                     files={"evidence": ("saraksts.pdf", PDF, "application/pdf")})
    assert answer.status_code == 303, answer.text
    new_id = int(answer.headers["location"].rsplit("-", 1)[1])
    new = next(r for r in _records(portal_app) if r["record"] == new_id)
    assert new["evidence_for"] == "attendance-list" and new["evidence"] == "saraksts.pdf"
    assert new["evidence_sha256"] == hashlib.sha256(PDF).hexdigest()
    page = rita.get("/items/" + quote(PORTAL_ITEM)).text
    row = re.search(rf'<tr id="record-{new_id}".*?</tr>', page, re.S).group(0)
    assert 'class="evidence-for"' in row and "Dalībnieku saraksts" in row


@pytest.mark.parametrize("fields, files, message", [
    ({"evidence_for": "minutes"}, {"evidence": ("a.pdf", PDF + b"a", "application/pdf")},
     f"evidence-for 'minutes' is not a document {PORTAL_ITEM} requires {PORTAL_ALLOWED}"),
    ({"evidence_for": "certificates"}, None,
     "evidence-for 'certificates' is given without evidence: attach the document (a file or URL)"),
], ids=["unknown-name", "without-a-file"])
def test_the_portal_refuses_a_bad_document_and_writes_nothing(portal_app, fields, files, message):
    """It answers a crafted name, or a document chosen without a file, with the form again (400)
    and the same reason as the command line (in English, as rita switched to it; in Latvian by
    default); no record and no evidence file is kept."""
    rita = _client(portal_app, "rita")
    rita.get("/lang/en")
    before, kept = _records(portal_app), _kept(portal_app)
    answer = _report(rita, files=files, source="typed once", **fields)
    assert answer.status_code == 400
    assert message in _shown_problems(answer)
    assert 'value="typed once"' in answer.text
    assert _records(portal_app) == before and _kept(portal_app) == kept


def test_the_portal_refuses_a_document_for_an_item_that_requires_none(portal_app):
    """It refuses a crafted `evidence_for` for an item that requires no document (400), naming it
    (in Latvian, anna's language)."""
    anna = _client(portal_app, "anna")
    item = "6.3.1.4.i/ngos-supported"
    answer = anna.post("/items/" + quote(item) + "/report", files={"evidence": ("b.pdf", PDF + b"b", "application/pdf")},
                       data={"csrf": _token(anna), "value": "3", "as_of": "2026-10-31", "breakdown": "",
                             "source": "VK", "evidence_for": "attendance-list"})
    assert answer.status_code == 400
    assert f"evidence-for 'attendance-list': {item} neprasa nevienu dokumentu" in _shown_problems(answer)


def test_a_correction_in_the_portal_may_name_its_document(portal_app):
    """It offers the same select on the correction form, keeps a correction's document (303), and
    refuses a bad one there too (400, nothing written)."""
    rita = _client(portal_app, "rita")
    original = next(r for r in _records(portal_app) if r["breakdown_key"] == "ZPR" and r["in_force"])
    form = rita.get(f"/records/{original['record']}/correct")
    assert form.status_code == 200 and 'name="evidence_for"' in form.text
    fields = {"csrf": _token(rita), "value": "121", "source": "ZPR corrected", "reason": "the list came"}
    before = _records(portal_app)
    refused = rita.post(f"/records/{original['record']}/correct", data={**fields, "evidence_for": "minutes"},
                        files={"evidence": ("c.pdf", PDF + b"c", "application/pdf")})
    assert refused.status_code == 400
    assert f"evidence-for 'minutes' nav dokuments, ko prasa {PORTAL_ITEM}" in _shown_problems(refused)  # rita's Latvian
    assert _records(portal_app) == before
    answer = rita.post(f"/records/{original['record']}/correct", data={**fields, "evidence_for": "certificates"},
                       files={"evidence": ("c.pdf", PDF + b"c", "application/pdf")})
    assert answer.status_code == 303, answer.text
    new_id = int(answer.headers["location"].rsplit("-", 1)[1])
    new = next(r for r in _records(portal_app) if r["record"] == new_id)
    assert (new["evidence_for"], new["corrects"]) == ("certificates", original["record"])
