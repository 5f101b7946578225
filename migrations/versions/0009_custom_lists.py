"""custom lists of a rep's clients (leadctl lists create|add|remove|delete); the activity
index (client_id, at) widened to (client_id, at, type, outcome) so per-client aggregates
(scoring, lists, stage folds) read the index alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_custom_list_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_list")),
        sa.UniqueConstraint("rep_id", "name", name=op.f("uq_custom_list_rep_id_name")),
    )
    op.create_table(
        "custom_list_member",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("added_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_custom_list_member_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["custom_list.id"],
            name=op.f("fk_custom_list_member_list_id_custom_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "client_id", name=op.f("pk_custom_list_member")),
    )
    with op.batch_alter_table("custom_list_member", schema=None) as batch_op:
        batch_op.create_index("ix_custom_list_member_client_id", ["client_id"], unique=False)
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_client_id_at_type_outcome", ["client_id", "at", "type", "outcome"], unique=False
        )
        batch_op.drop_index("ix_activity_client_id_at")


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_client_id_at", ["client_id", "at"], unique=False)
        batch_op.drop_index("ix_activity_client_id_at_type_outcome")
    with op.batch_alter_table("custom_list_member", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_list_member_client_id")
    op.drop_table("custom_list_member")
    op.drop_table("custom_list")
