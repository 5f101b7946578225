"""Engines for SQLite (default) and PostgreSQL, with the pragmas and the schema check.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and write
transactions that start with ``BEGIN IMMEDIATE`` so two processes queue for the write lock
instead of failing half-way. PostgreSQL: psycopg 3, with ``lock_timeout`` set to the same busy
timeout, so a lock holder that stops responding (a stopped process, a forgotten ``psql``
session) makes leadctl give up with the same one-line "busy, try again" error (``BusyError``)
instead of waiting forever.

No ``statement_timeout``: every wait for another session is a lock wait, which
``lock_timeout`` bounds (advisory locks included), while a statement timeout would also cancel
legitimate long set-based statements (processing or loading 100,000 rows).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from leadctl.errors import BusyError, ConfigError, LeadctlError, ReadOnlyError

BUSY_TIMEOUT_ENV = "LEADCTL_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 60_000
BUSY_MESSAGE = "the database is busy (locked by another leadctl run); try again in a moment"
_WRITE = "leadctl_write"
_PG_LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired (also NOWAIT)
# PostgreSQL aborted the transaction to break a lock cycle (40P01) or a serialization conflict
# (40001): it was rolled back whole and can simply be run again.
_PG_COLLISION = {"40P01", "40001"}
COLLISION_MESSAGE = (
    "another leadctl run changed the same rows at the same moment; this change was rolled back, try again"
)


def busy_timeout_ms() -> int:
    """How long to wait for another run's lock: ``$LEADCTL_BUSY_TIMEOUT_MS`` (default 60 s)."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_MS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 1:
        raise ConfigError(f"{BUSY_TIMEOUT_ENV}: expected a whole number of milliseconds ≥ 1, got {raw!r}")
    return value


def busy_error(exc: BaseException) -> BusyError | None:
    """``BusyError`` if ``exc`` (SQLAlchemy-wrapped or raw driver) means "waited too long for a
    lock" or "aborted to let a concurrent run through" (a deadlock victim)."""
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None)
    if state == _PG_LOCK_NOT_AVAILABLE:
        return BusyError(BUSY_MESSAGE)
    if state in _PG_COLLISION:
        return BusyError(COLLISION_MESSAGE)
    if type(orig).__module__ == "sqlite3" and "is locked" in str(orig):
        return BusyError(BUSY_MESSAGE)
    return None


_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}  # the drivers leadctl installs and tests
_RAW_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/?#@]*:)(.*)@")


def mask_raw_url(url: str) -> str:
    """A URL string that may not parse, with everything between ``user:`` and the last ``@`` hidden.

    A password with an unencoded ``@`` would otherwise leak its tail as part of the host.
    """
    return _RAW_PASSWORD.sub(r"\1***@", url, count=1)


def normalise_url(url: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` means psycopg 3, a bare path means SQLite.

    Anything leadctl cannot use (another database, another driver, a bad port) is a one-line
    ConfigError showing the URL with its password masked.
    """
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    shown = mask_raw_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"not a database URL: {shown!r} (expected sqlite:///PATH or postgresql://…)"
        ) from exc
    except ValueError:  # make_url's int() of the port
        raise ConfigError(f"database URL {shown}: the port must be a number from 1 to 65535") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    driver = parsed.get_driver_name()
    if driver != _DRIVERS[backend]:
        hint = "postgresql:// (psycopg 3)" if backend == "postgresql" else "sqlite:///PATH"
        raise ConfigError(f"database URL {shown}: unsupported driver {driver!r}; use {hint}")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ConfigError(f"database URL {shown}: the port must be a number from 1 to 65535")
    if backend == "sqlite" and _in_memory(parsed):
        raise ConfigError(
            f"database URL {shown}: an in-memory SQLite database keeps nothing once leadctl exits; "
            "give a file (sqlite:///PATH) — an unset shell variable in sqlite:///$VAR gives this"
        )
    return parsed


def _in_memory(url: URL) -> bool:
    db = url.database or ""
    return db in ("", ":memory:") or db.startswith("file::memory:") or url.query.get("mode") == "memory"


def mask_url(url: str | URL) -> str:
    """The URL with any password replaced by ``***``."""
    parsed = url if isinstance(url, URL) else normalise_url(url)
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)  # type: ignore[arg-type]


def _create_private(path: Path) -> None:
    """A new SQLite file is created by leadctl, empty and 0600, in a 0700 directory it creates:
    SQLite gives its -wal and -shm files the database file's permissions."""
    if path.exists():
        return
    from leadctl.config import make_private_dir

    make_private_dir(path.parent)
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{path}: cannot create the database: the directory is not writable")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another leadctl created it meanwhile
        return
    os.fchmod(fd, 0o600)
    os.close(fd)


def _can_write(path: Path) -> bool:
    """Whether this process can change the SQLite file: the file, and its directory for -wal/-shm."""
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK):
        return True
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    return all(p.exists() and os.access(p, os.W_OK) for p in (wal, shm))


def _read_only_connect(path: Path, timeout_ms: int) -> Callable[[], Any]:
    """A sqlite3 connection that only reads: ``mode=ro``, plus ``immutable`` when SQLite could
    not create the ``-shm`` file it needs for a WAL database (the directory is not writable
    and none exists), so reading works wherever the file can be read."""
    import sqlite3

    uri = f"file:{quote(str(path))}?mode=ro"
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-shm").exists():
        uri += "&immutable=1"

    def connect() -> Any:
        return sqlite3.connect(uri, uri=True, timeout=timeout_ms / 1000, check_same_thread=False)

    return connect


def create(url: str | URL, **kwargs: Any) -> Engine:
    """An engine with leadctl's connection settings (no schema check).

    A SQLite file this process may not change (the file or its directory not writable) is
    opened read-only: listings work, and any change is a one-line error saying why.
    """
    parsed = url if isinstance(url, URL) else normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        from leadctl.storage.schema import use_postgresql

        use_postgresql()
    timeout_ms = busy_timeout_ms()
    read_only = False
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            _create_private(path)
            read_only = not _can_write(path)
        if read_only and path is not None:
            engine = create_engine(parsed, creator=_read_only_connect(path, timeout_ms), **kwargs)
        else:
            engine = create_engine(parsed, connect_args={"timeout": timeout_ms / 1000}, **kwargs)
        _sqlite_events(engine, timeout_ms, read_only)
    else:
        engine = create_engine(
            parsed, pool_pre_ping=False, connect_args=_pg_connect_args(parsed, timeout_ms), **kwargs
        )

    event.listen(engine, "handle_error", _translate)
    return engine


def _translate(context: Any) -> BaseException | None:
    """SQLAlchemy ``handle_error`` hook. A module function, not a closure over the engine: a
    closure would make engine and listener a reference cycle and keep pooled connections
    open until the garbage collector runs."""
    return translate_error(context.engine, context.original_exception)


def translate_error(engine: Engine, exc: BaseException) -> LeadctlError | None:
    """The typed error for a database error leadctl understands (busy, read-only), else None."""
    busy = busy_error(exc)
    if busy is not None:
        return busy
    orig = getattr(exc, "orig", None) or exc
    if type(orig).__module__ == "sqlite3" and "readonly database" in str(orig):
        return ReadOnlyError(
            f"{engine.url.database}: the database is read-only for you (the file or its directory is not "
            "writable): listings work, changes are refused"
        )
    return None


def _pg_connect_args(url: URL, timeout_ms: int) -> dict[str, Any]:
    """``lock_timeout`` as a start-up option (no extra round trip); the URL's own options win."""
    own = url.query.get("options")
    own_text = " ".join(own) if isinstance(own, tuple) else (own or "")
    args: dict[str, Any] = {"options": f"-c lock_timeout={timeout_ms} {own_text}".strip()}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = max(1, -(-timeout_ms // 1000))
    return args


def _sqlite_events(engine: Engine, timeout_ms: int, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        if not read_only:  # setting the journal mode writes the file header
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on success, rolled back on any error.

    On SQLite it takes the write lock up front (``BEGIN IMMEDIATE``), waiting up to the busy
    timeout for another process to finish, so concurrent writers never deadlock mid-way. A lock
    wait that times out on either backend (also inside raw-cursor bulk I/O) is ``BusyError``.
    """
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
    except Exception as exc:
        typed = translate_error(engine, exc)
        if typed is None:
            raise
        raise typed from exc


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


def open_engine(url: str, *, check_schema: bool = True) -> Engine:
    """Open the database; create and migrate a new empty one; refuse an out-of-date one."""
    engine = create(url)
    if check_schema:
        from leadctl.storage.migrate import ensure_schema

        ensure_schema(engine)
    return engine
