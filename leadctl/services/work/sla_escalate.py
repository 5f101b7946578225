"""SLA escalation: record each level crossed once per deadline, then act on this run's records.

``escalate`` inserts one ``sla_escalation`` row per level crossed, skipping those whose
(client, SLA, level, deadline) exists: the unique constraint makes each level fire exactly once
per deadline, also when two cron runs overlap; each run then acts only on the rows it inserted
(its ``run`` token): an ``escalated`` event, and for ``reassign`` the move to the least-loaded
eligible rep through the assignment ledger (rule ``escalation``). Split from ``sla`` (the
state and the listing) by job.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from leadctl.rules import Rules
from leadctl.services.assign.calendar import BusinessClock
from leadctl.services.work.sla import SlaRow
from leadctl.storage import schema
from leadctl.vocab import EscalationAction

C = schema.client
ESC = schema.sla_escalation


def escalate(
    conn: Connection, rules: Rules, clock: BusinessClock, rows: Sequence[SlaRow], at: datetime, actor: str
) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Record every level crossed (once per deadline) and act on the ones this run inserted."""
    from leadctl.services import events as timeline
    from leadctl.services.events import Event
    from leadctl.storage import bulk
    from leadctl.vocab import EventKind

    run = uuid.uuid4().hex
    records = []
    for r in sorted(rows, key=lambda r: r.client_id):  # fired in client order, whatever the plan
        deadline = clock.moment(r.start_b + r.allowed)  # the base deadline: stable while away
        for lv in rules.sla.levels:
            if r.share >= lv.at:
                records.append(
                    (
                        r.client_id,
                        r.sla.value,
                        lv.name,
                        deadline,
                        lv.action,
                        r.rep_id,
                        round(r.share, 4),
                        run,
                        actor,
                        at,
                    )
                )
    cols = ("client_id", "sla", "level", "deadline", "action", "rep_id", "share", "run", "actor", "fired_at")
    bulk.insert_ignore(conn, ESC, cols, [records], ("client_id", "sla", "level", "deadline"))
    won = conn.execute(
        select(ESC.c.id, ESC.c.client_id, ESC.c.sla, ESC.c.level, ESC.c.deadline, ESC.c.action, ESC.c.rep_id)
        .where(ESC.c.run == run)
        .order_by(ESC.c.id)
    ).all()
    by_client = {r.client_id: r for r in rows}
    moved = _reassign(
        conn, rules, [w for w in won if w.action == EscalationAction.REASSIGN], by_client, at, actor
    )
    if moved:
        bulk.update_by_id(
            conn,
            ESC,
            ("to_rep_id",),
            [
                (w.id, moved[w.client_id])
                for w in won
                if w.action == EscalationAction.REASSIGN and w.client_id in moved
            ],
        )
    timeline.append(
        conn,
        (
            Event(
                EventKind.ESCALATED,
                at,
                actor,
                client_id=w.client_id,
                data={
                    "sla": w.sla,
                    "level": w.level,
                    "deadline": w.deadline.isoformat(),
                    "action": w.action,
                    "to_rep_id": moved.get(w.client_id) if w.action == EscalationAction.REASSIGN else None,
                    "share": round(by_client[w.client_id].share, 4),
                },
            )
            for w in won
        ),
    )
    fired: dict[int, list[str]] = {}
    for w in won:
        fired.setdefault(w.client_id, []).append(w.level)
    return fired, moved


def _reassign(
    conn: Connection,
    rules: Rules,
    won: Sequence[Any],
    by_client: dict[int, SlaRow],
    at: datetime,
    actor: str,
) -> dict[int, int]:
    """Move each client to the least-loaded eligible rep of its campaign (not its current one)."""
    from leadctl.services.assign import ledger
    from leadctl.services.assign.eligibility import roster
    from leadctl.storage import claims
    from leadctl.vocab import AssignmentEnd, AssignmentRule

    ids = sorted({w.client_id for w in won})
    if not ids:
        return {}
    held = claims.claim(conn, C, ids)  # a client another run is moving right now is left alone
    rows = [by_client[i] for i in ids if i in held]
    if not rows:
        return {}
    team = roster(conn, {r.campaign_id for r in rows}, at)
    plan: dict[int, int] = {}
    for r in rows:
        choices = [
            team.reps[rid]
            for rid in team.eligible.get(r.campaign_id, [])
            if rid != r.rep_id and team.reps[rid].headroom(rules, rules.assignment.default_capacity) > 0
        ]
        if not choices:
            continue
        best = min(choices, key=lambda x: (x.open_by_campaign.get(r.campaign_id, 0), x.open_total, x.id))
        best.take(r.campaign_id)
        plan[r.client_id] = best.id
    if not plan:
        return {}
    ledger.end(conn, plan, AssignmentEnd.REASSIGNED, actor=actor, at=at, data={"by": "sla"})
    ledger.start(
        conn,
        [
            ledger.NewAssignment(
                cid,
                rid,
                by_client[cid].campaign_id,
                AssignmentRule.ESCALATION,
                {"sla": by_client[cid].sla.value, "share": round(by_client[cid].share, 4)},
            )
            for cid, rid in plan.items()
        ],
        actor=actor,
        at=at,
    )
    return plan
