"""Progress records (append-only) and imported files.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("progress_record", "import_batch")


def upgrade() -> None:
    op.create_table(
        "progress_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sqlmodel.AutoString(length=120), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(24, 6), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=True),
        sa.Column("breakdown_key", sqlmodel.AutoString(length=60), nullable=True),
        sa.Column("source", sqlmodel.AutoString(), nullable=False),
        sa.Column("reporter", sqlmodel.AutoString(), nullable=True),
        sa.Column("evidence", sqlmodel.AutoString(), nullable=True),
        sa.Column("evidence_sha256", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("recorded_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_progress_record_item_id", "progress_record", ["item_id"])
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_name", sqlmodel.AutoString(), nullable=False),
        sa.Column("file_sha256", sqlmodel.AutoString(length=64), nullable=False, unique=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_record_id", sa.Integer(), nullable=True),
        sa.Column("last_record_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    guard(*APPEND_ONLY)


def downgrade() -> None:
    op.drop_table("import_batch")
    op.drop_index("ix_progress_record_item_id", "progress_record")
    op.drop_table("progress_record")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rrf_append_only()")
