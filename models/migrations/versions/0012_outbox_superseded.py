"""The outbox: a message that was never delivered and that a newer message to the same recipient
covers (every item of it is in the newer one) is superseded by it (`superseded_by`, the newer
message's id) and not sent: a recipient whose address came late, or whose server was down for
weeks, gets the current figures once, not every stale digest at once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("superseded_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("superseded_by")
