"""The stored per-client facts (``client_fact``) follow every writer of activities, and the
metrics read from them equal the same metrics computed from the activities, on both backends.

"From the activities" is the reader's own fallback (``facts.current`` forced False), so each
comparison checks the stored rows against the definition the metrics had before the table
existed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from leadctl.rules import load_rules
from leadctl.services.metrics.sla import sla_rows
from leadctl.services.metrics.speed import speed_rows
from leadctl.services.work import activities, activity_import, bookings, facts, touches
from leadctl.services.work import sla as work_sla
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from tests.services.assign_factory import T0, World

RULES = load_rules(None)
F = schema.client_fact
M = timedelta(minutes=1)
NOW = T0 + timedelta(days=6)


def _stored(engine: Any) -> dict[int, tuple[Any, ...]]:
    with read(engine) as conn:
        rows = conn.execute(
            select(F.c.client_id, F.c.first_call_at, F.c.first_conversation_at, F.c.calls, F.c.last_touch_at)
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _from_scratch(engine: Any) -> dict[int, tuple[Any, ...]]:
    with read(engine) as conn:
        q = facts.aggregate().subquery()
        rows = conn.execute(
            select(q.c.client_id, q.c.first_call_at, q.c.first_conversation_at, q.c.calls, q.c.last_touch_at)
        ).all()
    from leadctl.storage.types import UTCDateTime

    def aware(v: Any) -> Any:  # the aggregate's MIN/MAX come back untyped on SQLite
        return UTCDateTime().process_result_value(v, engine.dialect) if v is not None else None

    return {r[0]: (aware(r[1]), aware(r[2]), r[3], aware(r[4])) for r in rows}


def _world(db_url: str, n: int) -> tuple[World, int, int]:
    w = World(open_engine(db_url))
    camp = w.add_campaign("C")
    rep = w.add_rep("ana", campaigns=["C"])
    w.add_rep("bo", campaigns=["C"])
    w.add_clients("C", n)
    return w, camp, rep


def _row(
    key: str, client: int, rep: int, camp: int, typ: str, outcome: str, at: datetime, created: datetime = NOW
) -> tuple[Any, ...]:
    """An ``insert_activities`` row, inserted by a call with ``at=created``."""
    return (key, client, rep, camp, typ, outcome, at, True, 30, None, None, None, "test", "t", created)


def _assert_current(engine: Any) -> None:
    with read(engine) as conn:
        assert facts.current(conn, NOW + timedelta(days=1))
        assert touches.stored(conn) == touches.from_scratch(conn)  # each touch's gap (metrics reps)
        assert bookings.stored(conn) == bookings.from_scratch(conn)  # each booking, held or not
    assert _stored(engine) == _from_scratch(engine)


def test_facts_follow_log_import_and_recycling(db_url: str, tmp_path: Path) -> None:
    w, camp, rep = _world(db_url, 4)
    a, b, c, d = w.clients
    # activity log: one call, then a conversation and an e-mail (first call stays the first)
    with write(w.engine) as conn:
        activities.insert_activities(
            conn, [_row("k1", a, rep, camp, "call", "no_answer", T0 + 5 * M)], at=NOW, actor="t", rules=RULES
        )
    assert _stored(w.engine)[a][2] == 1
    for key, typ, outcome, at in (
        ("k2", "call", "conversation", T0 + 9 * M),
        ("k3", "email", "sent", T0 + 30 * M),
        ("k0", "call", "no_answer", T0 + 1 * M),  # logged late, happened first
    ):
        with write(w.engine) as conn:
            activities.insert_activities(
                conn,
                [_row(key, a, rep, camp, typ, outcome, at, NOW + M)],
                at=NOW + M,
                actor="t",
                rules=RULES,
            )
    assert _stored(w.engine)[a] == (T0 + M, T0 + 9 * M, 3, T0 + 30 * M)
    _assert_current(w.engine)
    # activity import: several chunks, a re-import adds nothing, a meeting-only client has no calls
    csv = tmp_path / "acts.csv"
    lines = ["activity_id,at,rep,client_id,type,outcome"]
    for i in range(6):
        lines.append(f"i{i},{(T0 + (60 - i) * M).isoformat()},ana@example.com,{b},call,no_answer")
    lines.append(f"i9,{(T0 + 70 * M).isoformat()},ana@example.com,{c},meeting,booked")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules_file = tmp_path / "rules.yaml"  # the sixth unanswered call recycles b to nurture
    rules_file.write_text("queue:\n  after_max_attempts: nurture\n", encoding="utf-8")
    nurture = load_rules(rules_file)
    first = activity_import.import_file(w.engine, nurture, str(csv), chunk_rows=2)
    again = activity_import.import_file(w.engine, nurture, str(csv), chunk_rows=2)
    assert (first.imported, again.imported) == (7, 0)
    stored = _stored(w.engine)
    assert stored[b] == (T0 + 55 * M, None, 6, T0 + 60 * M)
    assert stored[c] == (None, None, 0, None)  # a meeting is neither a call nor a touch
    assert d not in stored  # no activity, no row: readers outer-join
    ACT = schema.activity
    with read(w.engine) as conn:  # recycling wrote a disposition: an activity the facts know of
        assert conn.execute(
            select(ACT.c.outcome).where(ACT.c.client_id == b, ACT.c.type == "disposition")
        ).all()
    _assert_current(w.engine)


def test_merges_and_undo_leave_the_facts_and_the_metrics_agree(db_url: str) -> None:
    w, camp, rep = _world(db_url, 3)
    a, b, _c = w.clients
    with write(w.engine) as conn:
        activities.insert_activities(
            conn,
            [_row("m1", b, rep, camp, "call", "conversation", T0 + 3 * M)],
            at=T0,
            actor="t",
            rules=RULES,
        )
    before = _stored(w.engine)
    for into in (a, None):  # what a merge and its undo do to the clients
        with write(w.engine) as conn:
            conn.execute(update(schema.client).where(schema.client.c.id == b).values(merged_into_id=into))
        assert _stored(w.engine) == before
        assert _metrics(w.engine, NOW) == _metrics(w.engine, NOW, scratch=True)


def test_rebuild_and_the_fallback_for_writers_that_bypass_fold(db_url: str) -> None:
    w, camp, rep = _world(db_url, 2)
    a, b = w.clients
    row = dict(
        activity_key="raw1", client_id=a, rep_id=rep, campaign_id=camp, type="call", outcome="no_answer",
        at=T0 + 2 * M, verified_dial=False, source="t", actor="t", created_at=T0,
    )  # fmt: skip
    with write(w.engine) as conn:  # straight into the table, as the demo's bulk load does
        conn.execute(insert(schema.activity), [row])
    with read(w.engine) as conn:
        assert not facts.current(conn, NOW)  # max(activity.id) is past the newest folded
        assert facts.facts_for(conn, NOW) is not F
    assert _metrics(w.engine, NOW) == _metrics(w.engine, NOW, scratch=True)
    with write(w.engine) as conn:
        facts.rebuild(conn, [a, b])
    _assert_current(w.engine)
    with write(w.engine) as conn:
        facts.rebuild(conn)
    _assert_current(w.engine)
    with read(w.engine) as conn:  # a moment before a stored touch: computed from the activities
        assert not facts.current(conn, T0 + M)
        assert facts.current(conn, T0 + 2 * M)


def _metrics(engine: Any, at: datetime, *, scratch: bool = False) -> list[Any]:
    """Every metric the facts feed, at ``at``: speed and sla by each grouping, sla check."""
    real = facts.current
    if scratch:
        facts.current = lambda conn, at: False  # type: ignore[assignment]
    try:
        out: list[Any] = []
        for by in ("campaign", "rep", "day"):
            out.append(speed_rows(engine, by=by, rules=RULES, at=at))
        for by in ("rep", "hour", "weekday"):
            out.append(sla_rows(engine, by=by, rules=RULES, at=at))
        out.append(work_sla.check(engine, RULES, at=at).rows)
        with read(engine) as conn:
            ids = [int(i) for i in conn.execute(select(schema.client.c.id)).scalars()]
            out.append(work_sla.urgency(conn, RULES, ids, at))
        return out
    finally:
        facts.current = real  # type: ignore[assignment]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_from_the_facts_equal_a_from_scratch_computation(db_url: str, seed: int) -> None:
    """Random clients, captures, assignments and activities arriving in random batches (some
    logged late, some repeated): speed, sla and sla check read from the stored facts equal the
    same computed from the activities."""
    rnd = random.Random(seed)
    w, camp, rep = _world(db_url, 40)
    reps = [w.rep["ana"], w.rep["bo"]]
    C, A = schema.client, schema.assignment
    with write(w.engine) as conn:
        for cid in w.clients:
            captured = T0 + timedelta(minutes=rnd.randrange(0, 5 * 1440))
            owner = rnd.choice([*reps, None])
            conn.execute(
                update(C)
                .where(C.c.id == cid)
                .values(created_at=captured, manager_id=owner, bucket_label=rnd.choice(["hot", "cold", None]))
            )
            if owner is not None:
                conn.execute(
                    insert(A).values(
                        client_id=cid, rep_id=owner, campaign_id=camp, rule="manual", reason={}, actor="t",
                        started_at=captured + timedelta(minutes=rnd.randrange(0, 300)),
                    )
                )  # fmt: skip
    kinds = [("call", "no_answer"), ("call", "conversation"), ("call", "voicemail"), ("email", "sent")]
    kinds += [("meeting", "booked"), ("disposition", "nurture")]
    rows = []
    for i in range(160):
        cid = rnd.choice(w.clients[:34])  # some clients never touched
        typ, outcome = rnd.choice(kinds)
        at = T0 + timedelta(minutes=rnd.randrange(0, 6 * 1440))
        rows.append((f"r{i}", cid, rnd.choice(reps), camp, typ, outcome, at))
    rows += rnd.sample(rows, 10)  # repeated rows: their keys are inserted once
    rnd.shuffle(rows)
    i = 0
    while i < len(rows):
        n = rnd.randint(1, 25)
        batch_at = NOW + timedelta(seconds=i)  # each batch is its own transaction and moment
        with write(w.engine) as conn:
            batch = [_row(*r, batch_at) for r in rows[i : i + n]]
            activities.insert_activities(conn, batch, at=batch_at, actor="t", rules=RULES)
        i += n
    assert _stored(w.engine) == _from_scratch(w.engine)
    _assert_current(w.engine)
    for at in (NOW, NOW + timedelta(hours=7)):
        assert _metrics(w.engine, at) == _metrics(w.engine, at, scratch=True)


def test_a_row_repeated_in_a_later_chunk_is_counted_once(db_url: str, tmp_path: Path) -> None:
    """Chunks [x0, x1] [x1, x2]: the second chunk inserts x2 only; x1 (inserted by the first
    chunk at the same moment) is neither reported as imported again nor folded twice."""
    w, _camp, _rep = _world(db_url, 1)
    (a,) = w.clients
    csv = tmp_path / "acts.csv"
    rows = [
        f"{k},{(T0 + i * M).isoformat()},ana@example.com,{a},call,no_answer" for i, k in enumerate("0112")
    ]
    csv.write_text("activity_id,at,rep,client_id,type,outcome\n" + "\n".join(f"x{r}" for r in rows) + "\n")
    summary = activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=2)
    assert (summary.imported, summary.already_imported) == (3, 1)
    assert _stored(w.engine)[a][2] == 3
    _assert_current(w.engine)
