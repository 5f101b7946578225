"""Rows the migration tests insert with raw SQL (a database at an old revision has no models)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NOW = "2026-11-01 10:00:00"


def add_campaign(conn: Connection) -> None:
    """Campaign 1, 'C'."""
    conn.execute(
        text(
            f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{NOW}', '{NOW}')"
        )
    )


def add_rep(conn: Connection) -> None:
    """Rep 1, ana@example.com, a setter."""
    conn.execute(
        text(
            "INSERT INTO rep (id, email, name, role, skills, territories, active, created_at, updated_at) "
            f"VALUES (1, 'ana@example.com', 'Ana', 'setter', '[]', '[]', true, '{NOW}', '{NOW}')"
        )
    )


def add_clients(
    conn: Connection, *ids: int, stage: str = "untouched", manager_id: int | None = None, at: str = NOW
) -> None:
    """Clients ``ids`` of campaign 1 (no person fields), at ``stage``, held by ``manager_id``."""
    manager = "NULL" if manager_id is None else str(manager_id)
    for cid in ids:
        conn.execute(
            text(
                "INSERT INTO client (id, campaign_id, manager_id, custom, stage, created_at, updated_at) "
                f"VALUES ({cid}, 1, {manager}, '{{}}', '{stage}', '{at}', '{at}')"
            )
        )
