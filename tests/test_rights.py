"""The rights matrix, asserted cell by cell against the service layer itself (what the command
line, the flows and the portal all call): role x action (view, record, correct, import,
acknowledge, waive; and reading the log) x scope.

Scopes, on the shipped plan: "own" is the 1 300 specialists target reported in the user's own
part (a planning region's key, ZPR), "other key" another region's key (RPR) of the same target,
"out" an item of another institution (the State Chancellery's NGOs target). Coordinators and
auditors have no "out": every item is theirs. The outcomes: ok (done, and written), 403
(Forbidden: the role may not, or the part is another institution's), 404 (NotFound: the item
is outside the scope, exactly as if it did not exist). Nothing refused writes anything.
"""

from pathlib import Path

import pytest

import portal
from portal import PASSWORD, TARGET, VK_ITEM
from rrf.importers.progress_file import ImportFileError
from rrf.rules.errors import RrfError
from rrf.models import escalations
from rrf.services import access, ack, progress, users, waiver
from rrf.services.store import reading
from rrf.services.access import Forbidden, NotFound, Viewer
from rrf.services import portal as pages

OK, DENIED, HIDDEN = "ok", 403, 404
ROLES = {"coordinator": None, "auditor": None, "head": "zpr", "reporter": "zpr"}

# action: {role: (own, other key, out)}
MATRIX = {
    "view":    {"coordinator": (OK, OK, OK), "auditor": (OK, OK, OK), "head": (OK, OK, HIDDEN),
                "reporter": (OK, OK, HIDDEN)},
    "record":  {"coordinator": (OK, OK, OK), "auditor": (DENIED, DENIED, DENIED),
                "head": (DENIED, DENIED, HIDDEN), "reporter": (OK, DENIED, HIDDEN)},
    "correct": {"coordinator": (OK, OK, OK), "auditor": (DENIED, DENIED, DENIED),
                "head": (DENIED, DENIED, HIDDEN), "reporter": (OK, DENIED, HIDDEN)},
    "import":  {"coordinator": (OK, OK, OK), "auditor": (DENIED, DENIED, DENIED),
                "head": (DENIED, DENIED, HIDDEN), "reporter": (OK, DENIED, HIDDEN)},
    # acknowledging and waiving concern a whole item (a waiver may name a key: "other key")
    "acknowledge": {"coordinator": (OK, OK, OK), "auditor": (DENIED, DENIED, DENIED),
                    "head": (OK, OK, HIDDEN), "reporter": (DENIED, DENIED, HIDDEN)},
    "waive":   {"coordinator": (OK, OK, OK), "auditor": (DENIED, DENIED, DENIED),
                "head": (DENIED, DENIED, HIDDEN), "reporter": (DENIED, DENIED, HIDDEN)},
}
CELLS = [(action, role, scope, outcome) for action, by_role in MATRIX.items() for role, row in by_role.items()
         for scope, outcome in zip(("own", "other key", "out"), row)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return portal.build(tmp_path_factory.mktemp("rights"))


def target_of(scope: str) -> tuple[str, str | None]:
    return {"own": (TARGET, "ZPR"), "other key": (TARGET, "RPR"), "out": (VK_ITEM, "field=social-security")}[scope]


def do(action: str, ctx, viewer: Viewer, scope: str, tmp: Path) -> None:
    """The action through its service, as `viewer`."""
    item_id, key = target_of(scope)
    if action == "view":
        pages.item_view(ctx, viewer, item_id, as_of=portal.AS_OF)
    elif action == "record":
        progress.record(ctx, item_id=item_id, value="5", as_of="2025-01-15", source="rights spec", breakdown=key,
                        by=viewer)
    elif action == "correct":
        anna = users.viewer(ctx, "anna")
        row, _ = progress.record(ctx, item_id=item_id, value="7", as_of="2025-02-15", source="to correct",
                                 breakdown=key, by=anna)
        progress.correct(ctx, record_id=row.id, value="8", reason="typo", source="rights spec", by=viewer)
    elif action == "acknowledge":
        ack.acknowledge(ctx, item_id=item_id, reason="rights spec", until="2027-01-31", by=viewer, as_of=portal.AS_OF)
    elif action == "waive":
        waiver.grant(ctx, item_id=item_id, reason="rights spec", expires="2027-01-31", by=viewer, as_of=portal.AS_OF,
                     key=key if scope == "other key" else None)
    elif action == "import":
        sheet = tmp / f"import-{viewer.role}-{scope.replace(' ', '-')}.csv"
        sheet.write_text(f"id,value,as_of,breakdown,source\n{item_id},9,2025-03-{10 + len(scope)},{key},"
                         f"rights spec for {viewer.role}\n", encoding="utf-8")
        progress.import_file(ctx, sheet, by=viewer)


def count(ctx) -> int:
    """What the actions write: records, acknowledgements and waivers of the two items."""
    with reading(ctx.url) as session:
        written = sum(len(escalations.acks_for(session=session, item_id=i)) +
                      len(escalations.waivers(session=session, item_id=i)) for i in (TARGET, VK_ITEM))
    return len(progress.history(ctx, TARGET)) + len(progress.history(ctx, VK_ITEM)) + written


@pytest.mark.parametrize(("action", "role", "scope", "outcome"), CELLS,
                         ids=[f"{a}-{r}-{s.replace(' ', '-')}" for a, r, s, _ in CELLS])
def test_rights_matrix(store, tmp_path, action, role, scope, outcome):
    """It does the action for a role and scope that allow it, and otherwise refuses it with
    Forbidden or NotFound, writing nothing."""
    ctx = store.context()
    viewer = Viewer(f"{role}-spec", role, ROLES[role])
    before = count(ctx)
    if outcome == OK:
        do(action, ctx, viewer, scope, tmp_path)
        written = {"view": 0, "record": 1, "correct": 2, "import": 1, "acknowledge": 1, "waive": 1}[action]
        assert count(ctx) == before + written
        return
    if action == "import":  # a file is refused whole, each row it may not take named with the reason
        with pytest.raises(ImportFileError) as refused:
            do(action, ctx, viewer, scope, tmp_path)
        assert ("may not" if outcome == DENIED else "no item") in str(refused.value)
    else:
        with pytest.raises(Forbidden if outcome == DENIED else NotFound):
            do(action, ctx, viewer, scope, tmp_path)
    assert count(ctx) - before == (1 if action == "correct" else 0)  # only the coordinator's record to correct


@pytest.mark.parametrize(("role", "allowed"), [("coordinator", True), ("auditor", True), ("head", False),
                                               ("reporter", False)])
def test_only_coordinators_and_auditors_read_the_log(role, allowed):
    """It lets coordinators and auditors into the evaluation log, and no one else."""
    viewer = Viewer("x", role, ROLES[role])
    if allowed:
        access.require_audit(viewer)
    else:
        with pytest.raises(Forbidden):
            access.require_audit(viewer)


def test_the_user_is_stored_with_what_they_record(store):
    """It stores who recorded a figure: the signed-in user, or the command line's operator."""
    ctx = store.context()
    rita = users.viewer(ctx, "rita")
    row, _ = progress.record(ctx, item_id=TARGET, value="150", as_of="2025-04-01", source="ZPR", breakdown="ZPR",
                             by=rita)
    assert row.recorded_by == "rita"
    row, _ = progress.record(ctx, item_id=TARGET, value="151", as_of="2025-04-02", source="ZPR", breakdown="ZPR")
    assert row.recorded_by.startswith("os:")


def test_an_operator_that_is_not_a_user_is_refused(store):
    """It refuses to act for an RRF_OPERATOR that names no enabled user, and writes nothing."""
    ctx = store.context(operator="nobody")
    with pytest.raises(RrfError, match="RRF_OPERATOR 'nobody' is not an enabled portal user"):
        progress.record(ctx, item_id=TARGET, value="152", as_of="2025-04-03", source="x", breakdown="ZPR")
    as_rita = store.context(operator="rita")
    with pytest.raises(Forbidden):
        progress.record(as_rita, item_id=TARGET, value="152", as_of="2025-04-03", source="x", breakdown="RPR")
    assert progress.record(as_rita, item_id=TARGET, value="152", as_of="2025-04-03", source="x",
                           breakdown="ZPR")[0].recorded_by == "rita"


# (RRF_OPERATOR, what the command line reads): how the service answers
READS = [
    ("rita", "status", "her scope"),          # a ZPR reporter: the 1 300 specialists target only
    ("kaspars", "status", "his scope"),       # the State Chancellery's head
    ("aija", "status", "every item"),
    ("rita", "history out", HIDDEN),          # another institution's item: as if it did not exist
    ("rita", "history own", OK),
    ("rita", "log", DENIED), ("kaspars", "log", DENIED), ("aija", "log", OK),
    ("rita", "replay", DENIED), ("aija", "replay", OK),
    ("rita", "export", DENIED),
    ("rita", "verify", DENIED), ("aija", "verify", OK),
    ("rita", "outbox", DENIED), ("kaspars", "outbox", DENIED), ("aija", "outbox", OK),
    ("aija", "send", DENIED), ("anna", "send", OK),
    ("kaspars", "exposure", DENIED), ("aija", "exposure", OK),
    ("anna", "check", OK), ("aija", "check", DENIED), ("kaspars", "check", DENIED),  # logging a check
    ("aija", "dry check", OK), ("rita", "dry check", DENIED),
    ("rita", "by anna", DENIED), ("kaspars", "by anna", DENIED), ("anna", "by kaspars", OK), ("rita", "by rita", OK),
    ("nobody", "status", "refused"), ("nobody", "log", "refused"), ("nobody", "check", "refused"),
]


@pytest.mark.parametrize(("operator", "read", "outcome"), READS, ids=[f"{o}-{r}" for o, r, _ in READS])
def test_the_operator_reads_only_what_their_role_and_scope_let_them(store, tmp_path, operator, read, outcome):
    """It gives the command line's reads, for an RRF_OPERATOR, what the portal gives that user: the
    items of their scope, "no item" for one outside it, the log and the outbox to the office and the
    auditors only (delivering to the office alone), the whole payment requests to who sees every
    item, logging a check to the office and a dry run to who sees every item, acting for another user
    (`--by`) to the office; and it refuses a name that is no enabled user, for reading as for writing."""
    from rrf.services import audit, check, identity, outbox
    from rrf.services import status as statuses

    ctx = store.context(operator=operator)
    who = users.viewer(store.context(), operator)
    reads = {
        "status": lambda: [d.item_id for d in statuses.status(ctx, portal.AS_OF)[1]],
        "history out": lambda: progress.history(ctx, VK_ITEM),
        "history own": lambda: progress.history(ctx, TARGET),
        "log": lambda: audit.entries(ctx, audit.Filters()),
        "replay": lambda: audit.replay(ctx, 1),
        "export": lambda: audit.export(ctx, audit.Filters(), "csv", tmp_path / "log.csv"),
        "verify": lambda: audit.verify(ctx),
        "outbox": lambda: outbox.messages(ctx),
        "send": lambda: outbox.require(ctx, send=True),
        "exposure": lambda: statuses.exposure(ctx, portal.AS_OF),
        "check": lambda: check.require_checker(ctx, dry_run=False),
        "dry check": lambda: check.require_checker(ctx, dry_run=True),
        "by anna": lambda: identity.on_behalf(ctx, "anna"),
        "by kaspars": lambda: identity.on_behalf(ctx, "kaspars"),
        "by rita": lambda: identity.on_behalf(ctx, "rita"),
    }
    if outcome == "refused":
        with pytest.raises(RrfError, match=f"RRF_OPERATOR '{operator}' is not an enabled portal user"):
            reads[read]()
    elif outcome in (DENIED, HIDDEN):
        with pytest.raises(Forbidden if outcome == DENIED else NotFound):
            reads[read]()
        assert not (tmp_path / "log.csv").exists()
    elif read == "status":
        plan = ctx.loaded.plan
        assert reads[read]() == [i.id for i in access.visible_items(who, plan)]
        assert (outcome == "every item") is (len(reads[read]()) == len(plan.items))
    else:
        reads[read]()


def _sheet(tmp: Path, name: str, rows: str) -> Path:
    sheet = tmp / name
    sheet.write_text("id,value,as_of,breakdown,source,corrects,reason\n" + rows, encoding="utf-8")
    return sheet


@pytest.mark.parametrize(("original", "row_key", "outcome"), [
    ((TARGET, "ZPR"), "ZPR", OK),              # its own part
    ((TARGET, "RPR"), "ZPR", DENIED),          # another region's figure, replaced under its own key
    ((TARGET, "RPR"), "RPR", DENIED),          # another region's figure
    ((TARGET, None), "ZPR", DENIED),           # the total that VARAM reports
    ((VK_ITEM, "field=social-security"), "ZPR", HIDDEN),  # another institution's item, the row naming its own
], ids=["own", "other-key-as-own", "other-key", "total", "out"])
def test_a_file_corrects_only_records_its_importer_may_correct(store, tmp_path, original, row_key, outcome):
    """It takes a correction in an imported file only when the user may correct the record it
    replaces, exactly as the correction form does: a reporter's own part, not another region's
    figure or the total (whatever key the row gives), and a record of an item outside the scope
    is "no such record", its item never named. Refused, nothing is written."""
    ctx = store.context()
    item_id, key = original
    row, _ = progress.record(ctx, item_id=item_id, value="7", as_of="2025-02-15", source="to correct",
                             breakdown=key)
    rita = users.viewer(ctx, "rita")
    sheet = _sheet(tmp_path, "fix.csv", f"{TARGET},0,,{row_key},wipe,{row.id},typo\n")
    before = count(ctx)
    if outcome == OK:
        assert progress.import_file(ctx, sheet, by=rita, name="fix.csv").corrections == 1
        assert count(ctx) == before + 1
        return
    with pytest.raises(ImportFileError) as refused:
        progress.import_file(ctx, sheet, by=rita, name="fix.csv")
    if outcome == DENIED:
        assert "may not report" in str(refused.value)
    else:
        assert str(refused.value) == f"fix.csv:2: corrects #{row.id}: no such record"
    assert count(ctx) == before


@pytest.mark.parametrize("evidence", ["/etc/hostname", "../../etc/hostname", "attendance.pdf", "file:///etc/hostname",
                                      "javascript://x%0aalert(1)"])
def test_portal_users_give_evidence_as_an_upload_or_a_web_address_never_a_server_path(store, tmp_path, evidence):
    """It never opens a path a portal user types (in a form or in an imported file): their
    evidence is a file they upload or an http(s) address. The command line's operator, on
    their own machine, may name a file, which is fingerprinted."""
    ctx = store.context()
    rita = users.viewer(ctx, "rita")
    (tmp_path / "attendance.pdf").write_bytes(b"%PDF-1.4 beside the file")
    sheet = tmp_path / "upload.csv"
    sheet.write_text(f"id,value,as_of,breakdown,source,evidence\n{TARGET},31,2025-05-05,ZPR,ZPR,{evidence}\n",
                     encoding="utf-8")
    before = count(ctx)
    with pytest.raises(ImportFileError, match=r"^mine\.csv:2: evidence .*give a web address"):
        progress.import_file(ctx, sheet, by=rita, name="mine.csv")
    with pytest.raises(RrfError, match="give a web address"):
        progress.record(ctx, item_id=TARGET, value="31", as_of="2025-05-05", source="ZPR", breakdown="ZPR",
                        evidence=evidence, by=rita)
    assert count(ctx) == before
    address = "https://www.zpr.gov.lv/atskaites/2025-05.pdf"
    row, _ = progress.record(ctx, item_id=TARGET, value="31", as_of="2025-05-05", source="ZPR", breakdown="ZPR",
                             evidence=address, by=rita)
    assert (row.evidence, row.evidence_sha256) == (address, None)
    operator_sheet = tmp_path / "operator.csv"
    operator_sheet.write_text(f"id,value,as_of,breakdown,source,evidence\n{TARGET},32,2025-05-06,ZPR,"
                              f"operator after {evidence},attendance.pdf\n", encoding="utf-8")
    progress.import_file(ctx, operator_sheet)
    kept = progress.history(ctx, TARGET)[-1]
    assert kept["evidence"] == str((tmp_path / "attendance.pdf").resolve()) and kept["evidence_sha256"]
