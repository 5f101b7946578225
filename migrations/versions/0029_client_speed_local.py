"""``metrics sla --by hour|weekday`` stored: each client's local capture hour and weekday

By rep or campaign, ``metrics sla`` over every client reads the stored counts (0028); by the hour
of day or weekday of capture it still built every client's capture and first-call ``B`` at each
run (1M: 3.2 s on SQLite, 2.6 s wall on PostgreSQL). ``client_speed`` gains ``cap_hour`` and
``cap_weekday`` (the capture's hour and weekday in the business hours' zone, as
``speed.capture_group`` computes them) and ``speed_hist`` the first-contact measure (``m = 3``)
per hour (kind 2) and weekday (kind 3).

As in 0028 the table is recreated empty and the state's fingerprint set to NULL: the next
``metrics speed`` / ``metrics sla`` / report recomputes every client once. The downgrade does
the same to the 0028 layout (and drops the counts by hour and weekday with the rest).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASE = ("c0", "b0", "c1", "b1", "c2", "b2")


def _client_speed(local: bool) -> None:
    """(Re)create ``client_speed`` empty, with or without the local capture columns."""
    op.create_table(
        "client_speed",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("assigned", sa.SmallInteger(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=True) for c in BASE),
        *(sa.Column(f"due{i}", sa.BigInteger(), nullable=True) for i in range(3)),
        sa.Column("fc_d", sa.BigInteger(), nullable=True),
        sa.Column("fc_met", sa.SmallInteger(), nullable=True),
        sa.Column("fc_due", sa.BigInteger(), nullable=True),
        *(
            (
                sa.Column("cap_hour", sa.SmallInteger(), nullable=True),
                sa.Column("cap_weekday", sa.SmallInteger(), nullable=True),
            )
            if local
            else ()
        ),  # fmt: skip
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_speed")),
    )
    for i in range(3):
        op.create_index(f"ix_client_speed_due{i}", "client_speed", [f"due{i}", "campaign_id", "manager_id"])
    op.create_index("ix_client_speed_fc_due", "client_speed", ["fc_due", "campaign_id", "manager_id"])


def _drop_client_speed() -> None:
    op.drop_index("ix_client_speed_fc_due", table_name="client_speed")
    for i in range(3):
        op.drop_index(f"ix_client_speed_due{i}", table_name="client_speed")
    op.drop_table("client_speed")


def _reset() -> None:
    op.execute("DELETE FROM speed_hist")
    op.execute("UPDATE client_speed_state SET rules = NULL, horizon = 0")


def upgrade() -> None:
    _drop_client_speed()
    _client_speed(True)
    _reset()


def downgrade() -> None:
    _drop_client_speed()
    _client_speed(False)
    _reset()
