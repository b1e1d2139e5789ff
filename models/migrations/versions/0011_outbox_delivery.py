"""Which channels of its recipient a message has reached (`outbox_delivery`, append-only): one
row per channel that accepted it, named by its place in the notification configuration (`email`,
`url 1`, ...; never an address). A delivery sends only to the channels that have no row, so a
recipient whose e-mail fails no longer gets the message again on a webhook at every attempt.
Messages already sent have no rows: they are never sent again anyway.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("channel", sqlmodel.AutoString(length=20), nullable=False),
        sa.Column("delivered_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("outbox_id", "channel", name="uq_outbox_delivery_channel"),
    )
    guard("outbox_delivery")


def downgrade() -> None:
    op.drop_table("outbox_delivery")
