"""``metrics speed`` stored: per-client histogram bins, their counts per group, and a dirty log

``client_speed`` holds each live client's six speed-to-lead bins (to_attempt, to_conversation,
rep_response, in clock and business time) and the moment its first-contact SLA runs out while
not reached; ``speed_hist`` their counts per campaign and per rep, so ``metrics speed`` reads a
few hundred rows instead of building and sorting every client's durations (1M SQLite: 6.5 s
CPU). The values depend on the rules (business clock, first-contact SLA): the migration cannot
compute them, so it leaves the tables empty with ``client_speed_state.rules`` NULL, and the next
``metrics speed`` fills them (``services/metrics/speed_store``).

Writers are covered by triggers that append the client's id to ``client_speed_dirty`` whenever
an input of its values changes: client (insert, delete; created_at, manager_id, campaign_id,
merged_into_id, bucket_label), assignment (any insert, delete; client_id, started_at,
ended_at) and client_fact (insert, delete; first_call_at, first_conversation_at). The log has
no unique key, so an append never waits for another transaction (no new lock edge between
writers). PostgreSQL: statement triggers over the transition table for inserts and deletes, row
triggers with a WHEN clause for updates; SQLite: row triggers.

Downgrade drops the triggers, their functions and the four tables.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (its client id column, the columns whose change re-computes the client)
WATCHED = {
    "client": ("id", ("created_at", "manager_id", "campaign_id", "merged_into_id", "bucket_label")),
    "assignment": ("client_id", ("client_id", "started_at", "ended_at")),
    "client_fact": ("client_id", ("client_id", "first_call_at", "first_conversation_at")),
}
LOG = "INSERT INTO client_speed_dirty (client_id)"


def _trigger_names(table: str) -> list[str]:
    return [f"tr_{table}_speed_{op_}" for op_ in ("ins", "upd", "del")]


def _create_triggers_sqlite() -> None:
    for table, (key, cols) in WATCHED.items():
        ins, upd, dele = _trigger_names(table)
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)
        op.execute(f"CREATE TRIGGER {ins} AFTER INSERT ON {table} BEGIN {LOG} VALUES (NEW.{key}); END")
        both = f"{LOG} VALUES (NEW.{key}); {LOG} SELECT OLD.{key} WHERE OLD.{key} IS NOT NEW.{key};"
        op.execute(
            f"CREATE TRIGGER {upd} AFTER UPDATE OF {', '.join(cols)} ON {table} WHEN {changed} BEGIN {both} END"
        )
        op.execute(f"CREATE TRIGGER {dele} AFTER DELETE ON {table} BEGIN {LOG} VALUES (OLD.{key}); END")


def _create_triggers_pg() -> None:
    for table, (key, cols) in WATCHED.items():
        ins, upd, dele = _trigger_names(table)
        for name, rows in ((ins, "new_rows"), (dele, "old_rows")):
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{LOG} SELECT {key} FROM {rows}; RETURN NULL; END $$"
            )
        op.execute(
            f"CREATE FUNCTION {upd}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{LOG} VALUES (NEW.{key}); "
            f"IF OLD.{key} IS DISTINCT FROM NEW.{key} THEN {LOG} VALUES (OLD.{key}); END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {ins} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {ins}()"
        )
        op.execute(
            f"CREATE TRIGGER {dele} AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {dele}()"
        )
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in cols)
        op.execute(
            f"CREATE TRIGGER {upd} AFTER UPDATE OF {', '.join(cols)} ON {table} FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION {upd}()"
        )


def upgrade() -> None:
    op.create_table(
        "client_speed",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("assigned", sa.SmallInteger(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=True) for c in ("c0", "b0", "c1", "b1", "c2", "b2")),
        *(sa.Column(f"due{i}", sa.BigInteger(), nullable=True) for i in range(3)),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_speed")),
    )
    for i in range(3):
        op.create_index(f"ix_client_speed_due{i}", "client_speed", [f"due{i}", "campaign_id", "manager_id"])
    op.create_table(
        "speed_hist",
        sa.Column("kind", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("grp", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("m", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("basis", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("bin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "grp", "m", "basis", "bin", name=op.f("pk_speed_hist")),
    )
    op.create_table(
        "client_speed_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_speed_dirty")),
    )
    op.create_table(
        "client_speed_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules", sa.String(length=16), nullable=True),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_speed_state")),
    )
    op.execute("INSERT INTO client_speed_state (id, rules, horizon) VALUES (1, NULL, 0)")
    if op.get_bind().dialect.name == "postgresql":
        _create_triggers_pg()
    else:
        _create_triggers_sqlite()


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for name in _trigger_names(table):
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
            if pg:
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for t in ("client_speed_state", "client_speed_dirty", "speed_hist"):
        op.drop_table(t)
    for i in range(3):
        op.drop_index(f"ix_client_speed_due{i}", table_name="client_speed")
    op.drop_table("client_speed")
