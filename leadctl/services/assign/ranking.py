"""Stack-ranking a campaign's reps by the nine factors of seed 4, set-based.

Two grouped queries over ``activity`` (the lookback window by rep; all-time qualified meetings
on the campaign) and one over active assignments give every raw number; each factor is scaled
to 0..1 across the campaign's reps (higher = should receive more) and the score is the
weighted mean with ``rules.assignment.weights``. Rates are smoothed (a rep with two calls is
not the best caller in the team), so new reps rank low but never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, true, union_all
from sqlalchemy.engine import Connection

from leadctl.errors import ConfigError
from leadctl.rules import Rules
from leadctl.rules.schema import RANK_FACTORS
from leadctl.services.assign.calendar import BusinessCalendar
from leadctl.services.assign.eligibility import RepInfo
from leadctl.storage import schema
from leadctl.storage.sqlfunc import member_of
from leadctl.vocab import ActivityOutcome, ActivityType, Stage

ACT = schema.activity
R = schema.rep
A = schema.assignment
C = schema.client
OC = ActivityOutcome


@dataclass
class Ranked:
    rep: RepInfo
    rank: int
    score: float
    components: dict[str, float]
    raw: dict[str, Any]


def check_weights(rules: Rules) -> None:
    if sum(rules.assignment.weights.values()) <= 0:
        raise ConfigError(
            "assignment.weights: all nine ranking weights are 0; give at least one factor a weight above 0"
        )


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def raw_numbers(
    conn: Connection, campaign_id: int, rep_ids: Sequence[int], since: datetime
) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {r: {} for r in rep_ids}
    # The lookback window grouped by (rep, campaign, type, outcome): read in group order from the
    # covering index ix_activity_rank alone (no table access, no sort); summed in Python.
    q = (
        select(
            ACT.c.rep_id,
            ACT.c.campaign_id,
            ACT.c.type,
            ACT.c.outcome,
            func.count(),
            func.sum(func.coalesce(ACT.c.duration_s, 0)),
            func.max(ACT.c.at),
        )
        .where(member_of(ACT.c.rep_id, list(rep_ids), conn.dialect.name), ACT.c.at >= since)
        .group_by(ACT.c.rep_id, ACT.c.campaign_id, ACT.c.type, ACT.c.outcome)
    )
    for rid, camp, kind, outcome, n, talk, last in conn.execute(q).all():
        d = out.get(rid)
        if d is None:
            continue
        if camp != campaign_id:
            d["acts_elsewhere"] = d.get("acts_elsewhere", 0) + n
            continue
        d["acts_here"] = d.get("acts_here", 0) + n
        d["talk_s"] = d.get("talk_s", 0) + (talk or 0)
        last = _aware(last)
        if d.get("last_here") is None or last > d["last_here"]:
            d["last_here"] = last
        if kind == ActivityType.CALL:
            d["calls"] = d.get("calls", 0) + n
        for key, value in (
            ("conversations", OC.CONVERSATION),
            ("booked", OC.BOOKED),
            ("held_qualified", OC.HELD_QUALIFIED),
        ):
            if outcome == value:
                d[key] = d.get(key, 0) + n
    for d in out.values():
        d["qualified_all_time"] = d.get("held_qualified", 0)
    # Qualified meetings before the window (all-time count), on this campaign only.
    q2 = (
        select(ACT.c.rep_id, func.count())
        .where(
            ACT.c.campaign_id == campaign_id,
            ACT.c.type == ActivityType.MEETING,  # the only type with this outcome: an index seek
            ACT.c.outcome == OC.HELD_QUALIFIED,
            ACT.c.at < since,
            member_of(ACT.c.rep_id, list(rep_ids), conn.dialect.name),
        )
        .group_by(ACT.c.rep_id)
    )
    for rid, n in conn.execute(q2):
        if rid in out:
            out[rid]["qualified_all_time"] += n
    q3 = (
        select(A.c.rep_id, func.count())
        .select_from(A.join(C, C.c.id == A.c.client_id))
        .where(
            A.c.ended_at.is_(None),
            A.c.campaign_id == campaign_id,
            C.c.stage == Stage.UNTOUCHED,
        )
        .group_by(A.c.rep_id)
    )
    for rid, n in conn.execute(q3):
        if rid in out:
            out[rid]["untouched_here"] = n
    return out


def last_active(
    conn: Connection, campaign_id: int, rep_ids: Sequence[int], since: datetime
) -> dict[int, datetime]:
    """rep id -> their last activity on the campaign since ``since`` (absent: none since).

    One statement of index seeks: for every rep and every (type, outcome) of the closed
    vocabularies, the newest entry of ``ix_activity_rank`` (rep, campaign, type, outcome, at),
    instead of reading the whole window of every rep's activity (10M rows at 1M clients)."""
    if not rep_ids:
        return {}
    reps = (
        select(R.c.id.label("rep_id")).where(member_of(R.c.id, list(rep_ids), conn.dialect.name)).subquery()
    )
    pairs = union_all(
        *(
            select(literal(t.value).label("type"), literal(o.value).label("outcome"))
            for t in ActivityType
            for o in ActivityOutcome
        )
    ).subquery("pairs")
    newest = (
        select(func.max(ACT.c.at))
        .where(
            ACT.c.rep_id == reps.c.rep_id,
            ACT.c.campaign_id == campaign_id,
            ACT.c.type == pairs.c.type,
            ACT.c.outcome == pairs.c.outcome,
            ACT.c.at >= since,
        )
        .scalar_subquery()
    )
    each = select(reps.c.rep_id, newest.label("last")).select_from(reps.join(pairs, true())).subquery()
    q = select(each.c.rep_id, func.max(each.c.last)).group_by(each.c.rep_id)
    return {rid: _aware(t) for rid, t in conn.execute(q).all() if t is not None}


def rank(
    conn: Connection,
    campaign_id: int,
    reps: Sequence[RepInfo],
    rules: Rules,
    cal: BusinessCalendar,
    at: datetime,
) -> list[Ranked]:
    """The reps, best first, with score components (0..1 each) and the raw numbers behind them."""
    check_weights(rules)
    ar = rules.assignment
    if not reps:
        return []
    raw = raw_numbers(conn, campaign_id, [r.id for r in reps], at - timedelta(days=ar.lookback_days))

    def num(r: RepInfo, k: str) -> float:
        return float(raw[r.id].get(k) or 0)

    def scaled(values: Mapping[int, float]) -> dict[int, float]:
        top = max(values.values(), default=0.0)
        return {k: (v / top if top > 0 else 0.0) for k, v in values.items()}

    talk = {r.id: num(r, "talk_s") or num(r, "acts_here") * 60 for r in reps}
    c2c = {r.id: (num(r, "conversations") + 0.5) / (num(r, "calls") + 5) for r in reps}
    c2b = {r.id: (num(r, "booked") + 0.5) / (num(r, "conversations") + 5) for r in reps}
    hold = {r.id: (num(r, "held_qualified") + 0.5) / (num(r, "booked") + 2) for r in reps}
    qual = {r.id: num(r, "qualified_all_time") for r in reps}
    held_max = max((r.open_total for r in reps), default=0)
    comps: dict[str, dict[int, float]] = {
        "time_on_campaign": scaled(talk),
        "call_to_conversation": scaled(c2c),
        "conversation_to_booked": scaled(c2b),
        "hold_rate": scaled(hold),
        "qualified_meetings": scaled(qual),
        "leads_held": {r.id: (1 - r.open_total / held_max) if held_max else 1.0 for r in reps},
        "other_campaigns": {},
        "recency": {},
        "leads_available": {},
    }
    for r in reps:
        here, elsewhere = num(r, "acts_here"), num(r, "acts_elsewhere")
        comps["other_campaigns"][r.id] = here / (here + elsewhere) if here + elsewhere else 0.0
        last = raw[r.id].get("last_here")
        if last is None:
            comps["recency"][r.id] = 0.0
        else:
            days = cal.business_days_between(last, at)
            extra = max(days - ar.recent_business_days, 0)
            comps["recency"][r.id] = ar.recency_decay**extra
        cap = r.capacity if r.capacity is not None else ar.default_capacity
        untouched = num(r, "untouched_here")
        comps["leads_available"][r.id] = max(0.0, 1 - untouched / cap) if cap else 0.0
    wsum = sum(ar.weights.values())
    out = []
    for r in reps:
        c = {f: round(comps[f][r.id], 4) for f in RANK_FACTORS}
        score = sum(ar.weights[f] * c[f] for f in RANK_FACTORS) / wsum
        out.append(Ranked(r, 0, round(score, 4), c, {k: v for k, v in raw[r.id].items() if k != "last_here"}))
    out.sort(key=lambda x: (-x.score, x.rep.id))
    for i, x in enumerate(out, 1):
        x.rank = i
    return out
