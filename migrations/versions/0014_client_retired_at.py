"""client retired_at: a client whose every lead was rejected or moved away absorbs nothing

``retired_at`` set means: no match keys, hidden from ``clients list``, never assigned; the
lead that created it takes it back if it is reprocessed into a valid lead again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # At 0007 a client without leads is simply an active client again (its keys come back on
    # the next 'dedupe scan --apply' or reprocess of its origin lead).
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
