"""assignment rule ``restored`` and merge proposals

- ``assignment.rule`` may be ``restored``: ``dedupe undo`` gives a merged client back the rep
  the merge ended (``ended_reason = 'merged'``). The downgrade keeps every restored assignment
  (history and the rep holding the client stay as they are) and records it as ``manual`` — at
  0014 an assignment an admin's command restarted by hand is a manual one.
- ``merge_proposal``: clients one new lead matched at ``process``, proposed for a merge. The
  downgrade drops the proposals (open ones are simply not shown at 0014; applied ones keep
  their ``merge`` row, which undo still reads).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary at this revision (a migration never imports the live one).
OLD_RULES = (
    "account_owner", "territory", "skill", "round_robin", "bucket_manager", "rank", "topup", "manual",
    "escalation",
)  # fmt: skip
NEW_RULES = ("restored",)


def _constrain(rules: Sequence[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in rules)
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assignment_rule"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assignment_rule"), f"rule IN ({listed})")


def upgrade() -> None:
    _constrain((*OLD_RULES, *NEW_RULES))
    op.create_table(
        "merge_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clients_key", sa.String(length=400), nullable=False),
        sa.Column("client_ids", leadctl.storage.types.JSONType, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("scores", leadctl.storage.types.JSONType, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'applied', 'rejected', 'superseded')", name=op.f("ck_merge_proposal_status")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_merge_proposal_lead_id_lead"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["merge_id"], ["merge.id"], name=op.f("fk_merge_proposal_merge_id_merge")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_proposal")),
        sa.UniqueConstraint("clients_key", name=op.f("uq_merge_proposal_clients_key")),
    )
    with op.batch_alter_table("merge_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_proposal_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("merge_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_proposal_status"))
    op.drop_table("merge_proposal")
    op.execute("UPDATE assignment SET rule = 'manual' WHERE rule = 'restored'")
    _constrain(OLD_RULES)
