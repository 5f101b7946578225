"""duplicates: match keys, merges, match score

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadctl.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_key",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_match_key_client_id_client")),
        sa.PrimaryKeyConstraint("key", "client_id", name=op.f("pk_match_key")),
    )
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.create_index("ix_match_key_client_id", ["client_id"], unique=False)

    op.create_table(
        "merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column(
            "merged_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["survivor_id"], ["client.id"], name=op.f("fk_merge_survivor_id_client")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge")),
    )
    with op.batch_alter_table("merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_survivor_id"), ["survivor_id"], unique=False)

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_client_merged_into_id_client"), "client", ["merged_into_id"], ["id"]
        )

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("match_rule", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("match_rule")
        batch_op.drop_column("match_score")

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_client_merged_into_id_client"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_survivor_id"))

    op.drop_table("merge")
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.drop_index("ix_match_key_client_id")

    op.drop_table("match_key")
