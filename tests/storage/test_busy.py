"""A lock holder that stops responding: every backend gives up after the busy timeout.

A real second connection takes the lock and then just sits there (as a stopped process or a
forgotten ``psql`` session would); ``process`` and ``dedupe scan --apply`` must answer with the
one-line "busy, try again" error and exit 1 instead of waiting forever.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from leadctl.errors import BusyError, ConfigError
from leadctl.storage import engine as engine_mod
from leadctl.storage import locks
from tests.commands.leads_fixtures import seed_leads
from tests.conftest import Leadctl

BUSY = "Error: the database is busy (locked by another leadctl run); try again in a moment\n"


@contextmanager
def holder(url: str, sql: str | None = None) -> Iterator[None]:
    """Another session that takes the intake lock (or runs ``sql``) and stops responding."""
    engine = engine_mod.create(url)
    try:
        with engine_mod.write(engine) as conn:  # SQLite: BEGIN IMMEDIATE holds the write lock
            if sql is None:
                locks.intake_lock(conn)
            else:
                conn.execute(text(sql))
            yield
    finally:
        engine.dispose()


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("LEADCTL_BUSY_TIMEOUT_MS", "400")
    return 400


@pytest.mark.parametrize("command", [("process",), ("dedupe", "scan", "--apply")])
def test_a_stuck_lock_holder_gives_the_busy_error(
    leadctl: Leadctl, db_url: str, short_timeout: int, command: tuple[str, ...]
) -> None:
    seed_leads(leadctl.engine())
    with holder(db_url):
        started = time.monotonic()
        result = leadctl(*command, ok=False)
        elapsed = time.monotonic() - started
    assert (result.exit_code, result.stderr) == (1, BUSY)
    assert elapsed < 15
    leadctl(*command)  # the holder is gone: the same command now runs


def test_a_row_lock_held_by_another_session_gives_the_busy_error(pg_url: str, short_timeout: int) -> None:
    """PostgreSQL: processing waits for row locks too (a session editing leads by hand)."""
    leadctl = Leadctl(pg_url)
    seed_leads(leadctl.engine())
    with holder(pg_url, "SELECT id FROM lead FOR UPDATE"):
        result = leadctl("process", ok=False)
    assert (result.exit_code, result.stderr) == (1, BUSY)


def test_a_real_process_gives_up_too(db_url: str, short_timeout: int) -> None:
    seed_leads(engine_mod.open_engine(db_url))
    leadctl = os.path.join(os.path.dirname(sys.executable), "leadctl")
    with holder(db_url):
        p = subprocess.run(
            [leadctl, "--db", db_url, "process"], capture_output=True, text=True, timeout=60, env=os.environ
        )
    assert (p.returncode, p.stderr) == (1, BUSY)


def test_lock_timeout_is_set_on_every_postgres_connection(pg_url: str, short_timeout: int) -> None:
    engine = engine_mod.create(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "400ms"
        assert str(conn.execute(text("SHOW search_path")).scalar()).startswith("t_")  # the URL's options kept


def test_busy_timeout_waits_for_a_holder_that_finishes_in_time(db_url: str) -> None:
    """The timeout is a bound, not a refusal: a short holder is waited for."""
    engine = engine_mod.open_engine(db_url)
    import threading

    release = threading.Event()

    def hold() -> None:
        with holder(db_url):
            release.wait(5)
            time.sleep(0.3)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.3)
    release.set()
    with engine_mod.write(engine) as conn:
        locks.intake_lock(conn)
    t.join()


def test_busy_error_type_from_storage(db_url: str, short_timeout: int) -> None:
    engine = engine_mod.open_engine(db_url)
    with holder(db_url), pytest.raises(BusyError), engine_mod.write(engine) as conn:
        locks.intake_lock(conn)


@pytest.mark.parametrize("value", ["soon", "0", "-5", "1.5"])
def test_a_bad_busy_timeout_is_a_config_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LEADCTL_BUSY_TIMEOUT_MS", value)
    with pytest.raises(ConfigError, match="LEADCTL_BUSY_TIMEOUT_MS: expected a whole number"):
        engine_mod.busy_timeout_ms()


def test_a_deadlock_victim_gets_the_collision_error_not_the_driver_text(pg_url: str) -> None:
    """Two sessions each holding a row the other wants: PostgreSQL aborts one of them. That
    transaction was rolled back and can simply be run again, so it is the one-line "try again"
    error (which a best-effort step such as the queue's rescore skips), not "deadlock detected"."""
    import threading

    from sqlalchemy import select

    from leadctl.storage import schema
    from tests.services.queue_factory import world

    w = world(engine_mod.open_engine(pg_url))
    a, b = w.client("ana"), w.client("ana")
    C = schema.client
    first_locked = threading.Event()
    errors: list[BaseException] = []

    def lock(mine: int, theirs: int, wait_for: threading.Event | None) -> None:
        try:
            with engine_mod.write(w.engine) as conn:
                conn.execute(select(C.c.id).where(C.c.id == mine).with_for_update())
                if wait_for is None:
                    first_locked.set()
                    time.sleep(0.5)
                else:
                    wait_for.wait(10)
                conn.execute(select(C.c.id).where(C.c.id == theirs).with_for_update())
        except BaseException as exc:  # noqa: BLE001 - checked below
            errors.append(exc)

    threads = [
        threading.Thread(target=lock, args=(a, b, None)),
        threading.Thread(target=lock, args=(b, a, first_locked)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(errors) == 1
    assert isinstance(errors[0], BusyError)
    assert "deadlock" not in str(errors[0]) and "try again" in str(errors[0])
