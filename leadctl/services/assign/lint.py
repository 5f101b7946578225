"""`leadctl rules lint`: routing and assignment rules that cannot work as written.

Flags unreachable routing models (anything after ``pool``; territory/skill after
``bucket_manager`` for buckets that have a manager), models with nothing to match (no rep has
territories or skills), overlapping territories (two reps of a campaign with the same
swimlane), zero-capacity pools, campaigns whose eligible set is empty, all-zero ranking
weights, and round-robin weights naming unknown reps.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.rules import Rules
from leadctl.services.assign import eligibility
from leadctl.storage import schema
from leadctl.storage.engine import read


def lint(rules: Rules, engine: Engine | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def flag(level: str, key: str, text: str) -> None:
        out.append({"level": level, "key": key, "problem": text})

    raw_models = list(rules.data.get("routing", {}).get("models") or [])
    if len(set(raw_models)) < len(raw_models):
        flag("warning", "routing.models", "a model is listed twice; only its first place counts")
    models = list(rules.routing.models)
    if "pool" in models and models.index("pool") < len(models) - 1:
        after = ", ".join(models[models.index("pool") + 1 :])
        flag("error", "routing.models", f"unreachable after pool (the catch-all): {after}")
    if "bucket_manager" in models:
        later = [m for m in models[models.index("bucket_manager") + 1 :] if m not in ("pool",)]
        if later:
            flag("warning", "routing.models", f"{', '.join(later)} only run for buckets without a manager")
    if "skill" in models and not rules.routing.skills:
        flag("warning", "routing.skills", "skill routing is on but no skills are mapped; it never matches")
    if sum(rules.assignment.weights.values()) <= 0:
        flag("error", "assignment.weights", "all nine ranking weights are 0")
    if rules.assignment.default_capacity == 0:
        flag("warning", "assignment.default_capacity", "reps without a capacity can never receive clients")
    if engine is None:
        return out
    with read(engine) as conn:
        reps = {
            r.id: r
            for r in conn.execute(
                select(
                    schema.rep.c.id,
                    schema.rep.c.email,
                    schema.rep.c.territories,
                    schema.rep.c.skills,
                    schema.rep.c.capacity,
                ).where(schema.rep.c.active.is_(True))
            )
        }
        approvals = conn.execute(
            select(schema.campaign_rep.c.campaign_id, schema.campaign_rep.c.rep_id).where(
                schema.campaign_rep.c.revoked_at.is_(None)
            )
        ).all()
        campaigns = dict(
            conn.execute(
                select(schema.campaign.c.id, schema.campaign.c.name).where(schema.campaign.c.active.is_(True))
            ).all()  # type: ignore[arg-type]
        )
    emails = {r.email.lower() for r in reps.values()}
    for email in rules.routing.weights:
        if email not in emails:
            flag("warning", "routing.weights", f"{email}: no active rep with this e-mail")
    if "territory" in models and not any(r.territories for r in reps.values()):
        flag("warning", "routing.models", "territory routing is on but no active rep has a territory")
    needed = {s for table in rules.routing.skills.values() for s in table.values()}
    have = {str(s).lower() for r in reps.values() for s in (r.skills or ())}
    for skill in sorted(needed - have):
        flag(
            "warning",
            "routing.skills",
            f"no active rep has skill {skill!r}: those clients wait, then fall through",
        )
    by_campaign: dict[int, list[int]] = defaultdict(list)
    for cid, rid in approvals:
        if rid in reps:
            by_campaign[cid].append(rid)
    default_cap = rules.assignment.default_capacity
    for cid, name in campaigns.items():
        members = by_campaign.get(cid, [])
        if not members:
            flag(
                "warning", f"campaign {name}", "no approved active rep: its clients can only wait in the pool"
            )
            continue
        caps = [reps[r].capacity if reps[r].capacity is not None else default_cap for r in members]
        if all(c == 0 for c in caps):
            flag("error", f"campaign {name}", "every approved rep has capacity 0 (a zero-capacity pool)")
        lanes: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in members:
            for dim, values in eligibility.parse_territories(reps[r].territories or ()).items():
                for v in values:
                    lanes[(dim, v)].append(reps[r].email)
        for (dim, v), who in sorted(lanes.items()):
            if len(who) > 1:
                flag(
                    "info",
                    f"campaign {name}",
                    f"territory {dim}:{v} overlaps: {', '.join(who)} (least loaded wins)",
                )
    return out
