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

Where the numbers come from (nothing is loaded row by row):

- calls, conversations, meetings and ``last_active_at``: ``rep_activity_day`` (ranking's
  per-rep/campaign/UTC-day rollup, ``services/assign/rollup.py``, kept by every activity
  writer) for the UTC days wholly inside the period; the activities themselves only for the
  partial days at the period's edges (same ``rollup.grouped`` definition);
- hold rate: ``meeting_booking`` (``services/work/bookings``, migration 0026): per booking its
  due moment and whether a held meeting followed it, one pass over its covering index;
- distinct clients called: ``count(DISTINCT client_id)`` of the period's calls, read in
  (rep, client) order from the covering ``ix_activity_rep_id_client_id_at`` (0023);
- the median touch gap: ``touch_gap`` (``services/work/touches``, 0026), the gap before each
  touch kept at write time: one grouped count per rep over ``ix_touch_gap_rep_id_gap_s``, then
  the middle gap(s) at that offset of the rep's gaps in index order (exact: no histogram);
- clients held: active assignments.

Both stored tables are kept by ``facts.fold``/``facts.rebuild``; when ``facts.folded`` says a
writer bypassed them (raw SQL, a fixture) the hold rate and the median come from the
activities as before (``_held``; ``_touch_gaps``: a ``lag`` over the period's touches, then
``percentile_cont(0.5)`` on PostgreSQL, the middle rows' mean on SQLite — the same numbers).

At 1M clients / 5M activities (2026-12-03, SQLite CPU of the process): 10.5-13.2 s before
0026 (the ``lag`` ~5 s, the median's sort ~4 s, the held-meeting join ~2.4 s), 1.2 s after
(start-up ~0.4 s, distinct clients called 0.3 s, median 0.3 s); PostgreSQL server CPU
5.1-5.6 s -> ~1.1 s. The report's leaderboard shows neither attempts per client nor the median
and skips both (``touches=False``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, case, false, func, or_, select, type_coerce
from sqlalchemy.engine import Connection, Engine

from leadctl.rules.sections import CalendarRules
from leadctl.services.assign import rollup
from leadctl.services.assign.calendar import from_rules
from leadctl.services.metrics.common import Scope, check_by, ratio
from leadctl.services.work import bookings as booking_store
from leadctl.services.work import facts
from leadctl.services.work import touches as touch_store
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.storage.sqlfunc import epoch_seconds, unindexed
from leadctl.storage.types import UTCDateTime, utcnow
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

ACT, A, R, ROLL = schema.activity, schema.assignment, schema.rep, schema.rep_activity_day
HELD = (ActivityOutcome.HELD_QUALIFIED, ActivityOutcome.HELD_UNQUALIFIED)


def _count(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def rep_metrics(
    engine: Engine,
    scope: Scope,
    calendar: CalendarRules,
    by: str | None = None,
    now: datetime | None = None,
    *,
    touches: bool = True,
) -> list[dict[str, Any]]:
    """The table's rows, one per rep (active, or with activities or clients). ``touches=False``
    leaves out ``attempts_per_client`` and ``median_touch_gap_hours`` and the pass over every
    touch they take (most of this metric's cost): the report's leaderboard shows neither."""
    check_by(by, GROUPINGS)
    now = now or utcnow()
    with read(engine) as conn:
        campaign_id = scope.campaign_id(conn)
        where = and_(ACT.c.rep_id.is_not(None), scope.period(ACT.c.at))
        if campaign_id is not None:
            where = and_(where, ACT.c.campaign_id == campaign_id)
        counts = _counts(conn, scope, campaign_id)
        last = _last_active(conn, scope, campaign_id)
        stored = facts.folded(conn)  # the derived tables describe every activity
        if stored:  # the bookings' stored due moments and held flags (services/work/bookings)
            meetings_past = {
                r.rep_id: r for r in booking_store.held_counts(conn, now, *_booked_in(scope, campaign_id))
            }
        else:  # a writer bypassed fold (raw SQL, a fixture): from the activities
            meetings_past = {r.rep_id: r for r in conn.execute(_held(where, now))}
        called: dict[int, int] = {}
        gaps: dict[int, Any] = {}
        if touches:
            called = dict(conn.execute(_called(where)).all())
            if stored:  # every touch's gap is stored (services/work/touches)
                gaps = touch_store.median_gaps(
                    conn, *_stored_period(scope, campaign_id), campaign=campaign_id is not None
                )
            else:  # a writer bypassed fold (raw SQL, a fixture): the gaps from the activities
                gaps = dict(conn.execute(_touch_gaps(where, conn.dialect.name)).all())
        held_where: Any = A.c.ended_at.is_(None)
        if campaign_id is not None:
            held_where = and_(held_where, A.c.campaign_id == campaign_id)
        holdings: dict[int, int] = dict(
            conn.execute(select(A.c.rep_id, func.count()).where(held_where).group_by(A.c.rep_id)).all()
        )
        reps = conn.execute(
            select(R.c.id, R.c.email, R.c.name, R.c.role)
            .where(or_(R.c.active.is_(True), R.c.id.in_(list(set(counts) | set(holdings)) or [-1])))
            .order_by(R.c.email)
        ).all()
    cal = from_rules(calendar)
    end = scope.until or now
    rows = []
    for rid, email, name, role in reps:
        c = counts.get(rid)
        m = meetings_past.get(rid)
        calls, convs, meetings = (c.calls, c.conversations, c.booked) if c else (0, 0, 0)
        last_at = last.get(rid)
        gap = gaps.get(rid)
        row = {
            "rep": email,
            "name": name,
            "role": role,
            "clients_held": int(holdings.get(rid, 0)),
            "calls": calls,
            "conversations": convs,
            "meetings": meetings,
            "call_to_conversation": ratio(convs, calls),
            "conversation_to_booked": ratio(meetings, convs),
            "hold_rate": ratio(m.held, m.past) if m else None,
            "attempts_per_client": ratio(calls, called.get(rid), 2),
            "median_touch_gap_hours": round(float(gap) / 3600, 2) if gap is not None else None,
            "last_active_at": last_at,
            "last_active_business_days": cal.business_days_between(last_at, end) if last_at else None,
        }
        if not touches:
            del row["attempts_per_client"], row["median_touch_gap_hours"]
        rows.append(row)
    return rows


class _Counts(NamedTuple):
    calls: int
    conversations: int
    booked: int


def _counts(conn: Connection, scope: Scope, campaign_id: int | None) -> dict[int, _Counts]:
    """Per rep: calls, conversations, meetings booked in the period and the latest activity
    up to ``--until``, from ``rep_activity_day`` (services/assign/rollup.py) for the UTC days
    wholly inside the period, from the activities themselves only for the partial days at its
    edges (a range of ``at``, through the same ``rollup.grouped`` definition)."""
    dialect = conn.dialect.name
    lo = _first_whole_day(scope.since)
    hi = scope.until.date() if scope.until is not None else None  # days before it are whole
    whole: list[Any] = []
    if lo is not None:
        whole.append(ROLL.c.day >= lo)
    if hi is not None:
        whole.append(ROLL.c.day < hi)
    edges: list[Any] = []  # the activity ranges of the partial days
    if lo is not None and hi is not None and lo >= hi:
        whole = [false()]  # no whole day: the period is read from the activities alone
        edges.append(scope.period(ACT.c.at))
    else:
        if lo is not None and scope.since is not None and lo != scope.since.date():
            edges.append(and_(ACT.c.at >= scope.since, ACT.c.at < _midnight(lo)))
        if hi is not None and scope.until is not None:
            edges.append(and_(ACT.c.at >= _midnight(hi), ACT.c.at <= scope.until))
    camp = [ROLL.c.campaign_id == campaign_id] if campaign_id is not None else []
    sums: dict[int, list[Any]] = {}

    def take(rep_id: int, calls: Any, convs: Any, booked: Any) -> None:
        s = sums.setdefault(rep_id, [0, 0, 0])
        s[0] += int(calls or 0)
        s[1] += int(convs or 0)
        s[2] += int(booked or 0)

    q = (
        select(
            ROLL.c.rep_id,
            func.sum(ROLL.c.calls),
            func.sum(ROLL.c.conversations),
            func.sum(ROLL.c.booked),
        )
        .where(*whole, *camp)
        .group_by(ROLL.c.rep_id)
    )
    for row in conn.execute(q):
        take(*row)
    act_camp = [ACT.c.campaign_id == campaign_id] if campaign_id is not None else []
    for edge in edges:
        g = rollup.grouped(dialect, edge, *act_camp).subquery("edge")
        cols = g.c
        q = select(cols[0], func.sum(cols[5]), func.sum(cols[6]), func.sum(cols[7])).group_by(cols[0])
        for row in conn.execute(q):
            take(*row)
    return {rid: _Counts(s[0], s[1], s[2]) for rid, s in sums.items()}


def _last_active(conn: Connection, scope: Scope, campaign_id: int | None) -> dict[int, datetime]:
    """Per rep: the latest activity up to ``--until`` (any time before the period too): the
    rollup's ``last_at`` of the days before until's day, the activities of that day up to it."""
    camp = [ROLL.c.campaign_id == campaign_id] if campaign_id is not None else []
    act_camp = [ACT.c.campaign_id == campaign_id] if campaign_id is not None else []
    days = [ROLL.c.day < scope.until.date()] if scope.until is not None else []
    q = select(ROLL.c.rep_id, type_coerce(func.max(ROLL.c.last_at), UTCDateTime))
    last: dict[int, datetime] = dict(conn.execute(q.where(*days, *camp).group_by(ROLL.c.rep_id)).all())
    if scope.until is not None:
        q = select(ACT.c.rep_id, type_coerce(func.max(ACT.c.at), UTCDateTime)).where(
            ACT.c.rep_id.is_not(None),
            ACT.c.at >= _midnight(scope.until.date()),
            ACT.c.at <= scope.until,
            *act_camp,
        )
        for rid, at in conn.execute(q.group_by(ACT.c.rep_id)):
            if at is not None and (rid not in last or at > last[rid]):
                last[rid] = at
    return last


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _first_whole_day(since: datetime | None) -> date | None:
    """The first UTC day that starts at or after ``since``."""
    if since is None:
        return None
    s = since.astimezone(UTC)
    return s.date() if s.time() == time() else s.date() + timedelta(days=1)


def _held(where: Any, now: datetime) -> Any:
    """Per rep: meetings booked in the period whose time has passed, and those of them a held
    meeting (logged at or after the booking, on the same client) followed — meetings only.

    "A held meeting at or after the booking" is "the client's latest held meeting is not
    before it": one grouped pass over the held meetings joined to the bookings, instead of one
    index probe per booking (1M/5M: 333k bookings; SQLite 3.3 -> 2.0 s CPU, PostgreSQL
    7.5 -> 4.9 s wall)."""
    last_held = (
        select(ACT.c.client_id, func.max(ACT.c.at).label("at"))
        .where(ACT.c.type == ActivityType.MEETING, ACT.c.outcome.in_(HELD))
        .group_by(ACT.c.client_id)
        .subquery("last_held")
    )
    past = and_(
        where,
        ACT.c.type == ActivityType.MEETING,
        ACT.c.outcome == ActivityOutcome.BOOKED,
        func.coalesce(ACT.c.meeting_at, ACT.c.at) <= now,
    )
    return (
        select(ACT.c.rep_id, func.count().label("past"), _count(last_held.c.at >= ACT.c.at).label("held"))
        .select_from(ACT.outerjoin(last_held, last_held.c.client_id == ACT.c.client_id))
        .where(past)
        .group_by(ACT.c.rep_id)
    )


def _called(where: Any) -> Any:
    """Per rep: the distinct clients called in the period — one pass over the covering
    ``ix_activity_rep_id_client_id_at`` (rep, client order: no sort, no window). The type is
    not offered to SQLite's planner: without statistics it read every call from
    ``ix_activity_type_at_client_id`` instead and sorted them twice."""
    q = select(ACT.c.rep_id, func.count(ACT.c.client_id.distinct()).label("called"))
    return q.where(where, unindexed(ACT.c.type) == ActivityType.CALL).group_by(ACT.c.rep_id)


def _booked_in(scope: Scope, campaign_id: int | None) -> list[Any]:
    """The stored bookings (``meeting_booking``) of the period and campaign."""
    B = booking_store.B
    where: list[Any] = [scope.period(B.c.at)]
    if campaign_id is not None:
        where.append(B.c.campaign_id == campaign_id)
    return where


def _stored_period(scope: Scope, campaign_id: int | None) -> list[Any]:
    """The stored gaps (``touch_gap``) of the period: the touch in it and its previous touch
    too (``at`` at most ``--until``, the previous one at or after ``--since``), of the campaign."""
    T = touch_store.T
    where: list[Any] = []
    if scope.since is not None:
        where.append(T.c.prev_at >= scope.since)
    if scope.until is not None:
        where.append(T.c.at <= scope.until)
    if campaign_id is not None:
        where.append(T.c.campaign_id == campaign_id)
    return where


def _touch_gaps(where: Any, dialect: str) -> Any:
    """Per rep: the median seconds between consecutive touches (calls, e-mails) on one client
    in the period — one ``lag`` over the touches in (rep, client, time) order, read from
    ``ix_activity_rep_id_client_id_at`` (0023) with no sort, then the median of the gaps."""
    touch = and_(where, ACT.c.type.in_((ActivityType.CALL, ActivityType.EMAIL)))
    secs = epoch_seconds(ACT.c.at)
    prev = func.lag(secs).over(partition_by=(ACT.c.rep_id, ACT.c.client_id), order_by=(ACT.c.at, ACT.c.id))
    gaps = select(ACT.c.rep_id, (secs - prev).label("gap")).where(touch).subquery("gaps")
    if dialect == "postgresql":  # the ordered-set aggregate: the mean of the two middle gaps
        median_gap = func.percentile_cont(0.5).within_group(gaps.c.gap).label("median_gap")
        return select(gaps.c.rep_id, median_gap).group_by(gaps.c.rep_id)
    # SQLite: rank the gaps (the first touch of each client has none and is left out).
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
    r = ranked.c
    middle = or_(r.rn == (r.n + 1) // 2, r.rn == (r.n + 2) // 2)
    return select(r.rep_id, func.avg(r.gap).label("median_gap")).where(middle).group_by(r.rep_id)
