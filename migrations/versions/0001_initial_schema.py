"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadctl.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_name")),
    )
    op.create_table(
        "rep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="setter", nullable=False),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "territories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('setter', 'closer', 'manager')", name=op.f("ck_rep_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep")),
        sa.UniqueConstraint("email", name=op.f("uq_rep_email")),
    )
    op.create_table(
        "bucket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("affiliate_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("view_unassigned_only", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_bucket_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["manager_id"], ["rep.id"], name=op.f("fk_bucket_manager_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bucket")),
        sa.UniqueConstraint("name", name=op.f("uq_bucket_name")),
    )
    with op.batch_alter_table("bucket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bucket_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "campaign_rep",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("approved_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_rep_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_campaign_rep_rep_id_rep")),
        sa.PrimaryKeyConstraint("campaign_id", "rep_id", name=op.f("pk_campaign_rep")),
    )
    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("bucket_label", sa.String(length=200), nullable=True),
        sa.Column("affiliate_id", sa.String(length=200), nullable=True),
        sa.Column("origin_lead_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("business_phone", sa.String(length=32), nullable=True),
        sa.Column("mobile_phone", sa.String(length=32), nullable=True),
        sa.Column("linkedin_url", sa.String(length=500), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("headcount", sa.String(length=64), nullable=True),
        sa.Column("revenue", sa.String(length=64), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column(
            "custom",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_client_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["manager_id"], ["rep.id"], name=op.f("fk_client_manager_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=1000), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=False),
        sa.Column(
            "mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("started_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_loaded", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_already_loaded", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["bucket_id"], ["bucket.id"], name=op.f("fk_load_bucket_id_bucket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load")),
    )
    with op.batch_alter_table("load", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_load_bucket_id"), ["bucket_id"], unique=False)

    op.create_table(
        "lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="new", nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_lead_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_client_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("business_phone", sa.String(length=32), nullable=True),
        sa.Column("mobile_phone", sa.String(length=32), nullable=True),
        sa.Column("linkedin_url", sa.String(length=500), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("headcount", sa.String(length=64), nullable=True),
        sa.Column("revenue", sa.String(length=64), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("affiliate_id", sa.String(length=200), nullable=True),
        sa.Column("registered_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "custom",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'processed', 'duplicate', 'rejected')", name=op.f("ck_lead_status")
        ),
        sa.ForeignKeyConstraint(["bucket_id"], ["bucket.id"], name=op.f("fk_lead_bucket_id_bucket")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name=op.f("fk_lead_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_lead_client_id_client")),
        sa.ForeignKeyConstraint(
            ["duplicate_of_client_id"], ["client.id"], name=op.f("fk_lead_duplicate_of_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_lead_id"], ["lead.id"], name=op.f("fk_lead_duplicate_of_lead_id_lead")
        ),
        sa.ForeignKeyConstraint(["load_id"], ["load.id"], name=op.f("fk_lead_load_id_load")),
        sa.ForeignKeyConstraint(["manager_id"], ["rep.id"], name=op.f("fk_lead_manager_id_rep")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead")),
        sa.UniqueConstraint("bucket_id", "row_hash", name=op.f("uq_lead_bucket_id_row_hash")),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_bucket_id_status", ["bucket_id", "status"], unique=False)
        batch_op.create_index("ix_lead_business_phone", ["business_phone"], unique=False)
        batch_op.create_index("ix_lead_campaign_id_status", ["campaign_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_lead_email", ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_load_id"), ["load_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index("ix_lead_mobile_phone", ["mobile_phone"], unique=False)
        batch_op.create_index("ix_lead_registered_at", ["registered_at"], unique=False)

    op.create_table(
        "lead_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_lead_event_lead_id_lead")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_event")),
    )
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.create_index("ix_lead_event_lead_id_at", ["lead_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_event_lead_id_at")

    op.drop_table("lead_event")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_registered_at")
        batch_op.drop_index("ix_lead_mobile_phone")
        batch_op.drop_index(batch_op.f("ix_lead_manager_id"))
        batch_op.drop_index(batch_op.f("ix_lead_load_id"))
        batch_op.drop_index("ix_lead_email")
        batch_op.drop_index(batch_op.f("ix_lead_client_id"))
        batch_op.drop_index("ix_lead_campaign_id_status")
        batch_op.drop_index("ix_lead_business_phone")
        batch_op.drop_index("ix_lead_bucket_id_status")

    op.drop_table("lead")
    with op.batch_alter_table("load", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_bucket_id"))

    op.drop_table("load")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_campaign_id"))

    op.drop_table("client")
    op.drop_table("campaign_rep")
    with op.batch_alter_table("bucket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bucket_campaign_id"))

    op.drop_table("bucket")
    op.drop_table("rep")
    op.drop_table("campaign")
