"""`leadctl metrics assignment`: clients received per rep against their rank and score (the
fairness ledger), over a period. Set-based: one grouped query over assignments, plus the
``assign_run`` summaries (one row per run) for ranks and scores."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadctl.services.admin.lookup import find_campaign
from leadctl.storage import schema
from leadctl.storage.engine import read

A = schema.assignment
R = schema.rep
CP = schema.campaign
RUN = schema.assign_run


def assignment_metrics(
    engine: Engine, since: datetime, campaign_ref: str | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    with read(engine) as conn:
        camp_id = find_campaign(conn, campaign_ref)["id"] if campaign_ref else None
        # Grouped by the assignment's own columns, then the few groups named: joined to the
        # names first, SQLite without statistics read the assignments through an index and
        # each row from the table (1M: 1.6 s -> 0.35 s).
        g = (
            select(A.c.campaign_id, A.c.rep_id, A.c.rule, func.count().label("n"))
            .where(A.c.started_at >= since)
            .group_by(A.c.campaign_id, A.c.rep_id, A.c.rule)
        )
        if camp_id is not None:
            g = g.where(A.c.campaign_id == camp_id)
        if until is not None:
            g = g.where(A.c.started_at <= until)
        gs = g.subquery("g")
        q = select(CP.c.name, R.c.email, gs.c.campaign_id, gs.c.rep_id, gs.c.rule, gs.c.n).select_from(
            gs.join(R, R.c.id == gs.c.rep_id).join(CP, CP.c.id == gs.c.campaign_id)
        )
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for camp, email, _cid, _rid, rule, n in conn.execute(q):
            row = rows.setdefault(
                (camp, email), {"campaign": camp, "rep": email, "received": 0, "by_rule": {}}
            )
            row["received"] += n
            row["by_rule"][rule] = n
        rq = (
            select(CP.c.name, RUN.c.summary)
            .join(CP, CP.c.id == RUN.c.campaign_id)
            .where(RUN.c.command == "assign", RUN.c.started_at >= since)
        )
        if camp_id is not None:
            rq = rq.where(RUN.c.campaign_id == camp_id)
        if until is not None:
            rq = rq.where(RUN.c.started_at <= until)
        ranks: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        runs: dict[str, int] = defaultdict(int)
        for camp, summary in conn.execute(rq):
            runs[camp] += 1
            for r in (summary or {}).get("reps", []):
                ranks[(camp, r["rep"])].append((r["rank"], r["score"]))
    totals: dict[str, int] = defaultdict(int)
    for (camp, _), row in rows.items():
        totals[camp] += row["received"]
    out = []
    for key in sorted(set(rows) | set(ranks)):
        row = rows.get(key) or {"campaign": key[0], "rep": key[1], "received": 0, "by_rule": {}}
        seen = ranks.get(key, [])
        row["runs"] = runs.get(key[0], 0)
        row["avg_rank"] = round(sum(r for r, _ in seen) / len(seen), 2) if seen else None
        row["avg_score"] = round(sum(s for _, s in seen) / len(seen), 4) if seen else None
        row["share"] = round(row["received"] / totals[key[0]], 4) if totals.get(key[0]) else 0.0
        out.append(row)
    out.sort(key=lambda r: (r["campaign"], r["avg_rank"] if r["avg_rank"] is not None else 1e9, r["rep"]))
    return out
