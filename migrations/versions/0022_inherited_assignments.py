"""assignment rule ``inherited``, end reasons ``merge_undone`` and ``max_attempts``

- ``assignment.rule`` may be ``inherited``: a merge gives a survivor nobody held the rep of the
  client merged into it, so the rep working the person keeps them.
- ``assignment.ended_reason`` may be ``merge_undone``: ``dedupe undo`` ends what the survivor
  inherited; it may be ``max_attempts``: the last allowed unanswered call ended it
  (``queue.after_max_attempts: leave``, recorded as ``returned_to_pool`` before) and ``assign``
  never hands the client out again - a partial index on those rows keeps that check cheap.

The downgrade keeps every such assignment (history and who holds whom stay as they are) and
records it in the older revision's words: an inherited assignment as ``manual`` (an admin's
command gave it), an end by undo as ``reassigned`` (the person went back to the client the
merge took them from), and ``max_attempts`` as ``returned_to_pool``.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary at this revision (a migration never imports the live one).
OLD_RULES = (
    "account_owner", "territory", "skill", "round_robin", "bucket_manager", "rank", "topup", "manual",
    "escalation", "restored",
)  # fmt: skip
OLD_ENDS = ("reassigned", "topup", "rep_left", "returned_to_pool", "suppressed", "merged")


def _constrain(rules: Sequence[str], ends: Sequence[str]) -> None:
    def listed(values: Sequence[str]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assignment_rule"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_assignment_ended_reason"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assignment_rule"), f"rule IN ({listed(rules)})")
        batch_op.create_check_constraint(
            batch_op.f("ck_assignment_ended_reason"), f"ended_reason IN ({listed(ends)})"
        )


def upgrade() -> None:
    _constrain((*OLD_RULES, "inherited"), (*OLD_ENDS, "merge_undone", "max_attempts"))
    # What earlier revisions recorded as returned_to_pool, cause max_attempts (in the event's data).
    pg = op.get_bind().dialect.name == "postgresql"
    cause = "e.data ->> 'cause'" if pg else "json_extract(e.data, '$.cause')"
    op.execute(
        "UPDATE assignment SET ended_reason = 'max_attempts' WHERE ended_reason = 'returned_to_pool' "
        "AND EXISTS (SELECT 1 FROM lead_event e WHERE e.client_id = assignment.client_id "
        f"AND e.kind = 'unassigned' AND e.at = assignment.ended_at AND {cause} = 'max_attempts')"
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_max_attempts",
            ["client_id"],
            unique=False,
            sqlite_where=sa.text("ended_reason = 'max_attempts'"),
            postgresql_where=sa.text("ended_reason = 'max_attempts'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_max_attempts")
    op.execute("UPDATE assignment SET ended_reason = 'returned_to_pool' WHERE ended_reason = 'max_attempts'")
    op.execute("UPDATE assignment SET rule = 'manual' WHERE rule = 'inherited'")
    op.execute("UPDATE assignment SET ended_reason = 'reassigned' WHERE ended_reason = 'merge_undone'")
    _constrain(OLD_RULES, OLD_ENDS)
