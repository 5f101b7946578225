"""``metrics sla`` stored: each client's first-contact business seconds and SLA end, their counts

The report's "SLA by rep" and ``metrics sla`` (by rep or campaign, every client) built every
client's capture and first-call ``B`` again at each run (1M SQLite: ~1.5 s CPU of the query, ~5 s
of the report's speed-and-SLA part). ``client_speed`` gains ``fc_d`` (``B(first call) -
B(capture)``, NULL when not called), ``fc_met`` (1 met, 0 breached, NULL not called) and ``fc_due`` (``B(capture) + allowance``, NULL when called),
indexed by ``fc_due`` for the still-running SLAs; ``speed_hist`` gains the measure ``m = 3`` (met,
breached after the call, not called, and the sum of ``fc_d``) per campaign and rep; and
``client_speed_state.span_lo`` records the day table's start the values were computed on (an
earlier capture moves it: every client is recomputed).

The values depend on the rules, so the tables are emptied and the state's fingerprint set to
NULL: the next ``metrics speed`` / ``metrics sla`` / report recomputes every client once. The
downgrade does the same to the 0027 layout.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASE = ("c0", "b0", "c1", "b1", "c2", "b2")


def _sla_columns() -> tuple[sa.Column[int], ...]:
    return (
        sa.Column("fc_d", sa.BigInteger(), nullable=True),
        sa.Column("fc_met", sa.SmallInteger(), nullable=True),
        sa.Column("fc_due", sa.BigInteger(), nullable=True),
    )


def _client_speed(sla: bool) -> None:
    """(Re)create ``client_speed`` empty, with or without the SLA columns."""
    op.create_table(
        "client_speed",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("assigned", sa.SmallInteger(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=True) for c in BASE),
        *(sa.Column(f"due{i}", sa.BigInteger(), nullable=True) for i in range(3)),
        *(_sla_columns() if sla else ()),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_speed")),
    )
    for i in range(3):
        op.create_index(f"ix_client_speed_due{i}", "client_speed", [f"due{i}", "campaign_id", "manager_id"])
    if sla:
        op.create_index("ix_client_speed_fc_due", "client_speed", ["fc_due", "campaign_id", "manager_id"])


def _drop_client_speed(sla: bool) -> None:
    if sla:
        op.drop_index("ix_client_speed_fc_due", table_name="client_speed")
    for i in range(3):
        op.drop_index(f"ix_client_speed_due{i}", table_name="client_speed")
    op.drop_table("client_speed")


def _reset() -> None:
    op.execute("DELETE FROM speed_hist")
    op.execute("UPDATE client_speed_state SET rules = NULL, horizon = 0")


def upgrade() -> None:
    _drop_client_speed(False)
    _client_speed(True)
    with op.batch_alter_table("client_speed_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("span_lo", sa.BigInteger(), nullable=True))
    _reset()


def downgrade() -> None:
    _drop_client_speed(True)
    _client_speed(False)
    with op.batch_alter_table("client_speed_state", schema=None) as batch_op:
        batch_op.drop_column("span_lo")
    _reset()
