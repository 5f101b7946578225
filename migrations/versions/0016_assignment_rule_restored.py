"""assignment rule ``restored``: ``dedupe undo`` gives a merged client back the rep the merge
ended (``ended_reason = 'merged'``)

Only the check constraint on ``assignment.rule`` changes. The downgrade keeps every restored
assignment (history and the rep holding the client stay as they are) and records it as
``manual`` — at 0014 an assignment an admin's command restarted by hand is a manual one.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
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


def downgrade() -> None:
    op.execute("UPDATE assignment SET rule = 'manual' WHERE rule = 'restored'")
    _constrain(OLD_RULES)
