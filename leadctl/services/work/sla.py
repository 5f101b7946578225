"""SLAs: first-contact and follow-up deadlines in business time, escalation and urgency.

Two service levels, both counted in business time (``calendar.BusinessClock``):

- ``first_contact``: capture (the client's creation) → the first call attempt, within
  ``sla.first_contact.minutes`` (per bucket label or lead source when the rules say so);
- ``follow_up``: after call attempt N the next touch (call or e-mail) is due within
  ``sla.follow_up.steps_business_days[N-1]`` business days, until ``max_attempts`` calls, and not
  for clients in the appointment or a terminal stage.

Time the client's rep was away (``rep_away``) does not count, so it shifts the due moment
instead of piling up overdue work. The business clock is the team's opening hours (the
client's own calling window belongs to the queue; until it is plugged in, business hours
stand in for it).

Set-based: one statement computes every open client's SLA share, from the stored per-client
calls and last touch (``services/work/facts``) rather than an aggregate of the activities. Business time in SQL is
``B(t)`` = business seconds from an origin to ``t``, read from a small per-day temporary table
(``business_days``: one row per local day, joined on the day key), so SQL and Python agree to
the second; ``B⁻¹`` (the deadline) likewise from a table of the open days (``OpenDays``), so
``sla check`` sorts, filters and computes deadlines in the database and Python only shapes the
rows it streams (645k breached clients at 1M: building them in Python was most of the time).

Escalation (``check(..., escalate=True)``) is ``sla_escalate``: each level fires exactly once
per deadline (a unique record per client, SLA, level and deadline), recorded by one
``INSERT … SELECT`` from this state query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement

from leadctl.reporting import Reporter
from leadctl.rules import Rules
from leadctl.services.assign.calendar import clock_from_rules
from leadctl.services.work.business_sql import DayTable, OpenDays, business_days, day_length, open_days
from leadctl.services.work.facts import facts_for
from leadctl.storage import schema
from leadctl.storage.sqlfunc import (
    epoch_seconds,
    greatest,
    in_chunks,
    in_rowid_order,
    least,
    member_of,
    unindexed,
)
from leadctl.vocab import (
    TERMINAL_STAGES,
    SlaKind,
    SlaStatus,
    Stage,
)

C = schema.client
A = schema.assignment
AWAY = schema.rep_away
ESC = schema.sla_escalation
L = schema.lead
R = schema.rep
CAMP = schema.campaign

HORIZON = timedelta(days=45)  # the day table reaches this far past now (deadlines ahead)
OPEN_ONLY = sorted(s.value for s in TERMINAL_STAGES)
NO_FOLLOW_UP = sorted([Stage.APPOINTMENT.value, *OPEN_ONLY])


def _earliest(conn: Connection) -> datetime | None:
    return conn.execute(select(func.min(C.c.created_at))).scalar()


# ------------------------------------------------------------------ the state of every open SLA


@dataclass(frozen=True)
class SlaRow:
    client_id: int
    campaign_id: int
    rep_id: int | None
    sla: SlaKind
    calls: int
    started: datetime  # capture (first contact) or the last touch (follow-up)
    start_b: int
    allowed: int  # business seconds
    elapsed: int  # business seconds, time away excluded
    away: int  # business seconds the rep was away since ``started``

    @cached_property
    def share(self) -> float:  # computed once: escalation compares it with every level
        return self.elapsed / self.allowed if self.allowed else 0.0


def _state_query(
    conn: Connection,
    rules: Rules,
    days: DayTable,
    at: datetime,
    *,
    client_ids: Sequence[int] | None = None,
    campaign_id: int | None = None,
    rep_id: int | None = None,
    min_share: float | None = None,
    stored_facts: bool | None = None,
    away_table: Table | None | Literal["read"] = "read",
) -> Select[Any]:
    """Every open SLA (optionally of some clients / campaign / rep, at or past ``min_share``;
    ``stored_facts``: ``facts.facts_for``'s; ``away_table``: ``_away_table``'s, when the caller
    built it already for this moment).

    Three nested selects, each fenced with ``OFFSET 0`` so the database evaluates it once per
    row instead of copying its expressions into the next (SQLite runs them as co-routines):
    per client its calls, last touch, SLA kind and allowance; then the start's epoch; then
    ``B(start)`` from one join with the day table; the outer query filters on the share.
    """
    clock, sla = days.clock, rules.sla
    now_b = clock.b(at)
    dialect = conn.dialect.name
    acts_q = facts_for(conn, at, client_ids, stored_facts)
    calls = func.coalesce(acts_q.c.calls, 0)
    fu, fc = sla.follow_up, sla.first_contact
    whens: list[Any] = [(calls == 0, literal(SlaKind.FIRST_CONTACT.value))]
    if fu.steps_business_days:
        whens.append(
            (and_(calls < fu.max_attempts, C.c.stage.not_in(NO_FOLLOW_UP)), literal(SlaKind.FOLLOW_UP.value))
        )
    kind = case(*whens, else_=null())
    src = None
    fc_minutes: ColumnElement[Any] = literal(fc.minutes)
    if fc.by_bucket:
        fc_minutes = case(
            *((C.c.bucket_label == k, literal(v)) for k, v in fc.by_bucket.items()), else_=fc_minutes
        )
    if fc.by_source:
        src = L.alias("origin")
        fc_minutes = case(
            *((src.c.source == k, literal(v)) for k, v in fc.by_source.items()), else_=fc_minutes
        )
    day = day_length(clock)
    steps = fu.steps_business_days or (1.0,)
    fu_allowed: ColumnElement[Any] = literal(int(steps[-1] * day))
    if len(steps) > 1:  # one step: no CASE (a CASE without WHEN is a syntax error)
        fu_allowed = case(
            *((calls == i + 1, literal(int(s * day))) for i, s in enumerate(steps[:-1])), else_=fu_allowed
        )
    source: Any = C.outerjoin(acts_q, acts_q.c.client_id == C.c.id).outerjoin(
        A,
        and_(A.c.client_id == C.c.id, schema.held(A)),  # every client's: the covering index
    )
    if src is not None:
        source = source.outerjoin(src, src.c.id == C.c.origin_lead_id)
    base = (
        select(
            C.c.id,
            C.c.campaign_id,
            A.c.rep_id,
            kind.label("sla"),
            calls.label("calls"),
            case(
                (calls == 0, C.c.created_at), else_=func.coalesce(acts_q.c.last_touch_at, C.c.created_at)
            ).label("started"),
            case((calls == 0, func.round(fc_minutes * 60)), else_=fu_allowed).label("allowed"),
        )
        .select_from(source)
        .where(  # nearly every client: read the table, not an index and a look-up per row
            C.c.merged_into_id.is_(None),
            unindexed(C.c.stage).not_in(OPEN_ONLY),
            unindexed(C.c.created_at) <= at,
        )
    )
    if client_ids is not None:
        base = base.where(member_of(C.c.id, list(client_ids), dialect))
    if campaign_id is not None:
        base = base.where(C.c.campaign_id == campaign_id)
    if rep_id is not None:
        base = base.where(A.c.rep_id == rep_id)
    # Clients in id order (SQLite): the client_fact and assignment look-ups then walk their
    # keys in order instead of a random page each (the (stage, …) covering index's order).
    s1 = in_rowid_order(base, C.c.id, dialect).offset(0).subquery("s1")
    s2 = (
        select(s1, epoch_seconds(s1.c.started).label("start_e"))
        .where(s1.c.sla.is_not(None))
        .offset(0)
        .subquery("s2")
    )
    d, on = days.join(s2.c.start_e)
    s3: Any = (
        select(s2, days.b(d, s2.c.start_e).label("start_b"))
        # An outer join (every clamped key has its day row, so none goes unmatched): SQLite
        # streams ``s2`` as a co-routine instead of materialising it first.
        .select_from(s2.outerjoin(d, on))
        .offset(0)
        .subquery("s3")
    )
    aw = _away_table(conn, days, at) if away_table == "read" else away_table
    away: ColumnElement[Any]
    if aw is not None:  # fenced too: elapsed and the deadline both read it
        away = func.coalesce(
            select(
                func.sum(
                    greatest(literal(0), least(aw.c.be, literal(now_b)) - greatest(aw.c.bs, s3.c.start_b))
                )
            )
            .where(aw.c.rep_id == s3.c.rep_id)
            .scalar_subquery(),
            0,
        )
        s3 = select(s3, away.label("away")).offset(0).subquery("s4")
        away = s3.c.away
    else:
        away = literal(0)
    elapsed = literal(now_b) - s3.c.start_b - away
    q = select(
        s3.c.id,
        s3.c.campaign_id,
        s3.c.rep_id,
        s3.c.sla,
        s3.c.calls,
        s3.c.started,
        s3.c.start_b,
        s3.c.allowed,
        elapsed.label("elapsed"),
        away.label("away"),
    )
    if min_share is not None:
        q = q.where(elapsed >= s3.c.allowed * min_share)
    return q


def share_of(st: Any) -> ColumnElement[Any]:
    """``SlaRow.share`` in SQL over a ``_state_query`` subquery: the same IEEE division of the
    same integers, so SQL and Python agree to the last bit (order, status, levels crossed)."""
    # Both sides cast to a double: an integer over a float divided by SQLAlchemy's default
    # CAST(… AS NUMERIC) made PostgreSQL convert each allowance integer → numeric → double.
    return case(
        (st.c.allowed == 0, literal(0.0)), else_=cast(st.c.elapsed, Float) / cast(st.c.allowed, Float)
    )


def max_allowed(rules: Rules, day: int) -> int:
    """The longest allowance ``_state_query`` can give (business seconds): how far past now a
    deadline can lie, so the open-day table reaches every deadline escalation stores."""
    fc = rules.sla.first_contact
    minutes = [fc.minutes, *fc.by_bucket.values(), *fc.by_source.values()]
    steps = rules.sla.follow_up.steps_business_days or (1.0,)
    return max([round(m * 60) for m in minutes] + [int(s * day) for s in steps])


def _state(conn: Connection, rules: Rules, days: DayTable, at: datetime, **where: Any) -> list[SlaRow]:
    """The rows of ``_state_query`` as ``SlaRow`` (explain, urgency, escalation)."""
    kinds = {k.value: k for k in SlaKind}
    return [
        SlaRow(cid, camp, rid, kinds[k], calls_n, started, int(sb), int(al), int(el), int(aw_s or 0))
        for cid, camp, rid, k, calls_n, started, sb, al, el, aw_s in conn.execute(
            _state_query(conn, rules, days, at, **where)
        )
    ]


def _away_table(conn: Connection, days: DayTable, at: datetime) -> Table | None:
    """Reps' time away up to ``at`` in business seconds (a temporary table), or None if none."""
    rows = conn.execute(
        select(AWAY.c.rep_id, AWAY.c.starts_at, AWAY.c.ends_at).where(AWAY.c.starts_at < at)
    ).all()
    if not rows:
        return None
    table = Table(
        "tmp_sla_away",
        MetaData(),
        Column("rep_id", Integer, nullable=False, index=True),
        Column("bs", BigInteger, nullable=False),
        Column("be", BigInteger, nullable=False),
        prefixes=["TEMPORARY"],
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    clock = days.clock
    conn.execute(
        insert(table),
        [{"rep_id": rid, "bs": clock.b(s), "be": clock.b(min(e, at))} for rid, s, e in rows],
    )
    return table


def _status(share: float, rules: Rules) -> SlaStatus:
    if share >= 1:
        return SlaStatus.BREACHED
    if share >= rules.sla.about_to_breach:
        return SlaStatus.AT_RISK
    return SlaStatus.RUNNING


# ------------------------------------------------------------------ sla check


@dataclass
class CheckResult:
    rows: list[dict[str, Any]]
    breached: int
    at_risk: int
    fired: int
    reassigned: int
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (sla, status) -> clients
    more: int = 0  # clients past ``limit``, counted but not listed


@dataclass
class Check:
    """A running ``sla check``: ``rows`` streams the listing from the cursor, most overdue
    first (inside ``checking`` only). ``counts`` covers every client listed or past ``limit``
    and is complete once ``rows`` is exhausted."""

    rows: Iterator[dict[str, Any]]
    fired: int = 0
    reassigned: int = 0
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    more: int = 0

    def total(self, status: SlaStatus) -> int:
        return sum(n for (_k, st), n in self.counts.items() if st == status.value)


def check(
    engine: Engine,
    rules: Rules,
    *,
    at: datetime | None = None,
    escalate: bool = False,
    campaign: str | None = None,
    rep: str | None = None,
    actor: str = "leadctl",
    limit: int = 0,
) -> CheckResult:
    """``checking`` with the rows in a list (the demo, tests, callers that want them all)."""
    with checking(
        engine, rules, at=at, escalate=escalate, campaign=campaign, rep=rep, actor=actor, limit=limit
    ) as run:
        rows = list(run.rows)
    return CheckResult(
        rows,
        run.total(SlaStatus.BREACHED),
        run.total(SlaStatus.AT_RISK),
        run.fired,
        run.reassigned,
        dict(run.counts),
        run.more,
    )


@contextmanager
def checking(
    engine: Engine,
    rules: Rules,
    *,
    at: datetime | None = None,
    escalate: bool = False,
    campaign: str | None = None,
    rep: str | None = None,
    actor: str = "leadctl",
    limit: int = 0,
) -> Iterator[Check]:
    """Clients past ``sla.about_to_breach`` of an SLA (or breached), most overdue first; the
    first ``limit`` listed (0 = all), the rest counted. With ``escalate`` first fire the
    levels crossed (``sla_escalate``). The database sorts and computes each deadline
    (``OpenDays``), so Python only shapes each row as the cursor yields it: 645k rows are
    never all in memory, and a table's first 50 cost what 50 rows cost."""
    from leadctl.services.admin.lookup import find_campaign, find_rep
    from leadctl.services.work.sla_escalate import escalate as fire
    from leadctl.storage.engine import read, write
    from leadctl.timeutil import now

    when = at or now()
    clock = clock_from_rules(rules)

    @contextmanager
    def scope(conn: Connection) -> Iterator[tuple[int | None, int | None, DayTable, OpenDays]]:
        campaign_id = int(find_campaign(conn, campaign)["id"]) if campaign else None
        rep_id = int(find_rep(conn, rep)["id"]) if rep else None
        first = min(_earliest(conn) or when, when)
        reach = max(when + HORIZON, clock.moment(clock.b(when) + max_allowed(rules, day_length(clock))))
        with (
            business_days(conn, clock, first, when + HORIZON) as days,
            open_days(conn, clock, first, reach + timedelta(days=1)) as opens,
        ):
            yield campaign_id, rep_id, days, opens

    fired: dict[int, list[str]] = {}
    moved: dict[int, int] = {}
    if escalate and rules.sla.levels:
        # Fire and commit before a single row is printed: the listing streams to a pipe or a
        # pager that may read slowly, and must never hold the write lock while it does.
        with write(engine) as conn, scope(conn) as (campaign_id, rep_id, days, opens):
            fired, moved = fire(conn, rules, days, opens, when, actor, campaign_id, rep_id)
    with read(engine) as conn, scope(conn) as (campaign_id, rep_id, days, opens):
        run = Check(iter(()), sum(len(v) for v in fired.values()), len(moved))
        run.rows = _listing(conn, rules, days, opens, when, run, campaign_id, rep_id, fired, moved, limit)
        yield run


def _listing(
    conn: Connection,
    rules: Rules,
    days: DayTable,
    opens: OpenDays,
    at: datetime,
    run: Check,
    campaign_id: int | None,
    rep_id: int | None,
    fired: dict[int, list[str]],
    moved: dict[int, int],
    limit: int,
) -> Iterator[dict[str, Any]]:
    """The listed rows (share ≥ ``about_to_breach``, or breached) as the cursor yields them.

    ``share`` is the same float division as ``SlaRow.share`` (so the order and the status
    are Python's to the last bit); the deadline is ``B⁻¹(B(start) + allowed + away)`` from
    the open-day table, or ``clock.moment`` past its end."""
    st = _state_query(conn, rules, days, at, campaign_id=campaign_id, rep_id=rep_id).subquery("st")
    share = share_of(st)
    breached, at_risk = SlaStatus.BREACHED.value, SlaStatus.AT_RISK.value
    tally = {  # with a limit the database counts every listed client (a window), not Python
        (k.value, status): func.sum(case((and_(st.c.sla == k.value, cond), 1), else_=0)).over()
        for k in SlaKind
        for status, cond in ((breached, share >= 1), (at_risk, share < 1))
    }
    listed = select(st, share.label("share"), *(w.label(f"n_{k}_{s}") for (k, s), w in tally.items()))
    listed = listed.where(share >= min(rules.sla.about_to_breach, 1.0))
    if limit:  # the top N first: their deadlines and names only
        listed = listed.order_by(share.desc(), st.c.id).limit(limit)
    ls = listed.subquery("ls")
    q = (
        select(
            ls.c.id,
            CAMP.c.name,
            R.c.email,
            ls.c.sla,
            ls.c.calls,
            ls.c.started,
            ls.c.start_b,
            ls.c.allowed,
            ls.c.elapsed,
            ls.c.away,
            opens.moment(ls.c.start_b + ls.c.allowed + ls.c.away).label("deadline"),
            ls.c.share,
            *(ls.c[f"n_{k}_{s}"] for k, s in tally),
        )
        .select_from(ls.outerjoin(CAMP, CAMP.c.id == ls.c.campaign_id).outerjoin(R, R.c.id == ls.c.rep_id))
        .order_by(ls.c.share.desc(), ls.c.id)
    )
    if not limit:  # Python counts as the rows go by: no window over 645k rows
        q = q.with_only_columns(*list(q.selected_columns)[: -len(tally)])
    emails = _emails(conn, set(moved.values()))
    moment, fromts = days.clock.moment, datetime.fromtimestamp
    counts = run.counts
    result = conn.execute(q, execution_options={"yield_per": 2000})  # PG: a server-side cursor
    for cid, camp, email, k, calls, started, sb, al, el, aw, dl, sh, *tallied in result:
        status = breached if sh >= 1 else at_risk
        if not tallied:
            counts[k, status] += 1
        elif not counts:  # the first row carries the counts of all
            counts.update({key: int(v) for key, v in zip(tally, tallied, strict=True) if v})
            run.more = sum(counts.values())
        run.more -= 1 if tallied else 0
        yield {
            "client_id": cid,
            "campaign": camp,
            "rep": emails.get(moved[cid]) if cid in moved else email,
            "sla": k,
            "calls": calls,
            "started": started,
            "deadline": fromts(dl, UTC) if dl is not None else moment(sb + al + aw),
            "elapsed_h": round(el / 3600, 2),
            "allowed_h": round(al / 3600, 2),
            "share": round(sh, 4),
            "status": status,
            "escalated": ", ".join(fired[cid]) if cid in fired else "",
        }


def _emails(conn: Connection, rep_ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for cond in in_chunks(conn, R.c.id, rep_ids):
        out.update(dict(conn.execute(select(R.c.id, R.c.email).where(cond)).all()))
    return out


# ------------------------------------------------------------------ urgency (dynamic priority)


def urgency(conn: Connection, rules: Rules, client_ids: Sequence[int], now: datetime) -> dict[int, float]:
    """Client id -> share of its open SLA elapsed: 0 = just started, 1 = at the deadline, > 1 past
    it. Clients without an open SLA are absent. Set-based (one statement per 5,000 clients)."""
    with urgencies(conn, rules, now) as of:
        return of(client_ids)


@contextmanager
def urgencies(
    conn: Connection, rules: Rules, now: datetime
) -> Iterator[Callable[[Sequence[int]], dict[int, float]]]:
    """``urgency`` at ``now`` for a caller that asks about several batches of clients (the
    queue's lazy ranking asks up to three times per call): the business clock, whether the
    stored facts are current, the day table and so the compiled state statement are built once,
    not per batch (~11 ms each on SQLite); the day table grows when a batch starts earlier."""
    from leadctl.services.work.facts import current

    clock = clock_from_rules(rules)
    stored = current(conn, now)
    done: dict[int, float | None] = {}
    away: list[Table | None] = []
    with ExitStack() as stack:
        days: DayTable | None = None

        def of(client_ids: Sequence[int]) -> dict[int, float]:
            nonlocal days
            ids = sorted(set(client_ids) - done.keys())
            if ids:
                firsts = [
                    conn.execute(select(func.min(C.c.created_at)).where(cond)).scalar()
                    for cond in in_chunks(conn, C.c.id, ids)
                ]
                first = min([f for f in firsts if f is not None] or [now])
                start, end = min(first, now) - timedelta(days=1), now + timedelta(days=1)
                if days is None:
                    days = stack.enter_context(business_days(conn, clock, start, end, "tmp_sla_urgency_day"))
                    away.append(_away_table(conn, days, now))  # the reps' time away: read once
                else:
                    days.cover(conn, start, end)
                done.update(dict.fromkeys(ids))
                for i in range(0, len(ids), 5000):
                    for r in _state(
                        conn, rules, days, now, client_ids=ids[i : i + 5000], stored_facts=stored,
                        away_table=away[0],
                    ):  # fmt: skip
                        done[r.client_id] = round(r.share, 4)
            return {cid: u for cid in client_ids if (u := done.get(cid)) is not None}

        yield of


def demo_step(engine: Engine, rules: Rules, report: Reporter) -> dict[str, Any]:
    """The demo's SLA step: what `sla check` finds in the demo data, and what to try next."""
    say = report.note
    result = check(engine, rules)
    worst = result.rows[0]["client_id"] if result.rows else None
    say(
        f"SLAs: {result.breached} breached, {result.at_risk} about to breach — try `leadctl sla check`"
        + (f" and `leadctl sla explain {worst}`." if worst else ".")
    )
    return {"breached": result.breached, "at_risk": result.at_risk, "worst_client": worst}
