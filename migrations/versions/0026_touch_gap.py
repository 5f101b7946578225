"""touch_gap and meeting_booking: ``metrics reps``' median touch gap and hold rate, stored

One row per touch (a call or an e-mail with a rep) that has an earlier touch of the same rep
on the same client: that touch's ``at`` and the whole seconds between them (two rows, kinds 1
and 2, where the previous touch in the touch's campaign is another moment). Kept by
``services/work/touches`` from every activity writer (through ``facts.fold``/``rebuild``);
``metrics reps`` reads each rep's median from ``ix_touch_gap_rep_id_gap_s`` (an offset into
the rep's gaps in order) instead of a ``lag`` window over every touch and a sort of the gaps.

``meeting_booking``: one row per meeting a rep booked, its due moment (``meeting_at``, else
``at``) and whether a held meeting followed it on that client (``services/work/bookings``), so
the hold rate reads one narrow index instead of joining the bookings to every client's held
meetings.

Upgrade: create the tables and fill them from the activities (``touch_gap`` with two ``lag``
windows, the definition ``touches.windowed`` keeps; ``meeting_booking`` with one probe per
booking, ``bookings._rows``), then the indexes. Downgrade: drop them.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_touch_gap_rep_id_gap_s"


def _epoch(dialect: str, column: str) -> str:
    """Whole seconds since 1970 of a stored timestamp (``storage.sqlfunc.epoch_seconds``)."""
    if dialect == "postgresql":
        return f"CAST(floor(extract(epoch FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"


def fill_sql(dialect: str) -> str:
    """Every touch's rows: kind 0 where its previous touch (same rep and client) and its previous
    touch in its campaign are the same moment, else kind 1 (any campaign) and kind 2 (same)."""
    e = lambda col: _epoch(dialect, col)  # noqa: E731
    return f"""
INSERT INTO touch_gap (activity_id, kind, rep_id, campaign_id, at, prev_at, gap_s)
SELECT id, k.kind, rep_id, campaign_id, at,
       CASE WHEN k.kind = 2 THEN prev_camp ELSE prev_all END,
       {e("at")} - {e("CASE WHEN k.kind = 2 THEN prev_camp ELSE prev_all END")}
FROM (SELECT id, rep_id, campaign_id, at,
             lag(at) OVER (PARTITION BY rep_id, client_id ORDER BY at, id) AS prev_all,
             lag(at) OVER (PARTITION BY rep_id, client_id, campaign_id ORDER BY at, id) AS prev_camp
      FROM activity WHERE rep_id IS NOT NULL AND type IN ('call', 'email')) w
JOIN (SELECT 0 AS kind UNION ALL SELECT 1 UNION ALL SELECT 2) k
  ON (k.kind = 0 AND prev_all = prev_camp)
  OR (k.kind = 1 AND prev_all IS NOT NULL AND (prev_camp IS NULL OR prev_all <> prev_camp))
  OR (k.kind = 2 AND prev_camp IS NOT NULL AND prev_all <> prev_camp)
"""


BOOKINGS = """
INSERT INTO meeting_booking (activity_id, rep_id, campaign_id, at, due_at, held)
SELECT a.id, a.rep_id, a.campaign_id, a.at, COALESCE(a.meeting_at, a.at),
       EXISTS (SELECT 1 FROM activity h WHERE h.client_id = a.client_id AND h.at >= a.at
               AND h.type = 'meeting' AND h.outcome IN ('held_qualified', 'held_unqualified'))
FROM activity a WHERE a.rep_id IS NOT NULL AND a.type = 'meeting' AND a.outcome = 'booked'
"""
BOOKING_INDEX = "ix_meeting_booking_rep_id_at"


def upgrade() -> None:
    ts = leadctl.storage.types.UTCDateTime(timezone=True)
    op.create_table(
        "touch_gap",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.Column("prev_at", ts, nullable=False),
        sa.Column("gap_s", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN (0, 1, 2)", name=op.f("ck_touch_gap_kind")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_touch_gap_activity_id_activity")
        ),
        sa.PrimaryKeyConstraint("activity_id", "kind", name=op.f("pk_touch_gap")),
    )
    bind = op.get_bind()
    bind.exec_driver_sql(fill_sql(bind.dialect.name))
    op.create_index(INDEX, "touch_gap", ["rep_id", "gap_s", "at", "prev_at", "campaign_id", "kind"])
    op.create_table(
        "meeting_booking",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.Column("due_at", ts, nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_meeting_booking_activity_id_activity")
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_meeting_booking")),
    )
    bind.exec_driver_sql(BOOKINGS)
    op.create_index(BOOKING_INDEX, "meeting_booking", ["rep_id", "at", "due_at", "campaign_id", "held"])
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("ANALYZE touch_gap, meeting_booking")


def downgrade() -> None:
    op.drop_index(BOOKING_INDEX, table_name="meeting_booking")
    op.drop_table("meeting_booking")
    op.drop_index(INDEX, table_name="touch_gap")
    op.drop_table("touch_gap")
