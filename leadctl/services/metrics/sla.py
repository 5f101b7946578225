"""SLA compliance (`leadctl metrics sla`): first-contact SLAs met ÷ (met + breached).

Per client in scope (captured in the period): its first-contact SLA is ``met`` when the first
call came within the allowance in business time, ``breached`` when it came later or has not come
and the allowance has run out, and ``running`` otherwise; running SLAs are left out of the
compliance ratio. Grouped by rep, source, bucket, campaign, capture day or week, or the hour of
day and weekday of capture (local to the business hours' zone). One SQL aggregate over the same
per-client facts as ``metrics speed``. Follow-up cadence SLAs are shown by ``sla check``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.engine import Engine

from leadctl.rules import Rules
from leadctl.services.metrics.common import Facts
from leadctl.services.metrics.speed import GROUPINGS as SPEED_GROUPINGS

GROUPINGS = (*SPEED_GROUPINGS, "hour", "weekday")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLUMNS = ("clients", "met", "breached", "running", "compliance", "avg_business_min")


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
    """One row per group: clients, met, breached, running, compliance (None when nothing decided)."""
    from leadctl.services.metrics.common import client_facts_in_scope

    with client_facts_in_scope(
        engine, rules, by=by, groupings=GROUPINGS, since=since, until=until, campaign=campaign, at=at
    ) as fx:
        rows = _compliance(fx)
    return _sla_table(by, rows)


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
    from leadctl.services.metrics.common import client_facts_in_scope
    from leadctl.services.metrics.speed import bands_from_facts

    stored = None
    if since is None and until is None and campaign is None:  # every client: the stored counts
        from leadctl.services.metrics.speed_store import stored_bands
        from leadctl.timeutil import now

        at = at or now()
        stored = stored_bands(engine, rules, at)
    with client_facts_in_scope(
        engine, rules, by="rep", groupings=GROUPINGS, since=since, until=until, campaign=campaign, at=at
    ) as fx:
        bands = stored if stored is not None else bands_from_facts(fx)
        rows = _compliance(fx)
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
