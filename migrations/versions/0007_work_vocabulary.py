"""vocabulary for the rep's work, SLAs and compliance: new timeline kinds, intent activities,
e-mail clicks, won/lost dispositions

Only check constraints change. The downgrade deletes the rows that use the new values (they
cannot exist at 0006) and restores the 0006 constraints.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabularies at this revision (a migration never imports the live ones).
OLD_KINDS = (
    "processed", "duplicate", "rejected", "reprocessed", "fixed", "merged", "merge_undone",
    "assigned", "unassigned", "stage_changed", "suppressed", "unsuppressed", "escalated",
)  # fmt: skip
NEW_KINDS = (
    "client_updated", "retired", "listed", "unlisted", "claimed", "call_blocked", "call_violation",
)  # fmt: skip
OLD_TYPES = ("call", "email", "meeting", "disposition")
NEW_TYPES = ("intent",)
OLD_OUTCOMES = (
    "no_answer", "voicemail", "wrong_number", "conversation", "sent", "opened", "replied", "booked",
    "confirmed", "held_qualified", "held_unqualified", "no_show", "cancelled", "callback", "nurture",
    "disqualified", "do_not_contact", "feedback",
)  # fmt: skip
NEW_OUTCOMES = ("clicked", "converted", "lost", "demo_request", "pricing_visit", "inbound")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _constrain(kinds: Sequence[str], types: Sequence[str], outcomes: Sequence[str]) -> None:
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lead_event_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_lead_event_kind"), "kind IN (" + _listed(kinds) + ")")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_activity_type"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_activity_outcome"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_activity_type"), "type IN (" + _listed(types) + ")")
        batch_op.create_check_constraint(
            batch_op.f("ck_activity_outcome"), "outcome IN (" + _listed(outcomes) + ")"
        )


def upgrade() -> None:
    _constrain((*OLD_KINDS, *NEW_KINDS), (*OLD_TYPES, *NEW_TYPES), (*OLD_OUTCOMES, *NEW_OUTCOMES))


def downgrade() -> None:
    op.execute("DELETE FROM lead_event WHERE kind IN (" + _listed(NEW_KINDS) + ")")
    op.execute(
        "DELETE FROM activity WHERE type IN ("
        + _listed(NEW_TYPES)
        + ") OR outcome IN ("
        + _listed(NEW_OUTCOMES)
        + ")"
    )
    _constrain(OLD_KINDS, OLD_TYPES, OLD_OUTCOMES)
