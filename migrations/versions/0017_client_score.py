"""client_score: the stored static part of the queue priority

- ``client_score``: per client, the static score (fit + behaviour) under a scoring-rules
  fingerprint, the epoch seconds of its latest engagement and intent activity, and the
  client's ``updated_at`` and lead source when scored. The queue reads a segment in the order of the upper
  bound these give and stops once its top rows are certain. The table starts empty: a client
  without a (current) row is read as unbounded, exactly as before, and ``leadctl score --refresh``
  fills it (``leadctl next`` refreshes the stale rows it reads; new activities refresh theirs).
  Scoring needs the rules file, which a migration does not have, so the backfill is that
  command, not this migration.
- No foreign key to ``client``: checking one would KEY SHARE-lock the client row on PostgreSQL,
  hiding it from a concurrent ``next``'s ``FOR UPDATE SKIP LOCKED`` claim (schema.py says more).
- The downgrade drops the table (nothing else refers to it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadctl.storage.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_score",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=16), nullable=False),
        sa.Column("static", sa.Float(), nullable=False),
        sa.Column("engaged_s", sa.Float(), nullable=True),
        sa.Column("intent_s", sa.Float(), nullable=True),
        sa.Column("client_updated_at", leadctl.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_score")),
    )


def downgrade() -> None:
    op.drop_table("client_score")
