"""The rep's next-best-lead queue (``leadctl queue``) and one claimed client at a time (``leadctl next``).

Computed fresh at every call, in a handful of set-based statements whatever the rep holds:

1. candidates: the rep's active assignments plus the shared pool — unassigned clients of the
   campaigns the rep is approved on, oldest first, at most ``queue.pool_candidates``;
2. their fields, one grouped aggregate over their activities up to ``--at`` (last call, calls
   in the last 24 hours, unanswered attempts, booked / confirmed meetings, callbacks, …) and
   the live leases;
3. in Python, per client: the tier (``vocab.QueueTier``, seed 1's reverse bucket order), then
   for call actions the calling verdict (``calling.blocked``: do-not-contact, cooldown, the
   rolling 24-hour cap, the calling window in the client's own zones) and the recycling rules
   (retry an unanswered call after ``queue.retry_after_hours`` of calling time, at most
   ``queue.max_attempts``);
4. order: tier, then the dynamic priority (``PRIORITIES`` = ``scoring.priorities``; ties and
   ``by_capture``: the oldest capture first), and at most ``queue.retry_share``
   of the slots go to retries and callbacks while other clients wait.

With the dynamic priority and a limit, ``queue_pruned.compute`` does steps 1–3 reading each
segment in the order of an upper bound of the priority from the stored static scores
(``score_store``, table ``client_score``) and stops once the rows shown are certain; without
current stored rows it reads what this module reads, and the rows are the same either way.

``dialer.claim_next`` (``leadctl next``) takes the queue's callable call-action rows and leases the first one no one else
holds (``storage.claims.claim_lease``), re-checking do-not-contact, cooldown, caps and calling
hours on the live data inside the claiming transaction: a refused candidate gets a
``call_blocked`` event, the claimed one a ``claimed`` event.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Engine

from leadctl.reporting import Reporter
from leadctl.rules import Rules
from leadctl.services.work import calling
from leadctl.services.work.queue_read import (
    ACT,
    CLIENT_COLUMNS,
    LE,
    SEGMENTS,
    C,
    active_rep,
    facts_query,
    recent_calls,
    segment,
)
from leadctl.timeutil import now as utc_now
from leadctl.vocab import (
    CallBlock,
    QueueTier,
    Stage,
)
from leadctl.words import plural

TIERS: tuple[QueueTier, ...] = tuple(QueueTier)
EMAIL_TIERS = frozenset({QueueTier.APPOINTMENT_EMAIL, QueueTier.APPOINTMENT_WEEK})
CLAIM_CANDIDATES = 25  # callable rows `next` tries, in order, before saying "nothing to call"

ROW_FIELDS = (
    "position",
    "client_id",
    "tier",
    "action",
    "why",
    "name",
    "company",
    "phone",
    "local_time",
    "timezone",
    "callable_until",
    "stage",
    "campaign_id",
    "priority",
    "components",
    "retry",
    "claimed_until",
)
TABLE_COLUMNS = ("position", "client_id", "tier", "action", "why", "name", "phone", "local_time", "priority")
DIALER_TABLE_FIELDS = (
    "client_id", "name", "company", "dial", "local_time", "timezone", "tier", "why", "lease_until",
)  # fmt: skip
BLOCKED_FIELDS = ("client_id", "tier", "blocked", "callable_at", "why", "name", "timezone")


@dataclass(frozen=True)
class Priority:
    """A client's dynamic priority: higher first within a tier; ``components`` say why."""

    total: float
    components: Mapping[str, Any] = field(default_factory=dict)


PriorityFn = Callable[[Connection, Rules, list[int], datetime], Mapping[int, Any]]


def by_capture(conn: Connection, rules: Rules, client_ids: list[int], now: datetime) -> dict[int, Priority]:
    """The default ordering within a tier: every client equal, so the oldest capture comes first."""
    return {cid: Priority(0.0, {"order": "oldest capture first"}) for cid in client_ids}


def by_priority(conn: Connection, rules: Rules, client_ids: list[int], now: datetime) -> Mapping[int, Any]:
    """The ordering within a tier: the dynamic priority (``scoring.priorities``: fit, behaviour,
    engagement recency, age, intent, SLA urgency), highest first."""
    from leadctl.services.work import scoring

    return scoring.priorities(conn, rules, client_ids, now)


PRIORITIES: PriorityFn = by_priority


@dataclass
class QueueResult:
    rep: str
    at: datetime
    rows: list[dict[str, Any]]
    blocked: list[dict[str, Any]]
    considered: int
    stale: list[int] = field(default_factory=list)  # read without a current stored score

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for b in self.blocked:
            counts[b["blocked"]] = counts.get(b["blocked"], 0) + 1
        if not counts:
            return f"{len(self.rows)} of {self.considered} clients listed"
        parts = ", ".join(
            f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        soonest = min((b["callable_at"] for b in self.blocked if b["callable_at"]), default=None)
        tail = f"; next callable {soonest.isoformat()}" if soonest else ""
        return f"{len(self.rows)} of {self.considered} clients listed; not now: {parts}{tail}"


# ------------------------------------------------------------------ reading


# ------------------------------------------------------------------ deciding


def _end_of_local_day(zone: str | None, at: datetime) -> datetime:
    local = calling.local_time(zone, at) or at
    end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return end.astimezone(UTC)


def _end_of_local_week(zone: str | None, at: datetime) -> datetime:
    local = calling.local_time(zone, at) or at
    start = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=local.weekday())
    return (start + timedelta(days=7)).astimezone(UTC)


def tier_of(
    row: Mapping[str, Any], f: Mapping[str, Any], rules: Rules, at: datetime
) -> tuple[QueueTier | None, str]:
    """The tier of a client and why (None: nothing to do now, e.g. a confirmed appointment)."""
    stage = row["stage"]
    q = rules.queue
    zone = row["timezone"]
    if stage == Stage.APPOINTMENT:
        meeting = f.get("meeting_at")
        booked = f.get("booked_at")
        confirmed = f.get("confirmed_at")
        if meeting is None or meeting <= at:
            return None, "appointment without an upcoming meeting"
        if confirmed is not None and (booked is None or confirmed >= booked):
            return None, "appointment confirmed"
        due = meeting - at
        hours = due.total_seconds() / 3600
        if hours <= q.appointment_call_hours:
            return QueueTier.APPOINTMENT_CALL, f"meeting in {hours:.1f} h, not confirmed: call"
        if hours <= q.appointment_email_hours:
            return QueueTier.APPOINTMENT_EMAIL, f"meeting in {hours:.1f} h, not confirmed: e-mail"
        if meeting < _end_of_local_week(zone, at) and booked is not None and at - booked > timedelta(days=7):
            return (
                QueueTier.APPOINTMENT_WEEK,
                f"meeting this week, booked {(at - booked).days} days ago: confirm",
            )
        return None, "appointment later"
    if stage == Stage.ENGAGED:
        cb = f.get("callback_at")
        if (
            cb is not None
            and cb < _end_of_local_day(zone, at)
            and (f.get("last_call") is None or f["last_call"] < cb)
        ):
            return QueueTier.CALLBACK_DUE, f"asked to be called back {cb.isoformat()}"
        return QueueTier.ENGAGED, "engaged: spoke without booking"
    if stage == Stage.ATTEMPTED:
        return QueueTier.ATTEMPTED, f"attempted: {plural(int(f.get('unanswered') or 0), 'unanswered call')}"
    if stage == Stage.UNTOUCHED:
        if f.get("activities"):
            return QueueTier.RESEARCHED, "untouched, already worked on"
        return QueueTier.NEW, "untouched, new"
    return None, f"stage {stage}"


def _is_retry(f: Mapping[str, Any]) -> bool:
    last = f.get("last_call")
    talk = f.get("last_talk")
    return last is not None and (talk is None or last > talk)


@dataclass
class _Eval:
    row: dict[str, Any]
    tier: QueueTier
    why: str
    retry: bool
    verdict: calling.Verdict
    zones: tuple[str, ...]
    until: datetime | None = None  # window end
    hold: str | None = None  # why it is not listed now: a CallBlock, retry_delay, max_attempts, nurture
    hold_until: datetime | None = None
    hold_why: str = ""


def _evaluate(
    rules: Rules,
    clock: calling.Clock,
    row: dict[str, Any],
    f: Mapping[str, Any],
    recent: Sequence[datetime],
    at: datetime,
) -> _Eval | None:
    tier, why = tier_of(row, f, rules, at)
    if tier is None:
        return None
    zones, policy = calling.context(rules, clock, row)
    retry = tier == QueueTier.CALLBACK_DUE or (
        tier in (QueueTier.ENGAGED, QueueTier.ATTEMPTED, QueueTier.RESEARCHED, QueueTier.NEW) and _is_retry(f)
    )
    dnc = row["stage"] == Stage.DO_NOT_CONTACT
    if tier in EMAIL_TIERS:
        verdict = (
            calling.Verdict(CallBlock.DO_NOT_CONTACT, None, "on the do-not-contact list")
            if dnc
            else calling.OK
        )
        return _Eval(row, tier, why, False, verdict, zones)
    verdict = calling.blocked(
        clock,
        zones,
        policy,
        rules=rules,
        do_not_contact=dnc,
        last_call=f.get("last_call"),
        recent_calls=recent,
        at=at,
    )
    ev = _Eval(row, tier, why, retry, verdict, zones)
    if not verdict.ok:
        ev.hold, ev.hold_until, ev.hold_why = (
            verdict.reason.value if verdict.reason else None,
            verdict.until,
            verdict.detail,
        )
        return ev
    q = rules.queue
    if tier != QueueTier.CALLBACK_DUE and _is_retry(f):
        tries = int(f.get("unanswered") or 0)
        last = f["last_call"]
        if tries >= q.max_attempts:
            ev.hold = "max_attempts" if q.after_max_attempts == "leave" else "nurture"
            ev.hold_why = f"{tries} unanswered calls (max {q.max_attempts})"
            return ev
        if clock.calling_hours(zones, policy, last, at) < q.retry_after_hours:
            ev.hold, ev.hold_until = (
                "retry_delay",
                clock.after_calling_hours(zones, policy, last, q.retry_after_hours),
            )
            ev.hold_why = f"retry {q.retry_after_hours:g} calling hours after the call at {last.isoformat()}"
            return ev
        ev.why = f"{why}; retry {tries + 1}"
    ev.until = clock.window_end(zones, policy, at)
    return ev


def _display_row(
    ev: _Eval, at: datetime, prio: Any, leases: Mapping[int, tuple[int, datetime]]
) -> dict[str, Any]:
    r = ev.row
    zone = r["timezone"] or (ev.zones[0] if ev.zones else None)
    local = calling.local_time(zone, at)
    lease = leases.get(r["id"])
    return {
        "client_id": r["id"],
        "tier": ev.tier.value,
        "tier_no": TIERS.index(ev.tier) + 1,
        "action": "email" if ev.tier in EMAIL_TIERS else "call",
        "why": ev.why,
        "name": " ".join(p for p in (r["first_name"], r["last_name"]) if p),
        "company": r["company"],
        "phone": r["business_phone"] or r["mobile_phone"],
        "email": r["email"],
        "local_time": local.isoformat(timespec="minutes") if local else None,
        "timezone": zone,
        "timezone_source": r["timezone_source"],
        "zones": list(ev.zones),
        "callable_until": ev.until,
        "stage": r["stage"],
        "campaign_id": r["campaign_id"],
        "priority": round(float(getattr(prio, "total", 0.0)), 4),
        "components": dict(getattr(prio, "components", {}) or {}),
        "retry": ev.retry,
        "claimed_until": lease[1] if lease else None,
        "created_at": r["created_at"],
    }


def compute(
    conn: Connection,
    rules: Rules,
    rep: Mapping[str, Any],
    *,
    at: datetime,
    limit: int,
    campaign_id: int | None = None,
    priorities: PriorityFn | None = None,
    skip_leased: bool = False,
    calls_only: bool = False,
) -> QueueResult:
    """The rep's queue at ``at`` on an open connection (see the module docstring).

    Segments (``SEGMENTS``) are read in tier order, a page at a time, and reading stops as soon
    as ``limit`` rows are certain: later pages only hold lower-ranked clients. With a priority
    function other than the default, each segment is read whole (priority reorders it).
    """
    from leadctl.storage.sqlfunc import member_of

    prio_fn = priorities or PRIORITIES
    if prio_fn is by_priority and limit > 0:
        from leadctl.services.work import queue_pruned, score_store

        if score_store.usable(rules):
            return queue_pruned.compute(
                conn, rules, rep, at=at, limit=limit, campaign_id=campaign_id,
                skip_leased=skip_leased, calls_only=calls_only,
            )  # fmt: skip
    paged_ok = prio_fn is by_capture and limit > 0
    page = max(4 * limit, 200)
    share_cap = _retry_cap(limit, rules.queue.retry_share)
    clock = calling.Clock(rules, at)
    dialect = conn.dialect.name
    evals: list[_Eval] = []
    blocked: list[dict[str, Any]] = []
    seen: set[int] = set()
    leases: dict[int, tuple[int, datetime]] = {}

    def enough() -> bool:
        if limit <= 0:
            return False
        fresh = sum(1 for e in evals if not e.retry)
        return fresh + min(share_cap, len(evals) - fresh) >= limit

    for stage, kind, paged in SEGMENTS:
        if enough():
            break
        seg = segment(rules, rep["id"], campaign_id, stage, kind, at)
        offset = 0
        while True:
            q = select(seg.c.id).order_by(seg.c.created_at, seg.c.id)
            if paged and paged_ok:
                q = q.limit(page).offset(offset)
            ids = [i for i in conn.execute(q).scalars() if i not in seen]
            if not ids:
                break
            seen.update(ids)
            _evaluate_page(
                conn,
                rules,
                clock,
                rep,
                ids,
                at,
                skip_leased,
                calls_only,
                dialect,
                member_of,
                evals,
                blocked,
                leases,
            )
            if not (paged and paged_ok) or enough():
                break
            offset += page
    if prio_fn is by_priority and limit > 0:  # the k best of each (tier, retry) group exactly
        from leadctl.services.work import scoring

        prio: Mapping[int, Any] = scoring.top_priorities(conn, rules, retry_groups(evals), limit, at)
    else:
        prio = prio_fn(conn, rules, [e.row["id"] for e in evals], at)
    return ranked(evals, prio, rules, rep, at, limit, blocked, leases, len(seen))


def retry_groups(evals: Sequence[_Eval]) -> list[list[int]]:
    """The listed clients' ids by (tier, retry flag): the groups whose best rows are ranked."""
    groups: dict[tuple[QueueTier, bool], list[int]] = {}
    for e in evals:
        groups.setdefault((e.tier, e.retry), []).append(e.row["id"])
    return list(groups.values())


def ranked(
    evals: list[_Eval],
    prio: Mapping[int, Any],
    rules: Rules,
    rep: Mapping[str, Any],
    at: datetime,
    limit: int,
    blocked: list[dict[str, Any]],
    leases: Mapping[int, tuple[int, datetime]],
    considered: int,
    stale: Sequence[int] = (),
) -> QueueResult:
    """Order the listed clients (tier, priority, capture), apply the retry share, build the rows."""
    zero = Priority(0.0)
    evals.sort(
        key=lambda e: (
            TIERS.index(e.tier),
            -float(getattr(prio.get(e.row["id"], zero), "total", 0.0)),
            e.row["created_at"],
            e.row["id"],
        )
    )
    chosen = _with_retry_share(evals, limit, rules.queue.retry_share)
    out = []
    for i, ev in enumerate(chosen, 1):
        d = _display_row(ev, at, prio.get(ev.row["id"], zero), leases)
        d["position"] = i
        out.append(d)
    return QueueResult(rep["email"], at, out, blocked, considered, list(stale))


def _evaluate_page(
    conn: Connection,
    rules: Rules,
    clock: calling.Clock,
    rep: Mapping[str, Any],
    ids: list[int],
    at: datetime,
    skip_leased: bool,
    calls_only: bool,
    dialect: str,
    member_of: Any,
    evals: list[_Eval],
    blocked: list[dict[str, Any]],
    leases: dict[int, tuple[int, datetime]],
) -> None:
    """Read one page of clients with their activity facts and leases; sort them into ``evals``
    (listed) and ``blocked`` (not now, with why and when)."""
    # One statement: the clients, their activity facts up to ``at`` and their live leases.
    fq = facts_query(member_of(ACT.c.client_id, ids, dialect), at).subquery("f")
    fcols = [c for c in fq.c if c.key != "client_id"]
    q = (
        select(
            *CLIENT_COLUMNS,
            fq.c.client_id.label("f_client_id"),
            *fcols,
            LE.c.rep_id.label("lease_rep_id"),
            LE.c.lease_until,
        )  # fmt: skip
        .select_from(
            C.outerjoin(fq, fq.c.client_id == C.c.id).outerjoin(
                LE, and_(LE.c.client_id == C.c.id, LE.c.lease_until > at)
            )
        )
        .where(member_of(C.c.id, ids, dialect))
    )
    n_client = len(CLIENT_COLUMNS)
    rows: list[dict[str, Any]] = []
    facts: dict[int, Mapping[str, Any]] = {}
    for rec in conn.execute(q):
        row = dict(zip((c.key for c in CLIENT_COLUMNS), rec[:n_client], strict=True))
        rows.append(row)
        if rec[n_client] is not None:
            facts[row["id"]] = {
                "client_id": rec[n_client],
                **dict(zip((c.key for c in fcols), rec[n_client + 1 : -2], strict=True)),
            }
        if rec[-1] is not None:
            leases[row["id"]] = (rec[-2], rec[-1])
    order = {cid: i for i, cid in enumerate(ids)}
    rows.sort(key=lambda r: order[r["id"]])  # the page's order (the blocked rows keep it)
    capped = [r["id"] for r in rows if (facts.get(r["id"]) or {}).get("calls_24h")]
    recent = recent_calls(conn, capped, at) if capped else {}
    for r in rows:
        ev = _evaluate(rules, clock, r, facts.get(r["id"], {}), recent.get(r["id"], ()), at)
        if ev is None or (calls_only and ev.tier in EMAIL_TIERS):
            continue
        lease = leases.get(r["id"])
        if ev.hold is None and lease is not None and (skip_leased or lease[0] != rep["id"]):
            ev.hold, ev.hold_until = "claimed", lease[1]
            ev.hold_why = f"claimed by a dialer until {lease[1].isoformat()}"
        if ev.hold is not None:
            blocked.append(
                {
                    "client_id": r["id"],
                    "tier": ev.tier.value,
                    "blocked": ev.hold,
                    "callable_at": ev.hold_until,
                    "why": ev.hold_why,
                    "name": " ".join(p for p in (r["first_name"], r["last_name"]) if p),
                    "timezone": r["timezone"] or ",".join(ev.zones),
                }
            )
            continue
        evals.append(ev)


def _retry_cap(limit: int, share: float) -> int:
    if limit <= 0:
        return 10**9
    cap = math.floor(share * limit) if share < 1 else limit
    return max(cap, 1) if share > 0 else 0


def _with_retry_share(evals: list[_Eval], limit: int, share: float) -> list[_Eval]:
    """The first ``limit`` rows (0: all) with at most ``share`` of them retries/callbacks
    while other rows wait; appointments never count as retries."""
    n = limit if limit > 0 else len(evals)
    cap = _retry_cap(limit, share)
    taken: list[_Eval] = []
    deferred: list[_Eval] = []
    retries = 0
    for ev in evals:
        if len(taken) >= n:
            break
        if ev.retry:
            if retries >= cap:
                deferred.append(ev)
                continue
            retries += 1
        taken.append(ev)
    for ev in deferred:  # nothing else waits: the deferred retries fill what is left
        if len(taken) >= n:
            break
        taken.append(ev)
    order = {id(e): i for i, e in enumerate(evals)}
    return sorted(taken, key=lambda e: order[id(e)])


def queue(
    engine: Engine,
    rules: Rules,
    rep_ref: str,
    *,
    limit: int = 50,
    campaign: str | None = None,
    at: datetime | None = None,
    priorities: PriorityFn | None = None,
) -> QueueResult:
    """``leadctl queue``: the rep's ordered queue at ``at`` (default now), read-only."""
    from leadctl.services.admin.lookup import find_campaign

    when = (at or utc_now()).astimezone(UTC)
    with engine.connect() as conn:
        rep = active_rep(conn, rep_ref)
        cid = int(find_campaign(conn, campaign)["id"]) if campaign is not None else None
        return compute(conn, rules, rep, at=when, limit=limit, campaign_id=cid, priorities=priorities)


def demo(engine: Engine, rules: Rules, rep_ref: str, report: Reporter) -> dict[str, Any]:
    """The demo's last step: the rep's queue (top 5) and what ``next`` would hand the dialer."""
    say = report.note
    result = queue(engine, rules, rep_ref, limit=5)
    say(f"Queue of {rep_ref} now: {result.summary()}")
    for r in result.rows:
        say(
            f"  {r['position']}. client {r['client_id']} {r['name']} [{r['tier']}: {r['why']}] {r['local_time']}"
        )
    from leadctl.services.work.dialer import claim_next

    claim = claim_next(engine, rules, rep_ref)
    if claim.record is not None:
        rec = claim.record
        say(f"next --rep {rep_ref}: client {rec['client_id']} {rec['name']}, dial {rec['dial']}, leased until "
            f"{rec['lease_until'].isoformat(timespec='seconds')}")  # fmt: skip
    else:
        say(f"next --rep {rep_ref}: {claim.message}")
    return {"queue": len(result.rows), "next": claim.record["client_id"] if claim.record else None}
