"""index for ``metrics reps``' touch pass: activity (rep_id, client_id, at, id, type)

``metrics reps`` walks each rep's calls and e-mails client by client in time order (the gap
between consecutive touches, each client's first call). Without this index that is a sort of
every touch (3.6M rows at 1M clients); with it the walk reads the index in window order, and
the type test needs no table access (1M/5M SQLite: the touch pass 31 s → 17 s CPU).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_activity_rep_id_client_id_at"
COLUMNS = ["rep_id", "client_id", "at", "id", "type"]


def upgrade() -> None:
    op.create_index(NAME, "activity", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, table_name="activity")
