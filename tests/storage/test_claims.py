"""storage.claims on both backends: claim skips what another transaction holds (PostgreSQL) or
is exact under the write lock (SQLite); exclusive runs exclude each other and fail clearly."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert

from leadctl.errors import BusyError
from leadctl.storage import claims, schema
from leadctl.storage.engine import open_engine, write
from tests.services.assign_factory import World


def test_claim_filters_and_skips_rows_held_elsewhere(db_url: str) -> None:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    ids = w.add_clients("C", 5)
    C = schema.client
    with write(w.engine) as conn:
        assert claims.claim(conn, C, ids, C.c.id != ids[0]) == set(ids[1:])
    if w.engine.dialect.name != "postgresql":
        return
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with write(w.engine) as conn:
            claims.claim(conn, C, ids[:2])
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with write(w.engine) as conn:
            assert claims.claim(conn, C, ids) == set(ids[2:])
    finally:
        release.set()
        t.join()


def test_exclusive_runs_exclude_each_other(db_url: str) -> None:
    engine = open_engine(db_url)
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with claims.exclusive(engine, "assign:1", 1, "assign of campaign 1") as conn:
            conn.execute(
                insert(schema.campaign).values(name="x", active=True, created_at=_t(), updated_at=_t())
            )
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with (
            pytest.raises(BusyError, match="already running"),
            claims.exclusive(engine, "assign:1", 0.3, "assign of campaign 1"),
        ):
            pass
    finally:
        release.set()
        t.join()
    with claims.exclusive(engine, "assign:1", 0.3, "assign of campaign 1"):
        pass


def _t():  # type: ignore[no-untyped-def]
    from tests.services.assign_factory import T0

    return T0
