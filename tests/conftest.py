"""Shared fixtures: an isolated user directory, real SQLite files and a real PostgreSQL.

PostgreSQL tests read ``LEADCTL_TEST_POSTGRES_URL``. The session creates its own throwaway
database on that server and drops it at the end; each test gets a fresh schema in it.
Without the variable, PostgreSQL variants are skipped with a visible reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from leadctl.cli import cli

PG_ENV = "LEADCTL_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgres"]


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the leadctl processes the tests start, however the suite was launched.

    A job started in the background by a shell without job control (``cmd &`` in a script,
    ``nohup``) inherits SIGINT *ignored*, and so would every leadctl process it spawns: the
    Ctrl-C tests (exit 130, nothing changed) would then test the launcher, not leadctl. A
    handled signal is reset to the default at ``exec``, so installing Python's own handler here
    gives the children a normal Ctrl-C."""
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real user's data or config directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for var in ("LEADCTL_DATA_DIR", "LEADCTL_DATABASE_URL", "LEADCTL_RULES", "LEADCTL_FORMAT", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LEADCTL_ACTOR", "tester")
    from leadctl import config

    config._config_values.cache_clear()
    return home


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway database on the test server, dropped after the session."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"leadctl_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session's database (its own search_path)."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_database else "?"
    try:
        yield f"{pg_database}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'leadctl.db'}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on a real SQLite file and on the real PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@dataclass
class Leadctl:
    """Runs leadctl commands in-process against one database, like a user would."""

    db_url: str
    rules: str | None = None

    def __call__(self, *args: str, input: str | bytes | None = None, ok: bool = True) -> Result:
        runner = CliRunner()
        argv = ["--db", self.db_url]
        if self.rules:
            argv += ["--rules", self.rules]
        result = runner.invoke(cli, [*argv, *args], input=input, catch_exceptions=True)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"leadctl {' '.join(args)} exited {result.exit_code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\nexception: {result.exception!r}"
            )
        return result

    def json(self, *args: str) -> Any:
        import json

        return json.loads(self(*args, "--format", "json").stdout)

    def engine(self):  # type: ignore[no-untyped-def]
        from leadctl.storage.engine import open_engine

        return open_engine(self.db_url)


@pytest.fixture
def leadctl(db_url: str) -> Leadctl:
    return Leadctl(db_url)


@pytest.fixture
def leadctl_sqlite(sqlite_url: str) -> Leadctl:
    return Leadctl(sqlite_url)
