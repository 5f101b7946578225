"""load undo: when and by whom a load was undone, and how many leads it removed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("load", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("undone_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("undone_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("rows_undone", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("load", schema=None) as batch_op:
        batch_op.drop_column("rows_undone")
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_at")
