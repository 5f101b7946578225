"""storage/locks.py directly, on both backends, with real second connections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Connection

from leadctl.storage import engine as engine_mod
from leadctl.storage import locks

LOCKS: dict[str, Callable[[Connection], None]] = {
    "intake": locks.intake_lock,
    "bucket 1": lambda conn: locks.bucket_load_lock(conn, 1),
}


def _waiter(url: str, lock: Callable[[Connection], None], done: list[float]) -> threading.Thread:
    def run() -> None:
        engine = engine_mod.create(url)
        with engine_mod.write(engine) as conn:
            lock(conn)
            done.append(time.monotonic())
        engine.dispose()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", list(LOCKS))
def test_lock_is_held_until_the_transaction_ends(db_url: str, name: str) -> None:
    lock = LOCKS[name]
    engine = engine_mod.open_engine(db_url)
    done: list[float] = []
    with engine_mod.write(engine) as conn:
        lock(conn)
        thread = _waiter(db_url, lock, done)
        time.sleep(0.6)
        assert done == [], "a second transaction took the lock while the first held it"
        released = time.monotonic()
    thread.join(10)
    assert len(done) == 1 and done[0] >= released


def test_locks_of_different_purposes_do_not_wait_for_each_other(pg_url: str) -> None:
    """PostgreSQL: loads into other buckets and intake processing run alongside one load."""
    engine = engine_mod.open_engine(pg_url)
    done: list[float] = []
    with engine_mod.write(engine) as conn:
        locks.bucket_load_lock(conn, 1)
        others = [
            _waiter(pg_url, lambda c: locks.bucket_load_lock(c, 2), done),
            _waiter(pg_url, locks.intake_lock, done),
        ]
        for t in others:
            t.join(10)
        assert len(done) == 2
