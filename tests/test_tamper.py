"""Tamper evidence beyond what the append-only triggers refuse (issue 14, items 5 and 14).

An intruder with the database's owner rights switches the triggers off first. Then they can
delete the last runs of the evaluation log, or the whole log, or change an entry and compute
every later hash again with the project's own function; or change, delete or add the rows that
decide who is escalated (progress records and corrections, import files, notices, outbox
messages, acknowledgements, waivers). `rrf audit verify` names each of these with exit 3:

- the rows are entered in a second chain, the trail, in the transaction that inserts them;
- after every logged check, acknowledgement and waiver, the heads of both chains are signed with
  an Ed25519 key kept outside the database (`rrf audit keygen`, RRF_AUDIT_KEY) and written to a
  checkpoint file (RRF_CHECKPOINT_DIR); a chain that no longer holds a signed head was
  truncated, one that holds it with another hash was rewritten.

A JSON export of the whole log is verified with no database (`rrf audit verify-export`), and the
outbox's "sending" lease is short, configurable and reported by `rrf outbox --send`.
"""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from backends import db_url  # noqa: F401
from conftest import MILESTONE, TARGET, VALID_PLAN
from ladder import LADDER
from rrf.cli.main import app
from rrf.models.audit import entry_hash
from rrf.models.trail import link_hash
from rrf.services import checkpoint

CSV = "id,value,as_of,source,breakdown\n" + "".join(
    f"{TARGET},{n},2024-0{n // 10}-15,import row,{key}\n" for n, key in ((30, "LPR"), (40, "VPR")))


class Store:
    """The command line on one database, with the signing key and checkpoint folder configured."""

    def __init__(self, folder: Path, db: str) -> None:
        self.folder, self.db, self.plan = folder, db, folder / "plan.toml"
        self.checkpoints = folder / "checkpoints"
        self.public_key = folder / "keys" / "audit-key.pub.pem"

    def rrf(self, *args: str, store: bool = True):  # noqa: ANN201
        extra = ["--plan", str(self.plan), "--db", self.db] if store else []
        return CliRunner().invoke(app, [*args, *extra])

    def verify(self, *args: str):  # noqa: ANN201
        return self.rrf("audit", "verify", *args)

    def sql(self, *statements: str, params: dict | None = None) -> None:
        """What an intruder with the owner's rights does: triggers off, then the statements."""
        engine = create_engine(self.db)
        with engine.begin() as conn:
            _lift_guards(conn)
            for statement in statements:
                conn.execute(text(statement), params or {})
        engine.dispose()

    def rows(self, query: str) -> list:
        engine = create_engine(self.db)
        with engine.connect() as conn:
            found = list(conn.execute(text(query)))
        engine.dispose()
        return found

    def files(self) -> list[Path]:
        return sorted(self.checkpoints.glob("checkpoint-*.json"))


def _lift_guards(conn) -> None:  # noqa: ANN001
    if conn.dialect.name == "sqlite":
        for (name,) in list(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))):
            conn.execute(text(f"DROP TRIGGER {name}"))
    else:
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def ok(result) -> str:  # noqa: ANN001
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def store(tmp_path, db_url, monkeypatch):  # noqa: F811
    """Records (one corrected, two imported), two checks that decide notices and messages, an
    acknowledgement and a waiver between them, each followed by a signed checkpoint."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRF_OPERATOR", raising=False)
    monkeypatch.delenv("RRF_AUDIT_PUBLIC_KEY", raising=False)
    s = Store(tmp_path, db_url)
    s.plan.write_text(VALID_PLAN + LADDER, encoding="utf-8")  # with the shipped escalation ladder
    ok(s.rrf("audit", "keygen", "--output", str(tmp_path / "keys"), store=False))
    monkeypatch.setenv("RRF_AUDIT_KEY", str(tmp_path / "keys" / "audit-key.pem"))
    monkeypatch.setenv("RRF_CHECKPOINT_DIR", str(s.checkpoints))
    for key, value in (("RPR", "100"), ("KPR", "50")):
        ok(s.rrf("record", TARGET, value, "--breakdown", f"region={key}", "--as-of", "2024-03-31", "--source", "q1"))
    ok(s.rrf("correct", "1", "120", "--reason", "miscounted", "--source", "q1 again"))
    (tmp_path / "more.csv").write_text(CSV, encoding="utf-8")
    ok(s.rrf("import", str(tmp_path / "more.csv")))
    ok(s.rrf("check", "--direct", "--as-of", "2025-01-15"))
    ok(s.rrf("ack", TARGET, "--reason", "training scheduled", "--as-of", "2025-01-15"))
    ok(s.rrf("waive", MILESTONE, "--reason", "new date agreed", "--until", "2025-12-31", "--as-of", "2025-01-15"))
    ok(s.rrf("check", "--direct", "--as-of", "2025-02-20"))
    return s


def test_every_logged_check_acknowledgement_and_waiver_is_signed_and_verify_says_so(store):
    """It writes one checkpoint per logged check, acknowledgement and waiver, numbered, read-only,
    each naming its predecessor; verify finds both chains intact and says what the latest signs."""
    assert [p.name for p in store.files()] == [f"checkpoint-00000{n}.json" for n in (1, 2, 3, 4)]
    assert all(p.stat().st_mode & 0o222 == 0 for p in store.files())
    latest = json.loads(store.files()[-1].read_text(encoding="utf-8"))
    [(entries,)] = store.rows("SELECT count(*) FROM audit_entry")
    [(trail,)] = store.rows("SELECT count(*) FROM trail_entry")
    assert (latest["sequence"], latest["log"]["entry"], latest["log"]["entries"]) == (4, entries, entries)
    assert latest["trail"]["entry"] == trail
    kinds = dict(store.rows("SELECT table_name, count(*) FROM trail_entry GROUP BY table_name"))
    assert kinds["progress_record"] == 5 and kinds["import_batch"] == 1 and kinds["acknowledgement"] == 1
    assert kinds["waiver"] == 1 and kinds["notice"] >= 1 and kinds["outbox"] >= 1
    said = ok(store.verify())
    assert f"intact: {entries} entries in 4 runs" in said
    assert f"trail intact: {trail} entries" in said
    assert f"signed: checkpoint 4 of {latest['written_at'][:10]}" in said
    assert f"holds entries 1-{entries} of the log and 1-{trail} of the trail; 0 entries since" in said


def last_run(store: Store) -> tuple[int, str]:
    [(first, run_id)] = store.rows("SELECT first_seq, id FROM audit_run ORDER BY first_seq DESC LIMIT 1")
    return first, run_id


def rewrite_log(store: Store, seq: int, status: str) -> None:
    """Change entry `seq`'s status, then compute its hash and every later one again with the
    project's own function, and point the run rows at the new heads: a chain that holds."""
    engine = create_engine(store.db)
    with engine.begin() as conn:
        _lift_guards(conn)
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_entry ORDER BY seq"))]
        prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
        for row in rows[seq - 1:]:
            old = row["hash"]
            row.update(prev_hash=prev, status=status if row["seq"] == seq else row["status"])
            if isinstance(row["as_of"], str):  # SQLite hands back text
                row["as_of"] = datetime.fromisoformat(row["as_of"]).date()
                row["created_at"] = datetime.fromisoformat(row["created_at"]).replace(tzinfo=timezone.utc)
            row["hash"] = prev = entry_hash(row)
            conn.execute(text("UPDATE audit_entry SET status = :status, prev_hash = :prev_hash, hash = :hash "
                              "WHERE seq = :seq"), row)
            conn.execute(text("UPDATE audit_run SET head_hash = :new WHERE head_hash = :old"),
                         {"new": row["hash"], "old": old})
    engine.dispose()


def rewrite_trail_without(store: Store, table: str, row_id: int) -> None:
    """Delete a row and its trail entry, number the later entries down and compute their hashes
    again with the project's own function: a trail that holds, without the row."""
    engine = create_engine(store.db)
    with engine.begin() as conn:
        _lift_guards(conn)
        [seq] = conn.execute(text("SELECT seq FROM trail_entry WHERE table_name = :t AND row_id = :r"),
                             {"t": table, "r": row_id}).scalars()
        conn.execute(text(f"DELETE FROM {table} WHERE id = :r"), {"r": row_id})
        conn.execute(text("DELETE FROM trail_entry WHERE seq = :s"), {"s": seq})
        prev = conn.execute(text("SELECT hash FROM trail_entry WHERE seq = :s"), {"s": seq - 1}).scalar() or "0" * 64
        later = list(conn.execute(text("SELECT seq, table_name, row_id, row FROM trail_entry WHERE seq > :s "
                                       "ORDER BY seq"), {"s": seq}))
        for old, name, rid, row in later:  # in order: each new number and hash is free when it is taken
            h = link_hash(prev, old - 1, name, rid, row)
            conn.execute(text("UPDATE trail_entry SET seq = :new, prev_hash = :p, hash = :h WHERE seq = :old"),
                         {"new": old - 1, "p": prev, "h": h, "old": old})
            prev = h
    engine.dispose()


def test_deleting_the_last_run_is_a_truncation(store):
    """It reports the log truncated after the last entry left, though the chain that is left holds."""
    first, run_id = last_run(store)
    store.sql(f"DELETE FROM audit_entry WHERE seq >= {first}", f"DELETE FROM audit_run WHERE id = '{run_id}'")
    result = store.verify()
    assert result.exit_code == 3, result.stdout
    assert f"intact: {first - 1} entries in 3 runs" in result.stdout
    assert f"the log was truncated after entry {first - 1}: checkpoint 4 of" in result.stderr


def test_deleting_the_whole_log_is_a_truncation_after_entry_0(store):
    store.sql("DELETE FROM audit_entry", "DELETE FROM audit_run", "DELETE FROM plan_text")
    result = store.verify()
    assert result.exit_code == 3 and "the log was truncated after entry 0: checkpoint 1 of" in result.stderr


def test_deleting_the_database_is_a_truncation_after_entry_0(store):
    """It says so even when there is no database left at all (SQLite: the file is gone)."""
    if not store.db.startswith("sqlite"):
        pytest.skip("a PostgreSQL database is dropped by its server's owner, not deleted as a file")
    for path in store.folder.glob("rrf-test.db*"):
        path.unlink()
    result = store.verify()
    assert result.exit_code == 3 and "the log was truncated after entry 0" in result.stderr, result.stderr


def test_an_entry_changed_with_every_later_hash_recomputed_is_a_rewrite(store):
    """It reports the signed entry as rewritten, though every link of the chain holds."""
    rewrite_log(store, 5, "met")  # the acknowledgement's closing entry: checkpoint 2 signed it as the head
    result = store.verify()
    assert result.exit_code == 3, result.stdout
    assert "BROKEN: entry 5 is not the one checkpoint 2 of" in result.stderr
    assert "the log was rewritten (entries changed and their hashes computed again)" in result.stderr
    (store.folder / "none").mkdir()
    without = store.verify("--checkpoints", str(store.folder / "none"))  # what the chain alone can tell
    assert without.exit_code == 0 and "checkpoints: none in" in without.stdout


def first_id(store: Store, table: str) -> int:
    [(row_id,)] = store.rows(f"SELECT min(id) FROM {table}")
    return row_id


ROWS = [  # (what the intruder does, as SQL with {id} the table's first row, what verify says)
    ("DELETE FROM progress_record WHERE id = (SELECT max(id) FROM progress_record)", "progress_record #5 is gone"),
    ("UPDATE progress_record SET value = 260 WHERE id = 2", "progress_record #2 no longer holds what was entered "
                                                              "(value changed after it was written)"),
    ("UPDATE progress_record SET reason = 'typo' WHERE id = 3", "progress_record #3 no longer holds what was "
                                                                 "entered (reason changed"),
    ("DELETE FROM import_batch", "is gone"),
    ("DELETE FROM notice WHERE id = 1", "notice #1 is gone"),
    ("UPDATE notice SET level = 0 WHERE id = 1", "notice #1 no longer holds what was entered (level changed"),
    ("DELETE FROM acknowledgement", "acknowledgement #1 is gone"),
    ("UPDATE acknowledgement SET until = '2030-01-01'", "acknowledgement #1 no longer holds what was entered "
                                                          "(until changed"),
    ("INSERT INTO acknowledgement (item_id, day, by, reason, status, level, recorded_at) SELECT item_id, day, by, "
     "reason, status, level, recorded_at FROM acknowledgement", "acknowledgement #2 is in no trail entry: it was "
                                                                "inserted behind the engine's back"),
    ("UPDATE waiver SET expires = '2030-12-31'", "waiver #1 no longer holds what was entered (expires changed"),
    ("UPDATE outbox SET body = 'nothing to see' WHERE id = 1", "outbox #1 no longer holds what was entered "
                                                                "(body changed"),
]


@pytest.mark.parametrize("statement, said", ROWS, ids=[r[0][:40] for r in ROWS])
def test_a_changed_deleted_or_added_row_that_decides_escalation_is_named(store, statement, said):
    store.sql(statement)
    result = store.verify()
    assert result.exit_code == 3, result.stdout
    assert said in result.stderr, result.stderr


def test_delivery_state_is_not_content(store):
    """It leaves a message's delivery columns out of the trail: delivering it is no tampering."""
    store.sql("UPDATE outbox SET status = 'sent', attempts = 2, sent_at = created_at, last_error = NULL")
    ok(store.verify())


def test_a_row_deleted_with_the_trail_recomputed_is_a_rewrite_of_the_trail(store):
    rewrite_trail_without(store, "progress_record", 2)
    result = store.verify()
    assert result.exit_code == 3
    assert "the trail was rewritten" in result.stderr, result.stderr


def test_the_last_rows_deleted_with_their_trail_entries_are_a_truncation_of_the_trail(store):
    [(seq, table, row_id)] = store.rows("SELECT seq, table_name, row_id FROM trail_entry ORDER BY seq DESC LIMIT 1")
    store.sql(f"DELETE FROM {table} WHERE id = {row_id}", f"DELETE FROM trail_entry WHERE seq = {seq}")
    result = store.verify()
    assert result.exit_code == 3
    assert f"the trail was truncated after entry {seq - 1}" in result.stderr, result.stderr


def test_a_forged_checkpoint_is_named(store, tmp_path):
    """It refuses a checkpoint that was edited, one signed with another key, and a gap in them."""
    latest = store.files()[-1]
    body = json.loads(latest.read_text(encoding="utf-8"))
    latest.chmod(0o644)
    latest.write_text(json.dumps({**body, "log": {**body["log"], "entry": 3}}), encoding="utf-8")
    result = store.verify()
    assert result.exit_code == 3 and "checkpoint 4 does not carry a valid signature of key" in result.stderr
    other = tmp_path / "other"
    ok(store.rrf("audit", "keygen", "--output", str(other), store=False))
    result = store.verify("--public-key", str(other / "audit-key.pub.pem"))
    assert result.exit_code == 3 and "checkpoint 1 was signed with another key" in result.stderr
    latest.unlink()
    store.files()[1].unlink()
    result = store.verify()
    assert result.exit_code == 3 and "checkpoint 2 is missing from" in result.stderr, result.stderr


def test_without_a_key_verify_says_checkpoints_are_not_configured(store, monkeypatch):
    monkeypatch.delenv("RRF_AUDIT_KEY")
    said = ok(store.verify())
    assert "checkpoints: not configured (RRF_AUDIT_KEY" in said
    ok(store.rrf("check", "--direct", "--as-of", "2025-02-21"))
    assert len(store.files()) == 4  # nothing signs without a key


def test_a_checkpoint_folder_that_is_not_there_is_refused_not_read_as_none_yet(store, monkeypatch):
    """It refuses (exit 2, naming the folder) a checkpoint folder given by option or setting that
    does not exist, where it said "none in … yet" and exit 0: a misspelt folder would have turned
    off the detection of a truncated or rewritten log. The folder that is there still verifies."""
    typo = store.checkpoints.parent / "rrf-chekpoints"
    by_option = store.rrf("audit", "verify", "--checkpoints", str(typo))
    assert by_option.exit_code == 2 and f"--checkpoints {typo}: there is no such folder" in by_option.stderr
    monkeypatch.setenv("RRF_CHECKPOINT_DIR", str(typo))
    assert store.verify().exit_code == 2
    monkeypatch.setenv("RRF_CHECKPOINT_DIR", str(store.checkpoints))
    assert store.verify().exit_code == 0


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path):
    runner = CliRunner()
    said = runner.invoke(app, ["audit", "keygen", "--output", str(tmp_path / "k")])
    assert said.exit_code == 0 and str(tmp_path / "k" / "audit-key.pem") in said.stdout
    assert (tmp_path / "k" / "audit-key.pem").stat().st_mode & 0o777 == 0o600
    checkpoint.private_key(tmp_path / "k" / "audit-key.pem")
    checkpoint.public_key(tmp_path / "k" / "audit-key.pub.pem")
    again = runner.invoke(app, ["audit", "keygen", "--output", str(tmp_path / "k")])
    assert again.exit_code == 2 and "never overwritten" in again.stderr


def export(store: Store, *args: str) -> list[dict]:
    target = store.folder / "export.json"
    ok(store.rrf("audit", "export", "--format", "json", "--output", str(target), "--force", *args))
    return json.loads(target.read_text(encoding="utf-8"))


def verify_export(store: Store, rows: list[dict]):  # noqa: ANN201
    """`rrf audit verify-export` in a folder with no database and no RRF_* setting but the file's."""
    target = store.folder / "given.json"
    target.write_text(json.dumps(rows), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRF_")}
    done = subprocess.run([sys.executable, "-m", "rrf", "audit", "verify-export", str(target), "--public-key",
                           str(store.public_key), "--checkpoint", str(store.files()[-1])],
                          env=env, capture_output=True, text=True, cwd=store.folder / "keys", timeout=120)
    assert not list((store.folder / "keys").glob("*.db")), "it opened a database"
    return done


def test_an_export_of_the_whole_log_verifies_offline_with_the_public_key_and_a_checkpoint(store):
    rows = export(store, "--kind", "all")
    done = verify_export(store, rows)
    assert done.returncode == 0, done.stderr
    assert f"intact: {len(rows)} entries" in done.stdout and "signed: checkpoint 4 of" in done.stdout


def test_an_export_cut_short_edited_or_recomputed_fails_offline(store):
    rows = export(store, "--kind", "all")
    first, _ = last_run(store)
    cut = verify_export(store, rows[:first - 1])
    assert cut.returncode == 3 and f"the log was truncated after entry {first - 1}" in cut.stderr, cut.stderr
    shown = [dict(r) for r in rows]
    evaluation = next(r for r in shown if r["kind"] == "evaluation")
    evaluation["decision"] = {**evaluation["decision"], "status": "met"}
    edited = verify_export(store, shown)
    assert edited.returncode == 3 and "shows decision otherwise than the payload" in edited.stderr, edited.stderr
    recomputed = [dict(r) for r in rows]
    prev = "0" * 64
    for r in recomputed:
        if r["entry"] == 3:
            r["status"] = "met"
        hashed = {"seq": r["entry"], "run_id": r["run"], "kind": r["kind"], "item_id": r["id"], "status": r["status"],
                  "as_of": datetime.fromisoformat(r["as_of"]).date(), "created_at": datetime.fromisoformat(r["created_at"]),
                  "payload": r["payload"], "prev_hash": prev}
        r["prev_hash"], r["hash"] = prev, entry_hash(hashed)
        prev = r["hash"]
    rewritten = verify_export(store, recomputed)
    assert rewritten.returncode == 3 and "the log was rewritten" in rewritten.stderr, rewritten.stderr


def test_a_filtered_export_cannot_pass_for_the_whole_log(store):
    done = verify_export(store, export(store))  # evaluations only: the runs' closing entries are not there
    assert done.returncode == 3 and "are missing" in done.stderr, done.stderr


def test_two_processes_appending_at_once_keep_one_trail(store):
    """It serialises the trail's appends: imports and records from several processes at once all
    land, and the trail holds one entry for each row, in one unforked chain."""
    files = []
    for n in range(3):
        path = store.folder / f"batch{n}.csv"
        path.write_text("id,value,as_of,source\n" + "".join(
            f"{MILESTONE},done,2025-0{1 + d % 9}-0{1 + d % 9},batch {n} row {d}\n" for d in range(200)), encoding="utf-8")
        files.append(path)
    env = {**os.environ, "RRF_DATABASE_URL": store.db, "RRF_PLAN": str(store.plan)}
    procs = [subprocess.Popen([sys.executable, "-m", "rrf", "import", str(p)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for p in files]
    procs += [subprocess.Popen([sys.executable, "-m", "rrf", "record", MILESTONE, "done", "--as-of", "2025-01-02",
                                "--source", f"single {n}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for n in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    said = ok(store.verify())
    [(records,)] = store.rows("SELECT count(*) FROM progress_record")
    assert records == 5 + 600 + 3
    [(trail,)] = store.rows("SELECT count(*) FROM trail_entry")
    assert f"trail intact: {trail} entries" in said


@pytest.fixture
def claimed(tmp_path, db_url, monkeypatch):  # noqa: F811
    """A message that a delivery claimed and never marked (its process stopped mid-delivery),
    `age` seconds ago; a mail server on loopback; `send` runs `rrf outbox --send` (lease in s)."""
    from test_delivery import Inbox

    monkeypatch.chdir(tmp_path)
    s = Store(tmp_path, db_url)
    s.plan.write_text(VALID_PLAN + LADDER, encoding="utf-8")
    ok(s.rrf("record", TARGET, "100", "--breakdown", "region=RPR", "--as-of", "2024-03-31", "--source", "q1"))
    ok(s.rrf("check", "--direct", "--as-of", "2025-01-15"))  # no configuration: the messages stay in the outbox
    inbox = Inbox()
    inbox.start()
    [(message,)] = s.rows("SELECT id FROM outbox WHERE recipient = 'contact:baiba-zvejniece'")

    def claim(age: float) -> None:
        s.sql("UPDATE outbox SET status = 'sending', last_attempt_at = :at WHERE id = :id",
              params={"at": datetime.now(timezone.utc) - timedelta(seconds=age), "id": message})

    def send(lease: float | None = None):  # noqa: ANN202
        config = tmp_path / "notify.toml"
        config.write_text(f'[email]\nserver = "mailto://127.0.0.1:{inbox.port}?from=rrf@example.test"\n'
                          + (f"[delivery]\nlease_seconds = {lease}\n" if lease else ""), encoding="utf-8")
        return s.rrf("outbox", "--send", "--notify-config", str(config))

    yield claim, send, inbox, message
    inbox.stop()


@pytest.mark.parametrize("age, lease, taken_over", [
    (60, None, False),  # the default lease, 120 s: another delivery may still be at it
    (150, None, True),  # past it: that delivery stopped, the message goes out again (at least once)
    (60, 30, True),  # a shorter lease, configured
    (600, 900, False),  # a longer one
])
def test_a_message_left_sending_is_taken_over_when_its_short_lease_ends(claimed, age, lease, taken_over):
    """It leaves a message claimed by another delivery alone while the lease lasts, and says so
    instead of skipping it silently; once the lease is over, it sends it."""
    claim, send, inbox, message = claimed
    claim(age)
    said = ok(send(lease))
    assert len(inbox.to("baiba.zvejniece@varam.gov.lv")) == (1 if taken_over else 0)
    held = f"#{message} to contact:baiba-zvejniece was not sent now: another delivery has had it since"
    assert (held in said) is not taken_over, said


def test_a_delivery_that_stopped_after_a_channel_took_the_message_does_not_send_it_there_again(claimed, db_url):  # noqa: F811
    """The stopped delivery had recorded that the recipient's e-mail accepted the message (its
    only channel); once the lease is over, the next delivery sends nothing and marks it sent."""
    claim, send, inbox, message = claimed
    claim(150)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox_delivery (outbox_id, channel, delivered_at) VALUES (:id, 'email', :at)"),
                     {"id": message, "at": datetime.now(timezone.utc) - timedelta(seconds=149)})
    ok(send())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM outbox WHERE id = :id"), {"id": message}).scalar_one() == "sent"
    engine.dispose()
    assert inbox.to("baiba.zvejniece@varam.gov.lv") == []
