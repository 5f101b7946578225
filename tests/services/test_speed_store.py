"""``metrics speed`` from the stored bins (``speed_store``) equals the computation it replaces,
on both backends: a generated book, then after every kind of writer (activities logged, a
reassignment, merges and their undo, ``facts.rebuild``, raw SQL on each watched column, other
rules), and two processes writing and reading at once never deadlock.

"Computed" is ``speed_rows`` with the stored path switched off (``stored_hist`` answering None:
the reader's own fallback), i.e. the SQL the metric had before the tables existed.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, func, insert, select, update

from leadctl.rules import load_rules
from leadctl.services.metrics import speed_store
from leadctl.services.metrics.sla import sla_rows, speed_bands_and_sla_by_rep
from leadctl.services.metrics.speed import speed_rows
from leadctl.services.work import activities, facts
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from tests.services.assign_factory import T0, World

RULES = load_rules(None)
C, A = schema.client, schema.assignment
NOW = T0 + timedelta(days=6)
KINDS = [("call", "no_answer"), ("call", "conversation"), ("call", "voicemail"), ("email", "sent")]
KINDS += [("meeting", "booked"), ("disposition", "nurture")]


def _act(key: str, client: int, rep: int, camp: int, typ: str, outcome: str, at: datetime) -> tuple[Any, ...]:
    return (key, client, rep, camp, typ, outcome, at, True, 30, None, None, None, "test", "t", NOW)


def _book(db_url: str, seed: int, n: int = 60) -> tuple[World, random.Random]:
    """Clients captured over five days (some imported long before the rest), held by one of two
    reps or nobody, assigned at or after capture, with activities in random batches (some before
    the capture, some repeated)."""
    rnd = random.Random(seed)
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("D")
    w.add_rep("ana", campaigns=["C", "D"])
    w.add_rep("bo", campaigns=["C", "D"])
    w.add_clients("C", n // 2)
    w.add_clients("D", n - n // 2)
    reps = [w.rep["ana"], w.rep["bo"]]
    with write(w.engine) as conn:
        for cid in w.clients:
            captured = T0 + timedelta(minutes=rnd.randrange(0, 5 * 1440), seconds=rnd.randrange(60))
            owner = rnd.choice([*reps, None])
            conn.execute(
                update(C)
                .where(C.c.id == cid)
                .values(created_at=captured, manager_id=owner, bucket_label=rnd.choice(["hot", "cold", None]))
            )
            if owner is not None:
                camp = conn.execute(select(C.c.campaign_id).where(C.c.id == cid)).scalar_one()
                conn.execute(
                    insert(A).values(
                        client_id=cid, rep_id=owner, campaign_id=camp, rule="manual", reason={}, actor="t",
                        started_at=captured + timedelta(minutes=rnd.randrange(0, 600)),
                    )
                )  # fmt: skip
    _activities(w, rnd, 240)
    return w, rnd


def _activities(w: World, rnd: random.Random, n: int, tag: str = "r") -> None:
    with read(w.engine) as conn:
        camp_of = dict(conn.execute(select(C.c.id, C.c.campaign_id)).all())
    reps = [w.rep["ana"], w.rep["bo"]]
    rows = []
    for i in range(n):
        cid = rnd.choice(w.clients[: int(len(w.clients) * 0.8)])  # some clients never touched
        typ, outcome = rnd.choice(KINDS)
        at = T0 + timedelta(minutes=rnd.randrange(-600, 6 * 1440 - 60))
        rows.append(_act(f"{tag}{i}", cid, rnd.choice(reps), camp_of[cid], typ, outcome, at))
    rows += rnd.sample(rows, 5)
    rnd.shuffle(rows)
    i = 0
    while i < len(rows):
        k = rnd.randint(1, 40)
        with write(w.engine) as conn:
            activities.insert_activities(conn, rows[i : i + k], at=NOW, actor="t", rules=RULES)
        i += k


def _both(engine: Any, at: datetime = NOW, rules: Any = RULES) -> None:
    """Stored and computed agree for every stored grouping, and the stored path answered."""
    for by in ("campaign", "rep"):
        stored = speed_rows(engine, by=by, rules=rules, at=at)
        with read(engine) as conn:
            assert speed_store.stored_hist(conn, rules, by, at) is not None, by
        real = speed_store.stored_hist
        speed_store.stored_hist = lambda *a, **k: None  # type: ignore[assignment]
        try:
            computed = speed_rows(engine, by=by, rules=rules, at=at)
        finally:
            speed_store.stored_hist = real  # type: ignore[assignment]
        assert stored == computed, by
        assert any(r["reached"] for r in stored)
    # ``metrics sla`` by campaign and rep (migration 0028), the capture's local hour and
    # weekday (0029): stored counts and running SLAs
    for by in ("campaign", "rep", "hour", "weekday"):
        with read(engine) as conn:
            assert speed_store.stored_sla(conn, rules, by, at) is not None, by
        stored = sla_rows(engine, by=by, rules=rules, at=at)
        with _computed("stored_sla"):
            assert stored == sla_rows(engine, by=by, rules=rules, at=at), by
    # the report's speed bands and SLA by rep, stored and computed
    assert speed_store.stored_bands(engine, rules, at) is not None
    both = speed_bands_and_sla_by_rep(engine, rules=rules, at=at)
    with _computed("stored_bands", "bands_in", "stored_sla"):
        assert both == speed_bands_and_sla_by_rep(engine, rules=rules, at=at)


@contextmanager
def _computed(*names: str) -> Iterator[None]:
    """``speed_store``'s readers ``names`` answering None: the callers' own computation."""
    real = {n: getattr(speed_store, n) for n in names}
    for n in names:
        setattr(speed_store, n, lambda *a, **k: None)
    try:
        yield
    finally:
        for n, f in real.items():
            setattr(speed_store, n, f)


@pytest.mark.parametrize("seed", [1, 2])
def test_stored_speed_equals_the_computation_on_a_generated_book(db_url: str, seed: int) -> None:
    w, _rnd = _book(db_url, seed)
    for at in (NOW, NOW + timedelta(hours=7), NOW + timedelta(days=3)):
        _both(w.engine, at)
    with read(w.engine) as conn:  # the log was taken; a past moment is computed, not stored
        assert conn.execute(select(func.count()).select_from(schema.client_speed_dirty)).scalar() == 0
        assert speed_store.stored_hist(conn, RULES, "rep", T0) is None


def test_every_writer_keeps_the_stored_speed_exact(db_url: str) -> None:
    from leadctl.services.assign.manual import reassign

    w, rnd = _book(db_url, 3, n=40)
    _both(w.engine)
    _activities(w, rnd, 60, tag="late")  # activity log/import: facts.fold moves first calls
    _both(w.engine)
    some = w.clients[:6]
    with freeze_time(NOW + timedelta(days=1)):
        reassign(w.engine, "bo@example.com", client_ids=some)  # ends and starts assignments
    _both(w.engine, NOW + timedelta(days=3))
    a, b, c = w.clients[6:9]
    for into in (a, None):  # what a merge and its undo do to the clients
        with write(w.engine) as conn:
            conn.execute(update(C).where(C.c.id.in_([b, c])).values(merged_into_id=into))
        _both(w.engine, NOW + timedelta(days=3))
    with write(w.engine) as conn:  # raw SQL on each watched column
        conn.execute(update(C).where(C.c.id == a).values(created_at=T0 - timedelta(hours=5)))
        conn.execute(update(C).where(C.c.id == b).values(bucket_label="hot", manager_id=None))
        conn.execute(delete(A).where(A.c.client_id == c))
        conn.execute(update(A).where(A.c.client_id == a).values(started_at=T0 + timedelta(hours=30)))
    _both(w.engine, NOW + timedelta(days=3))
    with write(w.engine) as conn:
        facts.rebuild(conn, [a, b])
        facts.rebuild(conn)
    _both(w.engine, NOW + timedelta(days=3))
    sla = dataclasses.replace(
        RULES.sla, first_contact=dataclasses.replace(RULES.sla.first_contact, minutes=7)
    )
    other = dataclasses.replace(RULES, sla=sla)
    assert speed_store.fingerprint(other) != speed_store.fingerprint(RULES)
    _both(w.engine, NOW + timedelta(days=3), rules=other)  # other rules: every client recomputed
    _both(w.engine, NOW + timedelta(days=3))
    for captured in (NOW + timedelta(days=30), T0 + timedelta(hours=1)):  # a capture after the moment
        with write(w.engine) as conn:
            conn.execute(update(C).where(C.c.id == a).values(created_at=captured))
        speed_store.refresh(w.engine, RULES)
        with read(w.engine) as conn:
            answered = speed_store.stored_hist(conn, RULES, "rep", NOW + timedelta(days=3))
        assert (answered is None) == (captured > NOW)
    _both(w.engine, NOW + timedelta(days=3))  # and once put back, the stored rows answer again
    with write(w.engine) as conn:  # a failed demo wipes every table, the state row included
        conn.execute(delete(schema.client_speed_state))
    _both(w.engine, NOW + timedelta(days=3))


def test_an_earlier_capture_moves_the_day_table_and_every_client_follows(db_url: str) -> None:
    """``B`` counts from the day table's first day (the first capture's day before) and a moment
    before it is clamped to it: a call logged days before any capture, then a capture earlier
    still (the table starts earlier, the call is no longer clamped, the origin moves). Stored
    speed and SLA follow (every client recomputed), equal to the computation."""
    w, rnd = _book(db_url, 5, n=30)
    x, y = w.clients[:2]
    with read(w.engine) as conn:
        camp = conn.execute(select(C.c.campaign_id).where(C.c.id == x)).scalar_one()
    with write(w.engine) as conn:
        early = _act("early", x, w.rep["ana"], camp, "call", "no_answer", T0 - timedelta(days=4))
        activities.insert_activities(conn, [early], at=NOW, actor="t", rules=RULES)
    _both(w.engine)
    with read(w.engine) as conn:
        lo = conn.execute(select(schema.client_speed_state.c.span_lo)).scalar_one()
    with write(w.engine) as conn:
        conn.execute(update(C).where(C.c.id == y).values(created_at=T0 - timedelta(days=9)))
    _both(w.engine)
    with read(w.engine) as conn:
        assert conn.execute(select(schema.client_speed_state.c.span_lo)).scalar_one() < lo


def test_concurrent_writers_and_readers_never_deadlock(db_url: str) -> None:
    """Threads (own connections) logging activities and reassigning while others read the metric:
    everything finishes, and the stored figures then equal the computation."""
    from leadctl.services.assign.manual import reassign

    w, _rnd = _book(db_url, 4, n=40)
    errors: list[BaseException] = []

    def run(fn: Any) -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def logger(seed: int) -> Any:
        return lambda: _activities(w, random.Random(seed), 40, tag=f"t{seed}-")

    def mover() -> None:
        for k in range(4):
            reassign(w.engine, ("ana", "bo")[k % 2] + "@example.com", client_ids=w.clients[k::4])

    def reader() -> None:
        for _ in range(3):
            speed_rows(w.engine, by="rep", rules=RULES, at=NOW + timedelta(days=3))

    threads = [threading.Thread(target=run, args=(f,)) for f in (logger(1), logger(2), mover, reader, reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    _both(w.engine, datetime.now(UTC) + timedelta(days=1))  # the reassignments are at the real now
