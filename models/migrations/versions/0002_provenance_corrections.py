"""Provenance and corrections: which record a correction replaces and why; import file and row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GUARDED = ("progress_record", "import_batch")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":  # batch mode recreates tables: lift the append-only guard meanwhile
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    else:
        op.execute("ALTER TABLE progress_record DISABLE TRIGGER progress_record_append_only")
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
    if dialect != "sqlite":
        op.execute("ALTER TABLE progress_record ENABLE TRIGGER progress_record_append_only")
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_column("first_record_id")
        batch.drop_column("last_record_id")
    op.create_index("ix_progress_record_corrects", "progress_record", ["corrects"], unique=True)
    if dialect == "sqlite":
        for table in GUARDED:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


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
