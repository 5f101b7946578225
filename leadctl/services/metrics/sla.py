"""SLA compliance (`leadctl metrics sla`): first-contact SLAs met ÷ (met + breached).

Per client in scope (captured in the period): its first-contact SLA is ``met`` when the first
call came within the allowance in business time, ``breached`` when it came later or has not come
and the allowance has run out, and ``running`` otherwise; running SLAs are left out of the
compliance ratio. Grouped by rep, source, bucket, campaign, capture day or week, or the hour of
day and weekday of capture (local to the business hours' zone). One SQL aggregate over the same
per-client facts as ``metrics speed``. Follow-up cadence SLAs are shown by ``sla check``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, null, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.rules import Rules
from leadctl.services.metrics.common import Facts
from leadctl.services.metrics.speed import GROUPINGS as SPEED_GROUPINGS
from leadctl.services.metrics.speed import ID_KEYED, FactScope, capture_group, group_names
from leadctl.services.metrics.speed_store import SLA_KINDS
from leadctl.storage import schema
from leadctl.storage.sqlfunc import epoch_seconds, in_rowid_order, unindexed

GROUPINGS = (*SPEED_GROUPINGS, "hour", "weekday")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLUMNS = ("clients", "met", "breached", "running", "compliance", "avg_business_min")
STORED = tuple(SLA_KINDS)  # the groupings ``speed_store.stored_sla`` counts


def sla_rows(
    engine: Engine,
    *,
    by: str,
    since: datetime | None = None,
    until: datetime | None = None,
    campaign: str | None = None,
    rules: Rules,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per group: clients, met, breached, running, compliance (None when nothing decided).

    By rep, campaign, hour or weekday over every client: from the stored per-client terms and
    their counts (``speed_store.stored_sla``, brought up to date first) when they answer
    exactly, else computed."""
    if by in STORED and since is None and until is None and campaign is None:
        stored = _stored(engine, rules, by, at, bands=False)
        if stored is not None:
            return _sla_table(by, stored[1])
    with _lean_facts(engine, rules, by, since, until, campaign, at) as fx:
        rows = _named(fx.conn, by, _compliance(fx))
    return _sla_table(by, rows)


def _stored(
    engine: Engine, rules: Rules, by: str, at: datetime | None, *, bands: bool
) -> tuple[list[dict[str, Any]] | None, list[Any]] | None:
    """The stored speed bands (with ``bands``) and ``_compliance``'s rows named, of one read
    transaction, or None when the stored values cannot answer for ``at`` (default now)."""
    from leadctl.services.metrics import speed_store
    from leadctl.storage.engine import read
    from leadctl.timeutil import now

    when = at or now()
    for _attempt in range(2):  # a writer may log a change between the refresh and the read
        speed_store.refresh(engine, rules)
        with read(engine) as conn:
            rows = speed_store.stored_sla(conn, rules, by, when)
            counts = speed_store.bands_in(conn, rules, when) if bands else None
            if rows is not None and (counts is not None or not bands):
                return counts, _named(conn, by, rows)
    return None


@contextmanager
def _lean_facts(
    engine: Engine,
    rules: Rules,
    by: str,
    since: datetime | None,
    until: datetime | None,
    campaign: str | None,
    at: datetime | None,
) -> Iterator[Facts]:
    """The first-contact facts in scope (``first_contact_facts``), grouped by id."""
    from leadctl.services.metrics.common import client_facts_in_scope

    with client_facts_in_scope(
        engine, rules, by=by, groupings=GROUPINGS, since=since, until=until, campaign=campaign, at=at,
        ids=True, first_contact=True,
    ) as fx:  # fmt: skip
        yield fx


def _named(conn: Connection, by: str, rows: list[Any]) -> list[Any]:
    """Rows grouped by rep or campaign id (``ids``) with the id replaced by its name, in name
    order (the order the SQL ``ORDER BY`` of the names gave)."""
    if by not in ID_KEYED:
        return rows
    names = group_names(conn, by)
    named = [(names.get(grp, "(unassigned)"), *rest) for grp, *rest in rows]
    return sorted(named, key=lambda r: (r[0] is None, r[0] or ""))


@contextmanager
def first_contact_facts(
    conn: Connection, rules: Rules, by: str, scope: FactScope, at: datetime, *, ids: bool = False
) -> Iterator[tuple[Any, int]]:
    """What ``metrics sla`` (and the report's speed bands) read of every client in scope: a
    fenced subquery of ``grp``, ``cap_e``/``call_e`` (capture and first call, epochs),
    ``cap_b``/``call_b`` (their ``B``) and ``allowed`` (business seconds), and ``B`` of ``at``.

    The same columns as ``speed.client_facts`` gives them, without what only speed reads (the
    active assignment, the first conversation and their ``B``): one client_fact look-up and two
    day-table look-ups per client instead of an assignment look-up more and four day look-ups.
    """
    from leadctl.services.assign.calendar import clock_from_rules
    from leadctl.services.metrics.speed import _group_key
    from leadctl.services.work.business_sql import business_days
    from leadctl.services.work.facts import facts_for

    C = schema.client
    clock = clock_from_rules(rules)
    acts = facts_for(conn, at)
    key, joins = _group_key(by if by in SPEED_GROUPINGS else "all")
    if ids and by in ID_KEYED:
        key, joins = ID_KEYED[by], []
    source: Any = C.outerjoin(acts, acts.c.client_id == C.c.id)
    for table, on in joins:
        source = source.outerjoin(table, on)
    fc = rules.sla.first_contact
    allowed: ColumnElement[Any] = literal(fc.minutes * 60)
    if fc.by_bucket:
        allowed = case(
            *((C.c.bucket_label == k, literal(v * 60)) for k, v in fc.by_bucket.items()), else_=allowed
        )
    base = (
        select(
            key.label("grp"),
            epoch_seconds(C.c.created_at).label("cap_e"),
            epoch_seconds(acts.c.first_call_at).label("call_e"),
            allowed.label("allowed"),
        )
        .select_from(source)
        .where(C.c.merged_into_id.is_(None), unindexed(C.c.created_at) <= at)  # nearly every client
    )
    if scope.since is not None:
        base = base.where(C.c.created_at >= scope.since)
    if scope.until is not None:
        base = base.where(C.c.created_at <= scope.until)
    if scope.campaign_id is not None:
        base = base.where(C.c.campaign_id == scope.campaign_id)
    first = conn.execute(select(func.min(C.c.created_at))).scalar() or at
    with business_days(conn, clock, min(first, at) - timedelta(days=1), at + timedelta(days=1)) as days:
        s1 = in_rowid_order(base, C.c.id, conn.dialect.name).offset(0).subquery("s1")
        dc, onc = days.join(s1.c.cap_e)
        d1, on1 = days.join(func.coalesce(s1.c.call_e, s1.c.cap_e))
        grp = capture_group(by, s1, dc)
        facts = (
            select(
                grp.label("grp"),
                s1.c.cap_e,
                s1.c.call_e,
                s1.c.allowed,
                days.b(dc, s1.c.cap_e).label("cap_b"),
                case((s1.c.call_e.is_(None), null()), else_=days.b(d1, s1.c.call_e)).label("call_b"),
            )
            .select_from(s1.outerjoin(dc, onc).outerjoin(d1, on1))
            .offset(0)  # a fence: each ``B`` is computed once per client, not once per use
            .subquery("facts")
        )
        yield facts, clock.b(at)


def _compliance(fx: Facts) -> list[Any]:
    """The one aggregate of ``metrics sla`` over the per-client facts: per group the clients,
    met, breached and the average business time to the first call."""
    f = fx.table.c
    called = f.call_e.is_not(None)
    used = case((called, f.call_b - f.cap_b), else_=literal(fx.now_b) - f.cap_b)
    met = and_(called, used <= f.allowed)
    breached = used > f.allowed
    q = (
        select(
            f.grp,
            func.count().label("clients"),
            func.sum(case((met, 1), else_=0)).label("met"),
            func.sum(case((breached, 1), else_=0)).label("breached"),
            func.avg(case((called, f.call_b - f.cap_b))).label("avg_b"),
        )
        .group_by(f.grp)
        .order_by(f.grp)
    )
    return list(fx.conn.execute(q).all())


def speed_bands_and_sla_by_rep(
    engine: Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    campaign: str | None = None,
    rules: Rules,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the report's speed and SLA sections show, from one build of the per-client facts
    (one scan of the activities instead of two): the speed-to-lead bands and ``sla`` by rep."""
    from leadctl.services.metrics.speed import bands_from_facts

    stored = None
    if since is None and until is None and campaign is None:  # every client: the stored counts
        from leadctl.timeutil import now

        at = at or now()
        both = _stored(engine, rules, "rep", at, bands=True)
        if both is not None and both[0] is not None:
            return both[0], _sla_table("rep", both[1])
        from leadctl.services.metrics.speed_store import stored_bands

        stored = stored_bands(engine, rules, at)
    with _lean_facts(engine, rules, "rep", since, until, campaign, at) as fx:
        bands = stored if stored is not None else bands_from_facts(fx)
        rows = _named(fx.conn, "rep", _compliance(fx))
    return bands, _sla_table("rep", rows)


def _sla_table(by: str, rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for grp, clients, n_met, n_breached, avg_b in rows:
        n_met, n_breached = int(n_met or 0), int(n_breached or 0)
        decided = n_met + n_breached
        key: Any = grp
        if by == "weekday" and grp is not None:
            key = WEEKDAYS[int(grp)]
        elif by == "hour" and grp is not None:
            key = int(grp)
        out.append(
            {
                by: key,
                "clients": int(clients),
                "met": n_met,
                "breached": n_breached,
                "running": int(clients) - decided,
                "compliance": round(n_met / decided, 4) if decided else None,
                "avg_business_min": round(float(avg_b) / 60, 1) if avg_b is not None else None,
            }
        )
    if by == "weekday":
        out.sort(key=lambda r: WEEKDAYS.index(r[by]) if r[by] in WEEKDAYS else 7)
    return out
