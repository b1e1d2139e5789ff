"""Database tables. Progress records are append-only: rows are inserted, never updated or deleted
(the migrations install triggers that refuse UPDATE and DELETE). A correction is a new record
that names the one it corrects (`corrects`) and why (`reason`); with no value and no `done`
it withdraws the corrected record."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class ProgressRecord(SQLModel, table=True):
    __tablename__ = "progress_record"

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(index=True, max_length=120)
    as_of: date
    value: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 6), nullable=True))
    done: bool | None = None
    breakdown_key: str | None = Field(default=None, max_length=60)
    source: str
    reporter: str | None = None
    evidence: str | None = None
    evidence_sha256: str | None = Field(default=None, max_length=64)
    recorded_at: datetime
    corrects: int | None = Field(default=None, foreign_key="progress_record.id")
    reason: str | None = None
    import_batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    import_row: int | None = None
    recorded_by: str | None = Field(default=None, max_length=60)  # the user (portal) or operator (CLI)
    evidence_type: str | None = Field(default=None, max_length=100)  # MIME type of uploaded evidence
    evidence_for: str | None = Field(default=None, max_length=60)  # which Item.evidence_required it is


class ImportBatch(SQLModel, table=True):
    """One imported file, so that importing the same bytes again adds nothing."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    file_sha256: str = Field(max_length=64, unique=True)
    rows: int
    imported_at: datetime


class PlanText(SQLModel, table=True):
    """The exact text of every plan a check ran under, stored once per SHA-256."""

    __tablename__ = "plan_text"

    sha256: str = Field(primary_key=True, max_length=64)
    text: str
    stored_at: datetime


class AuditRun(SQLModel, table=True):
    """One compliance check: its entries are audit_entry rows first_seq..last_seq, the last of
    which (kind "run") repeats this row's content, so that a change to either is seen."""

    __tablename__ = "audit_run"

    id: str = Field(primary_key=True, max_length=32)
    as_of: date
    started_at: datetime
    finished_at: datetime
    outcome: str = Field(max_length=16)
    plan_sha256: str | None = Field(default=None, max_length=64)
    engine_version: str
    entries: int
    first_seq: int
    last_seq: int
    head_hash: str = Field(max_length=64)
    error: str | None = None


class AuditEntry(SQLModel, table=True):
    """One link of the evaluation log's hash chain: hash = sha256(prev_hash + canonical JSON)."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    run_id: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)
    item_id: str | None = Field(default=None, index=True, max_length=120)
    status: str | None = Field(default=None, index=True, max_length=16)
    as_of: date = Field(index=True)
    created_at: datetime
    payload: str
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class Notice(SQLModel, table=True):
    """One decision that an item is to be told to a recipient (append-only): the ladder's memory."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=32)
    day: date
    item_id: str = Field(index=True, max_length=120)
    recipient: str = Field(max_length=200)
    level: int
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    why: str = Field(max_length=16)
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")


class Acknowledgement(SQLModel, table=True):
    """`rrf ack`: someone knows and acts; the item stops climbing the ladder (append-only)."""

    __tablename__ = "acknowledgement"

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(index=True, max_length=120)
    day: date
    by: str
    reason: str
    until: date | None = None
    status: str = Field(max_length=16)
    level: int
    recorded_at: datetime


class Outbox(SQLModel, table=True):
    """A message to one recipient, written with the decision; delivery fills in the rest.
    It holds no address, URL or secret: those are looked up in the configuration when sending."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=32)
    created_at: datetime
    recipient: str = Field(index=True, max_length=200)
    language: str = Field(max_length=2)
    level: int
    subject: str
    body: str
    items: str
    attachment: str | None = Field(default=None, max_length=200)
    """The institution report that goes with it, inside the reports folder
    (`<as-of>/<institution>.<lang>.html`); None: nothing attached."""
    dedup_key: str = Field(max_length=200, unique=True)
    status: str = Field(default="pending", index=True, max_length=16)
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    superseded_by: int | None = None
    """A newer message to the same recipient that covers every item of this one, which no channel
    had received: this one is not sent (status "superseded")."""


class OutboxDelivery(SQLModel, table=True):
    """A channel of its recipient that accepted a message (append-only): a later delivery sends
    the message only to the channels without one. The channel is named by its place in the
    notification configuration (`email`, `url 1`, ...: rrf.notifications.config.addresses),
    never by its address."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (UniqueConstraint("outbox_id", "channel", name="uq_outbox_delivery_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id")
    channel: str = Field(max_length=20)
    delivered_at: datetime


class AppUser(SQLModel, table=True):
    """A portal account (`rrf users`). Only an argon2 hash of the password is kept. `institution`
    is the scope of a head or a reporter; coordinators and auditors see every institution."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    role: str = Field(max_length=16)
    institution: str | None = Field(default=None, max_length=60)
    language: str = Field(default="lv", max_length=2)
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None


class SignInEvent(SQLModel, table=True):
    """Every sign-in attempt, kept (append-only): the failures also drive the rate limit."""

    __tablename__ = "sign_in_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    name: str = Field(index=True, max_length=60)
    client: str = Field(max_length=64)
    ok: bool
    why: str = Field(max_length=16)


class WebSession(SQLModel, table=True):
    """A portal session: the cookie holds a random token, this row only its SHA-256. Signing out
    ends it here, so a copy of the cookie is worth nothing afterwards; so does its age
    (services.users.SESSION_HOURS) or the account being disabled."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    user_name: str = Field(index=True, max_length=60)
    created_at: datetime
    ended_at: datetime | None = None


class WebKey(SQLModel, table=True):
    """The portal's cookie-signing key, made once per database so every portal process agrees."""

    __tablename__ = "web_key"

    id: int = Field(primary_key=True)
    secret: str
    created_at: datetime


class Waiver(SQLModel, table=True):
    """A coordinator's waiver (append-only): no escalation for the item (or for one breakdown
    key's shortfall) from `day` until `expires`, inclusive, with who approved it and why."""

    __tablename__ = "waiver"

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(index=True, max_length=120)
    breakdown_key: str | None = Field(default=None, max_length=60)
    approver: str = Field(max_length=60)
    reason: str
    day: date
    expires: date
    recorded_at: datetime


class TrailEntry(SQLModel, table=True):
    """One link of the trail, the second hash chain (models.trail): a row of a table that decides
    who is told what, as it was inserted. hash = sha256(prev_hash + canonical JSON)."""

    __tablename__ = "trail_entry"
    __table_args__ = (UniqueConstraint("table_name", "row_id", name="uq_trail_entry_row"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    table_name: str = Field(max_length=32)
    row_id: int
    row: str
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)
