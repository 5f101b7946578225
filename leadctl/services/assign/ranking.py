"""Stack-ranking a campaign's reps by the nine factors of seed 4, set-based.

Two grouped queries over the activity rollup (``rollup.py``, per rep, campaign and UTC day:
the look-back window, whole UTC days from ``lookback_days`` ago; all-time qualified meetings
on the campaign) and one over active assignments give every raw number; each factor is scaled
to 0..1 across the campaign's reps (higher = should receive more) and the score is the
weighted mean with ``rules.assignment.weights``. Rates are smoothed (a rep with two calls is
not the best caller in the team), so new reps rank low but never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from leadctl.errors import ConfigError
from leadctl.rules import Rules
from leadctl.rules.schema import RANK_FACTORS
from leadctl.services.assign import rollup
from leadctl.services.assign.calendar import BusinessCalendar
from leadctl.services.assign.eligibility import RepInfo
from leadctl.storage import schema
from leadctl.storage.sqlfunc import member_of
from leadctl.vocab import Stage

RD = schema.rep_activity_day
R = schema.rep
A = schema.assignment
C = schema.client


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


def window_start(at: datetime, lookback_days: int) -> date:
    """The first UTC day of the look-back window: whole days, so the rollup answers it exactly."""
    return (at - timedelta(days=lookback_days)).astimezone(UTC).date()


def raw_numbers(
    conn: Connection, campaign_id: int, rep_ids: Sequence[int], since: date
) -> dict[int, dict[str, Any]]:
    """Per rep: the window's sums (activities here and elsewhere, talk, calls, conversations,
    booked, qualified-held, last activity here) from ``since`` (a UTC day) on, all-time
    qualified meetings here, and untouched clients held here. Read from the rollup
    (``rollup.py``: ~reps × days rows, not every activity)."""
    out: dict[int, dict[str, Any]] = {r: {} for r in rep_ids}
    if not rep_ids:
        return out
    member = member_of(RD.c.rep_id, list(rep_ids), conn.dialect.name)
    q = (
        select(
            RD.c.rep_id,
            RD.c.campaign_id,
            *(func.sum(RD.c[c]) for c in rollup.SUMS),
            func.max(RD.c.last_at),
        )
        .where(member, RD.c.day >= since)
        .group_by(RD.c.rep_id, RD.c.campaign_id)
    )
    for row in conn.execute(q).all():
        rid, camp, acts, talk, calls, convs, booked, held, last = tuple(row)
        d = out[rid]
        if camp != campaign_id:
            d["acts_elsewhere"] = d.get("acts_elsewhere", 0) + int(acts)
            continue
        d.update(
            acts_here=int(acts),
            talk_s=int(talk),
            calls=int(calls),
            conversations=int(convs),
            booked=int(booked),
            held_qualified=int(held),
            last_here=_aware(last),
        )
    for d in out.values():
        d["qualified_all_time"] = d.get("held_qualified", 0)
    # Qualified meetings before the window (all-time count), on this campaign only.
    q2 = (
        select(RD.c.rep_id, func.sum(RD.c.held_qualified))
        .where(member, RD.c.campaign_id == campaign_id, RD.c.day < since)
        .group_by(RD.c.rep_id)
    )
    for rid, n in conn.execute(q2):
        out[rid]["qualified_all_time"] += int(n or 0)
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

    Exact from the rollup: a day's ``last_at`` is its newest activity, so the newest at or
    after ``since`` is the newest day maximum that is itself at or after ``since``."""
    if not rep_ids:
        return {}
    q = (
        select(RD.c.rep_id, func.max(RD.c.last_at))
        .where(
            member_of(RD.c.rep_id, list(rep_ids), conn.dialect.name),
            RD.c.campaign_id == campaign_id,
            RD.c.day >= since.astimezone(UTC).date(),
            RD.c.last_at >= since,
        )
        .group_by(RD.c.rep_id)
    )
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
    raw = raw_numbers(conn, campaign_id, [r.id for r in reps], window_start(at, ar.lookback_days))

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
