"""What the queue (``queue.py``) and the dialer (``dialer.py``) read: the tables, the rep, the
client columns, the segments of the rep's book in tier order, and each client's activity facts.

Shared by both so they read the same facts the same way (``next`` re-reads one client live
inside its claiming transaction with ``CLIENT_COLUMNS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.engine import Connection

from leadctl.errors import InputError
from leadctl.rules import Rules
from leadctl.storage import schema
from leadctl.storage.sqlfunc import unindexed
from leadctl.vocab import ActivityOutcome as O  # noqa: N817
from leadctl.vocab import ActivityType as T  # noqa: N817
from leadctl.vocab import QueueTier as Q  # noqa: N817
from leadctl.vocab import Stage

A, ACT, C, CR, LE, R = (
    schema.assignment,
    schema.activity,
    schema.client,
    schema.campaign_rep,
    schema.client_lease,
    schema.rep,
)
SUP = schema.suppression
UNANSWERED = (O.NO_ANSWER.value, O.VOICEMAIL.value)


def active_rep(conn: Connection, ref: str) -> dict[str, Any]:
    from leadctl.services.admin.lookup import find_rep

    rep = find_rep(conn, ref)
    if not rep["active"]:
        raise InputError(f"rep {rep['email']} is deactivated")
    return rep


# The rep's clients in the order their tiers come, each segment read page by page in capture
# order (stage, filter, paged). Appointments with a meeting in the next 8 days are read whole
# (their three tiers do not follow capture order); they are few by nature. An engaged client
# whose callback is already done is read with the callback segment and ranks as engaged.
SEGMENTS: tuple[tuple[Stage, str, bool], ...] = (
    (Stage.APPOINTMENT, "meeting_soon", False),
    (Stage.ENGAGED, "callback_soon", True),
    (Stage.ENGAGED, "no_callback_soon", True),
    (Stage.ATTEMPTED, "", True),
    (Stage.UNTOUCHED, "researched", True),
    (Stage.UNTOUCHED, "new", True),
)


# The lowest tier (``TIERS`` index) a client of each segment can have: tiers come in segment
# order, so once a segment is read no later segment can put a client before its rows.
_FIRST_TIERS = (Q.APPOINTMENT_CALL, Q.CALLBACK_DUE, Q.ENGAGED, Q.ATTEMPTED, Q.RESEARCHED, Q.NEW)
SEGMENT_MIN_TIER: tuple[int, ...] = tuple(tuple(Q).index(t) for t in _FIRST_TIERS)


# Segments of one stage split by one condition and its negation (callback due or not; worked on
# or not): ``segment_pair`` reads both in one statement, evaluating the condition once per client.
PAIRS: dict[int, int] = {1: 2, 4: 5}
_COMPLEMENT = {"callback_soon": "no_callback_soon", "researched": "new"}


def _kinds(at: datetime) -> dict[str, Any]:
    """Each segment kind's condition on a client row (``C``): a look-up of the client's own
    activities on ``ix_activity_client_id_at_type_outcome``. The type is not offered to
    SQLite's planner: without statistics it drove each look-up from
    ``ix_activity_type_at_client_id`` — every disposition before ``at``, per client (a rep's
    queue at 1M clients: 200 s instead of 0.2)."""
    mine = and_(ACT.c.client_id == C.c.id, ACT.c.at <= at)
    has_act = select(ACT.c.id).where(mine).exists()
    meeting = select(ACT.c.id).where(
        mine,
        unindexed(ACT.c.type) == T.MEETING.value,
        ACT.c.outcome == O.BOOKED.value,
        ACT.c.meeting_at > at,
        ACT.c.meeting_at <= at + timedelta(days=8),
    )
    callback = select(ACT.c.id).where(
        mine,
        unindexed(ACT.c.type) == T.DISPOSITION.value,
        ACT.c.outcome == O.CALLBACK.value,
        ACT.c.callback_at <= at + timedelta(days=1),
    )
    return {
        "meeting_soon": meeting.exists(),
        "callback_soon": callback.exists(),
        "no_callback_soon": ~callback.exists(),
        "researched": has_act,
        "new": ~has_act,
    }


def _parts(rules: Rules, rep_id: int, campaign_id: int | None, stage: Stage, *where: Any) -> tuple[Any, Any]:
    """(the rep's own clients, the shared pool's oldest ``queue.pool_candidates``) of a stage
    matching ``where``, as selects of the segment columns."""
    cond: list[Any] = [C.c.stage == stage.value, *where]
    if campaign_id is not None:
        cond.append(C.c.campaign_id == campaign_id)
    cols = (C.c.id, C.c.created_at, C.c.updated_at, C.c.origin_lead_id)
    own = select(*cols).where(C.c.manager_id == rep_id, *cond)
    approved = select(CR.c.campaign_id).where(CR.c.rep_id == rep_id, CR.c.revoked_at.is_(None))
    pool = (
        select(*cols)
        .where(C.c.manager_id.is_(None), C.c.merged_into_id.is_(None), C.c.campaign_id.in_(approved), *cond)
        .order_by(C.c.created_at, C.c.id)  # oldest first: ix_client_pool_stage_created_at
        .limit(rules.queue.pool_candidates)
    )
    return own, pool


def segment(rules: Rules, rep_id: int, campaign_id: int | None, stage: Stage, kind: str, at: datetime) -> Any:
    """Ids of the rep's own clients (``client.manager_id`` mirrors the active assignment) and of
    the shared pool (unassigned clients of the rep's approved campaigns, oldest first, at most
    ``queue.pool_candidates``) in one segment, with their capture time and ``updated_at`` (a stored
    score is current only while it matches), as one subquery."""
    own, pool = _parts(rules, rep_id, campaign_id, stage, *([_kinds(at)[kind]] if kind else []))
    if rules.queue.pool_candidates <= 0:
        return own.subquery("cand")
    return union_all(own, select(pool.subquery())).subquery("cand")


def segment_pair(
    rules: Rules, rep_id: int, campaign_id: int | None, stage: Stage, kind: str, at: datetime
) -> Any:
    """``segment`` of ``kind`` and of its complement (``PAIRS``) in one subquery with a column
    ``part``: 0 for ``kind``'s rows, 1 for the complement's. The rep's own clients of the stage
    are read once, the condition evaluated once per client; the pool keeps its oldest
    ``pool_candidates`` per segment, so each part holds exactly the rows ``segment`` gives."""
    kinds = _kinds(at)
    first = kinds[kind]
    own, _pool = _parts(rules, rep_id, campaign_id, stage)
    own = own.add_columns(case((first, 0), else_=1).label("part"))
    if rules.queue.pool_candidates <= 0:
        return own.subquery("cand")
    _own, p0 = _parts(rules, rep_id, campaign_id, stage, first)
    _own, p1 = _parts(rules, rep_id, campaign_id, stage, kinds[_COMPLEMENT[kind]])
    return union_all(
        own,
        select(p0.subquery(), literal(0).label("part")),
        select(p1.subquery(), literal(1).label("part")),
    ).subquery("cand")


CLIENT_COLUMNS = (
    C.c.id,
    C.c.campaign_id,
    C.c.manager_id,
    C.c.stage,
    C.c.first_name,
    C.c.last_name,
    C.c.email,
    C.c.title,
    C.c.company,
    C.c.business_phone,
    C.c.mobile_phone,
    C.c.timezone,
    C.c.timezone_source,
    C.c.timezone_candidates,
    C.c.state,
    C.c.country,
    C.c.custom,
    C.c.created_at,
)


def facts_query(which: Any, at: datetime) -> Any:
    is_call = ACT.c.type == T.CALL.value

    def when(cond: Any, value: Any) -> Any:
        return case((cond, value), else_=None)

    def n(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    booked = and_(ACT.c.type == T.MEETING.value, ACT.c.outcome == O.BOOKED.value)
    return (
        select(
            ACT.c.client_id,
            func.max(when(is_call, ACT.c.at)).label("last_call"),
            func.max(when(and_(is_call, ACT.c.outcome == O.CONVERSATION.value), ACT.c.at)).label("last_talk"),
            n(and_(is_call, ACT.c.outcome.in_(UNANSWERED))).label("unanswered"),
            n(and_(is_call, ACT.c.at > at - timedelta(hours=24))).label("calls_24h"),
            func.max(when(booked, ACT.c.at)).label("booked_at"),
            func.max(when(booked, ACT.c.meeting_at)).label("meeting_at"),
            func.max(
                when(and_(ACT.c.type == T.MEETING.value, ACT.c.outcome == O.CONFIRMED.value), ACT.c.at)
            ).label("confirmed_at"),
            func.max(
                when(
                    and_(ACT.c.type == T.DISPOSITION.value, ACT.c.outcome == O.CALLBACK.value),
                    ACT.c.callback_at,
                )
            ).label("callback_at"),
            func.count().label("activities"),
        )
        .where(which, ACT.c.at <= at)
        .group_by(ACT.c.client_id)
    )


def recent_calls(conn: Connection, ids: Sequence[int], at: datetime) -> dict[int, list[datetime]]:
    """Call times in the 24 hours before ``at`` of clients at or over a cap."""
    from leadctl.storage.sqlfunc import in_chunks

    out: dict[int, list[datetime]] = {}
    for cond in in_chunks(conn, ACT.c.client_id, ids):
        q = select(ACT.c.client_id, ACT.c.at).where(
            cond, ACT.c.type == T.CALL.value, ACT.c.at > at - timedelta(hours=24), ACT.c.at <= at
        )
        for cid, t in conn.execute(q):
            out.setdefault(cid, []).append(t)
    return out
