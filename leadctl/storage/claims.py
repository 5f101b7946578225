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
- ``claim_lease(conn, ids, rep_id, now, until, accept)``: the first of ``ids`` (in order) that
  no live lease holds and ``accept`` approves gets a lease (``client_lease``, one row per
  client) until ``until``; an expired lease is taken over. PostgreSQL locks one candidate at a
  time with ``FOR UPDATE SKIP LOCKED`` (two dialers never wait on each other) and the upsert
  ``ON CONFLICT … DO UPDATE … WHERE lease_until <= now`` is the final word: a lease another
  transaction committed meanwhile makes it return nothing, and the next candidate is tried.
  SQLite: the caller's ``BEGIN IMMEDIATE`` makes the same statements exact.
- ``delete_in_order(conn, column, cond)``: delete the rows matching ``cond``, locked first in
  ``column`` order on PostgreSQL (one statement), so a transaction deleting rows that others
  update in that same order never deadlocks with them (a plain ``DELETE … WHERE … IN`` locks in
  whatever order the scan meets the rows).
- ``share(conn, stmt)``: rows a write transaction decides by (the reps it hands clients to),
  share-locked on PostgreSQL so they cannot change under it (``FOR SHARE``).
- ``try_serialize(conn, name)``: whether this transaction is (now) the only one doing ``name``
  (e.g. compacting a rollup), never waiting: PostgreSQL tries a transaction-scoped advisory
  lock; SQLite's write transaction is always the only one.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from leadctl.errors import BusyError
from leadctl.storage.engine import busy_error, busy_timeout_ms, write
from leadctl.storage.sqlfunc import in_chunks

_RUN_CLASS = 714_082_103  # advisory-lock class for exclusive runs (two-key form)
_SERIAL_CLASS = 714_082_104  # advisory-lock class for try_serialize


def claim(conn: Connection, table: Table, ids: Iterable[int], *where: ColumnElement[bool]) -> set[int]:
    """The ids among ``ids`` still matching ``where`` that this transaction now holds."""
    pg = conn.dialect.name == "postgresql"
    out: set[int] = set()
    for cond in in_chunks(conn, table.c.id, ids):
        q: Select[Any] = select(table.c.id).where(cond, *where)
        if pg:
            q = q.with_for_update(skip_locked=True, of=table)
        out.update(conn.execute(q).scalars().all())  # one fetchall, not a fetchone per row
    return out


def lock(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """Rows of ``stmt``, locked until the transaction ends (waiting for another holder)."""
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list(conn.execute(stmt))


def delete_in_order(conn: Connection, column: Any, cond: ColumnElement[bool]) -> int:
    """Delete the rows of ``column``'s table matching ``cond``, locking them in ``column`` order."""
    from sqlalchemy import delete

    table = column.table
    rows: Select[Any] = select(column).where(cond).order_by(column)
    if conn.dialect.name == "postgresql":
        rows = rows.with_for_update()
    return int(conn.execute(delete(table).where(column.in_(rows))).rowcount or 0)


def try_serialize(conn: Connection, name: str) -> bool:
    """True if no other transaction holds ``name`` (and this one now does, until it ends)."""
    if conn.dialect.name != "postgresql":
        return True
    got = conn.execute(
        text("SELECT pg_try_advisory_xact_lock(:c, :k)"), {"c": _SERIAL_CLASS, "k": run_key(name)}
    ).scalar()
    return bool(got)


def share(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """Rows of ``stmt``; in a PostgreSQL write transaction they are share-locked until it ends
    (``FOR SHARE``): a concurrent change of them (a rep deactivated by ``rep leave``) waits for
    this transaction, or this one waits for it and reads the committed rows. SQLite: the write
    transaction is the only one, so a plain read is exact."""
    if conn.dialect.name == "postgresql" and conn.get_execution_options().get("leadctl_write", False):
        stmt = stmt.with_for_update(read=True)
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


def _first_free(conn: Connection, ids: Sequence[int], now: datetime) -> int | None:
    """The first of ``ids`` without a live lease (PostgreSQL: and not locked; now locked)."""
    from leadctl.storage import schema

    C, LE = schema.client, schema.client_lease
    live = select(LE.c.client_id).where(LE.c.client_id == C.c.id, LE.c.lease_until > now).exists()
    if conn.dialect.name == "postgresql":
        from sqlalchemy import Integer, bindparam, func
        from sqlalchemy.dialects.postgresql import ARRAY

        arr = bindparam("ids", list(ids), type_=ARRAY(Integer))
        q = (
            select(C.c.id)
            .where(C.c.id == func.any(arr), ~live)
            .order_by(func.array_position(arr, C.c.id))
            .limit(1)
            .with_for_update(skip_locked=True, of=C)
        )
        return conn.execute(q).scalar()
    free = set(conn.execute(select(C.c.id).where(C.c.id.in_(list(ids)), ~live)).scalars())
    return next((i for i in ids if i in free), None)


def take_lease(conn: Connection, client_id: int, rep_id: int, now: datetime, until: datetime) -> bool:
    """Lease ``client_id`` to ``rep_id`` until ``until`` unless a live lease holds it."""
    from leadctl.storage import schema

    LE = schema.client_lease
    values = {"client_id": client_id, "rep_id": rep_id, "claimed_at": now, "lease_until": until}
    update = {"rep_id": rep_id, "claimed_at": now, "lease_until": until}
    stmt: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = (
            postgresql.insert(LE)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[LE.c.client_id], set_=update, where=LE.c.lease_until <= now
            )
        )
    else:
        from sqlalchemy.dialects import sqlite

        stmt = (
            sqlite.insert(LE)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[LE.c.client_id], set_=update, where=LE.c.lease_until <= now
            )
        )
    stmt = stmt.returning(LE.c.client_id)
    return conn.execute(stmt).first() is not None


def claim_lease(
    conn: Connection,
    ids: Sequence[int],
    rep_id: int,
    now: datetime,
    until: datetime,
    accept: Callable[[int], bool] = lambda _id: True,
) -> int | None:
    """The first of ``ids`` this transaction leased to ``rep_id`` (see the module docstring)."""
    remaining = list(dict.fromkeys(ids))
    while remaining:
        cid = _first_free(conn, remaining, now)
        if cid is None:
            return None
        remaining = remaining[remaining.index(cid) + 1 :]
        if accept(cid) and take_lease(conn, cid, rep_id, now, until):
            return cid
    return None


def release_lease(conn: Connection, client_id: int, rep_id: int) -> bool:
    """End ``rep_id``'s lease on ``client_id`` (e.g. the call was logged); False if not held."""
    from sqlalchemy import delete

    from leadctl.storage import schema

    LE = schema.client_lease
    res = conn.execute(delete(LE).where(LE.c.client_id == client_id, LE.c.rep_id == rep_id))
    return bool(res.rowcount)
