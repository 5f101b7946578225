"""Insert-or-merge (or insert-or-skip) from a SELECT: ``INSERT … SELECT … ON CONFLICT (key) DO …``.

SQLite (3.24+) and PostgreSQL share the statement; SQLAlchemy spells it with each dialect's
own ``insert`` construct, so the one branch on the database lives here (services never
branch). On PostgreSQL the conflicting row is locked and re-read before the ``SET``
expressions run, so increments (``calls = calls + excluded.calls``) from concurrent
transactions add up instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.engine import Connection


def _insert_from_select(conn: Connection, table: Table, columns: Sequence[str], rows: Select[Any]) -> Any:
    """The dialect's own ``INSERT … SELECT`` (the one that knows ``ON CONFLICT``)."""
    insert: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).from_select(list(columns), rows)


def upsert_from_select(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Select[Any],
    key: Sequence[str],
    merge: Callable[[Any], Mapping[str, Any]],
) -> None:
    """Insert ``rows`` (a SELECT giving ``columns``, with a WHERE clause) into ``table``; a row
    whose ``key`` exists is updated with ``merge(excluded)`` instead, where ``excluded.c.x`` is
    the new row's value and ``table.c.x`` the stored one."""
    stmt = _insert_from_select(conn, table, columns, rows)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=dict(merge(stmt.excluded))))


def insert_ignore_from_select(
    conn: Connection, table: Table, columns: Sequence[str], rows: Select[Any], key: Sequence[str]
) -> None:
    """Insert ``rows`` (a SELECT giving ``columns``) into ``table``, skipping each row whose
    ``key`` exists (``ON CONFLICT (key) DO NOTHING``): on PostgreSQL a row another open
    transaction is inserting waits for it and is then skipped, so a key is written once."""
    stmt = _insert_from_select(conn, table, columns, rows)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=list(key)))
