"""ranking's activity rollup ``rep_activity_day``

Per rep, campaign and UTC day: activities, talk seconds, calls, conversations, booked and
qualified-held meetings, and the newest activity time — what ``assign`` and ``topup`` rank
reps by, read in ~reps × days rows instead of every activity of the window. The upgrade fills
it from the activities already stored (one grouped ``INSERT … SELECT``); the downgrade drops
it (0015 ranks from ``activity`` itself, nothing is lost).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rep_activity_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("acts", sa.Integer(), nullable=False),
        sa.Column("talk_s", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("held_qualified", sa.Integer(), nullable=False),
        sa.Column("last_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_rep_activity_day_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_rep_activity_day_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_activity_day")),
    )
    with op.batch_alter_table("rep_activity_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rep_activity_day_rep_id_day"), ["rep_id", "day"], unique=False)
    # The backfill (the vocabulary values at this revision, written out: no live import).
    pg = op.get_bind().dialect.name == "postgresql"
    day = "CAST((at AT TIME ZONE 'UTC') AS DATE)" if pg else "date(at)"
    op.execute(
        "INSERT INTO rep_activity_day (rep_id, campaign_id, day, acts, talk_s, calls, conversations, "
        "booked, held_qualified, last_at) "
        f"SELECT rep_id, campaign_id, {day}, count(*), sum(coalesce(duration_s, 0)), "
        "sum(CASE WHEN type = 'call' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome = 'conversation' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome = 'booked' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN outcome = 'held_qualified' THEN 1 ELSE 0 END), max(at) "
        f"FROM activity WHERE rep_id IS NOT NULL GROUP BY rep_id, campaign_id, {day}"
    )
    if pg:
        op.execute("ANALYZE rep_activity_day")  # the planner sees the filled table at once


def downgrade() -> None:
    with op.batch_alter_table("rep_activity_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rep_activity_day_rep_id_day"))
    op.drop_table("rep_activity_day")
