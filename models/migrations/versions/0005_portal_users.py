"""Portal accounts, the sign-in log (append-only) and the cookie-signing key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from rrf.models.migrations.append_only import guard

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sqlmodel.AutoString(length=60), nullable=False, unique=True),
        sa.Column("role", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("institution", sqlmodel.AutoString(length=60), nullable=True),
        sa.Column("language", sqlmodel.AutoString(length=2), nullable=False),
        sa.Column("password_hash", sqlmodel.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", sqlmodel.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "sign_in_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=60), nullable=False),
        sa.Column("client", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("why", sqlmodel.AutoString(length=16), nullable=False),
    )
    op.create_index("ix_sign_in_event_at", "sign_in_event", ["at"])
    op.create_index("ix_sign_in_event_name", "sign_in_event", ["name"])
    op.create_table(
        "web_key",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("secret", sqlmodel.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.UTCDateTime(), nullable=False),
    )
    guard("sign_in_event")


def downgrade() -> None:
    op.drop_table("web_key")
    op.drop_table("sign_in_event")
    op.drop_table("app_user")
