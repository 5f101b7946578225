"""index of the shared pool: client (stage, created_at, id) WHERE manager_id IS NULL AND merged_into_id IS NULL

The rep's queue reads, per segment, the oldest ``queue.pool_candidates`` unassigned clients of
the rep's campaigns. PostgreSQL served that from the primary key in id order, filtering as it
went; for a stage with no pool client at all it walked every client (1M clients: ~200 ms per
segment, the queue 1.2-1.5 s of server time beyond start-up). This partial index holds only
pool clients, in the order the queue reads them, so such a stage is an empty range.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_client_pool_stage_created_at"
WHERE = "manager_id IS NULL AND merged_into_id IS NULL"


def upgrade() -> None:
    op.create_index(
        NAME,
        "client",
        ["stage", "created_at", "id"],
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="client")
