"""The queue with the dynamic priority, reading only what can reach its top rows.

``queue.compute`` with the default ordering (tier, then ``scoring`` priority) and a limit comes
here when the stored scores bound the priority (``score_store.usable``). Each segment of the
rep's book (``queue_read.SEGMENTS``, in tier order) is fetched as (id, bound) pairs in one
statement, highest bound first (the two segments of one stage, ``queue_read.PAIRS``, in one
statement together) (``score_store.bound_key``: static·keep + recency + intent from
``client_score``; a client without a current row is unbounded and comes first), then evaluated a
page at a time exactly as ``queue.compute`` does (``queue._evaluate_page``: tier, calling verdict,
recycling, leases). Reading stops as soon as the rows that will be shown are certain:

- a listed client is *certain* when no unread client can come before it: its tier is below the
  lowest tier of every unread segment, or equal to the current segment's lowest tier with a
  priority (exact, or its cheap part plus the least SLA urgency can add) above the next unread
  bound plus the most SLA urgency can add;
- once the certain clients fill ``limit`` rows (with the retry share, as ``queue.enough`` counts),
  the first ``limit`` rows of the whole book are among them, in the same order.

The rows read are then ranked by ``scoring.top_priorities`` exactly as before, so the queue
shows the same rows, priorities and components as scoring every client (tests compare both).
Clients read without a current stored score are returned as ``stale`` (``next`` refreshes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from leadctl.rules import Rules
from leadctl.services.work import calling, score_store, scoring
from leadctl.services.work.queue_read import PAIRS, SEGMENT_MIN_TIER, SEGMENTS, segment, segment_pair


def compute(
    conn: Connection,
    rules: Rules,
    rep: Mapping[str, Any],
    *,
    at: datetime,
    limit: int,
    campaign_id: int | None,
    skip_leased: bool,
    calls_only: bool,
) -> Any:
    """The rep's first ``limit`` queue rows at ``at`` (a ``queue.QueueResult``); the rounds of
    lazy components (SLA urgency) share one ``scoring.ranking()``, so its set-up is paid once."""
    with scoring.ranking() as rk:
        return _compute(conn, rules, rep, at, limit, campaign_id, skip_leased, calls_only, rk)


def _compute(
    conn: Connection,
    rules: Rules,
    rep: Mapping[str, Any],
    at: datetime,
    limit: int,
    campaign_id: int | None,
    skip_leased: bool,
    calls_only: bool,
    rk: scoring.Ranking,
) -> Any:
    from leadctl.services.work import queue as qm
    from leadctl.storage.sqlfunc import member_of

    lazy = [n for n in scoring.COMPONENTS if n in scoring.BOUNDS]
    lo_lazy, hi_lazy = score_store.lazy_bounds(rules)
    page = max(4 * limit, 200)
    share_cap = qm._retry_cap(limit, rules.queue.retry_share)
    clock = calling.Clock(rules, at)
    dialect = conn.dialect.name
    evals: list[Any] = []
    blocked: list[dict[str, Any]] = []
    leases: dict[int, tuple[int, datetime]] = {}
    seen: set[int] = set()
    stale: list[int] = []
    exact: dict[int, scoring.Priority] = {}
    cheap: dict[int, scoring.Priority] = {}
    tiers = qm.TIERS

    def low(cid: int) -> float:
        """The least the client's priority can be (exact when known)."""
        return exact[cid].total if cid in exact else cheap[cid].total + lo_lazy

    def enough(si: int, nxt: float | None) -> bool:
        """Whether the certain rows fill ``limit`` while segment ``si`` has unread rows with bounds
        up to ``nxt`` (None: segment ``si`` is read whole)."""
        later = SEGMENT_MIN_TIER[si + 1] if si + 1 < len(SEGMENT_MIN_TIER) else len(tiers)
        here = SEGMENT_MIN_TIER[si]
        bounded = nxt is not None and nxt < score_store.UNBOUNDED

        def count(certain: Any) -> bool:
            fresh = retries = 0
            for e in evals:
                t = tiers.index(e.tier)
                if t < later and (nxt is None or t < here or (t == here and certain(e.row["id"]))):
                    if e.retry:
                        retries += 1
                    else:
                        fresh += 1
            return fresh + min(share_cap, retries) >= limit

        if nxt is None:
            return count(lambda cid: True)
        if not bounded:
            return count(lambda cid: False)
        assert nxt is not None
        edge = nxt + hi_lazy
        if count(lambda cid: cid in exact and exact[cid].total > edge):
            return True
        # clients whose cheap part beats the bound may be certain once exact: worth the lazy
        # components (SLA urgency) only if, all certain, they would fill the rows
        lift = [cid for cid, p in cheap.items() if cid not in exact and p.total > nxt]
        if not lift or not count(lambda cid: low(cid) > edge or (cid in cheap and cheap[cid].total > nxt)):
            return False
        scoring._finish(conn, rules, at, cheap, lift, lazy, exact, rk)
        return count(lambda cid: low(cid) > edge)

    def bounded(seg: Any, *extra: Any) -> Any:
        """The segment's (id, bound, *extra), highest bound first."""
        key = score_store.bound_key(rules, at, seg.c.created_at, seg.c.updated_at, seg.c.origin_lead_id)
        return (
            select(seg.c.id, key, *extra)
            .select_from(seg.outerjoin(score_store.S, score_store.S.c.client_id == seg.c.id))
            .order_by(key.desc(), seg.c.created_at, seg.c.id)
        )

    later: dict[int, list[Any]] = {}  # the second segment of a pair, read with the first
    for si, (stage, kind, paged) in enumerate(SEGMENTS):
        if si in later:
            got: list[Any] = later.pop(si)
        elif si in PAIRS:
            pair = segment_pair(rules, rep["id"], campaign_id, stage, kind, at)
            both = conn.execute(bounded(pair, pair.c.part)).all()
            got = [(cid, k) for cid, k, part in both if part == 0]
            later[PAIRS[si]] = [(cid, k) for cid, k, part in both if part != 0]
        else:
            got = list(conn.execute(bounded(segment(rules, rep["id"], campaign_id, stage, kind, at))))
        rows = [(cid, float(k)) for cid, k in got if cid not in seen]
        stale += [cid for cid, k in rows if k >= score_store.UNBOUNDED]
        # The callback segment is read whole: its clients whose callback is done rank as engaged,
        # below every unread callback, so none of them is certain before the segment ends.
        step = page if paged and kind != "callback_soon" else max(len(rows), 1)
        pos = 0
        finished = False
        while pos < len(rows):
            part = [cid for cid, _k in rows[pos : pos + step]]
            pos += len(part)
            step *= 2  # pages double: a segment read whole costs a few look-ups, not one per page
            nxt = rows[pos][1] if pos < len(rows) else None
            seen.update(part)
            before = len(evals)
            qm._evaluate_page(conn, rules, clock, rep, part, at, skip_leased, calls_only, dialect, member_of,
                              evals, blocked, leases)  # fmt: skip
            new = [e.row["id"] for e in evals[before:]]
            if new:
                cheap.update(scoring._compute(conn, rules, new, at, False, skip=lazy)[0])
            if nxt is not None and enough(si, nxt):
                finished = True
                break
        if finished or enough(si, None):
            break
    prio = scoring.top_priorities(
        conn, rules, qm.retry_groups(evals), limit, at, exact=exact, cheap=cheap, session=rk
    )
    return qm.ranked(evals, prio, rules, rep, at, limit, blocked, leases, len(seen), stale)
