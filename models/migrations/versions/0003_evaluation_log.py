"""The auditors' evaluation log: plan texts, runs and the hash-chained entries (append-only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GUARDED = ("plan_text", "audit_run", "audit_entry")


def upgrade() -> None:
    op.create_table(
        "plan_text",
        sa.Column("sha256", sqlmodel.AutoString(length=64), primary_key=True),
        sa.Column("text", sqlmodel.AutoString(), nullable=False),
        sa.Column("stored_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "audit_run",
        sa.Column("id", sqlmodel.AutoString(length=32), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("outcome", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("plan_sha256", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("engine_version", sqlmodel.AutoString(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("error", sqlmodel.AutoString(), nullable=True),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("run_id", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("item_id", sqlmodel.AutoString(length=120), nullable=True),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("payload", sqlmodel.AutoString(), nullable=False),
        sa.Column("prev_hash", sqlmodel.AutoString(length=64), nullable=False, unique=True),
        sa.Column("hash", sqlmodel.AutoString(length=64), nullable=False, unique=True),
    )
    for column in ("run_id", "item_id", "status", "as_of"):
        op.create_index(f"ix_audit_entry_{column}", "audit_entry", [column])
    guard(*GUARDED)


def downgrade() -> None:
    for table in reversed(GUARDED):
        op.drop_table(table)
