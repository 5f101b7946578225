"""The stored part of the queue priority (table ``client_score``) and the bound the queue orders by.

The dynamic priority (``scoring``) is ``static·keep(age) + recency + intent + sla_urgency``. All
but SLA urgency follow from a few stored numbers per client, so SQL can order a segment of the
rep's book by an upper bound of the priority and the queue can stop reading once its top rows
are certain (``queue_pruned``) instead of scoring the whole book in Python:

- ``static``: fit + behaviour with every activity counted. With the rules' count conditions
  monotone (``at_least`` with points >= 0, the default), the static score at any ``--at`` is at
  most this (fewer activities, never more points);
- ``engaged_s`` / ``intent_s``: epoch seconds of the latest engagement / intent activity: the
  recency and intent at any moment are at most their value at these times.

``bound_key`` is that upper bound as a SQL expression (the SLA part is added by the queue as the
rules' maximum). A row is trusted only while it is current: its ``rules`` fingerprint equals the
scoring rules in force and its ``client_updated_at`` equals the client's ``updated_at`` (every
writer of a client's fields stamps ``updated_at``: intake, merges and their undo, edits, time
zone refresh, assignment) and, when the rules score the lead source, its ``source`` equals the
live one (a lead fix or a bucket edit changes that without touching the client). Anything else — no row, other rules, a changed client — is read as
unbounded, i.e. exactly as without this table. New activities refresh their clients' rows in
the one insertion point (``activities.insert_activities`` → ``refresh``); ``leadctl next``
refreshes the stale rows it read; ``leadctl score --refresh`` rescoring everything after a rules
change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, and_, bindparam, case, cast, func, literal, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.rules import Rules
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import epoch_seconds, greatest, in_chunks

S = schema.client_score
C = schema.client
# Far enough to count every activity when scoring for storage.
EVER = datetime(9999, 1, 1, tzinfo=UTC)
# Read as unbounded: a stale or missing row sorts first and is never certain.
UNBOUNDED = 1e18
# Slack for float rounding between SQL and Python (and whole-second ``created_at`` in SQL).
EPSILON = 1e-3
# The components the bound covers; another registered component disables pruning.
KNOWN = frozenset({"recency", "age", "intent", "sla_urgency"})
_MONOTONE_OPS = frozenset({"at_least"})
COLUMNS = ("client_id", "rules", "static", "engaged_s", "intent_s", "client_updated_at", "source")


def fingerprint(rules: Rules) -> str:
    """A short digest of what the stored static score depends on: the fit and behaviour rules."""
    sc = rules.scoring
    spec = [[c.field, c.op, repr(c.arg), c.points] for c in (*sc.fit, *sc.behaviour)]
    return hashlib.sha1(json.dumps(spec, default=str).encode()).hexdigest()[:16]


def usable(rules: Rules) -> bool:
    """Whether the stored rows bound the priority under these rules: every registered component
    is one the bound knows, and every condition on an activity count can only gain points as
    activities are added (so the score at an earlier ``--at`` is never above the stored one)."""
    from leadctl.services.work import scoring
    from leadctl.services.work.scoring_static import COUNT_FIELDS

    if not set(scoring.COMPONENTS) <= KNOWN:
        return False
    for cond in (*rules.scoring.fit, *rules.scoring.behaviour):
        if cond.field in COUNT_FIELDS and (cond.op not in _MONOTONE_OPS or cond.points < 0):
            return False
    return True


def refresh(conn: Connection, rules: Rules, client_ids: Iterable[int]) -> int:
    """(Re)compute and store the rows of ``client_ids`` (set-based: a few queries per 5,000
    clients, one delete and one insert); unknown ids are skipped. Returns rows written."""
    from leadctl.services.work.scoring_static import gather, static

    ids = sorted(set(client_ids))
    if not ids:
        return 0
    fp = fingerprint(rules)
    written = 0
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        g = gather(conn, rules, part, EVER)
        sources: dict[int, str | None] = {}
        for cond in in_chunks(conn, C.c.id, part):
            q = select(C.c.id, live_source(C.c.origin_lead_id)).where(cond)
            sources.update((cid, src) for cid, src in conn.execute(q))
        fit, behaviour = static(g, rules, None)
        latest: dict[int, datetime] = {}
        for cid, seen in g.intents.items():
            if seen:
                latest[cid] = max(at for _o, at in seen)
        rows: list[dict[str, Any]] = [
            {
                "client_id": cid,
                "rules": fp,
                "static": f + b,
                "engaged_s": eng.timestamp() if eng is not None else None,
                "intent_s": latest[cid].timestamp() if cid in latest else None,
                "client_updated_at": EVER,
                "source": sources.get(cid),
            }
            for cid, f, b, eng in zip(g.ids, fit, behaviour, g.cols["last_engaged"], strict=True)
        ]
        rows.sort(key=lambda r: r["client_id"])
        if rows:
            _write(conn, part, rows)
        written += len(rows)
    return written


def _write(conn: Connection, part: Sequence[int], rows: list[dict[str, Any]]) -> None:
    """Store ``rows`` (sorted by client id): insert the missing ones, update the others.

    Concurrent rescores (several ``next`` sessions healing what they read, an ``activity log``)
    must take row locks in one order, or two of them holding one row each wait for each other
    (a deadlock): the inserts and the updates each go by ascending client id, and the client's
    stamp — copied in SQL, so it compares equal whatever wrote it — is written with the row it
    belongs to. No delete, so two transactions rescoring one client at once never collide on
    the key (one of their values is kept)."""
    have: set[int] = set()
    for cond in in_chunks(conn, S.c.client_id, part):
        have.update(conn.execute(select(S.c.client_id).where(cond)).scalars())
    fresh = [tuple(r[c] for c in COLUMNS) for r in rows if r["client_id"] not in have]
    if fresh:
        bulk.insert_ignore(conn, S, COLUMNS, [fresh], ("client_id",))
        # Only this transaction's own new rows still hold the placeholder stamp (another's are
        # stamped before they commit), so this touches no row another transaction may hold.
        stamp = select(C.c.updated_at).where(C.c.id == S.c.client_id).scalar_subquery()
        new_ids = [r[0] for r in fresh]
        for cond in in_chunks(conn, S.c.client_id, new_ids):
            conn.execute(update(S).where(cond, S.c.client_updated_at == EVER).values(client_updated_at=stamp))
    old = [r for r in rows if r["client_id"] in have]
    if old:
        own = select(C.c.updated_at).where(C.c.id == bindparam("cid")).scalar_subquery()
        values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in COLUMNS[1:] if c != "client_updated_at"}
        conn.execute(
            update(S).where(S.c.client_id == bindparam("cid")).values({**values, "client_updated_at": own}),
            [{"cid": r["client_id"], **{f"v_{c}": r[c] for c in values}} for r in old],
        )


REFRESH_INLINE = 1000  # more clients than this: invalidate (``next`` and ``score --refresh`` rescore)


def activities_added(conn: Connection, rules: Rules, client_ids: Iterable[int]) -> None:
    """New activities of ``client_ids`` (``activities.insert_activities``): rescore a few
    clients at once (``activity log``); for a large import only drop their rows (one DELETE per
    chunk), so the import pays no scoring and the queue reads those clients unbounded until
    ``next`` or ``score --refresh`` rescores them."""
    ids = sorted(set(client_ids))
    if len(ids) <= REFRESH_INLINE:
        refresh(conn, rules, ids)
        return
    from leadctl.storage import claims

    for cond in in_chunks(conn, S.c.client_id, ids):
        claims.delete_in_order(conn, S.c.client_id, cond)  # in the order ``refresh`` updates


def heal(engine: Engine, rules: Rules, client_ids: Sequence[int], *, most: int = 2000) -> int:
    """Rescore up to ``most`` clients the queue read without a current row (``leadctl next``,
    after its claim): best effort, in its own short transaction; a busy database skips it."""
    from leadctl.errors import BusyError
    from leadctl.storage.engine import write

    if not client_ids:
        return 0
    try:
        with write(engine) as conn:
            return refresh(conn, rules, client_ids[:most])
    except BusyError:
        return 0


def refresh_all(engine: Engine, rules: Rules, *, chunk: int = 20_000) -> int:
    """``leadctl score --refresh``: rescore every client that is not merged away, a chunk per
    transaction. Returns rows written."""
    from leadctl.storage.engine import write

    with engine.connect() as conn:
        ids = list(
            conn.execute(select(C.c.id).where(C.c.merged_into_id.is_(None)).order_by(C.c.id)).scalars()
        )
    done = 0
    for start in range(0, len(ids), chunk):
        with write(engine) as conn:
            done += refresh(conn, rules, ids[start : start + chunk])
    return done


def lazy_bounds(rules: Rules) -> tuple[float, float]:
    """(lowest, highest) the components the queue computes last (SLA urgency) can add."""
    from leadctl.services.work import scoring

    hi = sum(fn(rules) for name, fn in scoring.BOUNDS.items() if name in scoring.COMPONENTS)
    r = rules.scoring.sla_urgency
    lo = min(r.points * r.cap, 0.0) if "sla_urgency" in scoring.COMPONENTS else 0.0
    return lo, hi


def live_source(origin_lead_id: Any) -> Any:
    """The client's lead source as scoring reads it (the origin lead's, else its bucket's)."""
    L, B = schema.lead, schema.bucket
    return (
        select(func.coalesce(L.c.source, B.c.source))
        .select_from(L.outerjoin(B, B.c.id == L.c.bucket_id))
        .where(L.c.id == origin_lead_id)
        .scalar_subquery()
    )


def bound_key(rules: Rules, at: datetime, created_at: Any, updated_at: Any, origin_lead_id: Any) -> Any:
    """A SQL expression for a client row outer-joined to ``client_score``: an upper bound of
    static·keep(age) + recency + intent at ``at``, or ``UNBOUNDED`` for a missing or stale row."""
    sc = rules.scoring
    now_s = at.timestamp()
    age = greatest(literal(0.0), literal(now_s) - cast(epoch_seconds(created_at), Float))
    keep = greatest(literal(sc.age.floor), func.power(literal(0.5), age / (86_400.0 * sc.age.half_life)))
    rec_points = max(sc.recency.points, 0.0)
    recency = case(
        (S.c.engaged_s.is_(None), literal(0.0)),
        else_=rec_points
        * func.power(
            literal(0.5), greatest(literal(0.0), now_s - S.c.engaged_s) / (86_400.0 * sc.recency.half_life)
        ),
    )
    it = sc.intent
    top = max([0.0, *it.points.values()])
    if it.custom_fields:
        intent: Any = literal(top)
    else:
        intent = case(
            (S.c.intent_s.is_(None), literal(0.0)),
            (S.c.intent_s < now_s - it.window_days * 86_400.0, literal(0.0)),
            else_=top
            * func.power(
                literal(0.5), greatest(literal(0.0), now_s - S.c.intent_s) / (3600.0 * it.half_life_hours)
            ),
        )
    current = and_(S.c.rules == fingerprint(rules), S.c.client_updated_at == updated_at)
    if any(c.field == "source" for c in (*sc.fit, *sc.behaviour)):
        current = and_(current, S.c.source.is_not_distinct_from(live_source(origin_lead_id)))
    return case((current, S.c.static * keep + recency + intent + EPSILON), else_=literal(UNBOUNDED))
