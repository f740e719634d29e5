"""Drafts: an annotator's half-entered answer on an item, kept on the server until they submit or skip it.

Revision ID: 0005_drafts
Revises: 0004_import_staging
Create Date: 2026-12-07

A new table only. Runs on SQLite and PostgreSQL (SQLAlchemy types only); created only if it does not exist yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_drafts"
down_revision = "0004_import_staging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "item_id"),
        if_not_exists=True,
    )
    op.create_index("ix_draft_item_id", "draft", ["item_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_draft_item_id", table_name="draft")
    op.drop_table("draft")
