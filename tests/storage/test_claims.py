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


def test_claim_lease_skips_live_leases_and_takes_over_expired_ones(db_url: str) -> None:
    from datetime import timedelta

    w = World(open_engine(db_url))
    w.add_campaign("C")
    r1, r2 = w.add_rep("r1", campaigns=["C"]), w.add_rep("r2", campaigns=["C"])
    ids = w.add_clients("C", 4)
    t0 = _t()
    with write(w.engine) as conn:
        assert claims.claim_lease(conn, ids, r1, t0, t0 + timedelta(seconds=60)) == ids[0]
        assert claims.claim_lease(conn, ids, r2, t0, t0 + timedelta(seconds=60)) == ids[1]
        assert (
            claims.claim_lease(conn, ids, r2, t0, t0 + timedelta(seconds=60), lambda i: i != ids[2]) == ids[3]
        )
        assert claims.claim_lease(conn, ids[:2], r2, t0, t0 + timedelta(seconds=60)) is None
        later = t0 + timedelta(seconds=61)  # expired: anyone may take it
        assert claims.claim_lease(conn, ids[:1], r2, later, later + timedelta(seconds=60)) == ids[0]
        assert not claims.take_lease(conn, ids[0], r1, later, later + timedelta(seconds=60))
        assert claims.release_lease(conn, ids[0], r2)
        assert claims.take_lease(conn, ids[0], r1, later, later + timedelta(seconds=60))
    if w.engine.dialect.name != "postgresql":
        return
    # PostgreSQL: a candidate another transaction is claiming is skipped, never waited on
    held = threading.Event()
    release = threading.Event()
    t1 = t0 + timedelta(hours=1)

    def holder() -> None:
        with write(w.engine) as conn:
            assert claims.claim_lease(conn, ids, r1, t1, t1 + timedelta(seconds=60)) == ids[0]
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with write(w.engine) as conn:
            assert claims.claim_lease(conn, ids, r2, t1, t1 + timedelta(seconds=60)) == ids[1]
    finally:
        release.set()
        t.join()
