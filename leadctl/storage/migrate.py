"""Schema revisions: a cheap check on every run, Alembic only when a migration really runs.

``HEAD`` must equal the newest revision in ``migrations/versions`` (a test checks it), so a
normal command compares one string instead of importing Alembic (~250 ms).
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import SchemaError

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0029"


def migrations_dir() -> Path:
    import leadctl.migrations

    return Path(leadctl.migrations.__file__).parent


def table_exists(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
    else:
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = :n"
    return conn.execute(text(sql), {"n": name}).first() is not None


def has_any_table(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1"
    else:
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() LIMIT 1"
    return conn.execute(text(sql)).first() is not None


def current_revision(conn: Connection) -> str | None:
    if not table_exists(conn, "alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against this leadctl: the one place that decides.

    ``state`` is ``current`` (at ``HEAD``), ``empty`` (no tables: set up on first use),
    ``base`` (downgraded to base: only the version table), ``foreign`` (tables but no
    revision), ``newer`` (a revision this leadctl does not know) or ``older`` (needs
    ``db upgrade``). ``problem`` is the one-line message for anything but current/empty.
    """

    revision: str | None
    state: str

    @property
    def problem(self) -> str | None:
        if self.state in ("current", "empty"):
            return None
        if self.state == "base":
            return f"the database schema is at base (no tables), this leadctl needs {HEAD}: run 'leadctl db upgrade'"
        if self.state == "foreign":
            return "the database has tables but no leadctl schema revision; point --db at a leadctl database"
        if self.state == "newer":
            return (
                f"the database schema ({self.revision}) is newer than this leadctl ({HEAD}); upgrade leadctl"
            )
        return f"the database schema is at revision {self.revision}, this leadctl needs {HEAD}: run 'leadctl db upgrade'"


def schema_status(conn: Connection) -> SchemaStatus:
    """The schema's state in one or two cheap catalogue queries (no Alembic import)."""
    has_version = table_exists(conn, "alembic_version")
    rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if has_version else None
    if rev == HEAD:
        return SchemaStatus(rev, "current")
    if rev is None:
        if has_version:  # `leadctl db downgrade base` leaves an empty version table
            return SchemaStatus(None, "base")
        return SchemaStatus(None, "foreign" if has_any_table(conn) else "empty")
    return SchemaStatus(rev, "older" if rev in known_revisions() else "newer")


def ensure_schema(engine: Engine) -> SchemaStatus:
    """Migrate a brand-new empty database to head; stop (SchemaError) on any other mismatch."""
    with engine.connect() as conn:
        status = schema_status(conn)
    if status.state == "empty":
        with migration_lock(engine):  # another process may be setting it up right now
            with engine.connect() as conn:
                status = schema_status(conn)
            if status.state == "empty":
                upgrade(engine, "head")
                status = SchemaStatus(HEAD, "current")
    if status.problem:
        raise SchemaError(status.problem)
    return status


def known_revisions() -> set[str]:
    versions = migrations_dir() / "versions"
    revs: set[str] = set()
    for path in versions.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("revision"):
                revs.add(line.split("=", 1)[1].strip().split(":")[-1].strip().strip("\"'"))
                break
    return revs


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations between processes (file lock on SQLite, advisory lock on PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:":
            yield
            return
        lock_path = f"{db}.migrate-lock"
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(7140821)"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(7140821)"))
            conn.commit()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


StepCallback = Callable[[str, str | None, str | None, str], None]  # (verb, from, to, message)


def upgrade(engine: Engine, revision: str = "head", *, on_step: StepCallback | None = None) -> None:
    from alembic import command

    with _interruptible(engine) as cfg_attrs:
        cfg = alembic_config(engine)
        cfg.attributes.update(cfg_attrs | _step_attrs(on_step))
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str, *, on_step: StepCallback | None = None) -> None:
    """Downgrade in one transaction; Ctrl-C (also mid-statement on SQLite) rolls it all back."""
    from alembic import command

    with _interruptible(engine) as cfg_attrs:
        cfg = alembic_config(engine)
        cfg.attributes.update(cfg_attrs | _step_attrs(on_step))
        command.downgrade(cfg, revision)


def _step_attrs(on_step: StepCallback | None) -> dict[str, Any]:
    if on_step is None:
        return {}

    def step(info: Any) -> None:
        verb = "upgrade" if info.is_upgrade else "downgrade"
        src = ",".join(info.source_revision_ids) or None
        dst = ",".join(info.destination_revision_ids) or None
        on_step(verb, src, dst, (info.up_revision.doc or "").strip() if info.up_revision else "")

    return {"on_step": step}


@contextmanager
def _interruptible(engine: Engine) -> Iterator[dict[str, Any]]:
    """Let Ctrl-C stop a long SQLite statement (a table rebuild) and roll the migration back.

    Python runs its SIGINT handler only between bytecodes, never inside one long
    ``sqlite3_step``. So a progress handler (called by SQLite every few thousand VM steps)
    aborts the statement once SIGINT was seen; the abort becomes ``KeyboardInterrupt``.
    On PostgreSQL psycopg cancels the running query on KeyboardInterrupt itself.
    """
    if engine.dialect.name != "sqlite" or threading.current_thread() is not threading.main_thread():
        yield {}
        return
    hit = threading.Event()

    def on_sigint(_signum: int, _frame: Any) -> None:
        hit.set()

    def handler() -> int:
        return 1 if hit.is_set() else 0

    def on_connection(conn: Connection) -> None:
        conn.connection.driver_connection.set_progress_handler(handler, 20_000)  # type: ignore[union-attr]

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield {"on_connection": on_connection}
    except Exception as exc:
        if hit.is_set():
            raise KeyboardInterrupt from exc
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


def history(engine: Engine) -> list[dict[str, Any]]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = current_revision(conn)
    rows = []
    for rev in script.walk_revisions():
        rows.append(
            {
                "revision": rev.revision,
                "down_revision": rev.down_revision,
                "message": rev.doc,
                "current": rev.revision == current,
                "head": rev.is_head,
            }
        )
    return rows


def script_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(cfg).get_current_head()
