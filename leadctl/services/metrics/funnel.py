"""`leadctl metrics funnel`: the leads of a period followed down the funnel to today.

The cohort is every lead that arrived (``lead.created_at``) in the period (and campaign).
Steps, each counted among the cohort:

- ``leads``        every lead that arrived;
- ``processed``    leads that passed intake and created their client (status processed);
- ``assigned``     … whose client has ever been assigned to a rep (or was worked by one);
- ``contacted``    … with at least one call or e-mail logged;
- ``conversation`` … with a call that reached the person (outcome conversation);
- ``booked``       … with a meeting booked (any meeting activity);
- ``held``         … whose meeting was held (qualified or not);
- ``qualified``    … held as a qualified meeting.

A client counts at every step up to the furthest it reached, so the funnel never widens (a
meeting logged without its call still counts as a conversation). ``step_rate`` is a step ÷
the step before, ``overall_rate`` a step ÷ leads: the qualification rate is the step rate of
``qualified`` (qualified ÷ held), lead → meeting the overall rate of ``booked``.

One aggregate over the cohort's leads, each joined to its client's stored funnel level
(``client_fact.funnel_level``, kept with the other per-client facts by every activity writer:
services/work/facts, services.metrics.rollup) and to one indexed look-up of whether the client
was ever assigned — no pass over the activities (at 1M clients / 5M activities that pass alone
cost ~3 s CPU on SQLite). Only when the newest activity is not folded in (a writer bypassed
``facts.fold``: raw SQL, a fixture) are the levels computed from the activities, so the
answer never depends on which is read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.engine import Engine

from leadctl.services.metrics.common import Scope, check_by, lead_key, ratio
from leadctl.services.metrics.rollup import CONTACTED, levels
from leadctl.services.work import facts
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.vocab import LeadStatus

GROUPINGS = ("rep", "source", "bucket", "campaign", "day", "week")
STEPS = ("leads", "processed", "assigned", "contacted", "conversation", "booked", "held", "qualified")
# A client's furthest level (rollup.level_of: 1 contacted … 5 qualified) is ``STEPS[level + 2]``.
L, A, F = schema.lead, schema.assignment, schema.client_fact
# ``--by bucket|campaign`` on PostgreSQL: grouped by the lead's id column, then the few groups
# joined to their (unique) names, instead of a hash join of every lead with the names first
# (1.12M leads: ~0.2 s of the server's ~1.2 s). SQLite keeps the join: its GROUP BY over the
# id read the leads in that index's order (slower there).
_NAMED = {"bucket": (L.c.bucket_id, schema.bucket), "campaign": (L.c.campaign_id, schema.campaign)}


def funnel(engine: Engine, scope: Scope, by: str | None = None) -> list[dict[str, Any]]:
    """One row per group (one ``all`` row without ``by``): the count at every step."""
    check_by(by, GROUPINGS)
    key, joins = lead_key(by)
    with read(engine) as conn:
        named = _NAMED.get(by or "") if conn.dialect.name == "postgresql" else None
        if named is not None:  # PostgreSQL: grouped by the id, named below (see _NAMED)
            key, joins = named[0], []
        campaign_id = scope.campaign_id(conn)
        cohort = scope.period(L.c.created_at)
        if campaign_id is not None:
            cohort = and_(cohort, L.c.campaign_id == campaign_id)
        processed = L.c.status == LeadStatus.PROCESSED
        if facts.folded(conn):
            client_id, level_col = F.c.client_id, F.c.funnel_level
            stored: Any = F
        else:
            stored = levels().subquery("levels")
            client_id, level_col = stored.c.client_id, stored.c.level
        level = func.coalesce(level_col, 0)
        ever_assigned = exists().where(A.c.client_id == L.c.client_id)
        counts = [func.count().label("leads"), func.sum(case((processed, 1), else_=0)).label("processed")]
        counts.append(
            func.sum(case((and_(processed, (level > 0) | ever_assigned), 1), else_=0)).label("assigned")
        )
        for n, step in enumerate(STEPS[3:], start=CONTACTED):
            counts.append(func.sum(case((and_(processed, level >= n), 1), else_=0)).label(step))
        source: Any = L.outerjoin(stored, and_(client_id == L.c.client_id, processed))
        for table, on in joins:
            source = source.outerjoin(table, on)
        if by is None:
            q = select(*counts).select_from(source).where(cohort)
        elif named is not None:  # the few groups' rows named, in the database's name order
            g = (
                select(key.label("gid"), *counts)
                .select_from(source)
                .where(cohort)
                .group_by(key)
                .subquery("g")
            )
            names = named[1]
            q = (
                select(names.c.name.label("key"), *(g.c[c.name] for c in counts))
                .select_from(g.outerjoin(names, names.c.id == g.c.gid))
                .order_by(names.c.name)
            )
        else:
            q = (
                select(key.label("key"), *counts)
                .select_from(source)
                .where(cohort)
                .group_by(key)
                .order_by(key)
            )
        groups = [dict(r) for r in conn.execute(q).mappings()]
    if by is None:
        return [{s: int(g[s] or 0) for s in STEPS} for g in groups]
    return [{by: g["key"], **{s: int(g[s] or 0) for s in STEPS}} for g in groups]


def steps(row: dict[str, Any], by: str | None = None) -> list[dict[str, Any]]:
    """A group's row as one row per step with its step and overall conversion rates."""
    out: list[dict[str, Any]] = []
    previous: int | None = None
    for step in STEPS:
        count = row[step]
        item: dict[str, Any] = {by: row[by]} if by else {}
        item.update(
            step=step,
            count=count,
            step_rate=ratio(count, previous) if previous is not None else None,
            overall_rate=ratio(count, row["leads"]),
        )
        out.append(item)
        previous = count
    return out


def funnel_steps(engine: Engine, scope: Scope, by: str | None = None) -> list[dict[str, Any]]:
    """Flat rows (group, step, count, step_rate, overall_rate): what the table and JSON show."""
    rows = funnel(engine, scope, by)
    if by is None:
        return steps(rows[0] if rows else {s: 0 for s in STEPS})
    return [step for row in rows for step in steps(row, by)]
