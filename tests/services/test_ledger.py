"""The assignment ledger on both backends: one active assignment per client, history kept,
managers shown on clients and leads follow it, every change on the client's timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from leadctl.vocab import AssignmentEnd, AssignmentRule, EventKind
from tests.commands.leads_fixtures import T0, seed_leads


def test_start_end_and_history(db_url: str) -> None:
    engine = open_engine(db_url)
    s = seed_leads(engine)
    maria, ana, ben = s.client["maria"], s.rep["ana"], s.rep["ben"]
    campaign = s.campaign["Outbound Q1"]
    with write(engine) as conn:
        n = ledger.start(
            conn,
            [NewAssignment(maria, ben, campaign, AssignmentRule.RANK, {"rank": 1, "score": 0.9})],
            actor="cron",
            at=T0,
        )
        assert n == 1
        assert ledger.active(conn, [maria]) == {maria: ben}
    with read(engine) as conn:
        assert (
            conn.execute(select(schema.client.c.manager_id).where(schema.client.c.id == maria)).scalar()
            == ben
        )
        lead_managers = set(
            conn.execute(select(schema.lead.c.manager_id).where(schema.lead.c.client_id == maria)).scalars()
        )
        assert lead_managers <= {ben}
    with write(engine) as conn:
        ended = ledger.end(conn, [maria], AssignmentEnd.REASSIGNED, actor="ops", at=T0)
        assert ended == {maria: ben}
        ledger.start(conn, [NewAssignment(maria, ana, campaign, AssignmentRule.MANUAL)], actor="ops", at=T0)
    with read(engine) as conn:
        A = schema.assignment
        rows = conn.execute(
            select(A.c.rep_id, A.c.ended_reason).where(A.c.client_id == maria).order_by(A.c.id)
        )
        assert [tuple(r) for r in rows] == [(ben, AssignmentEnd.REASSIGNED), (ana, None)]
        E = schema.lead_event
        kinds = conn.execute(select(E.c.kind).where(E.c.client_id == maria).order_by(E.c.id)).scalars().all()
        assert kinds == [EventKind.ASSIGNED, EventKind.UNASSIGNED, EventKind.ASSIGNED]


def test_the_database_refuses_a_second_active_assignment(db_url: str) -> None:
    engine = open_engine(db_url)
    s = seed_leads(engine)
    maria, campaign = s.client["maria"], s.campaign["Outbound Q1"]
    with write(engine) as conn:
        ledger.start(
            conn, [NewAssignment(maria, s.rep["ana"], campaign, AssignmentRule.RANK)], actor="a", at=T0
        )
    row = {
        "client_id": maria,
        "rep_id": s.rep["ben"],
        "campaign_id": campaign,
        "rule": AssignmentRule.RANK,
        "reason": {},
        "actor": "b",
        "started_at": T0,
    }
    with pytest.raises(IntegrityError), write(engine) as conn:
        conn.execute(insert(schema.assignment).values(**row))
    # An ended assignment does not count: history rows may repeat the client.
    with write(engine) as conn:
        conn.execute(insert(schema.assignment).values(**row, ended_at=T0, ended_reason=AssignmentEnd.TOPUP))
    with read(engine) as conn:
        count = conn.execute(
            select(func.count()).select_from(schema.assignment).where(schema.assignment.c.client_id == maria)
        ).scalar()
        assert count == 2
