"""Which reps may receive clients, how many more each can take, and which clients they cover.

Set-based: a handful of grouped queries per call, whatever the number of reps or clients.
A rep is eligible for a campaign when active, approved on it (not revoked) and not away now;
headroom is what their capacity (open clients across all campaigns) and the per-day / per-week
caps of ``rules.routing`` still allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from leadctl.rules import Rules
from leadctl.storage import claims, schema
from leadctl.storage.sqlfunc import in_chunks

A = schema.assignment
R = schema.rep
CR = schema.campaign_rep
AWAY = schema.rep_away

# Territory dimensions: "industry:X", "segment:Y"; anything else is geography.
DIMENSIONS = ("industry", "segment")
_COUNTRY_ALIASES = {
    "united states": "us",
    "united states of america": "us",
    "usa": "us",
    "united kingdom": "gb",
    "uk": "gb",
    "great britain": "gb",
    "canada": "ca",
    "mexico": "mx",
    "germany": "de",
    "france": "fr",
    "spain": "es",
}

Territory = Mapping[str, frozenset[str]]

# US regions a territory may name ("US-West"), as the states they cover (census regions).
_US_REGIONS = {
    "west": "ak az ca co hi id mt nv nm or ut wa wy",
    "central": "il in ia ks mi mn mo ne nd oh sd wi",
    "midwest": "il in ia ks mi mn mo ne nd oh sd wi",
    "south": "al ar de fl ga ky la md ms nc ok sc tn tx va wv dc",
    "east": "ct me ma nh nj ny pa ri vt",
    "northeast": "ct me ma nh nj ny pa ri vt",
}


def _geo_tokens(token: str) -> set[str]:
    country, sep, region = token.partition("-")
    if sep and country == "us" and region in _US_REGIONS:
        return {f"us-{st}" for st in _US_REGIONS[region].split()}
    return {_COUNTRY_ALIASES.get(token, token)}


def parse_territories(tokens: Iterable[str]) -> dict[str, frozenset[str]]:
    """A rep's territory list as dimension -> allowed values (lower-case)."""
    out: dict[str, set[str]] = {}
    for raw in tokens:
        token = str(raw).strip().lower()
        if not token:
            continue
        dim, sep, value = token.partition(":")
        if sep and dim in DIMENSIONS:
            out.setdefault(dim, set()).add(value.strip())
        else:
            out.setdefault("geo", set()).update(_geo_tokens(token))
    return {k: frozenset(v) for k, v in out.items()}


def segment_of(headcount: Any, segments: Mapping[str, int]) -> str | None:
    text = str(headcount or "").replace(",", "")
    digits = ""
    for ch in text:
        if ch.isdigit():
            digits += ch
        elif digits:
            break
    if not digits:
        return None
    n = int(digits)
    best: tuple[int, str] | None = None
    for name, low in segments.items():
        if n >= low and (best is None or low > best[0]):
            best = (low, name)
    return best[1].lower() if best else None


def client_dimensions(client: Mapping[str, Any], segments: Mapping[str, int]) -> dict[str, frozenset[str]]:
    """A client's values per territory dimension (missing values are absent)."""
    out: dict[str, frozenset[str]] = {}
    country = str(client.get("country") or "").strip().lower()
    country = _COUNTRY_ALIASES.get(country, country)
    state = str(client.get("state") or "").strip().lower()
    geo = {v for v in (country, state) if v}
    if country and state:
        geo.add(f"{country}-{state}")
    if geo:
        out["geo"] = frozenset(geo)
    industry = str(client.get("industry") or "").strip().lower()
    if industry:
        out["industry"] = frozenset({industry})
    seg = segment_of(client.get("headcount"), segments)
    if seg:
        out["segment"] = frozenset({seg})
    return out


def covers(territory: Territory, dims: Mapping[str, frozenset[str]]) -> bool:
    """Does a rep with ``territory`` cover a client with ``dims``? (no territory: everything)"""
    for dim, allowed in territory.items():
        values = dims.get(dim)
        if values and not (values & allowed):
            return False
    return True


@dataclass
class RepInfo:
    id: int
    email: str
    name: str
    skills: frozenset[str]
    territory: Territory
    capacity: int | None  # the rep's own setting (None: none set)
    open_total: int = 0  # active assignments across all campaigns
    open_by_campaign: dict[int, int] = field(default_factory=dict)
    today: int = 0
    week: int = 0
    approved: frozenset[int] = frozenset()
    blocked: str | None = None  # why the rep may receive nothing now (inactive, away)

    def headroom(self, rules: Rules, default_capacity: int | None) -> int:
        """How many more clients this rep may receive now (capacity and daily/weekly caps)."""
        cap = self.capacity if self.capacity is not None else default_capacity
        room = 10**9 if cap is None else cap - self.open_total
        if rules.routing.cap_per_day:
            room = min(room, rules.routing.cap_per_day - self.today)
        if rules.routing.cap_per_week:
            room = min(room, rules.routing.cap_per_week - self.week)
        return max(room, 0)

    def take(self, campaign_id: int, n: int = 1) -> None:
        self.open_total += n
        self.open_by_campaign[campaign_id] = self.open_by_campaign.get(campaign_id, 0) + n
        self.today += n
        self.week += n


@dataclass
class Roster:
    """Reps relevant to some campaigns: the eligible ones, and the others with why."""

    reps: dict[int, RepInfo]
    eligible: dict[int, list[int]]  # campaign id -> eligible rep ids (by id)
    skipped: dict[int, list[dict[str, Any]]]  # campaign id -> [{rep, reason}]


def roster(
    conn: Connection, campaign_ids: Iterable[int], at: datetime, extra_rep_ids: Iterable[int] = ()
) -> Roster:
    """Approved reps of ``campaign_ids`` (plus ``extra_rep_ids``, e.g. bucket managers), with
    their open clients and what they received today and this week."""
    campaigns = sorted(set(campaign_ids))
    rows = list(
        conn.execute(
            select(CR.c.campaign_id, CR.c.rep_id, CR.c.revoked_at).where(CR.c.campaign_id.in_(campaigns))
        )
    )
    approved: dict[int, set[int]] = {}
    revoked: dict[int, set[int]] = {}
    for cid, rid, rev in rows:
        (revoked if rev is not None else approved).setdefault(rid, set()).add(cid)
    rep_ids = set(approved) | set(revoked) | set(extra_rep_ids)
    reps: dict[int, RepInfo] = {}
    inactive: set[int] = set()
    for cond in in_chunks(conn, R.c.id, rep_ids):
        q = select(R.c.id, R.c.email, R.c.name, R.c.skills, R.c.territories, R.c.capacity, R.c.active)
        # share-locked in a write transaction: a rep deactivated meanwhile (rep leave) is seen
        # as such, and cannot be deactivated until the clients handed to them are committed
        for rid, email, name, skills, terr, cap, active in claims.share(conn, q.where(cond).order_by(R.c.id)):
            reps[rid] = RepInfo(
                rid,
                email,
                name,
                frozenset(str(s).lower() for s in skills or ()),
                parse_territories(terr or ()),
                cap,
                approved=frozenset(approved.get(rid, ())),
            )
            if not active:
                inactive.add(rid)
    away: dict[int, datetime] = {}
    for cond in in_chunks(conn, AWAY.c.rep_id, reps):
        q2 = select(AWAY.c.rep_id, AWAY.c.ends_at).where(cond, AWAY.c.starts_at <= at, AWAY.c.ends_at > at)
        for rid, ends in conn.execute(q2):
            away[rid] = max(ends, away.get(rid, ends))
    day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=day_start.weekday())
    for cond in in_chunks(conn, A.c.rep_id, reps):
        q3 = (
            select(A.c.rep_id, A.c.campaign_id, func.count())
            .where(cond, A.c.ended_at.is_(None))
            .group_by(A.c.rep_id, A.c.campaign_id)
        )
        for rid, cid, n in conn.execute(q3):
            reps[rid].open_total += n
            reps[rid].open_by_campaign[cid] = n
        q4 = (
            select(
                A.c.rep_id,
                func.sum(case((A.c.started_at >= day_start, 1), else_=0)),
                func.count(),
            )
            .where(and_(cond, A.c.started_at >= week_start))
            .group_by(A.c.rep_id)
        )
        for rid, today, week in conn.execute(q4):
            reps[rid].today, reps[rid].week = int(today or 0), int(week or 0)
    eligible: dict[int, list[int]] = {c: [] for c in campaigns}
    skipped: dict[int, list[dict[str, Any]]] = {c: [] for c in campaigns}
    for rid in sorted(reps):
        info = reps[rid]
        for cid in campaigns:
            if cid not in info.approved and cid not in revoked.get(rid, set()):
                continue
            reason = None
            if rid in inactive:
                reason = "inactive (deactivated)"
            elif cid not in info.approved:
                reason = "not approved (approval revoked)"
            elif rid in away:
                reason = f"away until {away[rid].isoformat()}"
            if reason:
                skipped[cid].append({"rep": info.email, "reason": reason})
            else:
                eligible[cid].append(rid)
    for rid, ends in away.items():
        reps[rid].blocked = f"away until {ends.isoformat()}"
    for rid in inactive:
        reps[rid].blocked = "inactive (deactivated)"
    return Roster(reps, eligible, skipped)
