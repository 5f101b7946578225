"""SQL expressions whose spelling differs between SQLite and PostgreSQL, one function each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import BigInteger, Select, String, bindparam, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType


class utc_day(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """The UTC calendar day (``YYYY-MM-DD`` text) of a stored timestamp."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    # Stored as UTC text 'YYYY-MM-DD HH:MM:SS…'.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_pg(element: utc_day, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"to_char(({arg}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def day_of(column: ColumnElement[Any]) -> ColumnElement[str]:
    return utc_day(column)


def member_of(column: ColumnElement[Any], values: Sequence[Any], dialect_name: str) -> ColumnElement[bool]:
    """``column IN values`` as ONE bound parameter, so long lists need neither thousands of
    placeholders nor a new statement text per list length: ``= ANY(array)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(?))`` on SQLite.
    """
    if dialect_name == "postgresql":
        from sqlalchemy import any_, cast
        from sqlalchemy.dialects.postgresql import ARRAY

        item = column.type if not isinstance(column.type, NullType) else String()
        return column == any_(cast(bindparam(None, list(values), type_=ARRAY(item)), ARRAY(item)))
    import json

    return column.in_(
        select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(list(values)))))
    )


CHUNK = 5000  # values per look-up statement


def in_chunks(
    conn: Connection, column: ColumnElement[Any], values: Iterable[Any], size: int = CHUNK
) -> Iterator[ColumnElement[bool]]:
    """``column IN chunk`` conditions (``member_of``) over the distinct ``values`` in sorted
    order, ``size`` at a time: the one way to look up an unbounded list of keys or ids.

    ``for cond in in_chunks(conn, C.c.id, ids): conn.execute(select(...).where(cond))``
    """
    ordered = sorted(set(values))
    for i in range(0, len(ordered), size):
        yield member_of(column, ordered[i : i + size], conn.dialect.name)


def refresh_statistics(conn: Connection, *tables: str, wait: bool = True) -> bool:
    """Tell the planner about tables that grew a lot within a run (PostgreSQL ``ANALYZE``,
    which counts the rows this transaction inserted); whether it ran.

    Without it a table that was empty when the run began keeps being planned as empty
    (sequential scans on every look-up). SQLite plans by its indexes and needs nothing.

    ANALYZE holds each table's SHARE UPDATE EXCLUSIVE lock until the transaction ends. A
    writer that may wait for another one's rows (an ``ON CONFLICT`` on the same key) passes
    ``wait=False``: when another transaction holds that lock (a concurrent import that
    analysed first, autovacuum) it is skipped at once instead of waited for, in a savepoint, so
    two writers never wait for each other (the planner keeps its older figures).
    """
    if conn.dialect.name != "postgresql":
        return False
    sql = f"ANALYZE {', '.join(tables)}"
    if wait:
        conn.exec_driver_sql(sql)
        return True
    from sqlalchemy import text

    previous = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar_one()
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SELECT set_config('lock_timeout', '10ms', true)")
            conn.exec_driver_sql(sql)
            conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": previous})
    except Exception as exc:  # the engine's error hook may have typed it (BusyError) already
        cause: BaseException | None = exc
        while cause is not None and getattr(getattr(cause, "orig", cause), "sqlstate", None) != "55P03":
            cause = cause.__cause__  # 55P03: lock_not_available
        if cause is None:
            raise
        return False  # the savepoint's rollback restored lock_timeout too
    return True


# ------------------------------------------------------------------ business time (SLA, metrics)


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """Whole seconds since 1970-01-01 UTC of a stored timestamp, floored as Python and
    PostgreSQL do (an integer on both backends, so ``(epoch + offset) / 86400`` is integer
    division on both)."""

    type = BigInteger()
    inherit_cache = True


# SQLite parses a time's fraction to the nearest millisecond, so ``strftime('%s', t)`` of
# ``…:15.999999`` says 16 where Python and PostgreSQL floor to 15: the first 19 characters
# (``YYYY-MM-DD HH:MM:SS``, how every timestamp is stored) are the floor exactly, also before
# 1970 (the fraction only ever adds to the whole second). SQLite 3.38 added ``unixepoch``:
# the same integer without formatting text and parsing it back (0.09 s instead of 0.25 s
# per million values).
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    whole = f"substr({compiler.process(element.clauses, **kw)}, 1, 19)"
    return f"unixepoch({whole})" if _UNIXEPOCH else f"CAST(strftime('%s', {whole}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # ``date_part`` is a double, ``extract`` a numeric (PostgreSQL 14+): ~0.15 s less per million
    # values. Exact: a timestamp's microseconds since 1970 stay below 2**53 until the year 2255,
    # so the double holds the fraction to well under a microsecond and its floor never rounds up.
    return f"CAST(floor(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class stored_utc(FunctionElement[Any]):  # noqa: N801
    """A timestamp from whole epoch seconds, spelled as a ``UTCDateTime`` column stores it, so
    an ``INSERT … SELECT`` writes what Core would from Python: SQLite's text
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (the unique keys compare text), PostgreSQL's timestamptz."""

    inherit_cache = True


@compiles(stored_utc, "sqlite")
def _stored_utc_sqlite(element: stored_utc, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%S', {arg}, 'unixepoch') || '.000000')"


@compiles(stored_utc, "postgresql")
def _stored_utc_pg(element: stored_utc, compiler: Any, **kw: Any) -> str:
    return f"to_timestamp({compiler.process(element.clauses, **kw)})"


class greatest(FunctionElement[Any]):  # noqa: N801
    """The largest of its arguments (SQLite's multi-argument ``max``)."""

    inherit_cache = True


class least(FunctionElement[Any]):  # noqa: N801
    """The smallest of its arguments (SQLite's multi-argument ``min``)."""

    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_pg(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(least, "postgresql")
def _least_pg(element: least, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


class utc_week(FunctionElement[str]):  # noqa: N801
    """The Monday (``YYYY-MM-DD``, UTC) of a stored timestamp's ISO week."""

    type = String()
    inherit_cache = True


@compiles(utc_week, "sqlite")
def _utc_week_sqlite(element: utc_week, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"date(substr({arg}, 1, 10), '-' || ((CAST(strftime('%w', {arg}) AS INTEGER) + 6) % 7) || ' days')"


@compiles(utc_week, "postgresql")
def _utc_week_pg(element: utc_week, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"to_char(date_trunc('week', ({arg}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


class json_text(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """One top-level key of a JSON column as text: ``json_text(event.c.data, "to")`` (the key is
    a fixed identifier written into the SQL, so it must be letters, digits and underscores)."""

    type = String()
    inherit_cache = False  # the key is not part of the cache key: never reuse compiled SQL

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"json_text: {key!r} is not a plain key")
        self.key = key
        super().__init__(column)


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **kw)}, '$.{element.key}')"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} ->> '{element.key}')"


def in_rowid_order(query: Select[Any], key: ColumnElement[Any], dialect: str) -> Select[Any]:
    """``query`` (one row per row of a big table, to be used as a subquery) made to read that
    table in its integer key's order on SQLite: ordered by ``key`` behind an ``OFFSET 0`` fence
    (SQLite drops a subquery's ORDER BY without one), so the planner scans the table by rowid
    and each per-row look-up keyed by that id (facts, active assignment) walks its index in
    key order, instead of scanning a covering index in another order and jumping at random
    for each look-up. PostgreSQL hash-joins those look-ups: unchanged there (a sort would only
    cost)."""
    return query.order_by(key).offset(0) if dialect == "sqlite" else query


class unindexed(FunctionElement[Any]):  # noqa: N801
    """A column's own value, which SQLite's planner may not answer from an index (unary ``+``).

    For a filter that keeps nearly every row of a big table (``created_at <= now``): SQLite
    would otherwise skip-scan a composite index holding the column and fetch each row by id,
    several times slower than reading the table once. PostgreSQL plans it well as it is.
    """

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(unindexed, "postgresql")
def _unindexed_pg(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # type: ignore[no-any-return]
