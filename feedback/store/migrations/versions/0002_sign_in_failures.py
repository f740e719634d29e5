"""Sign-in failures: one row per failed sign-in, to throttle password guessing.

Revision ID: 0002_sign_in_failures
Revises: 0001_baseline
Create Date: 2026-12-07

A new table only (no existing table changes). Runs on SQLite and PostgreSQL: SQLAlchemy types
(``sa.String(200)``, ``sa.DateTime(timezone=True)``), no SQL of one database only. Created only if it does
not exist yet, like the baseline, so ``CREATE TABLE IF NOT EXISTS`` is what PostgreSQL is asked for.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_sign_in_failures"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signinfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_signinfailure_name_created", "signinfailure", ["name", "created_at"], if_not_exists=True)
    op.create_index("ix_signinfailure_address_created", "signinfailure", ["address", "created_at"],
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_signinfailure_address_created", table_name="signinfailure")
    op.drop_index("ix_signinfailure_name_created", table_name="signinfailure")
    op.drop_table("signinfailure")
