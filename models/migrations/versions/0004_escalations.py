"""Escalations: notices decided (append-only), acknowledgements (append-only), the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GUARDED = ("notice", "acknowledgement")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("recipient", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("language", sqlmodel.AutoString(length=2), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.AutoString(), nullable=False),
        sa.Column("items", sqlmodel.AutoString(), nullable=False),
        sa.Column("dedup_key", sqlmodel.AutoString(length=200), nullable=False, unique=True),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sqlmodel.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.AutoString(), nullable=True),
        sa.Column("sent_at", sqlmodel.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_run_id", "outbox", ["run_id"])
    op.create_index("ix_outbox_recipient", "outbox", ["recipient"])
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_id", sqlmodel.AutoString(length=120), nullable=False),
        sa.Column("recipient", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("why", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
    )
    op.create_index("ix_notice_run_id", "notice", ["run_id"])
    op.create_index("ix_notice_item_id", "notice", ["item_id"])
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sqlmodel.AutoString(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("by", sqlmodel.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.AutoString(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_acknowledgement_item_id", "acknowledgement", ["item_id"])
    guard(*GUARDED)


def downgrade() -> None:
    op.drop_table("acknowledgement")
    op.drop_table("notice")
    op.drop_table("outbox")
