"""Routing at intake: which rep each new client of a batch gets, decided for the whole batch.

``route_batch(conn, rules, clients, at)`` runs the models named in ``rules.routing.models`` in
order for every client (a registry of strategies keyed by those names, ``@register("territory")``);
the first that returns a rep wins; ``pool`` — and the end of the list — leaves the client
unassigned for ``leadctl assign``. Never a deactivated, away or unapproved rep (a bucket's own
default manager needs no approval: naming them on the bucket is the approval); never beyond a
rep's capacity or the daily / weekly caps. ``record`` writes the decisions through the ledger.

Weighted round robin is *smooth* (nginx's): every pick adds each eligible rep's weight to their
credit, the rep with most credit wins and pays the total back. A batch of 1,000 therefore
interleaves reps by weight instead of handing runs to one rep, and a rep who joins starts at
credit 0 — level with the others, as Cal.com calibrates a new host to the average instead of
letting them "catch up" on everything since the period began. Credits live in
``routing_state``, locked (``storage.claims.lock``) for the batch's transaction, so two
processes never read the same cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection

from leadctl.rules import Rules
from leadctl.services.assign import eligibility, ledger
from leadctl.services.assign.eligibility import RepInfo, Roster
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import bulk, claims, schema
from leadctl.vocab import AssignmentRule

OWN = schema.account_owner
RS = schema.routing_state
RR_MODEL = "round_robin"

FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "aol.com",
        "icloud.com",
        "live.com",
        "msn.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
    }
)


@dataclass(frozen=True)
class Decision:
    rep_id: int | None  # None: stays unassigned (pool, or waiting for a skilled rep)
    rule: AssignmentRule | None
    reason: Mapping[str, Any]


@dataclass
class Context:
    conn: Connection
    rules: Rules
    at: datetime
    roster: Roster
    owners: dict[str, int]  # domain or company key -> rep id
    credits: dict[tuple[int, int], float] = field(default_factory=dict)  # (campaign, rep) -> credit
    rr_counts: dict[tuple[int, int], int] = field(default_factory=dict)

    def usable(self, rep_id: int | None, campaign_id: int, *, need_approval: bool = True) -> RepInfo | None:
        if rep_id is None:
            return None
        info = self.roster.reps.get(rep_id)
        if info is None or info.blocked:
            return None
        if need_approval and campaign_id not in info.approved:
            return None
        return info if info.headroom(self.rules, None) > 0 else None

    def eligible(self, campaign_id: int) -> list[RepInfo]:
        out = [self.usable(r, campaign_id) for r in self.roster.eligible.get(campaign_id, ())]
        return [r for r in out if r is not None]


Strategy = Callable[[Context, Mapping[str, Any]], Decision | None]
STRATEGIES: dict[str, Strategy] = {}


def register(name: str) -> Callable[[Strategy], Strategy]:
    def deco(fn: Strategy) -> Strategy:
        STRATEGIES[name] = fn
        return fn

    return deco


def _least_loaded(reps: Sequence[RepInfo], campaign_id: int) -> RepInfo:
    return min(reps, key=lambda r: (r.open_by_campaign.get(campaign_id, 0), r.open_total, r.id))


def domain_of(client: Mapping[str, Any]) -> str | None:
    site = str(client.get("website") or "").lower().strip()
    if site:
        site = site.split("://")[-1].split("/")[0]
        return site.removeprefix("www.") or None
    email = str(client.get("email") or "").lower()
    if "@" in email:
        dom = email.rsplit("@", 1)[1]
        return None if dom in FREE_MAIL else dom
    return None


def company_key(name: Any) -> str | None:
    text = "".join(ch for ch in str(name or "").lower() if ch.isalnum() or ch == " ").split()
    suffixes = {"inc", "llc", "ltd", "corp", "co", "gmbh", "plc", "ag", "bv", "pty", "sa", "corporation"}
    words = [w for w in text if w not in suffixes]
    return " ".join(words) or None


@register("account_owner")
def _account_owner(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    if not ctx.owners:  # nobody owns an account: skip deriving this client's keys
        return None
    camp = client["campaign_id"]
    for key, kind in ((domain_of(client), "domain"), (company_key(client.get("company")), "company")):
        if key is None:
            continue
        rep_id = ctx.owners.get(f"{camp}:{kind}:{key}", ctx.owners.get(f"*:{kind}:{key}"))
        info = ctx.usable(rep_id, camp)
        if info is not None:
            return Decision(info.id, AssignmentRule.ACCOUNT_OWNER, {"owns": f"{kind}:{key}"})
    return None


@register("territory")
def _territory(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    camp = client["campaign_id"]
    dims = eligibility.client_dimensions(client, ctx.rules.routing.segments)
    if not dims:
        return None
    reps = [r for r in ctx.eligible(camp) if r.territory and eligibility.covers(r.territory, dims)]
    if not reps:
        return None
    info = _least_loaded(reps, camp)
    return Decision(
        info.id, AssignmentRule.TERRITORY, {"territory": sorted(v for s in dims.values() for v in s)}
    )


@register("skill")
def _skill(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    needed = set()
    for fname, table in ctx.rules.routing.skills.items():
        value = client.get(fname)
        if value is None and isinstance(client.get("custom"), Mapping):
            value = client["custom"].get(fname)
        skill = table.get(str(value or "").strip().lower())
        if skill:
            needed.add(skill.lower())
    if not needed:
        return None
    camp = client["campaign_id"]
    reps = [r for r in ctx.eligible(camp) if needed <= r.skills]
    if reps:
        info = _least_loaded(reps, camp)
        return Decision(info.id, AssignmentRule.SKILL, {"skills": sorted(needed)})
    created = client.get("created_at") or ctx.at
    until = created + timedelta(minutes=ctx.rules.routing.skill_wait_minutes)
    if ctx.at < until:
        return Decision(None, None, {"waiting_for_skills": sorted(needed), "until": until.isoformat()})
    return None


@register("round_robin")
def _round_robin(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    camp = client["campaign_id"]
    weights = {
        r.id: ctx.rules.routing.weights.get(r.email.lower(), ctx.rules.routing.default_weight)
        for r in ctx.eligible(camp)
    }
    weights = {k: w for k, w in weights.items() if w > 0}
    if not weights:
        return None
    total = sum(weights.values())
    for rid, w in weights.items():
        ctx.credits[(camp, rid)] = ctx.credits.get((camp, rid), 0.0) + w
    best = max(weights, key=lambda rid: (ctx.credits[(camp, rid)], -rid))
    ctx.credits[(camp, best)] -= total
    ctx.rr_counts[(camp, best)] = ctx.rr_counts.get((camp, best), 0) + 1
    return Decision(best, AssignmentRule.ROUND_ROBIN, {"weight": weights[best], "of_total_weight": total})


@register("bucket_manager")
def _bucket_manager(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    info = ctx.usable(client.get("bucket_manager_id"), client["campaign_id"], need_approval=False)
    if info is None:
        return None
    return Decision(info.id, AssignmentRule.BUCKET_MANAGER, {"bucket_manager": info.email})


@register("pool")
def _pool(ctx: Context, client: Mapping[str, Any]) -> Decision | None:
    return Decision(None, None, {"pool": True})


def _owners(conn: Connection, campaign_ids: Iterable[int]) -> dict[str, int]:
    camps = sorted(set(campaign_ids))
    q = select(OWN.c.rep_id, OWN.c.campaign_id, OWN.c.domain, OWN.c.company_key).where(
        or_(OWN.c.campaign_id.is_(None), OWN.c.campaign_id.in_(camps))
    )
    out: dict[str, int] = {}
    for rid, camp, dom, comp in conn.execute(q):
        scope = "*" if camp is None else str(camp)
        if dom:
            out[f"{scope}:domain:{dom.lower()}"] = rid
        if comp:
            out[f"{scope}:company:{company_key(comp) or comp.lower()}"] = rid
    return out


def _load_credits(ctx: Context, campaign_ids: Sequence[int], persist: bool = True) -> None:
    conn = ctx.conn
    rows = [(c, r, RR_MODEL, 0.0, 0, ctx.at) for c in campaign_ids for r in ctx.roster.eligible.get(c, ())]
    if rows and persist:
        bulk.insert_ignore(
            conn,
            RS,
            ["campaign_id", "rep_id", "model", "credit", "assigned", "updated_at"],
            [rows],
            ["campaign_id", "rep_id", "model"],
        )
    q = (
        select(RS.c.campaign_id, RS.c.rep_id, RS.c.credit)
        .where(RS.c.campaign_id.in_(campaign_ids), RS.c.model == RR_MODEL)
        .order_by(RS.c.campaign_id, RS.c.rep_id)
    )
    for camp, rid, credit in claims.lock(conn, q) if persist else conn.execute(q):
        if rid in ctx.roster.eligible.get(camp, ()):
            ctx.credits[(camp, rid)] = float(credit)


def _save_credits(ctx: Context) -> None:
    if not ctx.credits:
        return
    stmt = (
        update(RS)
        .where(
            and_(RS.c.campaign_id == bindparam("c"), RS.c.rep_id == bindparam("r"), RS.c.model == RR_MODEL)
        )
        .values(credit=bindparam("credit"), assigned=RS.c.assigned + bindparam("n"), updated_at=ctx.at)
    )
    params = [
        {"c": c, "r": r, "credit": credit, "n": ctx.rr_counts.get((c, r), 0)}
        for (c, r), credit in ctx.credits.items()
    ]
    ctx.conn.execute(stmt, params)


def route_batch(
    conn: Connection,
    rules: Rules,
    clients: Mapping[int, Mapping[str, Any]],
    at: datetime,
    *,
    persist: bool = True,
) -> dict[int, Decision]:
    """key -> decision for each client (``campaign_id``, ``bucket_manager_id``, person fields).

    ``persist=False`` (``rules diff``): the round-robin credits are read, not locked or saved."""
    if not clients:
        return {}
    models = [m for m in rules.routing.models if m in STRATEGIES]
    campaigns = sorted({c["campaign_id"] for c in clients.values()})
    managers = {c.get("bucket_manager_id") for c in clients.values()} - {None}
    ctx = Context(conn, rules, at, eligibility.roster(conn, campaigns, at, managers), {})  # type: ignore[arg-type]
    if "account_owner" in models:
        ctx.owners = _owners(conn, campaigns)
    if "round_robin" in models:
        _load_credits(ctx, campaigns, persist)
    out: dict[int, Decision] = {}
    for key, client in clients.items():
        decision = Decision(None, None, {"pool": True})
        for name in models:
            d = STRATEGIES[name](ctx, client)
            if d is not None:
                decision = d
                break
        if decision.rep_id is not None:
            ctx.roster.reps[decision.rep_id].take(client["campaign_id"])
        out[key] = decision
    if "round_robin" in models and persist:
        _save_credits(ctx)
    return out


def record(
    conn: Connection,
    decisions: Mapping[int, Decision],
    campaigns: Mapping[int, int],
    *,
    actor: str,
    at: datetime,
    managers_set: bool = False,
) -> int:
    """Write the decisions that name a rep (client id -> decision) through the ledger."""
    rows = [
        NewAssignment(cid, d.rep_id, campaigns[cid], d.rule, d.reason)
        for cid, d in decisions.items()
        if d.rep_id is not None and d.rule is not None
    ]
    return ledger.start(conn, rows, actor=actor, at=at, set_managers=not managers_set)
