"""SLA escalation: record each level crossed once per deadline, then act on this run's records.

``escalate`` records the levels crossed with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``
from the SLA state query (``sla._state_query``) joined with the rules' levels (a few literal
rows): the unique (client, SLA, level, deadline) makes each level fire exactly once per
deadline, also when two cron runs overlap, and the database drops the levels already recorded
without Python seeing them (a cron re-run at 1M clients crosses ~1.9M levels and fires ~1k).
Each run then acts only on the rows it inserted (its ``run`` token): an ``escalated`` event,
and for ``reassign`` the move to the least-loaded eligible rep through the assignment ledger
(rule ``escalation``). Split from ``sla`` (the state and the listing) by job.

The stored values are what the record-by-record code stored, so both dedupe against each
other: the deadline is ``clock.moment(B(start) + allowed)`` from the open-day table (whole
seconds, written as ``UTCDateTime`` stores it: ``sqlfunc.stored_utc``); the share is the same
float division in SQL, rounded to 4 places by Python's ``round`` on this run's rows (SQL
``ROUND`` differs from it on ties).
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, exists, literal, select, union_all
from sqlalchemy.engine import Connection

from leadctl.rules import Rules
from leadctl.services.work.business_sql import DayTable, OpenDays
from leadctl.services.work.sla import _state_query, share_of
from leadctl.storage import schema
from leadctl.storage.types import UTCDateTime
from leadctl.vocab import EscalationAction

C = schema.client
ESC = schema.sla_escalation
COLS = ("client_id", "sla", "level", "deadline", "action", "rep_id", "share", "run", "actor", "fired_at")


def escalate(
    conn: Connection,
    rules: Rules,
    days: DayTable,
    opens: OpenDays,
    at: datetime,
    actor: str,
    campaign_id: int | None = None,
    rep_id: int | None = None,
) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Record every level crossed (once per deadline) and act on the ones this run inserted."""
    from leadctl.services import events as timeline
    from leadctl.services.events import Event
    from leadctl.storage import bulk
    from leadctl.storage.sqlfunc import stored_utc
    from leadctl.storage.upsert import insert_ignore_from_select
    from leadctl.vocab import EventKind

    levels = rules.sla.levels
    if not levels:
        return {}, {}
    run = uuid.uuid4().hex
    lowest = min(lv.at for lv in levels)
    state = _state_query(conn, rules, days, at, campaign_id=campaign_id, rep_id=rep_id, min_share=lowest)
    sq = state.offset(0).subquery("sq")  # evaluated once per client, not once per level
    st = (  # the base deadline (stable while away): one seek in the open-day table per client
        select(sq, stored_utc(opens.moment(sq.c.start_b + sq.c.allowed)).label("deadline"))
        .offset(0)
        .subquery("st")
    )
    lv_rows = [
        select(
            literal(i).label("ord"),
            literal(lv.name, String).label("level"),
            literal(lv.at, Float).label("at"),
            literal(str(lv.action), String).label("action"),
        )
        for i, lv in enumerate(levels)
    ]
    lv = (union_all(*lv_rows) if len(lv_rows) > 1 else lv_rows[0]).subquery("lv")
    share = share_of(st)
    crossed = (
        select(
            st.c.id,
            st.c.sla,
            lv.c.level,
            st.c.deadline,
            lv.c.action,
            st.c.rep_id,
            share,  # unrounded: rounded below, on this run's rows only
            literal(run, String),
            literal(actor, String),
            literal(at, UTCDateTime),
        )
        .select_from(st.join(lv, share >= lv.c.at))
        .where(  # the levels already recorded (nearly all on a cron re-run): skipped before the sort
            ~exists().where(
                ESC.c.client_id == st.c.id,
                ESC.c.sla == st.c.sla,
                ESC.c.level == lv.c.level,
                ESC.c.deadline == st.c.deadline,
            )
        )
        .order_by(st.c.id, lv.c.ord)  # fired in client order, then the levels' order
    )
    insert_ignore_from_select(conn, ESC, COLS, crossed, ("client_id", "sla", "level", "deadline"))
    won = conn.execute(
        select(
            ESC.c.id,
            ESC.c.client_id,
            ESC.c.sla,
            ESC.c.level,
            ESC.c.deadline,
            ESC.c.action,
            ESC.c.rep_id,
            ESC.c.share,
            C.c.campaign_id,
        )
        .join(C, C.c.id == ESC.c.client_id)
        .where(ESC.c.run == run)
        .order_by(ESC.c.id)
    ).all()
    if not won:
        return {}, {}
    shares = {w.id: round(w.share, 4) for w in won}
    moved = _reassign(conn, rules, [w for w in won if w.action == EscalationAction.REASSIGN], at, actor)

    def to_rep(w: Any) -> int | None:
        return moved.get(w.client_id) if w.action == EscalationAction.REASSIGN else None

    # one update of both (PostgreSQL's staging table of ``update_by_id`` has one shape per table)
    bulk.update_by_id(conn, ESC, ("share", "to_rep_id"), [(w.id, shares[w.id], to_rep(w)) for w in won])
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
                    "to_rep_id": to_rep(w),
                    "share": shares[w.id],
                },
            )
            for w in won
        ),
    )
    fired: dict[int, list[str]] = {}
    for w in won:
        fired.setdefault(w.client_id, []).append(w.level)
    return fired, moved


def _reassign(conn: Connection, rules: Rules, won: Sequence[Any], at: datetime, actor: str) -> dict[int, int]:
    """Move each client to the least-loaded eligible rep of its campaign (not its current one).

    Least-loaded = fewest open clients in the campaign, then in all, then the lower id, as
    the loads grow with each move. One heap of reps per campaign instead of a scan of the
    campaign's reps per client: loads only grow, so an entry whose load went stale is
    re-keyed when it reaches the top (O((clients + reps) log reps), not clients × reps)."""
    from leadctl.services.assign import ledger
    from leadctl.services.assign.eligibility import roster
    from leadctl.storage import claims
    from leadctl.vocab import AssignmentEnd, AssignmentRule

    first: dict[int, Any] = {}
    for w in won:
        first.setdefault(w.client_id, w)
    ids = sorted(first)
    if not ids:
        return {}
    held = claims.claim(conn, C, ids)  # a client another run is moving right now is left alone
    rows = [first[i] for i in ids if i in held]
    if not rows:
        return {}
    team = roster(conn, {r.campaign_id for r in rows}, at)
    cap = rules.assignment.default_capacity
    heaps: dict[int, list[tuple[int, int, int]]] = {}

    def load(rid: int, camp: int) -> tuple[int, int, int]:
        rep = team.reps[rid]
        return (rep.open_by_campaign.get(camp, 0), rep.open_total, rid)

    plan: dict[int, int] = {}
    for r in rows:
        camp = r.campaign_id
        heap = heaps.get(camp)
        if heap is None:
            heap = heaps[camp] = [load(rid, camp) for rid in set(team.eligible.get(camp, []))]
            heapq.heapify(heap)
        aside = []
        best = None
        while heap:
            key = heap[0]
            rid = key[2]
            if team.reps[rid].headroom(rules, cap) <= 0:  # room only shrinks here: gone for good
                heapq.heappop(heap)
            elif (now := load(rid, camp)) != key:
                heapq.heapreplace(heap, now)
            elif rid == r.rep_id:
                aside.append(heapq.heappop(heap))
            else:
                best = team.reps[rid]
                break
        if best is not None:
            heapq.heappop(heap)
            best.take(camp)
            heapq.heappush(heap, load(best.id, camp))
            plan[r.client_id] = best.id
        for key in aside:
            heapq.heappush(heap, key)
    if not plan:
        return {}
    ledger.end(conn, plan, AssignmentEnd.REASSIGNED, actor=actor, at=at, data={"by": "sla"})
    ledger.start(
        conn,
        [
            ledger.NewAssignment(
                cid,
                rid,
                first[cid].campaign_id,
                AssignmentRule.ESCALATION,
                {"sla": first[cid].sla, "share": round(first[cid].share, 4)},
            )
            for cid, rid in plan.items()
        ],
        actor=actor,
        at=at,
    )
    return plan
