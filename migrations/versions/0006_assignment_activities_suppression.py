"""assignment, activities, suppression (do-not-contact), time away, account owners, routing state;
client stages; timeline kinds for clients

At most one active assignment per client is a partial unique index (both backends).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The vocabularies at this revision (a migration never imports the live ones).
STAGES = ("untouched", "attempted", "engaged", "appointment", "disqualified", "do_not_contact", "converted")
OLD_KINDS = ("processed", "duplicate", "rejected", "reprocessed", "fixed", "merged", "merge_undone")
KINDS = (*OLD_KINDS, "assigned", "unassigned", "stage_changed", "suppressed", "unsuppressed", "escalated")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "rejected_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("raw", leadctl.storage.types.JSONType, nullable=False),
        sa.Column("reasons", leadctl.storage.types.JSONType, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_row")),
    )
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("added_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("removed_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('email', 'phone')", name=op.f("ck_suppression_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
    )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(
            "ux_suppression_active_kind_value",
            ["kind", "value"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.create_table(
        "account_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("domain", sa.String(length=300), nullable=True),
        sa.Column("company_key", sa.String(length=300), nullable=True),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "domain IS NOT NULL OR company_key IS NOT NULL", name=op.f("ck_account_owner_what")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_account_owner_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_account_owner_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_owner")),
    )
    with op.batch_alter_table("account_owner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_owner_company_key"), ["company_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_owner_domain"), ["domain"], unique=False)

    op.create_table(
        "assign_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=20), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("started_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary", leadctl.storage.types.JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_assign_run_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assign_run")),
    )
    op.create_table(
        "rep_away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_rep_away_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_away")),
    )
    with op.batch_alter_table("rep_away", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rep_away_rep_id"), ["rep_id"], unique=False)

    op.create_table(
        "routing_state",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("credit", sa.Float(), server_default="0", nullable=False),
        sa.Column("assigned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_routing_state_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_routing_state_rep_id_rep")),
        sa.PrimaryKeyConstraint("campaign_id", "rep_id", "model", name=op.f("pk_routing_state")),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_key", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_dial", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("callback_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meeting_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('no_answer', 'voicemail', 'wrong_number', 'conversation', 'sent', 'opened', 'replied', 'booked', 'confirmed', 'held_qualified', 'held_unqualified', 'no_show', 'cancelled', 'callback', 'nurture', 'disqualified', 'do_not_contact', 'feedback')",
            name=op.f("ck_activity_outcome"),
        ),
        sa.CheckConstraint(
            "type IN ('call', 'email', 'meeting', 'disposition')", name=op.f("ck_activity_type")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_activity_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_activity_client_id_client")),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_activity_rep_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
        sa.UniqueConstraint("activity_key", name=op.f("uq_activity_activity_key")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_campaign_id_at", ["campaign_id", "at"], unique=False)
        batch_op.create_index("ix_activity_client_id_at", ["client_id", "at"], unique=False)
        batch_op.create_index("ix_activity_rep_id_at", ["rep_id", "at"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("reason", leadctl.storage.types.JSONType, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("started_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "ended_reason IN ('reassigned', 'topup', 'rep_left', 'returned_to_pool', 'suppressed', 'merged')",
            name=op.f("ck_assignment_ended_reason"),
        ),
        sa.CheckConstraint(
            "rule IN ('account_owner', 'territory', 'skill', 'round_robin', 'bucket_manager', 'rank', 'topup', 'manual', 'escalation')",
            name=op.f("ck_assignment_rule"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_assignment_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_assignment_client_id_client")),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_assignment_rep_id_rep")),
        sa.ForeignKeyConstraint(["run_id"], ["assign_run.id"], name=op.f("fk_assignment_run_id_assign_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_campaign_id_ended_at", ["campaign_id", "ended_at"], unique=False)
        batch_op.create_index("ix_assignment_rep_id_ended_at", ["rep_id", "ended_at"], unique=False)
        batch_op.create_index(
            "ux_assignment_active_client",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage", sa.String(length=20), server_default="untouched", nullable=False)
        )
        batch_op.add_column(
            sa.Column("stage_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(batch_op.f("ck_client_stage"), "stage IN (" + _listed(STAGES) + ")")
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lead_event_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_lead_event_kind"), "kind IN (" + _listed(KINDS) + ")")


def downgrade() -> None:
    op.execute("DELETE FROM lead_event WHERE kind NOT IN (" + _listed(OLD_KINDS) + ")")
    op.execute("DELETE FROM lead_event WHERE lead_id IS NULL")
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lead_event_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_lead_event_kind"), "kind IN (" + _listed(OLD_KINDS) + ")"
        )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_client_stage"), type_="check")
        batch_op.drop_column("stage_at")
        batch_op.drop_column("stage")

    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_assignment_active_client",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_assignment_rep_id_ended_at")
        batch_op.drop_index("ix_assignment_campaign_id_ended_at")

    op.drop_table("assignment")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_rep_id_at")
        batch_op.drop_index("ix_activity_client_id_at")
        batch_op.drop_index("ix_activity_campaign_id_at")

    op.drop_table("activity")
    op.drop_table("routing_state")
    with op.batch_alter_table("rep_away", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rep_away_rep_id"))

    op.drop_table("rep_away")
    op.drop_table("assign_run")
    with op.batch_alter_table("account_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_owner_domain"))
        batch_op.drop_index(batch_op.f("ix_account_owner_company_key"))

    op.drop_table("account_owner")
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_suppression_active_kind_value",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.drop_table("suppression")
    op.drop_table("rejected_row")
