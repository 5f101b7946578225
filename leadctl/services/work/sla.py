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
the second; ``B⁻¹`` (the deadline) is computed in Python only for the clients returned.

Escalation (``check(..., escalate=True)``) inserts one ``sla_escalation`` row per level crossed,
skipping those whose (client, SLA, level, deadline) exists: the unique constraint makes each
level fire exactly once per deadline, also when two cron runs overlap; each run then acts only on
the rows it inserted (its ``run`` token): an ``escalated`` event, and for ``reassign`` the move to
the least-loaded eligible rep through the assignment ledger (rule ``escalation``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.reporting import Reporter
from leadctl.rules import Rules
from leadctl.services.assign.calendar import BusinessClock, Skipped, clock_from_rules
from leadctl.services.work.business_sql import DayTable, business_days, day_length
from leadctl.services.work.facts import facts_for
from leadctl.storage import schema
from leadctl.storage.sqlfunc import epoch_seconds, greatest, in_chunks, least, member_of, unindexed
from leadctl.vocab import (
    TERMINAL_STAGES,
    EscalationAction,
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
    def share(self) -> float:  # computed once: sla check sorts, classifies and prints by it
        return self.elapsed / self.allowed if self.allowed else 0.0


def _state(
    conn: Connection,
    rules: Rules,
    days: DayTable,
    at: datetime,
    *,
    client_ids: Sequence[int] | None = None,
    campaign_id: int | None = None,
    rep_id: int | None = None,
    min_share: float | None = None,
) -> list[SlaRow]:
    """Every open SLA (optionally of some clients / campaign / rep, at or past ``min_share``).

    Three nested selects, each fenced with ``OFFSET 0`` so the database evaluates it once per
    row instead of copying its expressions into the next (SQLite runs them as co-routines):
    per client its calls, last touch, SLA kind and allowance; then the start's epoch; then
    ``B(start)`` from one join with the day table; the outer query filters on the share.
    """
    clock, sla = days.clock, rules.sla
    now_b = clock.b(at)
    dialect = conn.dialect.name
    acts_q = facts_for(conn, at, client_ids)
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
    fu_allowed = case(
        *((calls == i + 1, literal(int(s * day))) for i, s in enumerate(steps[:-1])),
        else_=literal(int(steps[-1] * day)),
    )
    source: Any = C.outerjoin(acts_q, acts_q.c.client_id == C.c.id).outerjoin(
        A, and_(A.c.client_id == C.c.id, A.c.ended_at.is_(None))
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
    s1 = base.offset(0).subquery("s1")
    s2 = (
        select(s1, epoch_seconds(s1.c.started).label("start_e"))
        .where(s1.c.sla.is_not(None))
        .offset(0)
        .subquery("s2")
    )
    d, on = days.join(s2.c.start_e)
    s3 = (
        select(s2, days.b(d, s2.c.start_e).label("start_b"))
        .select_from(s2.join(d, on))
        .offset(0)
        .subquery("s3")
    )
    away: ColumnElement[Any] = literal(0)
    aw = _away_table(conn, days, at)
    if aw is not None:
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
    kinds = {k.value: k for k in SlaKind}
    return [
        SlaRow(cid, camp, rid, kinds[k], calls_n, started, int(sb), int(al), int(el), int(aw_s or 0))
        for cid, camp, rid, k, calls_n, started, sb, al, el, aw_s in conn.execute(q).all()
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


def check(
    engine: Engine,
    rules: Rules,
    *,
    at: datetime | None = None,
    escalate: bool = False,
    campaign: str | None = None,
    rep: str | None = None,
    actor: str = "leadctl",
) -> CheckResult:
    """Clients past ``sla.about_to_breach`` of an SLA; with ``escalate`` fire the levels crossed."""
    from leadctl.services.admin.lookup import find_campaign, find_rep
    from leadctl.storage.engine import read, write
    from leadctl.timeutil import now

    when = at or now()
    clock = clock_from_rules(rules)
    opener = write if escalate else read
    with opener(engine) as conn:
        campaign_id = int(find_campaign(conn, campaign)["id"]) if campaign else None
        rep_id = int(find_rep(conn, rep)["id"]) if rep else None
        first = _earliest(conn) or when
        threshold = min([rules.sla.about_to_breach, *(lv.at for lv in rules.sla.levels)])
        with business_days(conn, clock, min(first, when), when + HORIZON) as days:
            rows = _state(
                conn, rules, days, when, campaign_id=campaign_id, rep_id=rep_id, min_share=threshold
            )
        fired: dict[int, list[str]] = {}
        moved: dict[int, int] = {}
        if escalate and rows:
            fired, moved = _escalate(conn, rules, clock, rows, when, actor)
        names = _names(conn, rows, moved)
        camps, reps, moment = names["campaign"], names["rep"], clock.moment
        about = rules.sla.about_to_breach
        breached, at_risk = SlaStatus.BREACHED.value, SlaStatus.AT_RISK.value
        out = []
        for r in sorted(rows, key=lambda r: (-r.share, r.client_id)):
            share = r.share
            if share < about and share < 1:  # still running (_status): not listed
                continue
            cid = r.client_id
            out.append(
                {
                    "client_id": cid,
                    "campaign": camps.get(r.campaign_id),
                    "rep": reps.get(moved.get(cid, r.rep_id or -1)),
                    "sla": r.sla.value,
                    "calls": r.calls,
                    "started": r.started,
                    "deadline": moment(r.start_b + r.allowed + r.away),
                    "elapsed_h": round(r.elapsed / 3600, 2),
                    "allowed_h": round(r.allowed / 3600, 2),
                    "share": round(share, 4),
                    "status": breached if share >= 1 else at_risk,
                    "escalated": ", ".join(fired[cid]) if cid in fired else "",
                }
            )
    return CheckResult(
        out,
        sum(1 for r in out if r["status"] == SlaStatus.BREACHED),
        sum(1 for r in out if r["status"] == SlaStatus.AT_RISK),
        sum(len(v) for v in fired.values()),
        len(moved),
    )


def _names(conn: Connection, rows: Sequence[SlaRow], moved: dict[int, int]) -> dict[str, dict[int, str]]:
    reps = {r.rep_id for r in rows if r.rep_id is not None} | set(moved.values())
    camps = {r.campaign_id for r in rows}
    out: dict[str, dict[int, str]] = {"rep": {}, "campaign": {}}
    for cond in in_chunks(conn, R.c.id, reps):
        out["rep"].update(dict(conn.execute(select(R.c.id, R.c.email).where(cond)).all()))
    for cond in in_chunks(conn, CAMP.c.id, camps):
        out["campaign"].update(dict(conn.execute(select(CAMP.c.id, CAMP.c.name).where(cond)).all()))
    return out


def _escalate(
    conn: Connection, rules: Rules, clock: BusinessClock, rows: Sequence[SlaRow], at: datetime, actor: str
) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Record every level crossed (once per deadline) and act on the ones this run inserted."""
    from leadctl.services import events as timeline
    from leadctl.services.events import Event
    from leadctl.storage import bulk
    from leadctl.vocab import EventKind

    run = uuid.uuid4().hex
    records = []
    for r in sorted(rows, key=lambda r: r.client_id):  # fired in client order, whatever the plan
        deadline = clock.moment(r.start_b + r.allowed)  # the base deadline: stable while away
        for lv in rules.sla.levels:
            if r.share >= lv.at:
                records.append(
                    (
                        r.client_id,
                        r.sla.value,
                        lv.name,
                        deadline,
                        lv.action,
                        r.rep_id,
                        round(r.share, 4),
                        run,
                        actor,
                        at,
                    )
                )
    cols = ("client_id", "sla", "level", "deadline", "action", "rep_id", "share", "run", "actor", "fired_at")
    bulk.insert_ignore(conn, ESC, cols, [records], ("client_id", "sla", "level", "deadline"))
    won = conn.execute(
        select(ESC.c.id, ESC.c.client_id, ESC.c.sla, ESC.c.level, ESC.c.deadline, ESC.c.action, ESC.c.rep_id)
        .where(ESC.c.run == run)
        .order_by(ESC.c.id)
    ).all()
    by_client = {r.client_id: r for r in rows}
    moved = _reassign(
        conn, rules, [w for w in won if w.action == EscalationAction.REASSIGN], by_client, at, actor
    )
    if moved:
        bulk.update_by_id(
            conn,
            ESC,
            ("to_rep_id",),
            [
                (w.id, moved[w.client_id])
                for w in won
                if w.action == EscalationAction.REASSIGN and w.client_id in moved
            ],
        )
    timeline.append(
        conn,
        (
            Event(
                EventKind.ESCALATED,
                at,
                actor,
                client_id=w.client_id,
                data={
                    "sla": w.sla,
                    "level": w.level,
                    "deadline": w.deadline.isoformat(),
                    "action": w.action,
                    "to_rep_id": moved.get(w.client_id) if w.action == EscalationAction.REASSIGN else None,
                    "share": round(by_client[w.client_id].share, 4),
                },
            )
            for w in won
        ),
    )
    fired: dict[int, list[str]] = {}
    for w in won:
        fired.setdefault(w.client_id, []).append(w.level)
    return fired, moved


def _reassign(
    conn: Connection,
    rules: Rules,
    won: Sequence[Any],
    by_client: dict[int, SlaRow],
    at: datetime,
    actor: str,
) -> dict[int, int]:
    """Move each client to the least-loaded eligible rep of its campaign (not its current one)."""
    from leadctl.services.assign import ledger
    from leadctl.services.assign.eligibility import roster
    from leadctl.storage import claims
    from leadctl.vocab import AssignmentEnd, AssignmentRule

    ids = sorted({w.client_id for w in won})
    if not ids:
        return {}
    held = claims.claim(conn, C, ids)  # a client another run is moving right now is left alone
    rows = [by_client[i] for i in ids if i in held]
    if not rows:
        return {}
    team = roster(conn, {r.campaign_id for r in rows}, at)
    plan: dict[int, int] = {}
    for r in rows:
        choices = [
            team.reps[rid]
            for rid in team.eligible.get(r.campaign_id, [])
            if rid != r.rep_id and team.reps[rid].headroom(rules, rules.assignment.default_capacity) > 0
        ]
        if not choices:
            continue
        best = min(choices, key=lambda x: (x.open_by_campaign.get(r.campaign_id, 0), x.open_total, x.id))
        best.take(r.campaign_id)
        plan[r.client_id] = best.id
    if not plan:
        return {}
    ledger.end(conn, plan, AssignmentEnd.REASSIGNED, actor=actor, at=at, data={"by": "sla"})
    ledger.start(
        conn,
        [
            ledger.NewAssignment(
                cid,
                rid,
                by_client[cid].campaign_id,
                AssignmentRule.ESCALATION,
                {"sla": by_client[cid].sla.value, "share": round(by_client[cid].share, 4)},
            )
            for cid, rid in plan.items()
        ],
        actor=actor,
        at=at,
    )
    return plan


# ------------------------------------------------------------------ sla explain


def explain(engine: Engine, rules: Rules, client_id: int, *, at: datetime | None = None) -> dict[str, Any]:
    """How a client's SLA deadline was computed: the SLA, its start, what was skipped."""
    from leadctl.errors import NotFound
    from leadctl.storage.engine import read
    from leadctl.timeutil import now

    when = at or now()
    clock = clock_from_rules(rules)
    with read(engine) as conn:
        client = conn.execute(select(C.c.id, C.c.created_at, C.c.stage).where(C.c.id == client_id)).first()
        if client is None:
            raise NotFound(f"client {client_id}: no such client")
        first = min(client.created_at, when)
        with business_days(conn, clock, first - timedelta(days=1), when + HORIZON) as days:
            rows = _state(conn, rules, days, when, client_ids=[client_id])
        fired = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    ESC.c.sla,
                    ESC.c.level,
                    ESC.c.action,
                    ESC.c.deadline,
                    ESC.c.share,
                    ESC.c.fired_at,
                    ESC.c.to_rep_id,
                )
                .where(ESC.c.client_id == client_id)
                .order_by(ESC.c.id)
            )
        ]
        rep = None
        if rows and rows[0].rep_id is not None:
            rep = conn.execute(select(R.c.email).where(R.c.id == rows[0].rep_id)).scalar()
    record: dict[str, Any] = {"client_id": client_id, "stage": client.stage, "captured": client.created_at}
    if not rows:
        record.update(
            sla=None, status="no open SLA (contacted and no follow-up due, or closed)", escalations=fired
        )
        return record
    r = rows[0]
    base = clock.add_business_time(r.started, r.allowed)
    due = clock.moment(r.start_b + r.allowed + r.away)
    skipped = base.skipped
    if r.away:  # the away time is business time the deadline moved by; the rest as for ``due``
        s = clock.business_seconds_between(r.started, due).skipped
        skipped = Skipped(s.nights, s.weekends, s.holidays, float(r.away))
    hours = skipped.hours()
    why = (
        f"first call attempt within {r.allowed / 60:g} business minutes of capture"
        if r.sla is SlaKind.FIRST_CONTACT
        else f"next touch within {r.allowed / 3600:g} business hours of the last touch (after call {r.calls})"
    )
    record.update(
        rep=rep,
        sla=r.sla.value,
        rule=why,
        starts=r.started,
        allowed_business_hours=round(r.allowed / 3600, 2),
        skipped_nights_h=hours["nights"],
        skipped_weekends_h=hours["weekends"],
        skipped_holidays_h=hours["holidays"],
        skipped_away_h=round(r.away / 3600, 2),
        deadline=due,
        clock_hours=round((due - r.started).total_seconds() / 3600, 2),
        elapsed_business_h=round(r.elapsed / 3600, 2),
        share=round(r.share, 4),
        status=_status(r.share, rules).value,
        zone=str(clock.zone),
        after_hours="from_capture" if clock.always else "from_opening",
        escalations=fired,
    )
    return record


# ------------------------------------------------------------------ urgency (dynamic priority)


def urgency(conn: Connection, rules: Rules, client_ids: Sequence[int], now: datetime) -> dict[int, float]:
    """Client id -> share of its open SLA elapsed: 0 = just started, 1 = at the deadline, > 1 past
    it. Clients without an open SLA are absent. Set-based (one statement per 5,000 clients)."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    clock = clock_from_rules(rules)
    firsts = [
        conn.execute(select(func.min(C.c.created_at)).where(cond)).scalar()
        for cond in in_chunks(conn, C.c.id, ids)
    ]
    first = min([f for f in firsts if f is not None] or [now])
    out: dict[int, float] = {}
    with business_days(conn, clock, min(first, now) - timedelta(days=1), now + timedelta(days=1)) as days:
        for i in range(0, len(ids), 5000):
            for r in _state(conn, rules, days, now, client_ids=ids[i : i + 5000]):
                out[r.client_id] = round(r.share, 4)
    return out


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
