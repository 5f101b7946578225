"""Claiming rows and whole runs across processes — the one place that knows how each database does it.

- ``claim(conn, table, ids, *where)``: of the rows ``ids`` that still satisfy ``where``, lock and
  return those no other transaction holds. PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` (a row
  another run is changing is skipped, never waited on, so two runs never deadlock and never
  take the same client). SQLite: the caller's write transaction already holds the database's
  only write lock (``BEGIN IMMEDIATE``), so the same filter without locking clauses is exact.
- ``lock(conn, stmt)``: lock the selected rows, waiting for them (``FOR UPDATE``): a cursor two
  processes must not read at once (round-robin state).
- ``exclusive(engine, key, wait_seconds)``: a write transaction that is the only one for ``key``
  (e.g. "assign campaign 7"): PostgreSQL takes a transaction-scoped advisory lock, polling until
  ``wait_seconds``; SQLite takes the write lock with a busy timeout of ``wait_seconds``. Either
  way a second run waits briefly, then fails with ``BusyError`` ("already running").
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from leadctl.errors import BusyError
from leadctl.storage.engine import busy_error, busy_timeout_ms, write
from leadctl.storage.sqlfunc import in_chunks

_RUN_CLASS = 714_082_103  # advisory-lock class for exclusive runs (two-key form)


def claim(conn: Connection, table: Table, ids: Iterable[int], *where: ColumnElement[bool]) -> set[int]:
    """The ids among ``ids`` still matching ``where`` that this transaction now holds."""
    pg = conn.dialect.name == "postgresql"
    out: set[int] = set()
    for cond in in_chunks(conn, table.c.id, ids):
        q: Select[Any] = select(table.c.id).where(cond, *where)
        if pg:
            q = q.with_for_update(skip_locked=True, of=table)
        out.update(conn.execute(q).scalars())
    return out


def lock(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """Rows of ``stmt``, locked until the transaction ends (waiting for another holder)."""
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list(conn.execute(stmt))


def run_key(name: str) -> int:
    """A stable 31-bit key for a run name such as ``assign:7``."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextmanager
def exclusive(engine: Engine, name: str, wait_seconds: float, what: str) -> Iterator[Connection]:
    """A write transaction that no other ``exclusive(…, name, …)`` holds at the same time.

    ``what`` names the run in the error ("assign of campaign 'Outbound'").
    """
    busy = BusyError(
        f"{what} is already running (waited {wait_seconds:g}s); try again shortly, "
        "or set assignment.wait_seconds / assignment.if_running"
    )
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            raw.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
            try:
                try:
                    tx = conn.execution_options(leadctl_write=True).begin()
                except (OperationalError, BusyError) as exc:
                    if isinstance(exc, BusyError) or busy_error(exc) is not None:
                        raise busy from None
                    raise
                raw.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
                with tx:
                    yield conn
            finally:
                raw.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        return
    with write(engine) as conn:
        key = run_key(name)
        deadline = time.monotonic() + wait_seconds
        while not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:c, :k)"), {"c": _RUN_CLASS, "k": key}
        ).scalar():
            if time.monotonic() >= deadline:
                raise busy
            time.sleep(0.1)
        yield conn
