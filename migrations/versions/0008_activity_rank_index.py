"""covering index for ranking reps: activity (rep_id, campaign_id, type, outcome, at, duration_s)

`assign`, `topup` and `assign --explain` rank a campaign's reps by their activity over a
lookback window, grouped by (rep, campaign, type, outcome). Without this index that is a scan
of the whole activity table (1,000,000 rows: ~3 s on SQLite); with it the grouping reads the
index alone, in group order, with no sort and no table access.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["rep_id", "campaign_id", "type", "outcome", "at", "duration_s"]


def upgrade() -> None:
    op.create_index("ix_activity_rank", "activity", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_activity_rank", table_name="activity")
