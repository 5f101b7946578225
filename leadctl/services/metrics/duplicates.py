"""Data-quality metrics: duplicate and rejection rates, and abnormal duplicate spikes (seed 2).

Rates are computed set-based in SQL (one GROUP BY); spike detection runs over the small
result in Python. A day is a spike when its duplicate rate is far above the trailing
median of the days before it; a bucket/campaign/source is a spike when its rate is far
above the median of its peers. "Far above" = at least ``factor`` × the baseline and at
least ``min_increase`` higher, with at least ``min_leads`` leads, so tiny groups never alarm.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from leadctl.errors import InputError
from leadctl.rules.sections import MonitoringRules
from leadctl.services.admin.lookup import find_campaign
from leadctl.storage import schema
from leadctl.storage.sqlfunc import day_of, utc_week
from leadctl.vocab import LeadStatus

L = schema.lead
GROUPINGS = ("day", "week", "bucket", "campaign", "source")


MIN_HISTORY = 3  # earlier days a trailing median needs before a day can be called a spike


def duplicate_rates(
    engine: Engine,
    by: str = "day",
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    rule: MonitoringRules,
    campaign: str | None = None,
) -> list[dict[str, Any]]:
    """Leads, duplicates and rejections per group, with rates and a spike flag (a week is
    compared with the weeks before it, as a day is with its days)."""
    if by not in GROUPINGS:
        raise InputError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    key: Any
    joins: list[tuple[Any, Any]] = []
    if by in ("day", "week"):
        key = day_of(L.c.created_at) if by == "day" else utc_week(L.c.created_at)
    elif by == "bucket":
        key = schema.bucket.c.name
        joins.append((schema.bucket, schema.bucket.c.id == L.c.bucket_id))
    elif by == "campaign":
        key = schema.campaign.c.name
        joins.append((schema.campaign, schema.campaign.c.id == L.c.campaign_id))
    else:
        key = func.coalesce(L.c.source, "(none)")
    conditions = []
    if since is not None:
        conditions.append(L.c.created_at >= since)
    if until is not None:
        conditions.append(L.c.created_at <= until)
    source: Any = L
    for table, on in joins:
        source = source.join(table, on)
    q = (
        select(
            key.label("key"),
            func.count().label("leads"),
            func.sum(case((L.c.status == LeadStatus.DUPLICATE, 1), else_=0)).label("duplicates"),
            func.sum(case((L.c.status == LeadStatus.REJECTED, 1), else_=0)).label(LeadStatus.REJECTED),
            func.sum(case((L.c.status == LeadStatus.NEW, 1), else_=0)).label("unprocessed"),
        )
        .select_from(source)
        .where(and_(True, *conditions))
        .group_by(key)
        .order_by(key)
    )
    with engine.connect() as conn:
        if campaign is not None:
            q = q.where(L.c.campaign_id == int(find_campaign(conn, campaign)["id"]))
        groups = [dict(r) for r in conn.execute(q).mappings()]
    rows: list[dict[str, Any]] = []
    for g in groups:
        decided = g["leads"] - g["unprocessed"]
        rows.append(
            {
                by: g["key"],
                "leads": g["leads"],
                "duplicates": int(g["duplicates"] or 0),
                LeadStatus.REJECTED: int(g[LeadStatus.REJECTED] or 0),
                "unprocessed": int(g["unprocessed"] or 0),
                "duplicate_rate": round(int(g["duplicates"] or 0) / decided, 4) if decided else None,
                "rejection_rate": round(int(g[LeadStatus.REJECTED] or 0) / decided, 4) if decided else None,
            }
        )
    _flag_spikes(rows, by, rule)
    return rows


def _is_spike(rate: float | None, baseline: float | None, leads: int, rule: MonitoringRules) -> bool:
    if rate is None or baseline is None or leads < rule.spike_min_leads:
        return False
    return rate >= baseline * rule.spike_factor and rate - baseline >= rule.spike_min_increase


def _flag_spikes(rows: list[dict[str, Any]], by: str, rule: MonitoringRules) -> None:
    if by in ("day", "week"):
        history: list[float] = []
        for row in rows:
            window = history[-rule.trailing_days :]
            baseline = statistics.median(window) if len(window) >= MIN_HISTORY else None
            row["baseline_rate"] = round(baseline, 4) if baseline is not None else None
            row["spike"] = _is_spike(row["duplicate_rate"], baseline, row["leads"], rule)
            if row["duplicate_rate"] is not None and row["leads"] >= rule.spike_min_leads:
                history.append(row["duplicate_rate"])
        return
    rates = {
        i: r["duplicate_rate"]
        for i, r in enumerate(rows)
        if r["duplicate_rate"] is not None and r["leads"] >= rule.spike_min_leads
    }
    for i, row in enumerate(rows):
        peers = [rate for j, rate in rates.items() if j != i]
        baseline = statistics.median(peers) if len(peers) >= 2 else None
        row["baseline_rate"] = round(baseline, 4) if baseline is not None else None
        row["spike"] = _is_spike(row["duplicate_rate"], baseline, row["leads"], rule)
