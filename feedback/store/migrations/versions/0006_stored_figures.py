"""Stored figures: the Agreement page's figures kept with the version of the data they count.

Revision ID: 0006_stored_figures
Revises: 0005_drafts
Create Date: 2026-12-07

A new table only. Runs on SQLite and PostgreSQL (SQLAlchemy types only); created only if it does not exist yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_stored_figures"
down_revision = "0005_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storedfigures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "kind"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("storedfigures")
