"""Leads per arrival day (UTC) and status: the intake volume chart of ``leadctl report``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadctl.services.metrics.common import Scope
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.storage.sqlfunc import day_of
from leadctl.vocab import LeadStatus

L = schema.lead


def leads_per_day(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """One row per day: ``day``, ``leads`` and a count per lead status (one GROUP BY)."""
    day = day_of(L.c.created_at)
    with read(engine) as conn:
        campaign_id = scope.campaign_id(conn)
        q = select(day.label("day"), L.c.status, func.count()).where(scope.period(L.c.created_at))
        if campaign_id is not None:
            q = q.where(L.c.campaign_id == campaign_id)
        found = conn.execute(q.group_by(day, L.c.status)).all()
    rows: dict[str, dict[str, Any]] = {}
    for d, status, n in found:
        row = rows.setdefault(d, {"day": d, "leads": 0, **{s.value: 0 for s in LeadStatus}})
        row[status] += n
        row["leads"] += n
    return [rows[d] for d in sorted(rows)]
