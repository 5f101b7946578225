"""the funnel level moves into client_fact; the client_funnel table and its trigger go

``client_fact.funnel_level`` (0 none, 1 contacted … 5 held as qualified) is kept by
``services/work/facts.fold`` in the one set-based upsert per chunk that already keeps the other
per-client facts, instead of ``client_funnel`` and its AFTER INSERT trigger (0019): a row
trigger on SQLite cost ``activity import`` ~1.3 s CPU per 100k rows, one upsert per activity.
``metrics funnel`` reads the column (and computes the levels from the activities when a writer
bypassed ``fold``).

Upgrade: add the column (default 0), copy each client's level from ``client_funnel`` (what
the trigger kept exact), add a ``client_fact`` row computed from the activities for any client
the trigger knew but the facts did not (none when every writer folded), then drop the
trigger(s) and the table. Downgrade: re-create ``client_funnel`` as 0019 built it (one
set-based ``INSERT … SELECT … GROUP BY`` over the activities, so it is exact even for rows a
writer did not fold in), its trigger(s), and drop the column.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "tr_activity_client_funnel"
FUNCTION = "client_funnel_after_insert"


def level(prefix: str = "") -> str:
    """The funnel level of an activity row, as SQL (0019's CASE; a migration never imports the
    live code: services.metrics.rollup.level_of is the same, a test checks they agree)."""
    t, o = f"{prefix}type", f"{prefix}outcome"
    return (
        f"CASE WHEN {t} = 'meeting' AND {o} = 'held_qualified' THEN 5 "
        f"WHEN {t} = 'meeting' AND {o} = 'held_unqualified' THEN 4 "
        f"WHEN {t} = 'meeting' THEN 3 "
        f"WHEN {t} = 'call' AND {o} = 'conversation' THEN 2 "
        f"WHEN {t} IN ('call', 'email') THEN 1 ELSE 0 END"
    )


COPY_LEVELS = (
    "UPDATE client_fact SET funnel_level = client_funnel.level FROM client_funnel "
    "WHERE client_funnel.client_id = client_fact.client_id"
)
# 0016's definition of the facts, for clients the trigger saw and the facts did not.
MISSING_FACTS = f"""
INSERT INTO client_fact (client_id, first_call_at, first_conversation_at, calls, last_touch_at,
                         last_activity_id, funnel_level)
SELECT client_id,
       MIN(CASE WHEN type = 'call' THEN at END),
       MIN(CASE WHEN type = 'call' AND outcome = 'conversation' THEN at END),
       COUNT(CASE WHEN type = 'call' THEN 1 END),
       MAX(CASE WHEN type IN ('call', 'email') THEN at END),
       MAX(id),
       MAX({level()})
FROM activity
WHERE client_id IN (SELECT client_id FROM client_funnel
                    WHERE NOT EXISTS (SELECT 1 FROM client_fact f WHERE f.client_id = client_funnel.client_id))
GROUP BY client_id
"""
UPSERT = (
    "ON CONFLICT (client_id) DO UPDATE SET level = excluded.level WHERE excluded.level > client_funnel.level"
)


def upgrade() -> None:
    op.add_column(
        "client_fact",
        sa.Column("funnel_level", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.execute(COPY_LEVELS)
    op.execute(MISSING_FACTS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON activity")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    op.drop_table("client_funnel")


def downgrade() -> None:
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
    op.execute(  # 0019's backfill: exact even for activities a writer did not fold in
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
    # Plain ALTER TABLE on both (SQLite >= 3.35): no batch copy of the table and its constraints.
    op.execute("ALTER TABLE client_fact DROP COLUMN funnel_level")
