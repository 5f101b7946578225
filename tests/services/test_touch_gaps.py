"""The stored gap before each touch (``touch_gap``, services/work/touches) and the stored
bookings (``meeting_booking``, services/work/bookings) equal what the activities give after
every kind of write — batches folded in any time order, ties in time, touches of one client in
two campaigns, rebuilds — and the median touch gap and hold rate ``metrics reps`` reads from
them equal the queries they replaced (the ``lag`` window, the join to each client's latest held
meeting), for periods cut anywhere and per campaign, on both backends. On PostgreSQL two
writers folding touches of the same client at once wait for each other and leave the chain
exact."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, insert

from leadctl.rules import load_rules
from leadctl.services.metrics import reps
from leadctl.services.metrics.common import Scope
from leadctl.services.work import activity_import, bookings, facts, touches
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from tests.services.assign_factory import World

ACT = schema.activity
RULES = load_rules(None)
NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
KINDS = [
    ("call", "no_answer"),
    ("call", "conversation"),
    ("email", "sent"),
    ("meeting", "booked"),
    ("meeting", "booked"),
    ("meeting", "held_qualified"),
    ("meeting", "held_unqualified"),
]


def _world(db_url: str) -> tuple[World, list[int], list[int | None]]:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("Other")
    for key in ("ana", "ben", "cat"):
        w.add_rep(key, campaigns=["C", "Other"])
    clients = w.add_clients("C", 8)
    return w, clients, [w.rep["ana"], w.rep["ben"], w.rep["cat"], None]


def _rows(w: World, clients: list[int], reps_: list[int | None], n: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        typ, outcome = rnd.choice(KINDS)
        at = NOW - timedelta(minutes=10 * rnd.randrange(0, 6 * 24 * 6), seconds=rnd.choice((0, 0, 0.5)))
        out.append(
            dict(
                activity_key=f"s{seed}-{i}",
                client_id=rnd.choice(clients),
                rep_id=rnd.choice(reps_),
                campaign_id=w.campaign[rnd.choice(("C", "C", "C", "Other"))],
                type=typ,
                outcome=outcome,
                at=at,
                verified_dial=False,
                meeting_at=at + timedelta(hours=rnd.randrange(-5, 90)) if outcome == "booked" else None,
                source="t",
                actor="t",
                created_at=NOW,
            )
        )
    return out


def _fold_in(engine: Any, batch: list[dict[str, Any]]) -> None:
    """What ``insert_activities`` does for the gaps: insert, then ``facts.fold`` the new ids."""
    with write(engine) as conn:
        ids = [int(r[0]) for r in conn.execute(insert(ACT).returning(ACT.c.id), batch)]
        facts.fold(conn, ids)


def _check(engine: Any) -> None:
    with read(engine) as conn:
        assert facts.folded(conn)
        assert touches.stored(conn) == touches.from_scratch(conn)
        assert bookings.stored(conn) == bookings.from_scratch(conn)


@pytest.mark.parametrize("seed", [3, 4])
def test_folded_gaps_equal_the_window_whatever_order_batches_arrive_in(
    db_url: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(touches, "CHUNK", 16)  # a batch spans chunks, as a 20,000-row import chunk does
    monkeypatch.setattr(bookings, "CHUNK", 16)
    w, clients, reps_ = _world(db_url)
    rows = _rows(w, clients, reps_, 300, seed)
    random.Random(seed).shuffle(rows)  # late logs: touches land before, between and after stored ones
    for i in range(0, len(rows), 37):
        _fold_in(w.engine, rows[i : i + 37])
        _check(w.engine)
    with read(w.engine) as conn:
        kinds = {r[1] for r in touches.stored(conn)}
    assert kinds == {0, 1, 2}  # both chains and the one-row case all occur
    with write(w.engine) as conn:  # a rebuild of some clients, then of all, changes nothing
        touches.rebuild(conn, clients[:3])
        bookings.rebuild(conn, clients[:3])
    _check(w.engine)
    with write(w.engine) as conn:
        touches.rebuild(conn)
        bookings.rebuild(conn)  # the whole table by the join to each client's latest held meeting
    _check(w.engine)

    # The median from the stored gaps equals the window's, for every period and campaign.
    periods = [
        (None, None),
        (NOW - timedelta(days=4, hours=7, minutes=13), NOW - timedelta(days=1, hours=2, minutes=41)),
        (NOW - timedelta(days=2, minutes=5), None),
        (None, NOW - timedelta(days=3, minutes=1)),
        (NOW - timedelta(hours=30), NOW - timedelta(hours=2)),
    ]
    answered = 0
    with read(w.engine) as conn:
        for since, until in periods:
            for camp in (None, w.campaign["C"], w.campaign["Other"]):
                scope = Scope(since, until, None)
                where = and_(ACT.c.rep_id.is_not(None), scope.period(ACT.c.at))
                if camp is not None:
                    where = and_(where, ACT.c.campaign_id == camp)
                gaps = conn.execute(reps._touch_gaps(where, conn.dialect.name)).all()
                want = {int(r): float(g) for r, g in gaps if g is not None}  # PostgreSQL: NULL, no gap
                got = touches.median_gaps(conn, *reps._stored_period(scope, camp), campaign=camp is not None)
                assert got == want, (since, until, camp)
                held = {tuple(r) for r in conn.execute(reps._held(where, NOW - timedelta(days=1)))}
                stored = bookings.held_counts(conn, NOW - timedelta(days=1), *reps._booked_in(scope, camp))
                assert {tuple(r) for r in stored} == held, (since, until, camp)
                answered += len(want)
    assert answered > 30  # not vacuous: most (period, campaign, rep) have a median


def test_an_import_of_many_chunks_leaves_the_gaps_and_bookings_exact(db_url: str, tmp_path: Path) -> None:
    """``activity import`` folds all its chunks at once after the last one (``activities.Later``):
    touches landing before, between and after stored ones, in chunks each holding late rows of
    the clients earlier chunks touched, and a re-import, leave every gap and booking as the
    activities give them."""
    w, clients, reps_ = _world(db_url)
    rows = _rows(w, clients, reps_, 400, 6)
    random.Random(6).shuffle(rows)
    _fold_in(w.engine, [r for r in rows[:120] if r["campaign_id"] == w.campaign["C"]])  # stored before
    emails = {w.rep[k]: f"{k}@example.com" for k in ("ana", "ben", "cat")}
    lines = ["activity_id,at,rep,client_id,type,outcome,meeting_at"]
    for r in rows[120:]:
        meeting = r["meeting_at"].isoformat() if r["meeting_at"] else ""
        rep = emails.get(r["rep_id"], "")
        lines.append(
            f"{r['activity_key']},{r['at'].isoformat()},{rep},{r['client_id']},{r['type']},{r['outcome']},{meeting}"
        )
    csv = tmp_path / "acts.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=23)
    assert (first.imported, first.rejected) == (280, 0)
    _check(w.engine)
    with read(w.engine) as conn:
        assert len(touches.stored(conn)) > 50 and any(r[-1] for r in bookings.stored(conn))
        before = (touches.stored(conn), bookings.stored(conn))
    again = activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=23)
    assert (again.imported, again.already_imported) == (0, 280)
    _check(w.engine)
    with read(w.engine) as conn:
        assert (touches.stored(conn), bookings.stored(conn)) == before


def test_two_writers_of_one_client_at_once_leave_the_chain_exact(pg_url: str) -> None:
    w, clients, reps_ = _world(pg_url)
    rep, client, camp = reps_[0], clients[0], w.campaign["C"]

    def row(key: str, minutes: int) -> dict[str, Any]:
        return dict(
            activity_key=key, client_id=client, rep_id=rep, campaign_id=camp, type="call",
            outcome="no_answer", at=NOW - timedelta(minutes=minutes), verified_dial=False,
            source="t", actor="t", created_at=NOW,
        )  # fmt: skip

    _fold_in(w.engine, [row("base", 100)])
    first_folded, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_folded.wait(10)
            _fold_in(w.engine, [row("late", 50)])  # waits on the first writer's client_fact row
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            second_done.set()

    t = threading.Thread(target=second)
    t.start()
    with write(w.engine) as conn:
        ids = [int(r[0]) for r in conn.execute(insert(ACT).returning(ACT.c.id), [row("early", 75)])]
        facts.fold(conn, ids)
        first_folded.set()
        assert not second_done.wait(1.0)  # the second writer waits for this transaction
    t.join(20)
    assert not errors
    _check(w.engine)
    with read(w.engine) as conn:
        assert sorted(r[-1] for r in touches.stored(conn)) == [25 * 60, 25 * 60]


def _plans_of(conn: Any, table: str, run: Any) -> list[Any]:
    """The PostgreSQL plans (EXPLAIN, JSON) of the ``INSERT INTO table`` statements ``run(conn)``
    executes, planned afterwards in the same transaction (the same statistics)."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            seen.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        run(conn)
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    assert seen, table
    return [conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {s}", p).scalar_one()[0]["Plan"] for s, p in seen]


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", ()) for n in _nodes(child))]


def test_whole_table_rebuilds_are_planned_well_before_any_analyze(pg_url: str) -> None:
    """The demo's and the benchmarks' bulk loads rebuild the whole tables in the load's own
    transaction, before PostgreSQL has statistics of the activities. The bookings then were a
    probe per booking that the planner ran on ``ix_activity_type_at_client_id`` (every later
    meeting, per booking: quadratic, over 86 minutes at 1M clients), and the touches read
    every touch — both windows' sorts — once per kind. Now: no per-row subplan, one read."""
    w, clients, reps_ = _world(pg_url)
    rows = _rows(w, clients, reps_, 3000, 5)
    with write(w.engine) as conn:
        conn.execute(insert(ACT), rows)  # bulk, as the loads do: never analysed
        booking_plans = _plans_of(conn, "meeting_booking", bookings.rebuild)
        touch_plans = _plans_of(conn, "touch_gap", touches.rebuild)
        assert touches.stored(conn) == touches.from_scratch(conn)
        assert bookings.stored(conn) == bookings.from_scratch(conn)
        assert any(r[-1] for r in bookings.stored(conn)) and not all(r[-1] for r in bookings.stored(conn))
    for plan in booking_plans:
        assert [n["Node Type"] for n in _nodes(plan) if n.get("Parent Relationship") == "SubPlan"] == []
    for plan in touch_plans:
        assert sum(n.get("Relation Name") == "activity" for n in _nodes(plan)) == 1
