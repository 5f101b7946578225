"""Ranking's activity rollup: per rep, campaign and UTC day, the sums ``ranking`` reads.

``rep_activity_day`` holds, per (rep, campaign, day), the activities, talk seconds, calls,
conversations, booked and qualified-held meetings, and the newest ``at``. Ranking 200 reps
over a 30-day window then reads ~200 × 30 rows instead of every activity in the window (10M
at 1M clients); the numbers are the same sums (``tests/services/test_rollup.py`` compares them
with ``activity`` after every kind of write).

Writers never update a rollup row: ``add`` appends the deltas of the activities it is given
(one grouped ``INSERT … SELECT``), so an import and a rep logging a call never wait on each
other's rows. ``add`` then compacts the keys it touched into one row each; on PostgreSQL only
the transaction holding a try-lock compacts (the others leave their deltas for the next one),
so compaction never waits or deadlocks. Readers ``SUM`` whatever rows a key has.

Every activity writer calls ``add`` with the ids it inserted: ``activity log`` and ``activity
import`` (``services.work.activities.insert_activities``, which also passes the recycle
dispositions it writes), the demo, the benchmarks. Activities without a rep are not ranked
and not rolled up. Migration 0018 fills the table from the activities already stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Date, case, cast, delete, func, insert, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from leadctl.storage import claims, schema
from leadctl.storage.sqlfunc import in_chunks, member_of
from leadctl.vocab import ActivityOutcome, ActivityType

ROLL = schema.rep_activity_day
ACT = schema.activity
SUMS = ("acts", "talk_s", "calls", "conversations", "booked", "held_qualified")
COLUMNS = ("rep_id", "campaign_id", "day", *SUMS, "last_at")
KEY = ("rep_id", "campaign_id", "day")


def day_of(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The UTC date of a stored timestamp, as SQL."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text 'YYYY-MM-DD HH:MM:SS…'


def _count(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


def grouped(dialect: str, *where: ColumnElement[bool]) -> Any:
    """The rollup rows (``COLUMNS``) of the activities matching ``where``."""
    day = day_of(dialect, ACT.c.at)
    return (
        select(
            ACT.c.rep_id,
            ACT.c.campaign_id,
            day,
            func.count(),
            func.sum(func.coalesce(ACT.c.duration_s, 0)),
            _count(ACT.c.type == ActivityType.CALL.value),
            _count(ACT.c.outcome == ActivityOutcome.CONVERSATION.value),
            _count(ACT.c.outcome == ActivityOutcome.BOOKED.value),
            _count(ACT.c.outcome == ActivityOutcome.HELD_QUALIFIED.value),
            func.max(ACT.c.at),
        )
        .where(ACT.c.rep_id.is_not(None), *where)
        .group_by(ACT.c.rep_id, ACT.c.campaign_id, day)
    )


def add(conn: Connection, activity_ids: Iterable[int]) -> None:
    """Roll up the activities ``activity_ids`` (just inserted by this transaction)."""
    ids = sorted(set(activity_ids))
    if not ids:
        return
    dialect = conn.dialect.name
    reps: set[int] = set()
    for cond in in_chunks(conn, ACT.c.id, ids):
        conn.execute(insert(ROLL).from_select(list(COLUMNS), grouped(dialect, cond)))
        reps.update(
            r for r in conn.execute(select(ACT.c.rep_id).where(cond).distinct()).scalars() if r is not None
        )
    compact(conn, sorted(reps))


def add_new(conn: Connection, activity_ids: Sequence[int], created_at: datetime) -> None:
    """``add`` for ``insert_activities``: its rows ``activity_ids`` plus the recycle
    dispositions it wrote after them (keys ``recycle:…``, same ``created_at``, higher ids)."""
    if not activity_ids:
        return
    q = select(ACT.c.id).where(
        ACT.c.created_at == created_at,
        ACT.c.id > max(activity_ids),
        ACT.c.activity_key.like("recycle:%"),
    )
    add(conn, [*activity_ids, *conn.execute(q).scalars()])


def compact(conn: Connection, rep_ids: Sequence[int]) -> None:
    """Merge the rows of each (rep, campaign, day) of ``rep_ids`` into one row."""
    if not rep_ids:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql" and not claims.try_serialize(conn, "rep_activity_day"):
        return  # another transaction is compacting: these deltas wait for the next add
    key = tuple_(*(ROLL.c[k] for k in KEY))
    dup_keys = (
        select(*(ROLL.c[k] for k in KEY))
        .where(member_of(ROLL.c.rep_id, list(rep_ids), dialect))
        .group_by(*(ROLL.c[k] for k in KEY))
        .having(func.count() > 1)
    )
    dup_ids = select(ROLL.c.id).where(key.in_(dup_keys))

    def merged(src: Any) -> Any:
        return select(
            *(src.c[k] for k in KEY), *(func.sum(src.c[c]) for c in SUMS), func.max(src.c.last_at)
        ).group_by(*(src.c[k] for k in KEY))

    if dialect == "postgresql":  # one statement, one snapshot: exactly the rows deleted are summed
        gone = delete(ROLL).where(ROLL.c.id.in_(dup_ids)).returning(*ROLL.c).cte("gone")
        conn.execute(insert(ROLL).from_select(list(COLUMNS), merged(gone)).add_cte(gone))
        return
    # SQLite: the caller holds the only write lock, so both statements see the same rows.
    top = conn.execute(select(func.max(ROLL.c.id))).scalar_one()
    if top is None:
        return
    old = select(ROLL).where(ROLL.c.id.in_(dup_ids)).subquery()
    conn.execute(insert(ROLL).from_select(list(COLUMNS), merged(old)))
    conn.execute(delete(ROLL).where(ROLL.c.id <= top, ROLL.c.id.in_(dup_ids)))


def rebuild(conn: Connection) -> None:
    """Recompute the whole rollup from ``activity`` (bulk writers that bypass ``add``)."""
    conn.execute(delete(ROLL))
    conn.execute(insert(ROLL).from_select(list(COLUMNS), grouped(conn.dialect.name)))
