"""Provenance and corrections: which record a correction replaces and why; import file and row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import lift, restore

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GUARDED = ("progress_record", "import_batch")


def upgrade() -> None:
    lift(*GUARDED)  # SQLite's batch mode recreates the tables; the backfill below updates rows
    with op.batch_alter_table("progress_record") as batch:
        batch.add_column(sa.Column("corrects", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reason", sqlmodel.AutoString(), nullable=True))
        batch.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("import_row", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_progress_record_corrects", "progress_record", ["corrects"], ["id"])
        batch.create_foreign_key("fk_progress_record_import_batch", "import_batch", ["import_batch_id"], ["id"])
    # Records imported by the previous release are linked to their file (their row numbers
    # were not kept); the record-id ranges that did that are then dropped.
    op.execute(
        "UPDATE progress_record SET import_batch_id = (SELECT b.id FROM import_batch b "
        "WHERE progress_record.id BETWEEN b.first_record_id AND b.last_record_id)"
    )
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_column("first_record_id")
        batch.drop_column("last_record_id")
    op.create_index("ix_progress_record_corrects", "progress_record", ["corrects"], unique=True)
    restore(*GUARDED)


def downgrade() -> None:
    op.drop_index("ix_progress_record_corrects", "progress_record")
    with op.batch_alter_table("progress_record") as batch:
        batch.drop_constraint("fk_progress_record_import_batch", type_="foreignkey")
        batch.drop_constraint("fk_progress_record_corrects", type_="foreignkey")
        batch.drop_column("import_row")
        batch.drop_column("import_batch_id")
        batch.drop_column("reason")
        batch.drop_column("corrects")
    with op.batch_alter_table("import_batch") as batch:
        batch.add_column(sa.Column("first_record_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_record_id", sa.Integer(), nullable=True))
