"""The funnel level of a client: the furthest funnel step its activities reached.

``level_of`` is the one definition (1 contacted … 5 held as qualified, 0 no funnel step). The
stored level is ``client_fact.funnel_level`` (migration 0024), kept by the per-client summary
every activity writer already maintains (``services/work/facts``: ``fold`` takes the maximum
in the same set-based upsert per chunk that keeps the other facts, ``rebuild`` recomputes it).
Until 0024 it was a table of its own (``client_funnel``) kept by an AFTER INSERT trigger; the
trigger cost ``activity import`` ~1.3 s CPU per 100k rows on SQLite (a row trigger, one upsert
per activity), the fold's extra ``max(CASE …)`` costs next to nothing. Activity rows are never
updated or deleted and their ``client_id`` never changes (a merge re-points leads, not
activities), so a client's level only ever rises.

``levels`` is the same level computed from the activities (``metrics funnel`` reads it when a
writer bypassed ``fold``), ``from_scratch``/``stored`` are what the tests compare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from leadctl.storage import schema
from leadctl.vocab import ActivityOutcome, ActivityType

ACT, F = schema.activity, schema.client_fact
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


def levels() -> Any:
    """(client_id, level) of every client whose activities reached a funnel step, computed
    from the activities (one GROUP BY over all of them)."""
    lvl = func.max(level_of())
    return (
        select(ACT.c.client_id.label("client_id"), lvl.label("level"))
        .group_by(ACT.c.client_id)
        .having(lvl > 0)
    )


def from_scratch(conn: Connection) -> dict[int, int]:
    """client id -> level computed from every activity now (the reference for the stored rows)."""
    return {int(c): int(n) for c, n in conn.execute(levels())}


def stored(conn: Connection) -> dict[int, int]:
    """client id -> stored level (``client_fact.funnel_level``), clients at a step only."""
    q = select(F.c.client_id, F.c.funnel_level).where(F.c.funnel_level > 0)
    return {int(c): int(n) for c, n in conn.execute(q)}
