"""Scoring and prioritisation: a static score from the rules, a dynamic priority on top.

**Static score** = the points of every ``scoring.fit`` and ``scoring.behaviour`` condition that
holds (rules file; ``rules.schema.CONDITION`` says what a condition may be: a field and one of
``matches`` / ``in`` / ``between`` / ``at_least`` / ``at_most`` / ``equals`` / ``exists`` —
data, never code). Fields are client columns, ``email_domain``, ``source`` (the client's
first lead's source, else its bucket's), ``bucket``, engagement counts from activities, or
custom fields by name. Each condition is evaluated once per distinct value (``_Memo``), so
10,000 clients cost a few thousand regex searches at most.

**Dynamic priority** = static + the registered dynamic components, each a function of the
facts gathered once per call (``Facts``: two set-based queries over the clients and their
activities up to ``now``)::

    recency  points for the latest engagement, halved every half_life_days
    age      the static score's decay with the client's age (negative), floor share kept
    intent   the strongest recent demo request / pricing visit / inbound contact (activity, or
             a custom field holding its time), halved every half_life_hours

The registry (``COMPONENTS``, ``@component(name)``) is the seam for more: the SLA part of
issue 10 plugs in its urgency with one registration::

    @component("sla_urgency")
    def _sla_urgency(f: Facts) -> dict[int, float]:
        from leadctl.services.work import sla
        r = f.rules.scoring.sla_urgency
        return {c: r.points * min(u, r.cap) for c, u in sla.urgency(f.conn, f.rules, f.client_ids, f.now).items()}

``priorities(conn, rules, client_ids, now)`` is the contract the queue calls before every dial.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.engine import Connection, Engine

from leadctl.storage import schema
from leadctl.storage.sqlfunc import in_chunks
from leadctl.storage.types import UTCDateTime
from leadctl.vocab import ActivityOutcome as O  # noqa: N817
from leadctl.vocab import ActivityType as T  # noqa: N817

if TYPE_CHECKING:
    from leadctl.rules import Rules
    from leadctl.rules.sections import Condition

ACT = schema.activity
C = schema.client
L = schema.lead
B = schema.bucket
A = schema.assignment
R = schema.rep

# Client columns a condition may name directly.
COLUMN_FIELDS = (
    "title",
    "company",
    "industry",
    "headcount",
    "revenue",
    "city",
    "state",
    "country",
    "timezone",
)
# Engagement counts from activities: name -> (type, outcome or None for any).
COUNT_FIELDS: dict[str, tuple[str, str | None]] = {
    "emails_opened": (T.EMAIL, O.OPENED),
    "emails_clicked": (T.EMAIL, O.CLICKED),
    "emails_replied": (T.EMAIL, O.REPLIED),
    "calls": (T.CALL, None),
    "conversations": (T.CALL, O.CONVERSATION),
    "meetings_booked": (T.MEETING, O.BOOKED),
    "intents": (T.INTENT, None),
}
# What counts as engagement for recency: the client did something (not just we did).
ENGAGEMENT = (
    (T.EMAIL, O.OPENED),
    (T.EMAIL, O.CLICKED),
    (T.EMAIL, O.REPLIED),
    (T.CALL, O.CONVERSATION),
    (T.MEETING, None),
    (T.INTENT, None),
    (T.DISPOSITION, O.CALLBACK),
)
DAY = 86_400.0


@dataclass(frozen=True)
class Priority:
    """A client's dynamic priority: ``total`` = ``static`` + the dynamic components;
    ``components`` holds fit and behaviour (static = their sum) and each dynamic component."""

    total: float
    static: float
    components: dict[str, float]


@dataclass
class Facts:
    """What the components read, gathered once per ``priorities`` call."""

    conn: Connection
    rules: Rules
    client_ids: Sequence[int]
    now: datetime
    static: dict[int, float]
    created: dict[int, datetime]
    last_engaged: dict[int, datetime]
    intents: dict[int, list[tuple[str, datetime]]]  # recent intents (outcome, at), any order
    why: dict[int, list[str]] | None = None  # filled by components when explaining


ComponentFn = Callable[[Facts], dict[int, float]]
COMPONENTS: dict[str, ComponentFn] = {}


def component(name: str) -> Callable[[ComponentFn], ComponentFn]:
    """Register a dynamic component under ``name`` (its column in ``score``)."""

    def register(fn: ComponentFn) -> ComponentFn:
        COMPONENTS[name] = fn
        return fn

    return register


def _half(elapsed: float, half_life: float) -> float:
    return 0.5 ** (max(elapsed, 0.0) / half_life)


def _say(f: Facts, cid: int, text: str) -> None:
    if f.why is not None:
        f.why.setdefault(cid, []).append(text)


@component("recency")
def _recency(f: Facts) -> dict[int, float]:
    r = f.rules.scoring.recency
    out: dict[int, float] = {}
    for cid, last in f.last_engaged.items():
        days = (f.now - last).total_seconds() / DAY
        out[cid] = r.points * _half(days, r.half_life)
        _say(f, cid, f"recency: engaged {max(days, 0):.1f} d ago {out[cid]:+.1f}")
    return out


@component("age")
def _age(f: Facts) -> dict[int, float]:
    r = f.rules.scoring.age
    out: dict[int, float] = {}
    for cid, created in f.created.items():
        static = f.static.get(cid, 0.0)
        days = (f.now - created).total_seconds() / DAY
        keep = max(r.floor, _half(days, r.half_life))
        out[cid] = static * (keep - 1.0) + 0.0
        if abs(out[cid]) >= 0.05:
            _say(
                f, cid, f"age: {max(days, 0):.0f} d old, keeps {keep:.0%} of the static score {out[cid]:+.1f}"
            )
    return out


@component("intent")
def _intent(f: Facts) -> dict[int, float]:
    r = f.rules.scoring.intent
    out: dict[int, float] = {}
    for cid, seen in f.intents.items():
        best, why = 0.0, ""
        for outcome, at in seen:
            hours = (f.now - at).total_seconds() / 3600
            if hours < 0 or hours > r.window_days * 24:
                continue
            value = r.points.get(outcome, 0.0) * _half(hours, r.half_life_hours)
            if value > best:
                best, why = value, f"intent: {outcome} {hours:.0f} h ago {value:+.1f}"
        if best:
            out[cid] = best
            _say(f, cid, why)
    return out


# ------------------------------------------------------------------ static conditions

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(k|mm|m|bn|b)?(?![a-z])")
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(value: Any) -> float | None:
    """A number from a field as people write it: ``1,200``, ``$5M``, ``10k``, ``51-200`` (the
    midpoint), ``1000+``; None when there is none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).lower().replace(",", "")
    found = [float(n) * _SCALE.get(s or "", 1.0) for n, s in _NUMBER.findall(text)[:2]]
    if not found:
        return None
    return sum(found) / len(found)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _test(cond: Condition) -> Callable[[Any], bool]:
    """The condition as a predicate on one value (None or "" = no value)."""
    op, arg = cond.op, cond.arg
    if op == "exists":
        return lambda v: (v is not None and str(v).strip() != "") is bool(arg)
    if op == "matches":
        rx = re.compile(str(arg))
        return lambda v: v is not None and rx.search(str(v)) is not None
    if op in ("in", "equals"):
        wanted = {_text(a) for a in (arg if op == "in" else (arg,))}
        return lambda v: v is not None and _text(v) in wanted
    lo, hi = (
        (arg[0], arg[1]) if op == "between" else (arg, math.inf) if op == "at_least" else (-math.inf, arg)
    )

    def number_in_range(v: Any) -> bool:
        n = parse_number(v)
        return n is not None and lo <= n <= hi

    return number_in_range


class _Memo:
    """A condition evaluated once per distinct value."""

    __slots__ = ("cond", "test", "seen")

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self.test = _test(cond)
        self.seen: dict[Any, bool] = {}

    def __call__(self, value: Any) -> bool:
        try:
            hit = self.seen.get(value)
        except TypeError:  # an unhashable custom value (a list, a dict)
            return self.test(value)
        if hit is None:
            hit = self.seen[value] = self.test(value)
        return hit


def _value_getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    if (
        name in COLUMN_FIELDS
        or name in COUNT_FIELDS
        or name in ("email_domain", "source", "bucket", "affiliate_id")
    ):
        return lambda row: row.get(name)
    key = name.removeprefix("custom.")

    def custom(row: Mapping[str, Any]) -> Any:
        values = row.get("custom") or {}
        if key in values:
            return values[key]
        low = key.lower()
        return next((v for k, v in values.items() if str(k).lower() == low), None)

    return custom


# ------------------------------------------------------------------ gathering facts


def _needs(rules: Rules) -> set[str]:
    names = {c.field for c in (*rules.scoring.fit, *rules.scoring.behaviour)}
    if any(
        n not in COLUMN_FIELDS
        and n not in COUNT_FIELDS
        and n not in ("email_domain", "source", "bucket", "affiliate_id")
        for n in names
    ):
        names.add("custom")
    if rules.scoring.intent.custom_fields:
        names.add("custom")
    return names


def _match(kinds: Iterable[tuple[str, str | None]]) -> Any:
    from sqlalchemy import or_

    return or_(
        *(ACT.c.type == t if o is None else and_(ACT.c.type == t, ACT.c.outcome == o) for t, o in kinds)
    )


def _gather(
    conn: Connection, rules: Rules, ids: Sequence[int], now: datetime
) -> tuple[dict[int, dict[str, Any]], dict[int, list[tuple[str, datetime]]]]:
    """Each client's fields and activity aggregates (one row each), and its recent intents."""
    needs = _needs(rules)
    cols: list[Any] = [C.c.id, C.c.created_at]
    cols += [C.c[n] for n in COLUMN_FIELDS if n in needs]
    if "email_domain" in needs:
        cols.append(C.c.email)
    if "bucket" in needs:
        cols.append(C.c.bucket_label.label("bucket"))
    if "affiliate_id" in needs:
        cols.append(C.c.affiliate_id)
    if "custom" in needs:
        cols.append(C.c.custom)
    src = "source" in needs
    if src:
        cols.append(func.coalesce(L.c.source, B.c.source).label("source"))
    counts = [n for n in COUNT_FIELDS if n in needs]
    rows: dict[int, dict[str, Any]] = {}
    intents: dict[int, list[tuple[str, datetime]]] = {}
    window = rules.scoring.intent.window_days
    for cond in in_chunks(conn, C.c.id, ids):
        q = select(*cols).where(cond)
        if src:
            q = q.select_from(
                C.outerjoin(L, L.c.id == C.c.origin_lead_id).outerjoin(B, B.c.id == L.c.bucket_id)
            )
        here: list[int] = []
        for r in conn.execute(q):
            row = dict(r._mapping)
            if "email_domain" in needs:
                email = row.pop("email") or ""
                row["email_domain"] = email.rpartition("@")[2].lower() or None
            rows[row["id"]] = row
            here.append(row["id"])
        if not here:
            continue
        (acond,) = in_chunks(conn, ACT.c.client_id, here, size=len(here))
        aggs: list[Any] = [
            ACT.c.client_id,
            type_coerce(func.max(case((_match(ENGAGEMENT), ACT.c.at))), UTCDateTime),
        ]
        for n in counts:
            aggs.append(func.sum(case((_match([COUNT_FIELDS[n]]), 1), else_=0)))
        aq = select(*aggs).where(acond, ACT.c.at <= now).group_by(ACT.c.client_id)
        for cid, last, *ns in conn.execute(aq):
            row = rows[cid]
            row["last_engaged"] = last
            row.update(zip(counts, (int(n or 0) for n in ns), strict=True))
        iq = (
            select(ACT.c.client_id, ACT.c.outcome, type_coerce(func.max(ACT.c.at), UTCDateTime))
            .where(acond, ACT.c.type == T.INTENT, ACT.c.at <= now, ACT.c.at >= now - timedelta(days=window))
            .group_by(ACT.c.client_id, ACT.c.outcome)
        )
        for cid, outcome, at in conn.execute(iq):
            intents.setdefault(cid, []).append((outcome, at))
    for row in rows.values():
        for n in counts:
            row.setdefault(n, 0)
    custom_intents = rules.scoring.intent.custom_fields
    if custom_intents:
        from leadctl.timeutil import parse_datetime

        for cid, row in rows.items():
            values = row.get("custom") or {}
            for fname, outcome in custom_intents.items():
                text = values.get(fname)
                at = parse_datetime(str(text)) if text else None
                if at is not None:
                    intents.setdefault(cid, []).append((outcome, at))
    return rows, intents


def _static(
    rows: Mapping[int, Mapping[str, Any]], rules: Rules, why: dict[int, list[str]] | None
) -> tuple[dict[int, float], dict[int, float]]:
    """(fit, behaviour) points per client."""
    out: list[dict[int, float]] = []
    for conds in (rules.scoring.fit, rules.scoring.behaviour):
        tests = [(_Memo(c), _value_getter(c.field), c.points, c.label) for c in conds]
        points: dict[int, float] = {}
        for cid, row in rows.items():
            total = 0.0
            for test, get, p, label in tests:
                if test(get(row)):
                    total += p
                    if why is not None:
                        why.setdefault(cid, []).append(f"{label} {p:+g}")
            points[cid] = total
        out.append(points)
    return out[0], out[1]


def _compute(
    conn: Connection, rules: Rules, client_ids: Sequence[int], now: datetime, explain: bool
) -> tuple[dict[int, Priority], dict[int, list[str]]]:
    rows, intents = _gather(conn, rules, client_ids, now)
    why: dict[int, list[str]] | None = {} if explain else None
    fit, behaviour = _static(rows, rules, why)
    static = {cid: fit[cid] + behaviour[cid] for cid in rows}
    last = {cid: r["last_engaged"] for cid, r in rows.items() if r.get("last_engaged") is not None}
    facts = Facts(
        conn,
        rules,
        list(rows),
        now,
        static,
        {c: r["created_at"] for c, r in rows.items()},
        last,
        intents,
        why,
    )
    dynamic = {name: fn(facts) for name, fn in COMPONENTS.items()}
    out: dict[int, Priority] = {}
    for cid in rows:
        comps = {"fit": fit[cid], "behaviour": behaviour[cid]}
        comps.update({name: round(values.get(cid, 0.0), 3) + 0.0 for name, values in dynamic.items()})
        total = static[cid] + sum(v for k, v in comps.items() if k not in ("fit", "behaviour"))
        out[cid] = Priority(round(total, 3), static[cid], comps)
    return out, why or {}


def priorities(
    conn: Connection, rules: Rules, client_ids: Sequence[int], now: datetime
) -> dict[int, Priority]:
    """Each client's dynamic priority as of ``now`` (activities after ``now`` are ignored).
    Unknown ids are left out. Runs in the caller's connection."""
    return _compute(conn, rules, client_ids, now, False)[0]


# ------------------------------------------------------------------ leadctl score


@dataclass
class Scored:
    rows: list[dict[str, Any]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


def score(
    engine: Engine,
    rules: Rules,
    *,
    clients: Sequence[int] = (),
    rep: str | None = None,
    at: datetime | None = None,
    explain: bool = False,
    limit: int = 0,
) -> Scored:
    """Score the given clients and/or the clients actively assigned to ``rep``, best first."""
    from leadctl.errors import InputError, NotFound
    from leadctl.services.admin.lookup import find_rep
    from leadctl.storage.engine import read
    from leadctl.timeutil import now as clock

    if not clients and rep is None:
        raise InputError("give clients or a rep to score")
    when = at or clock()
    with read(engine) as conn:
        ids = set(clients)
        if rep is not None:
            rid = find_rep(conn, rep)["id"]
            ids |= set(
                conn.execute(
                    select(A.c.client_id)
                    .join(C, C.c.id == A.c.client_id)
                    .where(A.c.rep_id == rid, A.c.ended_at.is_(None), C.c.merged_into_id.is_(None))
                ).scalars()
            )
        ordered = sorted(ids)
        found, why = _compute(conn, rules, ordered, when, explain)
        missing = [c for c in clients if c not in found]
        if missing:
            raise NotFound(f"client {missing[0]}: no such client")
        info: dict[int, tuple[Any, ...]] = {}
        for cond in in_chunks(conn, C.c.id, found):
            q = (
                select(C.c.id, C.c.first_name, C.c.last_name, C.c.stage, R.c.email)
                .select_from(
                    C.outerjoin(A, and_(A.c.client_id == C.c.id, A.c.ended_at.is_(None))).outerjoin(
                        R, R.c.id == A.c.rep_id
                    )
                )
                .where(cond)
            )
            info.update(
                {
                    r.id: (f"{r.first_name or ''} {r.last_name or ''}".strip(), r.stage, r.email)
                    for r in conn.execute(q)
                }
            )
    out = Scored(components=["fit", "behaviour", *COMPONENTS])
    for cid, p in sorted(found.items(), key=lambda kv: (-kv[1].total, kv[0])):
        name, stage, holder = info.get(cid, ("", None, None))
        row: dict[str, Any] = {
            "client_id": cid,
            "name": name,
            "rep": holder,
            "stage": stage,
            "total": p.total,
            "static": p.static,
        }
        row.update(p.components)
        if explain:
            row["why"] = why.get(cid, [])
        out.rows.append(row)
    if limit:
        out.rows = out.rows[:limit]
    return out
