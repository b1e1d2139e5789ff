"""The outbox: the institution report a message carries (`attachment`, a path inside the reports
folder such as `2026-03-02/vk.lv.html`; no address, nothing secret). Earlier messages carry none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("attachment", sqlmodel.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment")
