"""Login sessions: one row per signed-in browser, so that sign-ins survive a reload and end when they should.

The row keeps the SHA-256 of the browser cookie's token, never the token.

Revision ID: 0003_login_sessions
Revises: 0002_sign_in_failures
Create Date: 2026-12-07

A new table only. Runs on SQLite and PostgreSQL (SQLAlchemy types only); created only if it does not exist yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_login_sessions"
down_revision = "0002_sign_in_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loginsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("ticket_hash", sa.String(64), nullable=True),
        sa.Column("ticket_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("ticket_hash"),
        if_not_exists=True,
    )
    op.create_index("ix_loginsession_user_ended", "loginsession", ["user_id", "ended_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_loginsession_user_ended", table_name="loginsession")
    op.drop_table("loginsession")
