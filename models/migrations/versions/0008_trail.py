"""The trail (append-only): a second hash chain with one entry per progress record, import file,
outbox message, notice, acknowledgement and waiver (models.trail). The rows already there are
entered now, table by table in this order, each table in id order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard
from rrf.models.trail import GENESIS, link_hash, row_json

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BACKFILLED = ("import_batch", "progress_record", "outbox", "notice", "acknowledgement", "waiver")
CHUNK = 5_000


def upgrade() -> None:
    trail = op.create_table(
        "trail_entry",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("table_name", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("row", sqlmodel.AutoString(), nullable=False),
        sa.Column("prev_hash", sqlmodel.AutoString(length=64), nullable=False, unique=True),
        sa.Column("hash", sqlmodel.AutoString(length=64), nullable=False, unique=True),
        sa.UniqueConstraint("table_name", "row_id", name="uq_trail_entry_row"),
    )
    bind = op.get_bind()
    seq, prev, rows = 0, GENESIS, []
    for name in BACKFILLED:
        table = sa.Table(name, sa.MetaData(), autoload_with=bind)
        for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings():
            seq += 1
            text = row_json(name, row)
            entry = {"seq": seq, "table_name": name, "row_id": row["id"], "row": text, "prev_hash": prev}
            entry["hash"] = prev = link_hash(prev, seq, name, row["id"], text)
            rows.append(entry)
            if len(rows) == CHUNK:
                op.bulk_insert(trail, rows)
                rows = []
    if rows:
        op.bulk_insert(trail, rows)
    guard("trail_entry")


def downgrade() -> None:
    op.drop_table("trail_entry")
