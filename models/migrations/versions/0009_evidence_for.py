"""Which required document a record's evidence is (`evidence_for`: the `name` of one of its item's
`evidence_required` in the plan). Earlier records name none.

The column is added in place (ALTER TABLE ... ADD COLUMN, on SQLite too), so the append-only
guards stay as they are, and no row is touched: the trail entries of the rows already there have
no `evidence_for`, which `rrf audit verify` reads as NULL, what those rows hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("progress_record", sa.Column("evidence_for", sqlmodel.AutoString(length=60), nullable=True))


def downgrade() -> None:
    # in place as well (SQLite 3.35+ drops a column without recreating the table and its guards)
    op.drop_column("progress_record", "evidence_for")
