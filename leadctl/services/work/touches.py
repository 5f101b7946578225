"""The gap before each touch, stored (``touch_gap``) and kept by every activity writer.

A touch is a call or an e-mail with a rep. Its gap is the whole seconds since the same rep's
previous touch of the same client (previous in (``at``, ``id``) order, as ``metrics reps``
defines it); the first touch of a (rep, client) has none. ``metrics reps --campaign C`` counts
only C's touches, so there the previous touch is the previous one in C: a touch whose previous
touch is in another campaign (never, when a client's activities all carry its campaign) has a
row for each chain (``kind`` 1: any campaign, 2: same campaign), otherwise one (``kind`` 0).
``metrics reps`` reads each rep's median gap from these rows (``median_gaps``) instead of a
``lag`` window over every touch (1M clients / 3.9M touches: ~5 s CPU on SQLite) and a sort of
the gaps (~4 s).

Kept exact by the two functions ``services/work/facts`` calls (so every writer that keeps the
per-client facts keeps these too, and ``facts.folded`` says whether both are current):

- ``fold(conn, activity_ids)``: activities just inserted. Each new touch gets its rows (its
  previous touch's ``at`` in both chains), and the touch that follows it (usually none:
  imports and logs append recent touches) has its rows recomputed, since its previous touch
  may now be the new one — the chains of the new touches' clients read once, in a select per
  5,000 clients, and walked in Python. Called after the facts' upsert, which holds the
  clients' ``client_fact`` rows: a concurrent writer of the same client waits there, then sees this one's rows (PostgreSQL,
  READ COMMITTED), so two writers never build a chain from each other's stale view, and the
  rows deleted here belong to clients this transaction already holds (no new lock order);
- ``rebuild(conn, client_ids)``: every touch of those clients (None: all) recomputed with
  ``lag`` windows — for bulk writers that insert activities directly.

Activities are never updated or deleted and keep their client, rep and campaign (a merge
re-points leads, a reassignment changes who holds the client from now on; neither moves an
activity), so nothing else changes a gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from leadctl.storage import bulk, schema
from leadctl.storage.bulk import Row
from leadctl.storage.sqlfunc import CHUNK, epoch_seconds, in_chunks, member_of, unindexed
from leadctl.storage.types import UTCDateTime
from leadctl.vocab import ActivityType

ACT, T = schema.activity, schema.touch_gap
TOUCH = (ActivityType.CALL, ActivityType.EMAIL)
COLUMNS = ("activity_id", "kind", "rep_id", "campaign_id", "at", "prev_at", "gap_s")
BOTH, ANY_CAMPAIGN, SAME_CAMPAIGN = 0, 1, 2
KINDS = (BOTH, ANY_CAMPAIGN, SAME_CAMPAIGN)


def _is_touch(a: Any = ACT, *, whole_table: bool = False) -> ColumnElement[bool]:
    """A touch. The type is offered to SQLite's planner only for a pass over the whole table:
    offered it beside ids or clients, SQLite (no statistics) drove the statement from
    ``ix_activity_type_at_client_id`` — every stored touch, per statement."""
    typ = a.c.type if whole_table else unindexed(a.c.type)
    return and_(a.c.rep_id.is_not(None), typ.in_(TOUCH))


def _rows(touches: Any) -> Any:
    """``COLUMNS`` rows of a selectable of touches with both previous moments (``prev_all``,
    ``prev_camp``): one row where they agree, one per chain where they differ.

    One pass: the touches joined to the three kinds, each kind's condition in the join. A
    ``UNION ALL`` of one select per kind read the selectable — both ``lag`` windows, two sorts
    of every touch — three times (PostgreSQL and SQLite alike compute a subquery per
    reference): 5.8 s of server CPU at 100k clients on PostgreSQL for the whole table."""
    c = touches.c
    kinds = union_all(*(select(literal_column(str(k)).label("kind")) for k in KINDS)).subquery("k")
    differ = c.prev_all != c.prev_camp
    on = or_(
        and_(kinds.c.kind == BOTH, c.prev_all == c.prev_camp),
        and_(kinds.c.kind == ANY_CAMPAIGN, c.prev_all.is_not(None), or_(c.prev_camp.is_(None), differ)),
        and_(kinds.c.kind == SAME_CAMPAIGN, c.prev_camp.is_not(None), or_(c.prev_all.is_(None), differ)),
    )
    prev = type_coerce(case((kinds.c.kind == SAME_CAMPAIGN, c.prev_camp), else_=c.prev_all), UTCDateTime)
    gap = epoch_seconds(c.at) - epoch_seconds(prev)
    cols = (c.activity_id, kinds.c.kind, c.rep_id, c.campaign_id, c.at, prev, gap)
    return select(*(col.label(name) for col, name in zip(cols, COLUMNS, strict=True))).select_from(
        touches.join(kinds, on)
    )


def windowed(*where: ColumnElement[bool]) -> Any:
    """The rows (``COLUMNS``) of the touches matching ``where`` (whole chains: ``where`` keeps
    or drops a client's touches together), by two ``lag`` windows."""
    order = (ACT.c.at, ACT.c.id)
    prev_all = func.lag(ACT.c.at).over(partition_by=(ACT.c.rep_id, ACT.c.client_id), order_by=order)
    prev_camp = func.lag(ACT.c.at).over(
        partition_by=(ACT.c.rep_id, ACT.c.client_id, ACT.c.campaign_id), order_by=order
    )
    w = select(
        ACT.c.id.label("activity_id"),
        ACT.c.rep_id,
        ACT.c.campaign_id,
        ACT.c.at,
        type_coerce(prev_all, UTCDateTime).label("prev_all"),
        type_coerce(prev_camp, UTCDateTime).label("prev_camp"),
    ).where(_is_touch(whole_table=not where), *where)
    return _rows(w.subquery("w"))


def _epoch(at: datetime) -> int:
    """``epoch_seconds`` in Python: whole seconds, floored."""
    return int(at.replace(microsecond=0).timestamp())


def _gap_rows(
    aid: int, rep_id: int, campaign_id: int, at: datetime, prev_all: Any, prev_camp: Any
) -> list[Row]:
    """``COLUMNS`` rows of one touch from its two previous moments (``_rows``' rule)."""
    if prev_all is None:
        return []
    if prev_camp is not None and prev_all == prev_camp:
        return [(aid, BOTH, rep_id, campaign_id, at, prev_all, _epoch(at) - _epoch(prev_all))]
    out: list[Row] = [(aid, ANY_CAMPAIGN, rep_id, campaign_id, at, prev_all, _epoch(at) - _epoch(prev_all))]
    if prev_camp is not None:
        out.append((aid, SAME_CAMPAIGN, rep_id, campaign_id, at, prev_camp, _epoch(at) - _epoch(prev_camp)))
    return out


def fold(conn: Connection, activity_ids: Iterable[int]) -> None:
    """Add the gaps of activities just inserted (each id once), and recompute the touches that
    follow new ones (their previous touch may now be a new one).

    The chains are read whole, once: per 5,000 clients of the new touches one select of
    their touches (``ix_activity_client_id_at_type_outcome``), each (rep, client) chain of a
    new touch walked in (``at``, ``id``) order here — a new touch's previous touch in any
    campaign and in its own, and the older touches right after a new one, whose rows are
    redone. An import folds all its rows at once after its last chunk (``activities.Later``),
    so a client's history is read once per import, not once per chunk; per touch this
    replaced four correlated index probes (previous and next, in both chains)."""
    ids = set(activity_ids)
    touch = _is_touch()  # driven by ids, then by clients
    pairs: set[tuple[int, int]] = set()  # (rep, client) of the new touches
    for cond in in_chunks(conn, ACT.c.id, ids, size=CHUNK):
        pairs.update(
            (r, c) for r, c in conn.execute(select(ACT.c.rep_id, ACT.c.client_id).where(cond, touch))
        )
    rows: list[Row] = []
    redo: list[int] = []  # older touches right after a new one
    dialect = conn.dialect.name
    clients = sorted({c for _r, c in pairs})
    cols = (ACT.c.rep_id, ACT.c.client_id, ACT.c.at, ACT.c.id, ACT.c.campaign_id)
    for i in range(0, len(clients), CHUNK):
        q = select(*cols).where(member_of(ACT.c.client_id, clients[i : i + CHUNK], dialect), touch)
        chain_of: dict[tuple[int, int], list[Any]] = {}
        for r in conn.execute(q):
            if (r[0], r[1]) in pairs:
                chain_of.setdefault((r[0], r[1]), []).append(r)
        for (rep_id, _client), chain in chain_of.items():
            chain.sort(key=lambda r: (r[2], r[3]))
            last: Any = None  # the previous touch: (at, id)
            last_in: dict[int, Any] = {}  # campaign -> the previous touch in it
            for _rep, _cid, at, aid, camp in chain:
                before, before_in = last, last_in.get(camp)
                if (
                    aid in ids
                    or (before is not None and before[1] in ids)
                    or (before_in is not None and before_in[1] in ids)
                ):
                    if aid not in ids:
                        redo.append(aid)
                    rows += _gap_rows(aid, rep_id, camp, at, before and before[0], before_in and before_in[0])
                last = last_in[camp] = (at, aid)
    for i in range(0, len(redo), CHUNK):
        conn.execute(delete(T).where(member_of(T.c.activity_id, redo[i : i + CHUNK], dialect)))
    bulk.insert_rows(conn, T, COLUMNS, rows)


def rebuild(conn: Connection, client_ids: Iterable[int] | None = None) -> None:
    """Recompute the gaps of every touch of ``client_ids`` (None: of every client)."""
    if client_ids is None:
        conn.execute(delete(T))
        conn.execute(insert(T).from_select(list(COLUMNS), windowed()))
        return
    ids = sorted(set(client_ids))
    dialect = conn.dialect.name
    for i in range(0, len(ids), CHUNK):
        chunk = member_of(ACT.c.client_id, ids[i : i + CHUNK], dialect)
        conn.execute(delete(T).where(T.c.activity_id.in_(select(ACT.c.id).where(chunk, _is_touch()))))
        conn.execute(insert(T).from_select(list(COLUMNS), windowed(chunk)))


def median_gaps(conn: Connection, *where: ColumnElement[bool], campaign: bool = False) -> dict[int, float]:
    """Per rep: the median of the stored gaps matching ``where`` (on ``touch_gap``'s columns;
    ``campaign``: the same-campaign chain's), the mean of the two middle ones for an even
    count. One grouped count over ``ix_touch_gap_rep_id_gap_s``, then per rep (a few hundred)
    the middle one or two of the rep's gaps in index order, at that offset: no window, no sort
    (on PostgreSQL in the same statement)."""
    kinds = T.c.kind.in_((BOTH, SAME_CAMPAIGN) if campaign else (BOTH, ANY_CAMPAIGN))
    grouped = select(T.c.rep_id, func.count().label("n")).where(kinds, *where).group_by(T.c.rep_id)
    if conn.dialect.name == "postgresql":
        # One statement: each rep's middle gaps at its offset in a correlated subquery (PostgreSQL
        # takes LIMIT/OFFSET from the outer row), not a round trip per rep (~0.8 ms each).
        c = grouped.subquery("c")
        middle_q = (
            select(T.c.gap_s)
            .where(T.c.rep_id == c.c.rep_id, kinds, *where)
            .order_by(T.c.gap_s)
            .offset((c.c.n - 1) // 2)
            .limit(2 - c.c.n % 2)
            .correlate(c)  # the outer row's rep and count (an outer reference, allowed in OFFSET)
            .subquery("middle")
        )
        mean = select(func.avg(middle_q.c.gap_s)).scalar_subquery()
        return {int(r): float(m) for r, m in conn.execute(select(c.c.rep_id, mean)) if m is not None}
    counts = conn.execute(grouped).all()
    out: dict[int, float] = {}
    for rep_id, n in counts:
        q = (
            select(T.c.gap_s)
            .where(T.c.rep_id == rep_id, kinds, *where)
            .order_by(T.c.gap_s)
            .offset((n - 1) // 2)
            .limit(2 - n % 2)
        )
        middle = [int(g) for g in conn.execute(q).scalars()]
        out[int(rep_id)] = sum(middle) / len(middle)
    return out


def stored(conn: Connection) -> set[tuple[Any, ...]]:
    """Every stored row (``COLUMNS``), the reference ``from_scratch`` is compared with."""
    return {tuple(r) for r in conn.execute(select(*(T.c[c] for c in COLUMNS)))}


def from_scratch(conn: Connection) -> set[tuple[Any, ...]]:
    """The rows ``windowed`` computes from every activity now (same types as ``stored``)."""
    w = windowed().subquery("scratch")
    cols = [type_coerce(w.c[c], T.c[c].type) for c in COLUMNS]
    return {tuple(r) for r in conn.execute(select(*cols))}
