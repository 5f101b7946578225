"""`leadctl rules diff OLD.yaml NEW.yaml`: a rule change tested before it goes live.

The clients created since ``since`` (optionally of one campaign) are replayed through the
intake routing (``routing.route_batch``) of both rule sets, in one read transaction that
writes nothing (round-robin credits are read, not saved). Both replays see the same database
state: the reps' current load, approvals, away periods and account owners. What comes back
is how many clients would go to another rep, and where: a from → to table (``(pool)`` when a
rule set leaves the client unassigned), with the rule that decided on each side.

Clients routing never touches are left out: merged ones and do-not-contact ones.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.rules import Rules
from leadctl.services.admin.lookup import find_campaign
from leadctl.services.assign import routing
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.timeutil import now
from leadctl.vocab import Stage

C = schema.client
L = schema.lead
B = schema.bucket
R = schema.rep
POOL = "(pool)"


def diff(
    engine: Engine, old: Rules, new: Rules, *, since: datetime, campaign_ref: str | None = None
) -> dict[str, Any]:
    """Totals and the from → to moves of replaying recent clients through ``old`` and ``new``."""
    at = now()
    with read(engine) as conn:
        camp = find_campaign(conn, campaign_ref) if campaign_ref is not None else None
        cols = [C.c[f] for f in schema.PERSON_COLUMNS]
        q = (
            select(C.c.id, C.c.campaign_id, C.c.created_at, C.c.custom, B.c.manager_id, *cols)
            .select_from(C.outerjoin(L, L.c.id == C.c.origin_lead_id).outerjoin(B, B.c.id == L.c.bucket_id))
            .where(
                C.c.created_at >= since,
                C.c.merged_into_id.is_(None),
                C.c.stage != Stage.DO_NOT_CONTACT,
            )
            .order_by(C.c.id)
        )
        if camp is not None:
            q = q.where(C.c.campaign_id == camp["id"])
        clients: dict[int, dict[str, Any]] = {}
        for row in conn.execute(q).mappings():
            d = dict(row)
            d["bucket_manager_id"] = d.pop("manager_id")
            clients[d["id"]] = d
        before = routing.route_batch(conn, old, clients, at, persist=False)
        after = routing.route_batch(conn, new, clients, at, persist=False)
        emails: dict[int, str] = dict(conn.execute(select(R.c.id, R.c.email)).all())  # type: ignore[arg-type]

    def who(d: routing.Decision | None) -> str:
        return POOL if d is None or d.rep_id is None else emails.get(d.rep_id, str(d.rep_id))

    def rule(d: routing.Decision | None) -> str:
        return "pool" if d is None or d.rule is None else d.rule.value

    moves: Counter[tuple[str, str, str, str]] = Counter()
    for cid in clients:
        a, b = before.get(cid), after.get(cid)
        if who(a) != who(b):
            moves[(who(a), who(b), rule(a), rule(b))] += 1
    changed = sum(moves.values())
    return {
        "since": since,
        "campaign": camp["name"] if camp is not None else None,
        "clients": len(clients),
        "changed": changed,
        "unchanged": len(clients) - changed,
        "moves": [
            {"from_rep": f, "to_rep": t, "from_rule": fr, "to_rule": tr, "clients": n}
            for (f, t, fr, tr), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
