"""`leadctl metrics reps`: each rep's work over a period (activities whose time is in it).

- ``clients_held``            clients assigned to the rep now (active assignments);
- ``calls``, ``conversations`` calls logged, and those that reached the person;
- ``meetings``                meetings booked (meeting activities with outcome booked);
- ``call_to_conversation``    conversations ÷ calls;
- ``conversation_to_booked``  meetings booked ÷ conversations;
- ``hold_rate``               of the meetings the rep booked whose time has passed (a meeting
                              still ahead can be neither held nor missed), the share held
                              (a held meeting, qualified or not, logged later on that client);
- ``attempts_per_client``     calls ÷ distinct clients called;
- ``median_touch_gap_hours``  median time between two consecutive touches (calls, e-mails) of
                              the rep on the same client;
- ``last_active_at`` / ``last_active_business_days``  the rep's latest activity (up to
                              ``--until``) and how many business days ago it was (calendar rules).

Three grouped queries (activity counts, median gap via window functions, holdings); nothing
is loaded row by row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Engine

from leadctl.rules.sections import CalendarRules
from leadctl.services.assign.calendar import from_rules
from leadctl.services.metrics.common import Scope, check_by, ratio
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.storage.sqlfunc import epoch_seconds
from leadctl.storage.types import utcnow
from leadctl.vocab import ActivityOutcome, ActivityType

GROUPINGS = ("rep",)
COLUMNS = (
    "rep",
    "name",
    "role",
    "clients_held",
    "calls",
    "conversations",
    "meetings",
    "call_to_conversation",
    "conversation_to_booked",
    "hold_rate",
    "attempts_per_client",
    "median_touch_gap_hours",
    "last_active_at",
    "last_active_business_days",
)

ACT, A, R = schema.activity, schema.assignment, schema.rep
HELD = (ActivityOutcome.HELD_QUALIFIED, ActivityOutcome.HELD_UNQUALIFIED)


def _count(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def rep_metrics(
    engine: Engine, scope: Scope, calendar: CalendarRules, by: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    check_by(by, GROUPINGS)
    now = now or utcnow()
    t, o = ACT.c.type, ACT.c.outcome
    call = t == ActivityType.CALL
    booked = and_(t == ActivityType.MEETING, o == ActivityOutcome.BOOKED)
    past = and_(booked, func.coalesce(ACT.c.meeting_at, ACT.c.at) <= now)
    later = ACT.alias("later")
    held_later = (
        later.c.client_id == ACT.c.client_id,
        later.c.type == ActivityType.MEETING,
        later.c.outcome.in_(HELD),
        later.c.at >= ACT.c.at,
    )
    with read(engine) as conn:
        campaign_id = scope.campaign_id(conn)
        where = and_(ACT.c.rep_id.is_not(None), scope.period(ACT.c.at))
        if campaign_id is not None:
            where = and_(where, ACT.c.campaign_id == campaign_id)
        stats = {
            r["rep_id"]: r
            for r in conn.execute(
                select(
                    ACT.c.rep_id,
                    _count(call).label("calls"),
                    _count(and_(call, o == ActivityOutcome.CONVERSATION)).label("conversations"),
                    _count(booked).label("meetings"),
                    _count(past).label("past"),
                    _count(and_(past, exists().where(*held_later))).label("held"),
                    func.count(func.distinct(case((call, ACT.c.client_id)))).label("called"),
                )
                .where(where)
                .group_by(ACT.c.rep_id)
            ).mappings()
        }
        medians = dict(conn.execute(_median_gap(where)).all())
        last_where: Any = ACT.c.rep_id.is_not(None)
        if scope.until is not None:
            last_where = and_(last_where, ACT.c.at <= scope.until)
        if campaign_id is not None:
            last_where = and_(last_where, ACT.c.campaign_id == campaign_id)
        last = dict(
            conn.execute(
                select(ACT.c.rep_id, func.max(ACT.c.at)).where(last_where).group_by(ACT.c.rep_id)
            ).all()
        )
        held_where: Any = A.c.ended_at.is_(None)
        if campaign_id is not None:
            held_where = and_(held_where, A.c.campaign_id == campaign_id)
        holdings: dict[int, int] = dict(
            conn.execute(select(A.c.rep_id, func.count()).where(held_where).group_by(A.c.rep_id)).all()
        )
        reps = conn.execute(
            select(R.c.id, R.c.email, R.c.name, R.c.role)
            .where(or_(R.c.active.is_(True), R.c.id.in_(list(set(stats) | set(holdings)) or [-1])))
            .order_by(R.c.email)
        ).all()
    cal = from_rules(calendar)
    end = scope.until or now
    rows = []
    for rid, email, name, role in reps:
        s: Any = stats.get(rid) or {}
        calls, convs, meetings = (
            int(s.get("calls") or 0),
            int(s.get("conversations") or 0),
            int(s.get("meetings") or 0),
        )
        last_at = last.get(rid)
        gap = medians.get(rid)
        rows.append(
            {
                "rep": email,
                "name": name,
                "role": role,
                "clients_held": int(holdings.get(rid, 0)),
                "calls": calls,
                "conversations": convs,
                "meetings": meetings,
                "call_to_conversation": ratio(convs, calls),
                "conversation_to_booked": ratio(meetings, convs),
                "hold_rate": ratio(s.get("held"), s.get("past")),
                "attempts_per_client": ratio(calls, s.get("called"), 2),
                "median_touch_gap_hours": round(float(gap) / 3600, 2) if gap is not None else None,
                "last_active_at": last_at,
                "last_active_business_days": cal.business_days_between(last_at, end) if last_at else None,
            }
        )
    return rows


def _median_gap(where: Any) -> Any:
    """Per rep: the median seconds between consecutive touches on one client (window functions)."""
    touch = and_(where, ACT.c.type.in_((ActivityType.CALL, ActivityType.EMAIL)))
    secs = epoch_seconds(ACT.c.at)
    previous = func.lag(secs).over(
        partition_by=(ACT.c.rep_id, ACT.c.client_id), order_by=(ACT.c.at, ACT.c.id)
    )
    gaps = select(ACT.c.rep_id, (secs - previous).label("gap")).where(touch).subquery("gaps")
    ranked = (
        select(
            gaps.c.rep_id,
            gaps.c.gap,
            func.row_number().over(partition_by=gaps.c.rep_id, order_by=gaps.c.gap).label("rn"),
            func.count().over(partition_by=gaps.c.rep_id).label("n"),
        )
        .where(gaps.c.gap.is_not(None))
        .subquery("ranked")
    )
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    return select(ranked.c.rep_id, func.avg(ranked.c.gap)).where(middle).group_by(ranked.c.rep_id)
