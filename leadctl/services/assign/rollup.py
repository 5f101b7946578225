"""Ranking's activity rollup: per rep, campaign and UTC day, the sums ``ranking`` reads.

``rep_activity_day`` holds, per (rep, campaign, day), the activities, talk seconds, calls,
conversations, booked and qualified-held meetings, and the newest ``at``. Ranking 200 reps
over a 30-day window then reads ~200 × 30 rows instead of every activity in the window (10M
at 1M clients); the numbers are the same sums (``tests/services/test_rollup.py`` compares them
with ``activity`` after every kind of write).

``add`` rolls up the activities it is given in one grouped statement per chunk. SQLite (one
writer at a time) adds them into each key's single row (``UPDATE … FROM``, then ``INSERT`` of
new keys). PostgreSQL never updates a rollup row in the writer: it appends the deltas, so an
import and a rep logging a call never wait on each other's rows (or deadlock over them), then
merges the keys it touched into one row each — only the transaction holding a try-lock does,
the others leave their deltas for the next ``add``. Readers ``SUM`` whatever rows a key has.

Every activity writer calls ``add`` with the ids it inserted: ``activity log`` and ``activity
import`` (``services.work.activities.insert_activities``, which also passes the recycle
dispositions it writes), the demo, the benchmarks. Activities without a rep are not ranked
and not rolled up. Migration 0018 fills the table from the activities already stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Date, case, cast, delete, exists, func, insert, select, tuple_, update
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
BATCH = 50_000  # activity ids per statement: an import chunk (20,000 rows) updates each key once


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
    new_rows: list[int] = []
    for cond in in_chunks(conn, ACT.c.id, ids, size=BATCH):
        if dialect == "postgresql":  # append: no other writer ever waits on these rows
            q = insert(ROLL).from_select(list(COLUMNS), grouped(dialect, cond)).returning(ROLL.c.id)
            new_rows += conn.execute(q).scalars()
            continue
        # SQLite: this transaction holds the only write lock, so add into each key's one row.
        d = grouped(dialect, cond).subquery("d")
        same = [ROLL.c[k] == d.c[i] for i, k in enumerate(KEY)]
        values: dict[str, Any] = {k: ROLL.c[k] + d.c[3 + i] for i, k in enumerate(SUMS)}
        values["last_at"] = func.max(ROLL.c.last_at, d.c[len(COLUMNS) - 1])
        conn.execute(update(ROLL).where(*same).values(values))
        fresh = select(d).where(~exists().where(*same))
        conn.execute(insert(ROLL).from_select(list(COLUMNS), fresh))
    if new_rows:
        compact(conn, new_rows)


def with_recycled(conn: Connection, activity_ids: Sequence[int], created_at: datetime) -> list[int]:
    """The ids ``insert_activities`` rolls up: its rows ``activity_ids`` plus the recycle
    dispositions it wrote after them (keys ``recycle:…``, same ``created_at``, higher ids)."""
    if not activity_ids:
        return []
    q = select(ACT.c.id).where(
        ACT.c.created_at == created_at,
        ACT.c.id > max(activity_ids),
        ACT.c.activity_key.like("recycle:%"),
    )
    return [*activity_ids, *conn.execute(q).scalars()]


def compact(conn: Connection, rollup_ids: Sequence[int]) -> None:
    """PostgreSQL: merge the rows of each (rep, campaign, day) the rollup rows ``rollup_ids``
    (the deltas just appended) belong to into one row — only if no other transaction is
    compacting (a try-lock: never waits); otherwise the deltas wait for the next ``add``."""
    if not rollup_ids or not claims.try_serialize(conn, "rep_activity_day"):
        return
    key = tuple_(*(ROLL.c[k] for k in KEY))
    touched = select(*(ROLL.c[k] for k in KEY)).where(
        member_of(ROLL.c.id, list(rollup_ids), conn.dialect.name)
    )
    dup_keys = (
        select(*(ROLL.c[k] for k in KEY))
        .where(key.in_(touched))
        .group_by(*(ROLL.c[k] for k in KEY))
        .having(func.count() > 1)
    )
    # One statement, one snapshot: exactly the rows deleted are summed.
    gone = delete(ROLL).where(key.in_(dup_keys)).returning(*ROLL.c).cte("gone")
    merged = select(
        *(gone.c[k] for k in KEY), *(func.sum(gone.c[c]) for c in SUMS), func.max(gone.c.last_at)
    ).group_by(*(gone.c[k] for k in KEY))
    conn.execute(insert(ROLL).from_select(list(COLUMNS), merged).add_cte(gone))


def rebuild(conn: Connection) -> None:
    """Recompute the whole rollup from ``activity`` (bulk writers that bypass ``add``)."""
    conn.execute(delete(ROLL))
    conn.execute(insert(ROLL).from_select(list(COLUMNS), grouped(conn.dialect.name)))
