"""Import batches written in short transactions: a batch's state, owner, heartbeat and where it is published.

Revision ID: 0004_import_staging
Revises: 0003_login_sessions
Create Date: 2026-12-08

Five new columns on ``importbatch``; every batch imported before is 'done'. Runs on SQLite (through
``batch_alter_table``, which copies the table) and PostgreSQL (SQLAlchemy types only). Like the tables of the
revisions before it, a column is added only if the table lacks it (a database made by a version of the app
before migrations that already had it is adopted as it is).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_import_staging"
down_revision = "0003_login_sessions"
branch_labels = None
depends_on = None

NAMES = ("state", "owner", "heartbeat_at", "target_project_id", "position_offset")


def _columns() -> list[sa.Column]:
    return [
        sa.Column("state", sa.String(20), nullable=False, server_default="done"),
        sa.Column("owner", sa.String(300), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("target_project_id", sa.Integer(), nullable=True),
        sa.Column("position_offset", sa.Integer(), nullable=True),
    ]


def _present(table: str) -> set[str]:
    if op.get_context().as_sql:  # rendering SQL without a database: it has none of them
        return set()
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    present = _present("importbatch")
    missing = [column for column in _columns() if column.name not in present]
    if missing:
        with op.batch_alter_table("importbatch") as batch:
            for column in missing:
                batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("importbatch") as batch:
        for name in reversed(NAMES):
            batch.drop_column(name)
