"""client_fact: per-client facts of the activities (first call, first conversation, calls,
last touch), kept by ``services/work/facts`` from every activity written

The upgrade backfills one row per client with activities in one set-based
``INSERT … SELECT … GROUP BY`` over the activity table (its covering index
``ix_activity_client_id_at_type_outcome`` on SQLite); the downgrade drops the table (the facts
are derived: nothing is lost, the activities stay).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Activity types and outcomes as literals: a migration never imports the live vocabulary.
BACKFILL = """
INSERT INTO client_fact (client_id, first_call_at, first_conversation_at, calls, last_touch_at, last_activity_id)
SELECT client_id,
       MIN(CASE WHEN type = 'call' THEN at END),
       MIN(CASE WHEN type = 'call' AND outcome = 'conversation' THEN at END),
       COUNT(CASE WHEN type = 'call' THEN 1 END),
       MAX(CASE WHEN type IN ('call', 'email') THEN at END),
       MAX(id)
FROM activity
GROUP BY client_id
"""


def upgrade() -> None:
    op.create_table(
        "client_fact",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("first_call_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_conversation_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("last_touch_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_activity_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("calls >= 0", name=op.f("ck_client_fact_calls_not_negative")),
        sa.CheckConstraint(
            "(calls = 0 AND first_call_at IS NULL) OR (calls > 0 AND first_call_at IS NOT NULL)",
            name=op.f("ck_client_fact_first_call_iff_calls"),
        ),
        sa.CheckConstraint(
            "first_conversation_at IS NULL OR first_conversation_at >= first_call_at",
            name=op.f("ck_client_fact_conversation_after_first_call"),
        ),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_client_fact_client_id_client")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_fact")),
    )
    op.execute(BACKFILL)
    op.execute("ANALYZE client_fact")  # the planner learns its size before the first metric runs
    with op.batch_alter_table("client_fact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_fact_last_activity_id"), ["last_activity_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("client_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_fact_last_activity_id"))
    op.drop_table("client_fact")
