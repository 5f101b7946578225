"""drop lead e-mail and phone indexes (duplicate look-ups use match_key)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_business_phone"))
        batch_op.drop_index(batch_op.f("ix_lead_email"))
        batch_op.drop_index(batch_op.f("ix_lead_mobile_phone"))


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_mobile_phone"), ["mobile_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_business_phone"), ["business_phone"], unique=False)
