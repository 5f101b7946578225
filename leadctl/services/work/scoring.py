"""Scoring and prioritisation: a static score from the rules, a dynamic priority on top.

**Static score** = the points of every ``scoring.fit`` and ``scoring.behaviour`` condition that
holds (rules file; ``rules.schema.CONDITION`` says what a condition may be: a field and one of
``matches`` / ``in`` / ``between`` / ``at_least`` / ``at_most`` / ``equals`` / ``exists`` —
data, never code). Fields are client columns, ``email_domain``, ``source`` (the client's
first lead's source, else its bucket's), ``bucket``, engagement counts from activities, or
custom fields by name. Each condition is evaluated once per distinct value, so 10,000 clients
cost a few thousand regex searches at most (``scoring_static``: the fields and the conditions).

**Dynamic priority** = static + the registered dynamic components, each a function of the
facts gathered once per call (``Facts``: two set-based queries over the clients and their
activities up to ``now``)::

    recency  points for the latest engagement, halved every half_life_days
    age      the static score's decay with the client's age (negative), floor share kept
    intent   the strongest recent demo request / pricing visit / inbound contact (activity, or
             a custom field holding its time), halved every half_life_hours

    sla_urgency  points times the share of the open SLA elapsed (``sla.urgency``), capped

The registry (``COMPONENTS``, ``@component(name)``) is the seam for more.

``priorities(conn, rules, client_ids, now)`` is the contract the queue calls before every dial.
The static score is also stored per client (``score_store``) so the queue can bound what it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Engine

from leadctl.services.work.scoring_static import ACT, C, gather, parse_number
from leadctl.services.work.scoring_static import static as static_points
from leadctl.storage import schema
from leadctl.storage.sqlfunc import in_chunks

if TYPE_CHECKING:
    from leadctl.rules import Rules

__all__ = ["ACT", "C", "COMPONENTS", "Facts", "Priority", "component", "parse_number", "priorities", "score",
           "top_priorities"]  # fmt: skip

A = schema.assignment
R = schema.rep

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
    ranking: Ranking | None = None  # what components keep between the calls of one ranking


@dataclass
class Ranking:
    """One ranking at one moment that computes the lazy components several times (the queue:
    up to three rounds). A component keeps what it built once under its name in ``memo`` (SLA
    urgency: the business clock and its day table) and registers its clean-up on ``stack``;
    ``ranking()`` closes them at the end."""

    memo: dict[str, Any] = field(default_factory=dict)
    stack: ExitStack = field(default_factory=ExitStack)


@contextmanager
def ranking() -> Iterator[Ranking]:
    """A ``Ranking`` for the calls of one queue computation (``top_priorities``, ``_finish``)."""
    rk = Ranking()
    with rk.stack:
        yield rk


ComponentFn = Callable[[Facts], dict[int, float]]
COMPONENTS: dict[str, ComponentFn] = {}
# Components dear to compute, with the most they can add (from the rules): the queue computes
# them last and only for clients that can still reach its top rows (``top_priorities``).
BOUNDS: dict[str, Callable[[Rules], float]] = {}


def component(
    name: str, bound: Callable[[Rules], float] | None = None
) -> Callable[[ComponentFn], ComponentFn]:
    """Register a dynamic component under ``name`` (its column in ``score``); ``bound`` gives the
    largest value it can take under the rules, for a component worth computing lazily."""

    def register(fn: ComponentFn) -> ComponentFn:
        COMPONENTS[name] = fn
        if bound is not None:
            BOUNDS[name] = bound
        return fn

    return register


def _half(elapsed: float, half_life: float) -> float:
    return 0.5 ** (max(elapsed, 0.0) / half_life)


def _say(f: Facts, cid: int, text: str) -> None:
    if f.why is not None:
        f.why.setdefault(cid, []).append(text)


def _days(now: datetime, times: Mapping[int, datetime]) -> dict[int, float]:
    """Days from each time to ``now`` (0 for a time after it)."""
    return {cid: max((now - t).total_seconds(), 0.0) / DAY for cid, t in times.items()}


@component("recency")
def _recency(f: Facts) -> dict[int, float]:
    r = f.rules.scoring.recency
    points, rate = r.points, 1.0 / r.half_life
    days = _days(f.now, f.last_engaged)
    out = {cid: points * 0.5 ** (d * rate) for cid, d in days.items()}
    if f.why is not None:
        for cid, d in days.items():
            _say(f, cid, f"recency: engaged {d:.1f} d ago {out[cid]:+.1f}")
    return out


@component("age")
def _age(f: Facts) -> dict[int, float]:
    r = f.rules.scoring.age
    floor, rate = r.floor, 1.0 / r.half_life
    days = _days(f.now, f.created)
    static = f.static
    out = {cid: static.get(cid, 0.0) * (max(floor, 0.5 ** (d * rate)) - 1.0) + 0.0 for cid, d in days.items()}
    if f.why is not None:
        for cid, d in days.items():
            if abs(out[cid]) >= 0.05:
                keep = max(floor, 0.5 ** (d * rate))
                _say(f, cid, f"age: {d:.0f} d old, keeps {keep:.0%} of the static score {out[cid]:+.1f}")
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


def _sla_bound(rules: Rules) -> float:
    r = rules.scoring.sla_urgency
    return max(r.points * r.cap, 0.0)


@component("sla_urgency", bound=_sla_bound)
def _sla_urgency(f: Facts) -> dict[int, float]:
    """Points for how far each client's open SLA has run (``sla.urgency``: 1 = at the deadline),
    capped, so a client about to breach rises within its tier."""
    from leadctl.services.work import sla

    r = f.rules.scoring.sla_urgency
    if not r.points:
        return {}
    out: dict[int, float] = {}
    if f.ranking is None:
        got = sla.urgency(f.conn, f.rules, f.client_ids, f.now)
    else:
        of = f.ranking.memo.get("sla_urgency")
        if of is None:
            of = f.ranking.memo["sla_urgency"] = f.ranking.stack.enter_context(
                sla.urgencies(f.conn, f.rules, f.now)
            )
        got = of(f.client_ids)
    for cid, u in got.items():
        value = r.points * min(u, r.cap)
        if value:
            out[cid] = value
            _say(f, cid, f"sla_urgency: {u:.0%} of the SLA elapsed {value:+.1f}")
    return out


def _compute(
    conn: Connection,
    rules: Rules,
    client_ids: Sequence[int],
    now: datetime,
    explain: bool,
    skip: Iterable[str] = (),
) -> tuple[dict[int, Priority], dict[int, list[str]]]:
    g = gather(conn, rules, client_ids, now)
    why: dict[int, list[str]] | None = {} if explain else None
    fit, behaviour = static_points(g, rules, why)
    static = [a + b for a, b in zip(fit, behaviour, strict=True)]
    last = {cid: t for cid, t in zip(g.ids, g.cols["last_engaged"], strict=True) if t is not None}
    facts = Facts(
        conn,
        rules,
        g.ids,
        now,
        dict(zip(g.ids, static, strict=True)),
        dict(zip(g.ids, g.cols["created_at"], strict=True)),
        last,
        g.intents,
        why,
    )
    skipped = set(skip)
    dynamic = [(name, fn(facts)) for name, fn in COMPONENTS.items() if name not in skipped]
    out: dict[int, Priority] = {}
    for cid, fp, bp, st in zip(g.ids, fit, behaviour, static, strict=True):
        comps = {"fit": fp, "behaviour": bp}
        total = st
        for name, values in dynamic:
            v = values.get(cid, 0.0)
            comps[name] = v
            total += v
        out[cid] = Priority(total, st, comps)
    return out, why or {}


def priorities(
    conn: Connection, rules: Rules, client_ids: Sequence[int], now: datetime
) -> dict[int, Priority]:
    """Each client's dynamic priority as of ``now`` (activities after ``now`` are ignored).
    Unknown ids are left out. Runs in the caller's connection."""
    return _compute(conn, rules, client_ids, now, False)[0]


def top_priorities(
    conn: Connection,
    rules: Rules,
    groups: Sequence[Sequence[int]],
    k: int,
    now: datetime,
    *,
    exact: Mapping[int, Priority] | None = None,
    cheap: Mapping[int, Priority] | None = None,
    session: Ranking | None = None,
) -> dict[int, Priority]:
    """Exact priorities of at least the ``k`` best clients of each group (the queue: one group per
    tier and retry flag, ``k`` its limit); the components in ``BOUNDS`` are computed only for
    clients whose upper bound (the rest exact, plus each bound) can still reach a group's
    ``k``-th exact total. A client left out gets ``total`` = its upper bound, strictly below its
    group's ``k``-th exact total, and ``components["bound"] = 1``: it sorts after the ``k`` best
    and is never among them, so the first ``k`` of each group are exactly what ``priorities``
    would rank first. ``exact`` / ``cheap``: priorities the caller already has (``priorities``,
    or ``_compute`` without the lazy components), not computed again. The rounds share one
    ``ranking()`` (``session``: the caller's, when it computes lazy components itself too)."""
    lazy = [n for n in COMPONENTS if n in BOUNDS]
    ids = [i for grp in groups for i in grp]
    if not lazy or k <= 0:
        return priorities(conn, rules, ids, now)
    done_exact: dict[int, Priority] = {i: p for i, p in (exact or {}).items()}
    have: dict[int, Priority] = dict(cheap or {})
    need = [i for i in ids if i not in done_exact and i not in have]
    if need:
        have.update(_compute(conn, rules, need, now, False, skip=lazy)[0])
    extra = sum(BOUNDS[n](rules) for n in lazy)

    def upper(i: int) -> float:
        return done_exact[i].total if i in done_exact else have[i].total + extra

    order = [
        sorted((i for i in grp if i in done_exact or i in have), key=lambda i: (-upper(i), i))
        for grp in groups
    ]  # by upper bound, best first
    with ranking() if session is None else nullcontext(session) as rk:
        done = [0] * len(order)  # how many of each group (a prefix of ``order``) are exact
        open_groups = set(range(len(order)))
        step = 2 * k  # first round: twice the k best bounds; then the rest of any group still open
        while open_groups:
            batch: list[int] = []
            for gi in sorted(open_groups):
                batch += [i for i in order[gi][done[gi] : done[gi] + step] if i not in done_exact]
                done[gi] = min(done[gi] + step, len(order[gi]))
            if batch:
                _finish(conn, rules, now, have, batch, lazy, done_exact, rk)
            for gi in list(open_groups):
                grp = order[gi]
                if done[gi] >= len(grp):
                    open_groups.discard(gi)
                    continue
                totals = sorted((done_exact[i].total for i in grp[: done[gi]]), reverse=True)
                if len(totals) >= k and upper(grp[done[gi]]) < totals[k - 1]:
                    open_groups.discard(gi)
            step = max(len(grp) for grp in order)  # at most two rounds: two look-ups of the lazy parts
    out = dict(done_exact)
    for cid, p in have.items():
        if cid not in out:
            out[cid] = Priority(p.total + extra, p.static, {**p.components, "bound": 1.0})
    return out


def _finish(
    conn: Connection,
    rules: Rules,
    now: datetime,
    cheap: Mapping[int, Priority],
    ids: list[int],
    lazy: list[str],
    out: dict[int, Priority],
    session: Ranking | None = None,
) -> None:
    """Add the lazy components to the cheap priorities of ``ids`` (components in registry order)."""
    facts = Facts(conn, rules, ids, now, {i: cheap[i].static for i in ids}, {}, {}, {}, None, session)
    values = {name: COMPONENTS[name](facts) for name in lazy}
    for cid in ids:
        p = cheap[cid]
        comps = {"fit": p.components["fit"], "behaviour": p.components["behaviour"]}
        total = p.static  # summed in registry order, as ``_compute`` does: the same float
        for name in COMPONENTS:
            v = values[name].get(cid, 0.0) if name in values else p.components[name]
            comps[name] = v
            total += v
        out[cid] = Priority(total, p.static, comps)


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
            "total": round(p.total, 3) + 0.0,
            "static": p.static,
        }
        row.update({k: round(v, 3) + 0.0 for k, v in p.components.items()})
        if explain:
            row["why"] = why.get(cid, [])
        out.rows.append(row)
    if limit:
        out.rows = out.rows[:limit]
    return out
