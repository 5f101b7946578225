"""Stored rollups the metric tables read instead of re-aggregating every activity per run.

``client_funnel`` (storage.schema, migration 0019): per client the furthest funnel step its
activities reached — ``level_of`` below, the same CASE as the migration's trigger SQL. The
database keeps it: an AFTER INSERT trigger on ``activity`` (a row trigger on SQLite, one
set-based statement trigger over the inserted rows on PostgreSQL) upserts the maximum, so every
writer of activities is covered without a call of its own (``activity log``/``import``,
recycling's nurture dispositions, the demo, fixtures and raw SQL). Activity rows are never
updated or deleted and their ``client_id`` never changes (a merge re-points leads, not
activities), so a client's level only ever rises.

``rebuild`` recomputes the table from scratch (set-based; what the migration's backfill does)
and ``from_scratch`` is the reference the tests compare the trigger-kept rows against.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.engine import Connection

from leadctl.storage import schema
from leadctl.vocab import ActivityOutcome, ActivityType

ACT, CF = schema.activity, schema.client_funnel
# Funnel levels of an activity: 1 contacted … 5 held as qualified (0: no funnel step).
CONTACTED, CONVERSATION, BOOKED, HELD, QUALIFIED = 1, 2, 3, 4, 5


def level_of(type_: Any = ACT.c.type, outcome: Any = ACT.c.outcome) -> Any:
    """The funnel level one activity shows (SQL expression)."""
    t, o = type_, outcome
    return case(
        (and_(t == ActivityType.MEETING, o == ActivityOutcome.HELD_QUALIFIED), QUALIFIED),
        (and_(t == ActivityType.MEETING, o == ActivityOutcome.HELD_UNQUALIFIED), HELD),
        (t == ActivityType.MEETING, BOOKED),
        (and_(t == ActivityType.CALL, o == ActivityOutcome.CONVERSATION), CONVERSATION),
        (t.in_((ActivityType.CALL, ActivityType.EMAIL)), CONTACTED),
        else_=0,
    )


def _levels() -> Any:
    lvl = func.max(level_of())
    return select(ACT.c.client_id, lvl).group_by(ACT.c.client_id).having(lvl > 0)


def from_scratch(conn: Connection) -> dict[int, int]:
    """client id -> level computed from every activity now (the reference for the stored rows)."""
    return {int(c): int(n) for c, n in conn.execute(_levels())}


def stored(conn: Connection) -> dict[int, int]:
    return {int(c): int(n) for c, n in conn.execute(select(CF.c.client_id, CF.c.level))}


def rebuild(conn: Connection) -> int:
    """Recompute ``client_funnel`` from the activities (set-based); the number of rows."""
    conn.execute(delete(CF))
    conn.execute(insert(CF).from_select(["client_id", "level"], _levels()))
    return int(conn.execute(select(func.count()).select_from(CF)).scalar_one())
