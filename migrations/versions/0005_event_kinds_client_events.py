"""timeline: events of clients as well as leads; event kinds constrained to the vocabulary

Reprocessing used to write kinds built by string concatenation ("rerejected",
"reduplicate"); they become "reprocessed" with the new status in ``data.status``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stored kinds at this revision (a migration never imports the live vocabulary).
KINDS = ("processed", "duplicate", "rejected", "reprocessed", "fixed", "merged", "merge_undone")
_OLD = {"rerejected": "rejected", "reduplicate": "duplicate"}


def _with_status(status: str) -> str:
    if op.get_context().dialect.name == "postgresql":
        return f"jsonb_set(data, '{{status}}', '\"{status}\"')"
    return f"json_set(data, '$.status', '{status}')"


def upgrade() -> None:
    for old, status in _OLD.items():
        op.execute(
            f"UPDATE lead_event SET kind = 'reprocessed', data = {_with_status(status)} WHERE kind = '{old}'"
        )
    op.execute(
        f"UPDATE lead_event SET data = {_with_status('processed')} "
        "WHERE kind = 'reprocessed' AND " + _no_status()
    )
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        batch_op.alter_column("lead_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_lead_event_client_id_client"), "client", ["client_id"], ["id"]
        )
        batch_op.create_index("ix_lead_event_client_id_at", ["client_id", "at"], unique=False)
        batch_op.create_check_constraint(
            batch_op.f("ck_lead_event_kind"), "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_lead_event_subject"), "lead_id IS NOT NULL OR client_id IS NOT NULL"
        )


def _no_status() -> str:
    if op.get_context().dialect.name == "postgresql":
        return "NOT (data ? 'status')"
    return "json_extract(data, '$.status') IS NULL"


def downgrade() -> None:
    # Client-only events have no place in the old table; old reprocessing kinds come back.
    op.execute("DELETE FROM lead_event WHERE lead_id IS NULL")
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lead_event_subject"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_lead_event_kind"), type_="check")
        batch_op.drop_index("ix_lead_event_client_id_at")
        batch_op.drop_constraint(batch_op.f("fk_lead_event_client_id_client"), type_="foreignkey")
        batch_op.drop_column("client_id")
        batch_op.alter_column("lead_id", existing_type=sa.Integer(), nullable=False)
    for old, status in _OLD.items():
        field = (
            "data->>'status'"
            if op.get_context().dialect.name == "postgresql"
            else "json_extract(data, '$.status')"
        )
        op.execute(
            f"UPDATE lead_event SET kind = '{old}' WHERE kind = 'reprocessed' AND {field} = '{status}'"
        )
