"""client_funnel rollup kept by triggers; assignment index by client

- ``client_funnel``: per client, the furthest funnel step its activities reached (1 contacted:
  a call or e-mail; 2 conversation: a call that reached the person; 3 a meeting booked; 4 held
  unqualified; 5 held qualified; no row: none) — what ``metrics funnel`` counts, so it no longer
  re-aggregates every activity per run. Backfilled set-based (one INSERT … SELECT … GROUP BY over
  ``activity``) and from then on kept by an AFTER INSERT trigger on ``activity``: a row trigger
  on SQLite, a statement trigger over the transition table on PostgreSQL (one set-based upsert
  per INSERT/COPY statement). A trigger follows every writer (``activity log``/``import``,
  recycling's dispositions, the demo, raw SQL), and activity rows are never updated or deleted,
  so the level can only rise — the upsert keeps the maximum.
- Indexes for ``metrics queue`` and the funnel: ``ix_assignment_client_id_started_at`` (covering
  ended_at, rep_id: "was this client ever assigned", the rep now or at ``--as-of``, one seek per
  client, no table row), ``ix_client_stage_merged_into_id_created_at`` (the working stages'
  clients by age and campaign from the index alone), ``ix_activity_type_at_client_id`` (the
  calls of the cooldown window as one covering range).

The downgrade drops the trigger(s), the table and the indexes (nothing else refers to them).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "tr_activity_client_funnel"
FUNCTION = "client_funnel_after_insert"


def level(prefix: str = "") -> str:
    """The funnel level of an activity row, as SQL (a migration never imports the live code:
    services.metrics.rollup.level_of is the same CASE, a test checks they agree)."""
    t, o = f"{prefix}type", f"{prefix}outcome"
    return (
        f"CASE WHEN {t} = 'meeting' AND {o} = 'held_qualified' THEN 5 "
        f"WHEN {t} = 'meeting' AND {o} = 'held_unqualified' THEN 4 "
        f"WHEN {t} = 'meeting' THEN 3 "
        f"WHEN {t} = 'call' AND {o} = 'conversation' THEN 2 "
        f"WHEN {t} IN ('call', 'email') THEN 1 ELSE 0 END"
    )


UPSERT = (
    "ON CONFLICT (client_id) DO UPDATE SET level = excluded.level WHERE excluded.level > client_funnel.level"
)


def upgrade() -> None:
    op.create_table(
        "client_funnel",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_client_funnel_level_range")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_funnel_client_id_client"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_funnel")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_client_id_started_at"),
            ["client_id", "started_at", "ended_at", "rep_id"],
            unique=False,
        )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_stage_merged_into_id_created_at"),
            ["stage", "merged_into_id", "created_at", "campaign_id"],
            unique=False,
        )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_type_at_client_id"), ["type", "at", "client_id"], unique=False
        )
    op.execute(
        "INSERT INTO client_funnel (client_id, level) "
        f"SELECT client_id, max({level()}) FROM activity GROUP BY client_id HAVING max({level()}) > 0"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO client_funnel (client_id, level) "
            f"SELECT client_id, max(lvl) FROM (SELECT client_id, {level()} AS lvl FROM new_rows) s "
            f"WHERE lvl > 0 GROUP BY client_id {UPSERT}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON activity REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON activity WHEN {level('NEW.')} > 0 BEGIN "
            f"INSERT INTO client_funnel (client_id, level) VALUES (NEW.client_id, {level('NEW.')}) {UPSERT}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON activity")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_type_at_client_id"))
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_stage_merged_into_id_created_at"))
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_client_id_started_at"))
    op.drop_table("client_funnel")
