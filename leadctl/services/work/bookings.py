"""Each meeting a rep booked, stored (``meeting_booking``) and kept by every activity writer.

``metrics reps``' hold rate counts, of the meetings booked in the period whose time has passed,
those a held meeting (qualified or not, by anyone) followed on the same client: logged at or
after the booking. Per booking that is one stored flag and its due moment
(``coalesce(meeting_at, at)``), so the metric reads one narrow index
(``ix_meeting_booking_rep_id_at``) instead of joining the bookings to every client's latest
held meeting (1M clients / 5M activities: ~2.4 s CPU on SQLite).

Activities are append-only, so ``held`` only ever turns true. Kept exact by the two functions
``services/work/facts`` calls (so ``facts.folded`` says whether this table is current too):

- ``fold(conn, activity_ids)``: new bookings get their row (held if a held meeting at or after
  them is stored: one probe of ``ix_activity_client_id_at_type_outcome``); new held meetings
  mark the bookings of their client at or before them held. Called after the facts' upsert,
  which holds the clients' ``client_fact`` rows, so a concurrent writer of the same client
  waits there and then sees this one's rows; the rows updated belong to clients this
  transaction already holds (no new lock order);
- ``rebuild(conn, client_ids)``: those clients' bookings (None: all) recomputed. The whole
  table (``_all_rows``) is one join of the bookings to each client's latest held meeting, not
  the probe per booking ``_rows`` defines (the reference ``from_scratch`` keeps): a probe is
  only fast on ``ix_activity_client_id_at_type_outcome``, and right after a bulk load in the
  same transaction (the demo, the benchmarks: tables never analysed) PostgreSQL probed
  ``ix_activity_type_at_client_id`` by ``type`` and ``at >=`` instead — every meeting after the
  booking, per booking: 128 s of server CPU at 100k clients, over 86 minutes at 1M. A grouped
  join has no per-row plan to get wrong (hash or merge join, ~0.5 s at 100k whatever the
  statistics).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, false, func, insert, select, true, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from leadctl.storage import schema
from leadctl.storage.sqlfunc import CHUNK, member_of, unindexed
from leadctl.vocab import ActivityOutcome, ActivityType

ACT, B = schema.activity, schema.meeting_booking
HELD = (ActivityOutcome.HELD_QUALIFIED, ActivityOutcome.HELD_UNQUALIFIED)
COLUMNS = ("activity_id", "rep_id", "campaign_id", "at", "due_at", "held")


def _type(a: Any, whole_table: bool) -> Any:
    """The activity type as a test offers it: to SQLite's planner only for a pass over the
    whole table; a statement driven by ids or clients hides it (see ``_rows``)."""
    return a.c.type if whole_table else unindexed(a.c.type)


def _is_booking(a: Any = ACT, *, whole_table: bool = False) -> ColumnElement[bool]:
    typ = _type(a, whole_table)
    return and_(a.c.rep_id.is_not(None), typ == ActivityType.MEETING, a.c.outcome == ActivityOutcome.BOOKED)


def _is_held(a: Any, *, whole_table: bool = False) -> ColumnElement[bool]:
    typ = _type(a, whole_table)
    return and_(typ == ActivityType.MEETING, a.c.outcome.in_(HELD))


def _rows(*where: ColumnElement[bool]) -> Any:
    """The rows (``COLUMNS``) of the bookings matching ``where`` (ids or clients).

    The activity types are hidden from SQLite's planner (``unindexed``): offered them, it
    drove both the bookings and the held-meeting probe from ``ix_activity_type_at_client_id``
    — every stored meeting per statement, each chunk of an import costing in proportion to
    the whole table — where ``where`` and ``ix_activity_client_id_at_type_outcome`` (the
    client's meetings at or after the booking) are what bound the work."""
    h = ACT.alias("h")
    followed = exists().where(h.c.client_id == ACT.c.client_id, h.c.at >= ACT.c.at, _is_held(h))
    return select(
        ACT.c.id,
        ACT.c.rep_id,
        ACT.c.campaign_id,
        ACT.c.at,
        func.coalesce(ACT.c.meeting_at, ACT.c.at),
        case((followed, true()), else_=false()),
    ).where(_is_booking(), *where)


def _all_rows() -> Any:
    """The rows (``COLUMNS``) of every booking, as ``_rows()`` gives them: a held meeting at or
    after the booking on its client exists exactly when the client's latest held meeting is
    not before it (one pass over the held meetings, grouped by client, joined once)."""
    h = ACT.alias("h")
    latest = (
        select(h.c.client_id, func.max(h.c.at).label("held_at"))
        .where(_is_held(h, whole_table=True))
        .group_by(h.c.client_id)
        .subquery("latest_held")
    )
    followed = and_(latest.c.held_at.is_not(None), latest.c.held_at >= ACT.c.at)
    return (
        select(
            ACT.c.id,
            ACT.c.rep_id,
            ACT.c.campaign_id,
            ACT.c.at,
            func.coalesce(ACT.c.meeting_at, ACT.c.at),
            case((followed, true()), else_=false()),
        )
        .select_from(ACT.outerjoin(latest, latest.c.client_id == ACT.c.client_id))
        .where(_is_booking(whole_table=True))
    )


def fold(conn: Connection, activity_ids: Iterable[int]) -> None:
    """Add the bookings among activities just inserted (each id once) and mark those the new
    held meetings follow."""
    ids = sorted(set(activity_ids))
    dialect = conn.dialect.name
    h = ACT.alias("h")
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        conn.execute(insert(B).from_select(list(COLUMNS), _rows(member_of(ACT.c.id, chunk, dialect))))
        followed = (  # the not-yet-held bookings at or before a new held meeting of their client
            select(B.c.activity_id)
            .select_from(
                h.join(ACT, and_(ACT.c.client_id == h.c.client_id, ACT.c.at <= h.c.at)).join(
                    B, B.c.activity_id == ACT.c.id
                )
            )
            .where(member_of(h.c.id, chunk, dialect), _is_held(h), _is_booking(), B.c.held.is_(False))
        )
        marked = sorted(set(conn.execute(followed).scalars()))
        for j in range(0, len(marked), CHUNK):  # by primary key: no pass over the table
            part = member_of(B.c.activity_id, marked[j : j + CHUNK], dialect)
            conn.execute(update(B).where(part).values(held=True))


def rebuild(conn: Connection, client_ids: Iterable[int] | None = None) -> None:
    """Recompute the bookings of ``client_ids`` (None: of every client)."""
    if client_ids is None:
        conn.execute(delete(B))
        conn.execute(insert(B).from_select(list(COLUMNS), _all_rows()))
        return
    ids = sorted(set(client_ids))
    dialect = conn.dialect.name
    for i in range(0, len(ids), CHUNK):
        chunk = member_of(ACT.c.client_id, ids[i : i + CHUNK], dialect)
        conn.execute(delete(B).where(B.c.activity_id.in_(select(ACT.c.id).where(chunk, _is_booking()))))
        conn.execute(insert(B).from_select(list(COLUMNS), _rows(chunk)))


def held_counts(conn: Connection, now: datetime, *where: ColumnElement[bool]) -> Any:
    """Per rep (``rep_id``, ``past``, ``held``): the stored bookings matching ``where`` whose
    time is not after ``now``, and those of them held — one pass over the covering index."""
    q = select(
        B.c.rep_id,
        func.count().label("past"),
        func.sum(case((B.c.held.is_(True), 1), else_=0)).label("held"),
    )
    return conn.execute(q.where(B.c.due_at <= now, *where).group_by(B.c.rep_id)).all()


def stored(conn: Connection) -> set[tuple[Any, ...]]:
    """Every stored row (``COLUMNS``), the reference ``from_scratch`` is compared with."""
    return {tuple(r) for r in conn.execute(select(*(B.c[c] for c in COLUMNS)))}


def from_scratch(conn: Connection) -> set[tuple[Any, ...]]:
    """The rows ``_rows`` computes from every activity now (same types as ``stored``)."""
    r = _rows().subquery("scratch")
    cols = [type_coerce(col, B.c[c].type) for col, c in zip(r.c, COLUMNS, strict=True)]
    return {tuple(x) for x in conn.execute(select(*cols))}
