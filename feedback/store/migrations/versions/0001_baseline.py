"""Today's tables: the schema of the last version of the app before migrations.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-07

Every table, index and constraint, written out: later revisions are diffs against this one. Each is created
only if it does not exist yet, so a database made before migrations (which has all or most of them) is adopted
by running this revision: ``feedback.store.migrate`` first checks that its tables have every column below.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("overlap", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("guidelines_version", sa.Integer(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("gold_rate", sa.Float(), nullable=False),
        sa.Column("lease_minutes", sa.Integer(), nullable=False),
        sa.Column("consensus_method", sa.String(20), nullable=False),
        sa.Column("review_threshold", sa.Float(), nullable=False),
        sa.Column("auto_escalate", sa.Boolean(), nullable=False),
        sa.Column("quality_threshold", sa.Float(), nullable=False),
        sa.Column("show_suggestions", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_project_name", "project", ["name"], unique=True, if_not_exists=True)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_user_name", "user", ["name"], unique=True, if_not_exists=True)

    op.create_table(
        "exportversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("form", sa.String(40), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("splits", sa.JSON(), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"],),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number"),
        if_not_exists=True,
    )
    op.create_index("ix_exportversion_project_id", "exportversion", ["project_id"], if_not_exists=True)

    op.create_table(
        "guidelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"],),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "version"),
        if_not_exists=True,
    )
    op.create_index("ix_guidelines_project_id", "guidelines", ["project_id"], if_not_exists=True)

    op.create_table(
        "importbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_lines", sa.Integer(), nullable=False),
        sa.Column("n_items_added", sa.Integer(), nullable=False),
        sa.Column("n_items_existing", sa.Integer(), nullable=False),
        sa.Column("n_annotations_added", sa.Integer(), nullable=False),
        sa.Column("n_invalid", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"],),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_importbatch_project_id", "importbatch", ["project_id"], if_not_exists=True)
    op.create_index("ix_importbatch_sha256", "importbatch", ["sha256"], if_not_exists=True)

    op.create_table(
        "projectmember",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("project_id", "user_id"),
        if_not_exists=True,
    )
    op.create_table(
        "projectschema",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"],),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "version"),
        if_not_exists=True,
    )
    op.create_index("ix_projectschema_project_id", "projectschema", ["project_id"], if_not_exists=True)

    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("n_annotations", sa.Integer(), nullable=False),
        sa.Column("extra_overlap", sa.Integer(), nullable=False),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("gold_answer", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["importbatch.id"],),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "content_hash"),
        sa.UniqueConstraint("project_id", "external_id"),
        if_not_exists=True,
    )
    op.create_index("ix_item_batch_id", "item", ["batch_id"], if_not_exists=True)
    op.create_index("ix_item_extra", "item", ["project_id", "extra_overlap", "n_annotations"],
                    if_not_exists=True)
    op.create_index("ix_item_project_id", "item", ["project_id"], if_not_exists=True)
    op.create_index("ix_item_queue", "item",
                    ["project_id", "is_gold", "priority", "n_annotations", "position"], if_not_exists=True)

    op.create_table(
        "adjudication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_adjudication_item_id", "adjudication", ["item_id"], if_not_exists=True)

    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("preference", sa.String(100), nullable=True),
        sa.Column("ranking", sa.JSON(), nullable=True),
        sa.Column("thumbs", sa.JSON(), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("shown_order", sa.JSON(), nullable=True),
        sa.Column("time_spent_s", sa.Float(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=True),
        sa.Column("guidelines_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("gold_correct", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["importbatch.id"],),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id"),
        if_not_exists=True,
    )
    op.create_index("ix_annotation_item_id", "annotation", ["item_id"], if_not_exists=True)
    op.create_index("ix_annotation_user_id", "annotation", ["user_id"], if_not_exists=True)
    op.create_index("ix_annotation_user_item", "annotation", ["user_id", "item_id"], if_not_exists=True)

    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "key"),
        if_not_exists=True,
    )
    op.create_index("ix_candidate_item_id", "candidate", ["item_id"], if_not_exists=True)

    op.create_table(
        "lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id"),
        if_not_exists=True,
    )
    op.create_index("ix_lease_item_expiry", "lease", ["item_id", "expires_at"], if_not_exists=True)
    op.create_index("ix_lease_user_id", "lease", ["user_id"], if_not_exists=True)

    op.create_table(
        "skip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id"),
        if_not_exists=True,
    )
    op.create_index("ix_skip_item_id", "skip", ["item_id"], if_not_exists=True)
    op.create_index("ix_skip_user_id", "skip", ["user_id"], if_not_exists=True)

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("preference", sa.String(100), nullable=True),
        sa.Column("ranking", sa.JSON(), nullable=True),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["importbatch.id"],),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "agent"),
        if_not_exists=True,
    )
    op.create_index("ix_suggestion_item_id", "suggestion", ["item_id"], if_not_exists=True)

    op.create_table(
        "annotationrevision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("old", sa.JSON(), nullable=False),
        sa.Column("new", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotation.id"],),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("annotation_id", "revision"),
        if_not_exists=True,
    )
    op.create_index("ix_annotationrevision_annotation_id", "annotationrevision", ["annotation_id"],
                    if_not_exists=True)


def downgrade() -> None:
    for table in ("annotationrevision", "suggestion", "skip", "lease", "candidate", "annotation",
                  "adjudication", "item", "projectschema", "projectmember", "importbatch", "guidelines",
                  "exportversion", "user", "project"):
        op.drop_table(table)
