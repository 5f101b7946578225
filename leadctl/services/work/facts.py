"""Per-client facts of the activities, stored (``client_fact``) and kept by every writer.

What speed-to-lead (``metrics speed``), SLA compliance (``metrics sla``) and the SLA check
(``sla check``, ``sla explain``, the queue's urgency) need of a client's activities:

- ``first_call_at``: its first call (any outcome);
- ``first_conversation_at``: its first call that reached a conversation;
- ``calls``: how many calls it has;
- ``last_touch_at``: its latest call or e-mail;
- ``funnel_level``: the furthest funnel step its activities reached (``metrics funnel``;
  ``services.metrics.rollup.level_of``: 0 none … 5 held as qualified).

Re-aggregating five million activities on every run costs seconds (one GROUP BY by client is
~3 s at 1M clients on SQLite); the facts are a primary-key look-up per client. They are
derived data, kept correct by every writer of activities — activities are append-only (no
command updates or deletes one; merges and their undo leave each activity on its client):

- ``fold(conn, activity_ids)`` merges just-inserted activities in: one set-based
  ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per 5,000 ids (min/max/sum merge, so
  it is exact whatever order batches arrive in, and safe under concurrent writers on
  PostgreSQL). ``insert_activities`` calls it with the ids it inserted, recycling's
  dispositions included (``activity log``; ``activity import`` once, after its last chunk,
  with all its ids: ``activities.Later``);
- ``rebuild(conn, client_ids)`` recomputes clients from their activities (the demo's and the
  benchmarks' bulk loads, which write activities directly).

Readers take ``facts_for(conn, at)``: the stored table when it describes the activities as of
``at`` — no activity after ``at`` (the newest per campaign, ``ix_activity_campaign_id_at``) and
the newest activity folded in (``max(activity.id)`` against ``ix_client_fact_last_activity_id``):
a few index look-ups — else the same columns computed from the activities up to ``at`` (a metric ``--at`` a past
moment, or a writer that bypassed ``fold``), so the answer never depends on which is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from leadctl.services.metrics.rollup import level_of
from leadctl.services.work import bookings, touches
from leadctl.storage import schema
from leadctl.storage.sqlfunc import CHUNK, in_chunks, member_of, refresh_statistics
from leadctl.storage.types import UTCDateTime
from leadctl.storage.upsert import upsert_from_select
from leadctl.vocab import ActivityOutcome, ActivityType

ACT = schema.activity
CAMP = schema.campaign
F = schema.client_fact
COLUMNS = (
    "client_id",
    "first_call_at",
    "first_conversation_at",
    "calls",
    "last_touch_at",
    "last_activity_id",
    "funnel_level",
)


def aggregate(*where: ColumnElement[bool]) -> Any:
    """The facts computed from the activities matching ``where``, one row per client
    (``COLUMNS``): the definition the stored rows equal."""
    is_call = ACT.c.type == ActivityType.CALL
    return (
        select(
            ACT.c.client_id.label("client_id"),
            func.min(case((is_call, ACT.c.at))).label("first_call_at"),
            func.min(case((and_(is_call, ACT.c.outcome == ActivityOutcome.CONVERSATION), ACT.c.at))).label(
                "first_conversation_at"
            ),
            func.count(case((is_call, 1))).label("calls"),
            func.max(case((ACT.c.type.in_((ActivityType.CALL, ActivityType.EMAIL)), ACT.c.at))).label(
                "last_touch_at"
            ),
            func.max(ACT.c.id).label("last_activity_id"),
            func.max(level_of()).label("funnel_level"),
        )
        .where(and_(True, *where))
        .group_by(ACT.c.client_id)
    )


def _earliest(stored: Any, new: Any) -> ColumnElement[Any]:
    """The earlier of two nullable moments (NULL only when both are)."""
    return case((new.is_(None), stored), (or_(stored.is_(None), new < stored), new), else_=stored)


def _latest(stored: Any, new: Any) -> ColumnElement[Any]:
    return case((new.is_(None), stored), (or_(stored.is_(None), new > stored), new), else_=stored)


def _merge(excluded: Any) -> dict[str, Any]:
    return {
        "first_call_at": _earliest(F.c.first_call_at, excluded.first_call_at),
        "first_conversation_at": _earliest(F.c.first_conversation_at, excluded.first_conversation_at),
        "calls": F.c.calls + excluded.calls,
        "last_touch_at": _latest(F.c.last_touch_at, excluded.last_touch_at),
        "last_activity_id": case(
            (excluded.last_activity_id > F.c.last_activity_id, excluded.last_activity_id),
            else_=F.c.last_activity_id,
        ),
        "funnel_level": case(
            (excluded.funnel_level > F.c.funnel_level, excluded.funnel_level), else_=F.c.funnel_level
        ),
    }


def fold(conn: Connection, activity_ids: Iterable[int]) -> None:
    """Merge activities just inserted (each id once: a re-folded id would count its call twice)
    into their clients' facts. Set-based: one statement per 5,000 ids."""
    ids = list(activity_ids)
    for cond in in_chunks(conn, ACT.c.id, ids):
        upsert_from_select(conn, F, COLUMNS, aggregate(cond), ("client_id",), _merge)
    touches.fold(conn, ids)  # each touch's gap (metrics reps), the clients' rows held now
    bookings.fold(conn, ids)  # each booked meeting and whether one was held after it (metrics reps)


def rebuild(conn: Connection, client_ids: Iterable[int] | None = None) -> None:
    """Recompute the facts of ``client_ids`` (None: every client) from their activities — for
    writers that insert activities in bulk without ids at hand (the demo, the benchmarks).

    The whole table follows a bulk load, usually in the load's own transaction, so PostgreSQL's
    planner has never seen the activities (``ANALYZE`` counts this transaction's rows): they are
    analysed first, and the three rebuilt tables after, for what the transaction does next.
    ``wait=False``: a concurrent ``ANALYZE`` (autovacuum) is not waited for — the statements
    here do not depend on the figures (see ``bookings._all_rows``), they only help."""
    if client_ids is None:
        refresh_statistics(conn, ACT.name, wait=False)
        conn.execute(delete(F))
        conn.execute(F.insert().from_select(list(COLUMNS), aggregate()))
        touches.rebuild(conn)  # and each touch's gap (services/work/touches)
        bookings.rebuild(conn)  # and each booked meeting (services/work/bookings)
        refresh_statistics(conn, F.name, touches.T.name, bookings.B.name, wait=False)
        return
    ids = sorted(set(client_ids))
    dialect = conn.dialect.name
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        conn.execute(delete(F).where(member_of(F.c.client_id, chunk, dialect)))
        conn.execute(
            F.insert().from_select(list(COLUMNS), aggregate(member_of(ACT.c.client_id, chunk, dialect)))
        )
    touches.rebuild(conn, ids)  # and each touch's gap (services/work/touches)
    bookings.rebuild(conn, ids)  # and each booked meeting (services/work/bookings)


def current(conn: Connection, at: datetime) -> bool:
    """Whether the stored facts are those of the activities as of ``at``: no activity after
    ``at`` (the newest per campaign from ``ix_activity_campaign_id_at``, one seek each) and the
    newest activity folded in (two primary-key/index look-ups)."""
    newest_per_campaign = (
        select(func.max(ACT.c.at)).where(ACT.c.campaign_id == CAMP.c.id).correlate(CAMP).scalar_subquery()
    )
    latest_q = select(type_coerce(func.max(newest_per_campaign), UTCDateTime)).select_from(CAMP)
    # One statement (one round trip): the newest activity's time and the fold check's two ids.
    latest, newest, done = conn.execute(select(latest_q.scalar_subquery(), *_fold_ids())).one()
    if latest is not None and latest > at:
        return False
    return _is_folded(newest, done)


def _fold_ids() -> tuple[Any, Any]:
    """The newest activity id and the newest one folded in, as scalar subqueries."""
    return select(func.max(ACT.c.id)).scalar_subquery(), select(
        func.max(F.c.last_activity_id)
    ).scalar_subquery()


def _is_folded(newest: int | None, done: int | None) -> bool:
    return newest is None or (done is not None and done >= newest)


def folded(conn: Connection) -> bool:
    """Whether the newest activity is folded into the stored facts (two primary-key/index
    look-ups): false only after a writer bypassed ``fold``/``rebuild`` (raw SQL, a fixture)."""
    return _is_folded(*conn.execute(select(*_fold_ids())).one())


def facts_for(
    conn: Connection, at: datetime, client_ids: Sequence[int] | None = None, stored: bool | None = None
) -> Any:
    """A selectable of the facts (``client_id``, ``first_call_at``, ``first_conversation_at``,
    ``calls``, ``last_touch_at``) as of ``at``: the stored table when ``current``, else computed
    from the activities up to ``at`` (of ``client_ids`` only, when given). ``stored``: what
    ``current(conn, at)`` gave this caller already, in the same transaction."""
    if current(conn, at) if stored is None else stored:
        return F
    where = [ACT.c.at <= at]
    if client_ids is not None:
        where.append(member_of(ACT.c.client_id, list(client_ids), conn.dialect.name))
    return aggregate(*where).subquery("facts_at")
