"""The set-based parts of assignment on both backends: ``ledger.start`` writing many clients
with a few shared reasons (staged, INSERT … SELECT), and ``ranking.last_active`` (index seeks
per rep and type/outcome) agreeing with a plain max over the activities."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from leadctl.services.assign import ledger, ranking
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from leadctl.vocab import AssignmentRule, EventKind
from tests.services.assign_factory import T0, World

A, E, C = schema.assignment, schema.lead_event, schema.client


def test_start_many_clients_shared_reasons_each_row_its_own(db_url: str) -> None:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    reps = [w.add_rep(k, campaigns=["C"]) for k in ("a", "b", "c")]
    ids = w.add_clients("C", 300)
    reasons = {
        r: {"rank": i + 1, "score": 0.5 - i / 10, "components": {"recency": 1.0 - i / 10}}
        for i, r in enumerate(reps)
    }
    new = [
        NewAssignment(c, reps[i % 3], w.campaign["C"], AssignmentRule.RANK, reasons[reps[i % 3]])
        for i, c in enumerate(ids)
    ]
    # one more with its own (equal-valued, distinct) reason object, and a second rule
    extra = w.add_clients("C", 1)[0]
    new.append(NewAssignment(extra, reps[0], w.campaign["C"], AssignmentRule.MANUAL, {"by": "hand"}))
    with write(w.engine) as conn:
        run = conn.execute(
            schema.assign_run.insert().values(command="assign", actor="t", started_at=T0, summary={})
        ).inserted_primary_key[0]  # type: ignore[index]
        assert ledger.start(conn, new[:-1], actor="cron", at=T0, run_id=run) == 300
        # a second call in the same transaction: the scratch tables are reused, emptied first
        assert ledger.start(conn, new[-1:], actor="cron", at=T0, run_id=run) == 1
        assert ledger.start(conn, [], actor="cron", at=T0) == 0
    want = {a.client_id: a for a in new}
    with read(w.engine) as conn:
        rows = conn.execute(
            select(A.c.client_id, A.c.rep_id, A.c.rule, A.c.reason, A.c.run_id, A.c.actor, A.c.started_at)
        ).all()
        assert len(rows) == 301
        for r in rows:
            a = want[r.client_id]
            assert (r.rep_id, r.rule, r.reason, r.run_id, r.actor) == (
                a.rep_id,
                a.rule.value,
                dict(a.reason),
                run,
                "cron",
            )
            assert r.started_at == T0
        events = conn.execute(select(E.c.client_id, E.c.lead_id, E.c.kind, E.c.actor, E.c.at, E.c.data)).all()
        assert len(events) == 301
        for e in events:
            a = want[e.client_id]
            assert e.kind == EventKind.ASSIGNED and e.lead_id is None and e.actor == "cron" and e.at == T0
            expect = {"rep_id": a.rep_id, "rule": a.rule.value, "run_id": run}
            expect.update((k, v) for k, v in a.reason.items() if k != "components")
            assert e.data == expect
        managers = dict(conn.execute(select(C.c.id, C.c.manager_id)).all())  # type: ignore[arg-type]
        assert managers == {c: a.rep_id for c, a in want.items()}


def test_last_active_is_the_newest_activity_on_the_campaign_since(db_url: str) -> None:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("Other")
    quiet, busy, elsewhere, never = (w.add_rep(k, campaigns=["C", "Other"]) for k in ("q", "b", "e", "n"))
    cl = w.add_clients("C", 5)
    since = T0 - timedelta(days=10)
    rows = [
        dict(client_id=cl[0], rep_id=quiet, type="call", outcome="no_answer", at=T0 - timedelta(days=20)),
        dict(client_id=cl[1], rep_id=busy, type="call", outcome="conversation", at=T0 - timedelta(days=3)),
        dict(client_id=cl[2], rep_id=busy, type="meeting", outcome="booked", at=T0 - timedelta(days=1)),
        dict(client_id=cl[3], rep_id=busy, type="email", outcome="sent", at=T0 - timedelta(days=2)),
        dict(
            client_id=cl[4],
            rep_id=elsewhere,
            type="call",
            outcome="voicemail",
            at=T0 - timedelta(hours=1),
            campaign_id=w.campaign["Other"],
        ),
        dict(
            client_id=cl[4],
            rep_id=elsewhere,
            type="disposition",
            outcome="nurture",
            at=T0 - timedelta(days=5),
        ),
    ]
    w.add_activities(rows)
    with read(w.engine) as conn:
        got = ranking.last_active(conn, w.campaign["C"], [quiet, busy, elsewhere, never], since)
        act = schema.activity
        plain = dict(
            conn.execute(  # type: ignore[arg-type]
                select(act.c.rep_id, func.max(act.c.at))
                .where(act.c.campaign_id == w.campaign["C"], act.c.at >= since)
                .group_by(act.c.rep_id)
            ).all()
        )
        assert ranking.last_active(conn, w.campaign["C"], [], since) == {}
    assert got == {busy: T0 - timedelta(days=1), elsewhere: T0 - timedelta(days=5)}
    assert set(got) == set(plain)
