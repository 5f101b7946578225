"""Stages — where each client is in the rep's work, moved by its activities (a state machine).

The four working stages of the first seed, then the terminal ones (``vocab.Stage``)::

    untouched → attempted → engaged → appointment        disqualified | do_not_contact | converted

``TRANSITIONS`` below is the whole machine, one row per (activity type, outcomes, condition,
from-stages → to-stage); nothing else decides a stage. Conditions: ``verified_dial`` (the
call's flag), ``heavy_email`` (the client's opens + clicks so far reach
``stages.email_engagement`` with no reply needed), ``swimlane`` (the client's rep's territories
cover it: ``assign.eligibility.covers``). The first row that fits moves the client.

* **Set-based, from activities**: ``apply_activities(conn, activity_ids, actor=…)`` is called by
  the one place activities are inserted (``services/work/activities.py``). It re-folds every
  client touched by those activities over *all* its activities in time order (``at``, then id),
  so a late or re-imported row lands where it belongs in the client's history: the stage is
  always the result of the client's activities in time order, not of the order they arrived in.
* **Terminal**: no call, e-mail, meeting or intent moves a client out of a terminal stage; a later
  disposition can (``converted`` after ``disqualified``), except out of ``do_not_contact``, which
  nothing leaves. Do-not-contact suppression (``leadctl dnc``) sets it outside activities; such
  clients are never re-folded. Moves to ``disqualified`` / ``do_not_contact`` go through
  ``activities.move_to_terminal`` (the same code as suppression: the event, and the active
  assignment ended).
* **Time-based rule**: a deal lost (disposition ``lost``) ``lost_reengage_after_days`` ..
  ``lost_reengage_before_days`` ago, with nothing since, makes the client ``engaged`` again. It
  cannot happen at insert time, so ``refresh`` (``leadctl stages refresh``, daily from cron)
  applies it; its ``stage_changed`` event (cause ``rule:lost_reengage``) is then part of the
  client's history that later folds replay at its time.
* **Every move** writes one ``stage_changed`` event (from, to, cause ``activity:KEY`` of the
  activity that decided it, or ``rule:NAME``). A batch moving a client through several stages
  writes one event from its stage before the batch to its stage after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import String, and_, case, exists, func, or_, select, type_coerce
from sqlalchemy.engine import Connection, Engine

from leadctl.reporting import Reporter
from leadctl.services.events import Event
from leadctl.storage import schema
from leadctl.storage.sqlfunc import in_chunks, json_text
from leadctl.vocab import ActivityOutcome as O  # noqa: N817
from leadctl.vocab import ActivityType as T  # noqa: N817
from leadctl.vocab import EventKind, Stage

if TYPE_CHECKING:
    from leadctl.rules import Rules

ACT = schema.activity
C = schema.client
A = schema.assignment
R = schema.rep
EV = schema.lead_event

U, AT, EN, AP = Stage.UNTOUCHED, Stage.ATTEMPTED, Stage.ENGAGED, Stage.APPOINTMENT
DQ, DNC, CV = Stage.DISQUALIFIED, Stage.DO_NOT_CONTACT, Stage.CONVERTED
WORKING = frozenset({U, AT, EN, AP})

# Conditions a row may require besides type and outcome.
ANY = "any"
VERIFIED_DIAL = "verified_dial"
HEAVY_EMAIL = "heavy_email"
SWIMLANE = "swimlane"
# Rules (not activities) that move stages; their events' cause is ``rule:NAME``.
LOST_REENGAGE = "lost_reengage"
RULE = "rule"  # the "type" of a rule's row


@dataclass(frozen=True)
class Transition:
    type: str  # an ActivityType, or RULE
    outcomes: tuple[str, ...]  # ActivityOutcomes, or the rule's name
    when: str
    sources: frozenset[Stage]
    to: Stage
    why: str


def _t(
    type_: str, outcomes: Iterable[str], when: str, sources: Iterable[Stage], to: Stage, why: str
) -> Transition:
    return Transition(type_, tuple(outcomes), when, frozenset(sources), to, why)


# The state machine: every way a client's stage moves. Read top to bottom; the first row whose
# type, outcome, condition and from-stage fit applies. Anything else leaves the stage as it is.
TRANSITIONS: tuple[Transition, ...] = (
    _t(T.CALL, (O.NO_ANSWER, O.VOICEMAIL), VERIFIED_DIAL, {U}, AT, "a call attempt with a verified dial"),
    _t(T.CALL, (O.CONVERSATION,), ANY, {U, AT}, EN, "spoke with them, no meeting yet"),
    _t(T.EMAIL, (O.REPLIED,), ANY, {U, AT}, EN, "replied to an e-mail"),
    _t(T.EMAIL, (O.OPENED, O.CLICKED), HEAVY_EMAIL, {U, AT}, EN, "heavy e-mail engagement without reply"),
    _t(
        T.INTENT,
        (O.INBOUND, O.DEMO_REQUEST, O.PRICING_VISIT),
        SWIMLANE,
        {U, AT},
        EN,
        "inbound, in the rep's swimlane",
    ),
    _t(T.DISPOSITION, (O.CALLBACK,), ANY, {U, AT}, EN, "asked to be called back"),
    _t(T.MEETING, (O.BOOKED, O.CONFIRMED, O.HELD_QUALIFIED), ANY, {U, AT, EN}, AP, "meeting scheduled"),
    _t(
        T.MEETING,
        (O.NO_SHOW, O.CANCELLED, O.HELD_UNQUALIFIED),
        ANY,
        {U, AT, AP},
        EN,
        "missed or cancelled meeting, back to engaged",
    ),
    _t(RULE, (LOST_REENGAGE,), ANY, {U, AT, AP}, EN, "lost deal 6-9 months ago, worth re-engaging"),
    _t(T.DISPOSITION, (O.DISQUALIFIED,), ANY, {*WORKING, CV}, DQ, "disqualified"),
    _t(T.DISPOSITION, (O.CONVERTED,), ANY, {*WORKING, DQ}, CV, "won: became a customer"),
    _t(T.DISPOSITION, (O.DO_NOT_CONTACT,), ANY, {*WORKING, DQ, CV}, DNC, "asked not to be contacted"),
)
_BY_KEY: dict[tuple[str, str], list[Transition]] = {}
for _row in TRANSITIONS:
    for _o in _row.outcomes:
        _BY_KEY.setdefault((str(_row.type), str(_o)), []).append(_row)
_EMAIL_ENGAGEMENT = frozenset({O.OPENED.value, O.CLICKED.value})
# The (type, outcome) pairs whose rows look at the call's verified_dial flag: a fold reads the
# flag only for those (the rest is read from the index alone, no table row per activity).
_DIAL_PAIRS = {(str(r.type), str(o)) for r in TRANSITIONS if r.when == VERIFIED_DIAL for o in r.outcomes}
_STAGES = {st.value: st for st in Stage}
_EMAIL, _INTENT = T.EMAIL.value, T.INTENT.value  # plain strings: an enum attribute costs per step


class Step(NamedTuple):
    """One input of the fold: an activity (``key`` its activity_key) or a rule firing.

    The fold only carries ``at`` through (steps come sorted); ``restage`` may pass it as stored
    (unconverted) where no rule step is merged in."""

    at: datetime
    order: int  # activity id (rules sort after activities of the same moment)
    type: str
    outcome: str
    verified_dial: bool = False
    key: str = ""

    @property
    def cause(self) -> str:
        return f"activity:{self.key}" if self.type != RULE else f"rule:{self.outcome}"


@dataclass(frozen=True, slots=True)
class Folded:
    stage: Stage
    cause: str | None  # what put the client in ``stage`` (None: nothing moved it)
    at: datetime | None
    step: Step | None = None  # the step that decided it


def fold(
    steps: Iterable[Step],
    *,
    email_engagement: int,
    inbound: frozenset[str],
    in_swimlane: bool,
    start: Stage = Stage.UNTOUCHED,
) -> Folded:
    """The stage a client reaches through ``steps`` (sorted by time), from ``start``."""
    stage, decided = start, None
    opens = 0
    by_key = _BY_KEY
    for s in steps:
        if s.type == _EMAIL and s.outcome in _EMAIL_ENGAGEMENT:
            opens += 1
        for row in by_key.get((s.type, s.outcome), ()):
            if stage not in row.sources:
                continue
            if row.when == VERIFIED_DIAL and not s.verified_dial:
                continue
            if row.when == HEAVY_EMAIL and opens < email_engagement:
                continue
            if row.when == SWIMLANE and not (s.outcome in inbound and in_swimlane):
                continue
            stage, decided = row.to, s
            break
    if decided is None:
        return Folded(stage, None, None)
    return Folded(stage, decided.cause, decided.at, decided)


# ------------------------------------------------------------------ applying


def activity_ids(conn: Connection, keys: Iterable[str]) -> list[int]:
    """The ids of activities by their ``activity_key``."""
    out: list[int] = []
    for cond in in_chunks(conn, ACT.c.activity_key, keys):
        out += conn.execute(select(ACT.c.id).where(cond)).scalars()
    return out


def apply_activities(conn: Connection, activity_ids: Sequence[int], *, actor: str, rules: Rules) -> int:
    """Re-stage the clients of these activities (ids already applied are harmless); returns
    how many clients moved. Runs in the caller's transaction, with the command's ``rules``.

    Moves to ``disqualified`` / ``do_not_contact`` are left to the caller: the activity
    insertion point runs ``activities.move_to_terminal`` for those dispositions itself (and
    counts them in its summary); ``refresh`` does them here."""
    if not activity_ids:
        return 0
    clients: set[int] = set()
    for cond in in_chunks(conn, ACT.c.id, activity_ids):
        clients.update(conn.execute(select(ACT.c.client_id).where(cond).distinct()).scalars())
    return restage(conn, clients, actor=actor, rules=rules, terminal=False)


def restage(
    conn: Connection,
    client_ids: Iterable[int],
    *,
    actor: str,
    rules: Rules,
    firing: Mapping[int, Step] | None = None,
    now: datetime | None = None,
    terminal: bool = True,
) -> int:
    """Fold each client's activities (and rule events; ``firing`` adds a rule firing now) and
    write the moves. Merged and do-not-contact clients are left alone; moves to disqualified /
    do_not_contact only with ``terminal``. Returns how many clients moved."""
    from leadctl.services.assign.eligibility import client_dimensions, covers, parse_territories
    from leadctl.services.events import append
    from leadctl.services.work.activities import move_to_terminal
    from leadctl.storage import bulk
    from leadctl.timeutil import now as clock

    ts = now or clock()
    sr = rules.stages
    moved = 0
    ids = sorted(set(client_ids))
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        (cond,) = in_chunks(conn, C.c.id, chunk, size=len(chunk))
        q = select(C.c.id, C.c.stage).where(cond, C.c.merged_into_id.is_(None), C.c.stage != DNC)
        current: dict[int, Stage] = {cid: _STAGES[stage] for cid, stage in conn.execute(q)}
        if not current:
            continue
        steps: dict[int, list[Step]] = {cid: [] for cid in current}
        unsorted: set[int] = set()  # clients with rule steps: merged in time order in Python
        (econd,) = in_chunks(conn, EV.c.client_id, current, size=len(current))
        ecause = json_text(EV.c.data, "cause")
        eq = select(EV.c.client_id, EV.c.id, EV.c.at, ecause).where(
            econd, EV.c.kind == EventKind.STAGE_CHANGED, ecause.like("rule:%")
        )
        for cid, eid, at, cause in conn.execute(eq):
            if not cause.startswith("rule:"):  # LIKE ignores case on SQLite
                continue
            steps[cid].append(Step(at, 2**62 + eid, RULE, cause.removeprefix("rule:")))
            unsorted.add(cid)
        for cid, step in (firing or {}).items():
            if cid in steps:
                steps[cid].append(step)
                unsorted.add(cid)
        dial = case(
            (
                or_(*(and_(ACT.c.type == t, ACT.c.outcome == o) for t, o in sorted(_DIAL_PAIRS))),
                ACT.c.verified_dial,
            ),
            else_=False,
        )
        inbound: set[int] = set()  # clients with an intent step (only they need the swimlane)
        # Steps come in time order from the database. Their ``at`` is only compared with a rule
        # step's (clients in ``unsorted``: read as datetimes); for the others it is read as
        # stored, unconverted, and the deciding activity's time is read with its key below.
        plain = [cid for cid in current if cid not in unsorted]
        for group, at_col in ((plain, type_coerce(ACT.c.at, String)), (sorted(unsorted), ACT.c.at)):
            if not group:
                continue
            (acond,) = in_chunks(conn, ACT.c.client_id, group, size=len(group))
            aq = (
                select(ACT.c.client_id, ACT.c.id, at_col, ACT.c.type, ACT.c.outcome, dial)
                .where(acond)
                .order_by(ACT.c.client_id, ACT.c.at, ACT.c.id)  # each client's steps in time order
            )
            for cid, aid, at, typ, outcome, verified in conn.execute(aq):
                steps[cid].append(Step(at, aid, typ, outcome, bool(verified)))  # key: read for movers
                if typ == _INTENT:
                    inbound.add(cid)
        rows: dict[int, Any] = {}  # inbound clients: what their rep's swimlane is judged on
        for icond in in_chunks(conn, C.c.id, inbound):
            iq = (
                select(C.c.id, C.c.country, C.c.state, C.c.industry, C.c.headcount, R.c.territories)
                .select_from(
                    C.outerjoin(A, and_(A.c.client_id == C.c.id, A.c.ended_at.is_(None))).outerjoin(
                        R, R.c.id == A.c.rep_id
                    )
                )
                .where(icond)
            )
            rows.update((r.id, r) for r in conn.execute(iq))
        moves: list[tuple[int, Folded]] = []
        for cid, ss in steps.items():
            if cid in unsorted:
                ss.sort(key=lambda s: (s.at, s.order))  # activities and rule steps, all datetimes
            lane = False
            if cid in inbound:  # the swimlane matters only for inbound contacts
                r = rows[cid]
                dims = client_dimensions(dict(r._mapping), rules.routing.segments)
                lane = r.territories is not None and covers(parse_territories(r.territories), dims)
            res = fold(
                ss, email_engagement=sr.email_engagement, inbound=sr.inbound_outcomes, in_swimlane=lane
            )
            if res.stage != current[cid] and res.step is not None:
                moves.append((cid, res))
        keys: dict[int, tuple[str, datetime]] = {}  # the deciding activities' keys and times
        wanted = [res.step.order for _c, res in moves if res.step is not None and res.step.type != RULE]
        for kcond in in_chunks(conn, ACT.c.id, wanted):
            for aid, key, at in conn.execute(select(ACT.c.id, ACT.c.activity_key, ACT.c.at).where(kcond)):
                keys[aid] = (key, at)
        to_terminal: dict[int, tuple[Stage, str]] = {}
        updates: list[tuple[Any, ...]] = []
        events: list[Event] = []
        for cid, res in moves:
            decided = res.step
            assert decided is not None
            if decided.type == RULE:
                cause, when = decided.cause, decided.at
            else:
                key, when = keys[decided.order]
                cause = f"activity:{key}"
            if res.stage in (DQ, DNC):
                if terminal:
                    to_terminal[cid] = (res.stage, cause)
                continue
            updates.append((cid, res.stage.value, when or ts, ts))
            data = {"from": current[cid].value, "to": res.stage.value, "cause": cause}
            events.append(Event(EventKind.STAGE_CHANGED, ts, actor, client_id=cid, data=data))
        bulk.update_by_id(conn, C, ("stage", "stage_at", "updated_at"), updates)
        append(conn, events)
        if to_terminal:
            done, _ended = move_to_terminal(conn, to_terminal, actor=actor, at=ts)
            moved += len(done)
        moved += len(updates)
    return moved


# ------------------------------------------------------------------ refresh (cron)


@dataclass
class RefreshResult:
    examined: int = 0
    moved: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"examined": self.examined, "moved": self.moved}


def refresh(
    engine: Engine, rules: Rules, *, everything: bool = False, actor: str | None = None
) -> RefreshResult:
    """Apply the time-based rule (lost deals in the re-engagement window, nothing since);
    ``everything`` re-folds every client with activities (after an upgrade or a rules change)."""
    from leadctl.services.admin.common import actor as current_actor
    from leadctl.storage.engine import write
    from leadctl.timeutil import now as clock

    who, ts = actor or current_actor(), clock()
    out = RefreshResult()
    sr = rules.stages
    with write(engine) as conn:
        lo, hi = (
            ts - timedelta(days=sr.lost_reengage_before_days),
            ts - timedelta(days=sr.lost_reengage_after_days),
        )
        later = ACT.alias("later")
        q = (
            select(ACT.c.client_id)
            .join(C, C.c.id == ACT.c.client_id)
            .where(
                ACT.c.type == T.DISPOSITION,
                ACT.c.outcome == O.LOST,
                ACT.c.at >= lo,
                ACT.c.at <= hi,
                C.c.stage.in_([U, AT, AP]),
                C.c.merged_into_id.is_(None),
                ~exists().where(later.c.client_id == ACT.c.client_id, later.c.at > ACT.c.at),
            )
            .distinct()
        )
        lost = set(conn.execute(q).scalars())
        firing = {cid: Step(ts, 2**63 - 1, RULE, LOST_REENGAGE) for cid in lost}
        todo = set(lost)
        if everything:
            todo |= set(conn.execute(select(ACT.c.client_id).distinct()).scalars())
        out.examined = len(todo)
        out.moved = restage(conn, todo, actor=who, rules=rules, firing=firing, now=ts)
    return out


# ------------------------------------------------------------------ counts per rep


STAGE_COLUMNS = tuple(s.value for s in Stage)


def stage_counts(
    engine: Engine, rules: Rules, *, rep: str | None = None, campaign: str | None = None
) -> list[dict[str, Any]]:
    """Per active rep: clients actively assigned in each stage, the attempted minimum for the
    rep's role and ``below_minimum``. With ``campaign``: its approved reps and its clients."""
    from leadctl.services.admin.lookup import find_campaign, find_rep
    from leadctl.storage.engine import read

    CR = schema.campaign_rep
    with read(engine) as conn:
        rq = select(R.c.id, R.c.email, R.c.name, R.c.role).where(R.c.active.is_(True))
        cq = (
            select(A.c.rep_id, C.c.stage, func.count())
            .join(C, C.c.id == A.c.client_id)
            .where(A.c.ended_at.is_(None), C.c.merged_into_id.is_(None))
            .group_by(A.c.rep_id, C.c.stage)
        )
        if rep is not None:
            rid = find_rep(conn, rep)["id"]
            rq = select(R.c.id, R.c.email, R.c.name, R.c.role).where(R.c.id == rid)
            cq = cq.where(A.c.rep_id == rid)
        if campaign is not None:
            camp = find_campaign(conn, campaign)["id"]
            if rep is None:
                approved = exists().where(
                    CR.c.rep_id == R.c.id, CR.c.campaign_id == camp, CR.c.revoked_at.is_(None)
                )
                holds = exists().where(A.c.rep_id == R.c.id, A.c.campaign_id == camp, A.c.ended_at.is_(None))
                rq = rq.where(or_(approved, holds))
            cq = cq.where(C.c.campaign_id == camp)
        reps = conn.execute(rq.order_by(R.c.email)).all()
        counts: dict[tuple[int, str], int] = {(r, s): n for r, s, n in conn.execute(cq)}
    minimum = rules.stages.attempted_minimum
    rows: list[dict[str, Any]] = []
    for rid, email, name, role in reps:
        row: dict[str, Any] = {"rep": email, "name": name, "role": role}
        for s in STAGE_COLUMNS:
            row[s] = counts.get((rid, s), 0)
        row["total"] = sum(row[s] for s in STAGE_COLUMNS)
        row["attempted_minimum"] = int(minimum.get(role, 0))
        row["below_minimum"] = row[Stage.ATTEMPTED.value] < row["attempted_minimum"]
        rows.append(row)
    return rows


def demo_summary(engine: Engine, rules: Rules, report: Reporter) -> dict[str, Any]:
    """The demo's stages step: fold the generated history (inserted without the activity
    hook), then say the stages per rep and the busiest rep's lists."""
    say = report.note
    from leadctl.services.work import lists

    done = refresh(engine, rules, everything=True, actor="demo")
    counts = stage_counts(engine, rules)
    say(f"Stages: {done.moved} clients moved by their activities ('leadctl stages'):")
    for row in counts:
        shown = ", ".join(f"{row[s]} {s}" for s in STAGE_COLUMNS if row[s])
        low = f" (below the {row['attempted_minimum']} attempted minimum)" if row["below_minimum"] else ""
        say(f"  {row['rep']}: {shown or 'no clients'}{low}")
    out: dict[str, Any] = {"moved": done.moved, "stages": counts}
    busiest = max(counts, key=lambda r: r["total"], default=None)
    if busiest is not None and busiest["total"]:
        fixed = lists.overview(engine, rules, busiest["rep"])
        say(
            f"Lists of {busiest['rep']} ('leadctl lists --rep {busiest['rep']}'): "
            + ", ".join(f"{r['list']} {r['clients']}" for r in fixed)
        )
        out["lists"] = {"rep": busiest["rep"], "lists": fixed}
    return out
