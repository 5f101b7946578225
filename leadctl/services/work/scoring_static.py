"""The static score's half of scoring (``scoring.py`` holds the dynamic components and the
contract the queue calls): the fields a condition may name, gathering them for many clients in
a few set-based queries (``gather``), and testing the rules' ``scoring.fit`` / ``scoring.behaviour``
conditions on them (``static``: each condition once per distinct value).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.engine import Connection

from leadctl.storage import schema
from leadctl.storage.sqlfunc import CHUNK, member_of, unindexed
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


@dataclass
class Gathered:
    """The clients' fields column-wise (``cols[name][i]`` belongs to ``ids[i]``) and their
    recent intents."""

    ids: list[int]
    cols: dict[str, list[Any]]
    intents: dict[int, list[tuple[str, datetime]]]


def gather(conn: Connection, rules: Rules, ids: Sequence[int], now: datetime) -> Gathered:
    """Each client's fields and activity aggregates up to ``now``, and its recent intents:
    per chunk of ids one query on clients, one aggregate and one intent query on activities."""
    needs = _needs(rules)
    names = ["id", "created_at", *(n for n in COLUMN_FIELDS if n in needs)]
    cols: list[Any] = [C.c[n] for n in names]
    extra = {
        "email_domain": C.c.email,
        "bucket": C.c.bucket_label,
        "affiliate_id": C.c.affiliate_id,
        "custom": C.c.custom,
        "source": func.coalesce(L.c.source, B.c.source),
    }
    for name, col in extra.items():
        if name in needs:
            names.append(name)
            cols.append(col)
    counts = [n for n in COUNT_FIELDS if n in needs]
    out = Gathered([], {n: [] for n in (*names[1:], "last_engaged", *counts)}, {})
    window = now - timedelta(days=rules.scoring.intent.window_days)
    engaged = type_coerce(func.max(case((_match(ENGAGEMENT), ACT.c.at))), UTCDateTime)
    sums = [func.sum(case((_match([COUNT_FIELDS[n]]), 1), else_=0)) for n in counts]
    ordered = sorted(set(ids))
    dialect = conn.dialect.name
    for i in range(0, len(ordered), CHUNK):
        part = ordered[i : i + CHUNK]
        acond = member_of(ACT.c.client_id, part, dialect)
        # One statement per chunk: the client fields with their activity aggregates joined.
        ag = (
            select(
                ACT.c.client_id.label("agg_client_id"),
                engaged.label("agg_engaged"),
                *(x.label(f"agg_{n}") for n, x in zip(counts, sums, strict=True)),
            )  # fmt: skip
            .where(acond, ACT.c.at <= now)
            .group_by(ACT.c.client_id)
            .subquery("agg")
        )
        base: Any = C
        if "source" in needs:
            base = C.outerjoin(L, L.c.id == C.c.origin_lead_id).outerjoin(B, B.c.id == L.c.bucket_id)
        q = (
            select(*cols, *list(ag.c)[1:])
            .select_from(base.outerjoin(ag, ag.c.agg_client_id == C.c.id))
            .where(member_of(C.c.id, part, dialect))
        )
        got = sorted(conn.execute(q).all(), key=lambda r: r[0])  # id order, as the look-up by id gave
        if not got:
            continue
        here = [r[0] for r in got]
        out.ids += here
        for k, name in enumerate(names[1:], 1):
            out.cols[name] += [r[k] for r in got]
        n = len(cols)
        for k, name in enumerate(("last_engaged", *counts)):
            out.cols[name] += [r[n + k] or (0 if k else None) for r in got]
        iq = (
            select(ACT.c.client_id, ACT.c.outcome, type_coerce(func.max(ACT.c.at), UTCDateTime))
            .where(acond, unindexed(ACT.c.type) == T.INTENT, ACT.c.at <= now, ACT.c.at >= window)  # by client
            .group_by(ACT.c.client_id, ACT.c.outcome)
        )
        for cid, outcome, at in conn.execute(iq):
            out.intents.setdefault(cid, []).append((outcome, at))
    if "email_domain" in needs:
        out.cols["email_domain"] = [
            (e or "").rpartition("@")[2].lower() or None for e in out.cols["email_domain"]
        ]
    custom_intents = rules.scoring.intent.custom_fields
    if custom_intents:
        from leadctl.timeutil import parse_datetime

        for cid, values in zip(out.ids, out.cols["custom"], strict=True):
            for fname, outcome in custom_intents.items():
                text = (values or {}).get(fname)
                at = parse_datetime(str(text)) if text else None
                if at is not None:
                    out.intents.setdefault(cid, []).append((outcome, at))
    return out


def column(g: Gathered, name: str) -> list[Any]:
    """The values a condition's field has, aligned with ``g.ids``."""
    if name in g.cols and name != "custom":
        return g.cols[name]
    key = name.removeprefix("custom.")
    low = key.lower()

    def pick(values: Any) -> Any:
        if not values:
            return None
        if key in values:
            return values[key]
        return next((v for k, v in values.items() if str(k).lower() == low), None)

    return [pick(v) for v in g.cols.get("custom", [None] * len(g.ids))]


def static(g: Gathered, rules: Rules, why: dict[int, list[str]] | None) -> tuple[list[float], list[float]]:
    """(fit, behaviour) points, aligned with ``g.ids``: each condition is tested once per
    distinct value of its field, then added column-wise."""
    out: list[list[float]] = []
    for conds in (rules.scoring.fit, rules.scoring.behaviour):
        total = [0.0] * len(g.ids)
        for cond in conds:
            values = column(g, cond.field)
            test = _test(cond)
            try:
                seen = {v: test(v) for v in set(values)}
                hits = [seen[v] for v in values]
            except TypeError:  # an unhashable custom value (a list, a dict)
                hits = [test(v) for v in values]
            p = cond.points
            total = [t + p if h else t for t, h in zip(total, hits, strict=True)]
            if why is not None:
                for cid, h in zip(g.ids, hits, strict=True):
                    if h:
                        why.setdefault(cid, []).append(f"{cond.label} {p:+g}")
        out.append(total)
    return out[0], out[1]
