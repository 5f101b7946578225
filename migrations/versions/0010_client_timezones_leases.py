"""client time zones with their source and candidates; `leadctl next` leases

``client.timezone_source`` says where ``client.timezone`` came from; existing clients are
backfilled in SQL: a stored zone came from the phone (intake derived it so), none is
``default``. ``leadctl timezones --refresh`` re-derives them with the state/postal fields
first. ``client_lease`` holds one row per client a dialer has claimed. The index
(manager_id, stage, created_at) serves the rep's queue, read stage by stage in capture order.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadctl.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabulary at this revision (a migration never imports the live one).
SOURCES = ("explicit", "postal", "state", "phone", "default")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone_source", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("timezone_candidates", json_type, nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_client_timezone_source"), "timezone_source IN (" + _listed(SOURCES) + ")"
        )
        batch_op.create_index("ix_client_manager_id_stage_created_at", ["manager_id", "stage", "created_at"])
    op.execute("UPDATE client SET timezone_source = 'phone' WHERE timezone IS NOT NULL")
    op.execute("UPDATE client SET timezone_source = 'default' WHERE timezone IS NULL")
    op.create_table(
        "client_lease",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_client_lease_client_id_client")),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_client_lease_rep_id_rep")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_lease")),
    )


def downgrade() -> None:
    op.drop_table("client_lease")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index("ix_client_manager_id_stage_created_at")
        batch_op.drop_constraint(batch_op.f("ck_client_timezone_source"), type_="check")
        batch_op.drop_column("timezone_candidates")
        batch_op.drop_column("timezone_source")
