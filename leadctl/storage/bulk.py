"""Bulk writes behind one function, so services never branch on the database.

``insert_ignore`` inserts many rows, skipping those whose conflict key (a unique
constraint) already exists, and says exactly how many it inserted:

* SQLite: ``executemany`` of ``INSERT … ON CONFLICT (…) DO NOTHING`` on the raw sqlite3
  cursor, values converted as SQLAlchemy Core would store them (JSON text, UTC datetimes).
* PostgreSQL: psycopg 3 ``COPY`` into a temporary table, then one
  ``INSERT … SELECT … ON CONFLICT (…) DO NOTHING``. A concurrent transaction inserting the
  same keys makes this one wait for it and then skip them, so a row is never inserted twice.

Rows come in chunks, consumed lazily, so a caller's generator can prepare the next chunk
while the database works: on PostgreSQL each chunk's ``INSERT … SELECT`` is sent in
pipeline mode and runs on the server while Python prepares the next chunk.

Both run inside the caller's transaction (``storage.engine.write``): nothing is visible
until it commits, and an error or a kill leaves nothing behind.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Result

from leadctl.storage.types import UTCDateTime, is_json

Row = Sequence[Any]
_SQLITE_CACHE_KIB = 262_144  # page cache for a big insert into a table with many indexes
_dumps = json.dumps


class JSONText(str):
    """A value for a JSON column that is already JSON text: stored as it is."""

    __slots__ = ()


def insert_ignore(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    chunks: Iterable[Sequence[Row]],
    conflict: Sequence[str],
) -> int:
    """Insert rows unless their ``conflict`` key exists; return how many were inserted.

    ``chunks`` yields lists of rows (values in ``columns`` order, as for Core: JSON columns
    take Python objects or ``JSONText``, datetime columns aware datetimes); pass ``[rows]``
    for one list. Rows repeating a key are inserted once.
    """
    name = conn.dialect.name
    if name == "sqlite":
        return _sqlite(conn, table, columns, chunks, conflict)
    if name == "postgresql":
        return _postgres(conn, table, columns, chunks, conflict)
    raise NotImplementedError(f"bulk insert on {name}")  # pragma: no cover - engine allows only these


def insert_new(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row], conflict: Sequence[str]
) -> int:
    """``insert_ignore`` of one list of rows expected to be new (an import's next chunk);
    how many were inserted.

    PostgreSQL: one ``COPY`` straight into the table, in a savepoint — no temporary table
    and no second pass over the rows (``insert_ignore`` copies into one, then inserts from
    it). Should a key already exist (a re-import, a key repeated within ``rows``, a
    concurrent writer's committed row) the savepoint is rolled back and the rows go through
    ``insert_ignore``: the same result either way, at worst both costs. SQLite:
    ``insert_ignore`` (``INSERT OR IGNORE`` is already one pass)."""
    if not rows:
        return 0
    if conn.dialect.name != "postgresql":
        return insert_ignore(conn, table, columns, [rows], conflict)
    from psycopg.errors import UniqueViolation

    try:
        with conn.begin_nested(), _raw_cursor(conn) as cur:
            _copy_into(
                cur, _quote(conn, table.name), _names(conn, columns), rows, _json_positions(table, columns)
            )
        return len(rows)
    except UniqueViolation:
        return insert_ignore(conn, table, columns, [rows], conflict)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _names(conn: Connection, columns: Sequence[str]) -> str:
    """``"a", "b", …`` for a column list."""
    return ", ".join(_quote(conn, c) for c in columns)


def _json_positions(table: Table, columns: Sequence[str]) -> list[int]:
    return [i for i, c in enumerate(columns) if is_json(table.c[c].type)]


@contextmanager
def _raw_cursor(conn: Connection) -> Iterator[Any]:
    """The DBAPI cursor of the connection's current transaction (closed afterwards)."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cur
    finally:
        cur.close()


def _copy_into(cur: Any, target: str, cols: str, rows: Sequence[Row], json_cols: list[int]) -> None:
    """PostgreSQL ``COPY`` of rows into ``target`` (JSON columns serialised)."""
    with cur.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
        _copy_rows(copy, rows, json_cols)


def _empty_temp_table(cur: Any, tmp: str, cols: str, target: str) -> None:
    """A transaction-scoped temporary table shaped like ``target``'s columns, emptied."""
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {tmp} ON COMMIT DROP AS SELECT {cols} FROM {target} WITH NO DATA"
    )
    cur.execute(f"TRUNCATE {tmp}")


def sqlite_datetime(value: datetime) -> str:
    """A datetime as SQLAlchemy stores a UTCDateTime in SQLite (naive UTC, microseconds)."""
    tz = value.tzinfo
    if tz is UTC:
        return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"
    if tz is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _make_json_text() -> Callable[[Any], str]:
    """``json.dumps`` with default settings, minus its per-call set-up (the C encoder made once)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has the C accelerator
        return lambda value: value if type(value) is JSONText else _dumps(value)

    def default(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    encode = make(None, default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    join = "".join

    def json_text(value: Any) -> str:
        if value == []:
            return "[]"
        kind = type(value)
        if kind is JSONText:
            return value  # type: ignore[no-any-return]
        if kind is str:
            return _dumps(value)
        return join(encode(value, 0))

    return json_text


_json_text = _make_json_text()


class _Converter:
    """Turns rows into SQLite parameters: JSON → text, UTCDateTime → SQLAlchemy's text form,
    other types through their SQLAlchemy bind processor."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str]) -> None:
        self.json: list[int] = []
        self.times: list[int] = []
        self.other: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(columns):
            col_type = table.c[name].type
            if is_json(col_type):
                self.json.append(i)
            elif isinstance(col_type, UTCDateTime):
                self.times.append(i)
            else:
                proc = col_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if proc is not None:
                    self.other.append((i, proc))

    def __call__(self, rows: Sequence[Row]) -> list[list[Any]]:
        json_text = _json_text
        json_cols, time_cols, other = self.json, self.times, self.other
        # a time equal to the last row's (the load's) is converted once
        last: list[tuple[Any, str | None]] = [(None, None)] * len(time_cols)
        out = []
        for row in rows:
            values = list(row)
            for i in json_cols:
                v = values[i]
                if v is not None:
                    values[i] = json_text(v)
            for k, i in enumerate(time_cols):
                v = values[i]
                if v is not None:
                    prev, text = last[k]
                    if v is not prev:
                        text = sqlite_datetime(v)
                        last[k] = (v, text)
                    values[i] = text
            for i, proc in other:
                v = values[i]
                if v is not None:
                    values[i] = proc(v)
            out.append(values)
        return out


def _sqlite(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    chunks: Iterable[Sequence[Row]],
    conflict: Sequence[str],
) -> int:
    convert = _Converter(conn, table, columns)
    marks = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {_quote(conn, table.name)} ({_names(conn, columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({_names(conn, conflict)}) DO NOTHING"
    )
    inserted = 0
    with _raw_cursor(conn) as cur, _big_cache(cur):
        for rows in chunks:
            cur.executemany(sql, convert(rows))
            inserted += cur.rowcount
    return inserted


@contextmanager
def _big_cache(cur: Any) -> Iterator[None]:
    """SQLite: a page cache of at least ``_SQLITE_CACHE_KIB`` on this connection from its first
    bulk write on (index pages of a large table stay in memory instead of spilling
    mid-transaction).

    It is kept afterwards, not shrunk back: shrinking evicted the pages the very next
    statement of the same run reads and writes again (a ``process`` batch is a SELECT, three
    inserts and an UPDATE on the same tables). Measured on 20k leads: 3x the bytes read and
    ~20% more CPU than keeping it. The memory is the process's own and only pages actually
    read take any."""
    size = int(cur.execute("PRAGMA cache_size").fetchone()[0])
    if size >= 0 or -size < _SQLITE_CACHE_KIB:  # positive: pages, negative: KiB
        cur.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
    yield


@contextmanager
def large_cache(conn: Connection) -> Iterator[None]:
    """Statements run inside get the bulk writes' large SQLite page cache (set-based writes
    outside this module, e.g. assignment's INSERT … SELECT); nothing on other backends."""
    if conn.dialect.name != "sqlite":
        yield
        return
    with _raw_cursor(conn) as cur, _big_cache(cur):
        yield


def rows_as_dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """A result's rows as plain dicts (column label -> value): what ``[dict(r) for r in
    result.mappings()]`` gives, several times faster (no mapping view per row)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: bulk work builds many small objects (row dicts,
    tuples, normalised records) that hold no cycles and mostly live until the work ends, and
    every collection would walk all of them again (work growing faster than the rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _copy_rows(copy: Any, rows: Sequence[Row], json_cols: list[int]) -> None:
    write = copy.write_row
    if not json_cols:
        for r in rows:
            write(r)
        return
    for r in rows:
        values = list(r)
        for i in json_cols:
            v = values[i]
            if v is not None:
                values[i] = _json_text(v)
        write(values)


def _postgres(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    chunks: Iterable[Sequence[Row]],
    conflict: Sequence[str],
) -> int:
    json_cols = _json_positions(table, columns)
    cols = _names(conn, columns)
    target = _quote(conn, table.name)
    tmp = _quote(conn, f"_leadctl_bulk_{table.name}")
    insert = (
        f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {tmp} "
        f"ON CONFLICT ({_names(conn, conflict)}) DO NOTHING"
    )
    dbapi = conn.connection.driver_connection
    inserted = 0
    cur = dbapi.cursor()  # type: ignore[union-attr]
    inserter = dbapi.cursor()  # type: ignore[union-attr]
    _empty_temp_table(cur, tmp, cols, target)
    pending: ExitStack | None = None  # pipeline mode: the previous chunk's INSERT runs on the server
    try:
        for rows in chunks:  # the caller prepares this chunk while the server inserts the last one
            if not rows:
                continue
            if pending is not None:
                pending.close()  # leave pipeline mode: wait for that INSERT
                pending = None
                inserted += inserter.rowcount
            _copy_into(cur, tmp, cols, rows, json_cols)
            pending = ExitStack()
            pending.enter_context(dbapi.pipeline())  # type: ignore[union-attr]
            inserter.execute(insert)
            cur.execute(f"TRUNCATE {tmp}")
        if pending is not None:
            pending.close()
            pending = None
            inserted += inserter.rowcount
    except BaseException:
        if pending is not None:
            with suppress(Exception):
                pending.close()
        raise
    finally:
        cur.close()
        inserter.close()
    return inserted


def allocate_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` new primary-key values for ``table``, for rows inserted in bulk with their ids.

    PostgreSQL: drawn from the id sequence (safe under concurrency). SQLite: the caller holds
    the database's write lock (``storage.engine.write``), so max(id)+1… cannot be taken twice.
    """
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar_one()
        rows = conn.exec_driver_sql(f"SELECT nextval('{seq}') FROM generate_series(1, {int(n)})").all()
        return [int(r[0]) for r in rows]
    start = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {_quote(conn, table.name)}").scalar_one()
    return list(range(int(start) + 1, int(start) + 1 + n))


def update_by_id(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """Set ``columns`` of many rows by primary key; each row is ``(id, value, …)``.

    SQLite: ``executemany`` of one UPDATE on the raw cursor. PostgreSQL: ``COPY`` into a
    temporary table, then one ``UPDATE … FROM``.
    """
    if not rows:
        return
    target = _quote(conn, table.name)
    with _raw_cursor(conn) as cur:
        if conn.dialect.name == "sqlite":
            convert = _Converter(conn, table, ["id", *columns])
            sets = ", ".join(f"{_quote(conn, c)} = ?" for c in columns)
            with _big_cache(cur):
                cur.executemany(
                    f"UPDATE {target} SET {sets} WHERE id = ?", [(*r[1:], r[0]) for r in convert(rows)]
                )
            return
        cols = _names(conn, ["id", *columns])
        tmp = _quote(conn, f"_leadctl_upd_{table.name}")
        _empty_temp_table(cur, tmp, cols, target)
        _copy_into(cur, tmp, cols, rows, _json_positions(table, ["id", *columns]))
        sets = ", ".join(f"{_quote(conn, c)} = t.{_quote(conn, c)}" for c in columns)
        cur.execute(f"UPDATE {target} SET {sets} FROM {tmp} t WHERE {target}.id = t.id")


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert many rows (values in ``columns`` order): executemany on SQLite, ``COPY`` on PostgreSQL."""
    if not rows:
        return
    target, cols = _quote(conn, table.name), _names(conn, columns)
    with _raw_cursor(conn) as cur:
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            with _big_cache(cur):
                cur.executemany(
                    f"INSERT INTO {target} ({cols}) VALUES ({marks})", _Converter(conn, table, columns)(rows)
                )
            return
        _copy_into(cur, target, cols, rows, _json_positions(table, columns))
