"""SLA escalation recorded by one INSERT … SELECT, on both backends: the stored deadline and
share are what the record-by-record Python code stored (so the unique key dedupes against
rows it wrote), deadlines past the listing's day table, and the least-loaded reassignment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from leadctl.rules import Rules, load_rules
from leadctl.services.assign.calendar import clock_from_rules
from leadctl.services.work import sla
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from leadctl.vocab import AssignmentRule
from tests.services.assign_factory import World
from tests.services.test_sla import MON_0900, H, M, call, captured_by, world

E = schema.sla_escalation


def _stored(w: World) -> list[tuple[Any, ...]]:
    with w.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(select(E.c.client_id, E.c.level, E.c.deadline, E.c.share).order_by(E.c.id))
        ]


def test_stored_deadline_and_share_are_pythons_and_dedupe_against_them(db_url: str) -> None:
    """Client a already has its ``warn`` row as the Python code stored it (deadline from
    ``clock.moment``, share from ``round``): the SQL insert must not fire it again; client b's
    new row carries exactly those values."""
    w = world(db_url, n=2, captured=MON_0900)
    a, b = w.clients
    rules: Rules = load_rules(None)
    clock = clock_from_rules(rules)
    deadline = clock.moment(clock.b(MON_0900) + 3600)  # first contact: 60 business minutes
    at = MON_0900 + 50 * M
    with write(w.engine) as conn:
        conn.execute(
            insert(E).values(
                client_id=a,
                sla="first_contact",
                level="warn",
                deadline=deadline,
                action="raise_priority",
                rep_id=w.rep["r1"],
                share=round(3000 / 3600, 4),
                run="python",
                actor="old",
                fired_at=at - 5 * M,
            )
        )
    result = sla.check(w.engine, rules, at=at, escalate=True)
    assert result.fired == 1
    assert _stored(w) == [(a, "warn", deadline, 0.8333), (b, "warn", deadline, 0.8333)]
    assert by_id(result.rows)[b]["escalated"] == "warn" and by_id(result.rows)[a]["escalated"] == ""


def by_id(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["client_id"]: r for r in rows}


def test_escalation_deadline_past_the_day_table(db_url: str, tmp_path: Path) -> None:
    """A 200-business-day follow-up step at 80%: its deadline (~70 days ahead) lies past the
    listing's 45-day table, yet the stored deadline is the clock's."""
    w = world(db_url, n=1, captured=MON_0900 - 300 * 24 * H)
    (a,) = w.clients
    called = MON_0900 - 235 * 24 * H
    w.add_activities([call(w, a, called)])
    path = tmp_path / "rules.yaml"
    path.write_text("sla:\n  follow_up:\n    steps_business_days: [200]\n", encoding="utf-8")
    rules = load_rules(path)
    clock = clock_from_rules(rules)
    result = sla.check(w.engine, rules, at=MON_0900, escalate=True)
    assert result.fired == 1
    ((client, level, deadline, _share),) = _stored(w)
    assert (client, level) == (a, "warn") and deadline > MON_0900 + 45 * 24 * H
    assert deadline == clock.add_business_time(called, 200 * 8 * 3600).end


def test_reassign_spreads_over_the_least_loaded_reps(db_url: str) -> None:
    """Four breached clients of r1 go, in client order, to the rep with the fewest open
    clients in the campaign (then in all, then the lower id): r2, r3, r2, r3; never r1."""
    w = World(open_engine(db_url))
    w.add_campaign("C")
    for key in ("r1", "r2", "r3"):
        w.add_rep(key, campaigns=["C"])
    ids = w.add_clients("C", 4)
    captured_by(w, ids, "r1", MON_0900)
    result = sla.check(w.engine, load_rules(None), at=MON_0900 + 100 * M, escalate=True)
    assert result.reassigned == 4
    A = schema.assignment
    with w.engine.connect() as conn:
        active = conn.execute(
            select(A.c.client_id, A.c.rep_id, A.c.rule).where(A.c.ended_at.is_(None)).order_by(A.c.client_id)
        ).all()
    r1, r2, r3 = w.rep["r1"], w.rep["r2"], w.rep["r3"]
    assert [tuple(r) for r in active] == [
        (ids[0], r2, AssignmentRule.ESCALATION),
        (ids[1], r3, AssignmentRule.ESCALATION),
        (ids[2], r2, AssignmentRule.ESCALATION),
        (ids[3], r3, AssignmentRule.ESCALATION),
    ]
    assert r1 not in {r.rep_id for r in active}
