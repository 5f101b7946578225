"""SLA escalations: one row per level fired, unique per (client, SLA, level, deadline)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("sla", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("deadline", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("to_rep_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("fired_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sla IN ('first_contact', 'follow_up')", name=op.f("ck_sla_escalation_sla")),
        sa.CheckConstraint(
            "action IN ('raise_priority', 'notify', 'reassign')", name=op.f("ck_sla_escalation_action")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_sla_escalation_client_id_client")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_sla_escalation_rep_id_rep")),
        sa.ForeignKeyConstraint(["to_rep_id"], ["rep.id"], name=op.f("fk_sla_escalation_to_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_escalation")),
        sa.UniqueConstraint(
            "client_id",
            "sla",
            "level",
            "deadline",
            name=op.f("uq_sla_escalation_client_id_sla_level_deadline"),
        ),
    )
    with op.batch_alter_table("sla_escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_escalation_run"), ["run"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sla_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_escalation_run"))
    op.drop_table("sla_escalation")
