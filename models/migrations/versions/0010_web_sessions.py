"""Portal sessions kept in the database (`web_session`), so that signing out ends a session for
good: before, the signed cookie alone was the session, and a copy of it stayed valid for its 8
hours after the user signed out. Cookies of the earlier kind hold no session token and are
refused at the next request (their users sign in again).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_sha256", sqlmodel.AutoString(length=64), nullable=False, unique=True),
        sa.Column("user_name", sqlmodel.AutoString(length=60), nullable=False),
        sa.Column("created_at", sqlmodel.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_web_session_user_name", "web_session", ["user_name"])


def downgrade() -> None:
    op.drop_table("web_session")
