"""Who did it: the signed-in user (or the command line's operator) on every record
(`recorded_by`) and the type of uploaded evidence (`evidence_type`); waivers (append-only): a
coordinator silences the escalation of an item, or of one breakdown key of it, until a day.
Earlier records carry no user.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("progress_record", sa.Column("recorded_by", sqlmodel.AutoString(length=60), nullable=True))
    op.add_column("progress_record", sa.Column("evidence_type", sqlmodel.AutoString(length=100), nullable=True))
    op.create_table(
        "waiver",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sqlmodel.AutoString(length=120), nullable=False),
        sa.Column("breakdown_key", sqlmodel.AutoString(length=60), nullable=True),
        sa.Column("approver", sqlmodel.AutoString(length=60), nullable=False),
        sa.Column("reason", sqlmodel.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_waiver_item_id", "waiver", ["item_id"])
    guard("waiver")


def downgrade() -> None:
    op.drop_table("waiver")
    with op.batch_alter_table("progress_record") as batch:
        batch.drop_column("evidence_type")
        batch.drop_column("recorded_by")
