"""Activities — calls, e-mails, meetings, dispositions: the facts assignment ranks by.

``log_activity`` records one (``leadctl activity log``); ``activity_import.import_file`` reads a
file of them from a dialer or e-mail tool (``leadctl activity import FILE|-``). Both resolve
whom a row is about with ``Resolver`` (set-based per chunk, cached across chunks: a
``client_id`` — a merged client resolves to its survivor —, a ``lead_id`` — its client; a lead
that is not a client yet is an error naming the row —, or an ``email`` — the one unmerged
client with it; none or several reject the row; reps by e-mail or id) and key each row by
``activity_key`` (the source's ``activity_id``, else ``sha1:`` of the row's resolved content),
so recording the same activity again adds nothing.

Every activity enters the database through ``insert_activities``, the one marked place where
the exact ids of the new activities are known: the calls among them are judged set-based
(``compliance.record_violations``: one join to each call's earlier calls within 24 h or the
cooldown, the calling contexts cached per client) and recycled at the attempt maximum
(``recycle``); the rest of the upkeep (``Later``) — the per-client facts, touch gaps and
bookings, ranking's rollup, the touched clients' stages and the queue's scores — follows at
once, or for an import once after its last chunk.

A disposition ``disqualified`` / ``do_not_contact`` moves the client to that terminal stage
(``move_to_terminal``: ``stage_changed`` event, cause = the activity key) and ends its active
assignment through the ledger (``AssignmentEnd.SUPPRESSED``). ``do_not_contact`` is never
downgraded to ``disqualified``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError, NotFound
from leadctl.rules import Rules
from leadctl.services import events as timeline
from leadctl.services.admin.common import actor as current_actor
from leadctl.services.assign import ledger
from leadctl.services.assign import rollup as activity_rollup
from leadctl.services.events import Event
from leadctl.services.metrics import compliance  # queue (issue 10): call_violation events
from leadctl.services.work import facts, score_store, stages
from leadctl.services.work.activity_files import Parsed, parse_row
from leadctl.storage import bulk, schema
from leadctl.storage.engine import write
from leadctl.storage.sqlfunc import in_chunks, unindexed
from leadctl.timeutil import now
from leadctl.vocab import ActivityOutcome, ActivityType, AssignmentEnd, EventKind, Stage

ACT = schema.activity
C = schema.client
L = schema.lead
R = schema.rep

COLUMNS = (
    "activity_key",
    "client_id",
    "rep_id",
    "campaign_id",
    "type",
    "outcome",
    "at",
    "verified_dial",
    "duration_s",
    "callback_at",
    "meeting_at",
    "note",
    "source",
    "actor",
    "created_at",
)
TERMINAL_OUTCOMES: dict[str, Stage] = {
    ActivityOutcome.DISQUALIFIED.value: Stage.DISQUALIFIED,
    ActivityOutcome.DO_NOT_CONTACT.value: Stage.DO_NOT_CONTACT,
}


# ------------------------------------------------------------------ resolving


class Resolver:
    """Reps, clients, leads and e-mails → ids, set-based per chunk, cached across chunks."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.reps: dict[str, int] = {}
        for rid, email in conn.execute(select(R.c.id, R.c.email)):
            self.reps[str(rid)] = rid
            self.reps[email.lower()] = rid
        self.clients: dict[int, tuple[int, int] | None] = {}  # id -> (unmerged id, campaign)
        self.leads: dict[int, int | None] = {}  # lead id -> client id (None: not a client yet)
        self.emails: dict[str, list[tuple[int, int]]] = {}

    def _load_clients(self, ids: Iterable[int]) -> None:
        todo = {i for i in ids if i not in self.clients}
        merged: dict[int, int] = {}
        for _ in range(10):  # merge chains are short; this bounds a corrupt cycle
            if not todo:
                break
            found: dict[int, tuple[int, int | None]] = {}
            for cond in in_chunks(self.conn, C.c.id, todo):
                q = select(C.c.id, C.c.campaign_id, C.c.merged_into_id).where(cond)
                found.update({cid: (camp, into) for cid, camp, into in self.conn.execute(q)})
            nxt: set[int] = set()
            for cid in todo:
                hit = found.get(cid)
                if hit is None:
                    self.clients[cid] = None
                elif hit[1] is None:
                    self.clients[cid] = (cid, hit[0])
                else:
                    merged[cid] = hit[1]
                    if hit[1] not in self.clients:
                        nxt.add(hit[1])
            todo = nxt
        for cid in merged:
            end = cid
            for _ in range(10):
                end = merged.get(end, end)
            self.clients[cid] = self.clients.get(end)

    def resolve(self, rows: list[Parsed]) -> list[tuple[Parsed, tuple[int, int] | str]]:
        """Each row with (client id, campaign id) or the reason it cannot be resolved."""
        want_leads = {r.target[1] for r in rows if r.target and r.target[0] == "lead_id"} - self.leads.keys()
        for cond in in_chunks(self.conn, L.c.id, want_leads):
            self.leads.update(dict(self.conn.execute(select(L.c.id, L.c.client_id).where(cond)).all()))
        for lid in want_leads:
            self.leads.setdefault(lid, -1)  # -1: no such lead
        want_emails = {r.target[1] for r in rows if r.target and r.target[0] == "email"} - self.emails.keys()
        if want_emails:
            for e in want_emails:
                self.emails[e] = []
            for cond in in_chunks(self.conn, C.c.email, want_emails):
                q = select(C.c.email, C.c.id, C.c.campaign_id).where(cond, C.c.merged_into_id.is_(None))
                for e, cid, camp in self.conn.execute(q):
                    self.emails[e].append((cid, camp))
        ids = {r.target[1] for r in rows if r.target and r.target[0] == "client_id"}
        ids |= {
            c
            for c in (self.leads.get(r.target[1]) for r in rows if r.target and r.target[0] == "lead_id")
            if c
        }
        self._load_clients(i for i in ids if i is not None and i > 0)
        out: list[tuple[Parsed, tuple[int, int] | str]] = []
        for r in rows:
            kind, value = r.target  # type: ignore[misc]
            hit: tuple[int, int] | str
            if kind == "client_id":
                c = self.clients.get(value)
                hit = c if c is not None else "client_id: no such client"
            elif kind == "lead_id":
                cid = self.leads.get(value)
                if cid == -1:
                    hit = "lead_id: no such lead"
                elif cid is None:
                    hit = "lead_id: the lead is not a client yet (process it first)"
                else:
                    c = self.clients.get(cid)
                    hit = c if c is not None else "lead_id: its client no longer exists"
            else:
                found = self.emails.get(value, [])
                hit = (
                    found[0]
                    if len(found) == 1
                    else (
                        "email: no client has this e-mail"
                        if not found
                        else "email: several clients have this e-mail"
                    )
                )
            if not isinstance(hit, str) and r.rep is not None and r.rep.lower() not in self.reps:
                hit = "rep: no such rep"
            out.append((r, hit))
        return out


def activity_key(r: Parsed, client_id: int, rep_id: int | None) -> str:
    """The source's activity id, else a hash of the resolved content (same row → same key)."""
    if r.activity_id is not None:
        return r.activity_id
    parts = (
        client_id,
        rep_id,
        r.type,
        r.outcome,
        r.at.isoformat(),
        r.verified_dial,
        r.duration_s,
        r.callback_at.isoformat() if r.callback_at else None,
        r.meeting_at.isoformat() if r.meeting_at else None,
        r.note,
    )
    return "sha1:" + hashlib.sha1(repr(parts).encode()).hexdigest()


# ------------------------------------------------------------------ terminal dispositions


def move_to_terminal(
    conn: Connection, targets: Mapping[int, tuple[Stage, str]], *, actor: str, at: datetime
) -> tuple[list[int], int]:
    """Move clients to a terminal stage (``disqualified``/``do_not_contact``) with a
    ``stage_changed`` event (cause given per client) and end their active assignments
    (``SUPPRESSED``). Clients already there, and do-not-contact ones asked to become
    disqualified, are left alone. Returns (moved client ids, assignments ended)."""
    current: dict[int, str] = {}
    for cond in in_chunks(conn, C.c.id, targets):
        current.update(dict(conn.execute(select(C.c.id, C.c.stage).where(cond)).all()))
    moves: dict[Stage, list[int]] = {}
    events: list[Event] = []
    for cid, (stage, cause) in targets.items():
        before = current.get(cid)
        if before is None or before == stage or before == Stage.DO_NOT_CONTACT:
            continue
        moves.setdefault(stage, []).append(cid)
        events.append(
            Event(
                EventKind.STAGE_CHANGED,
                at,
                actor,
                client_id=cid,
                data={"from": before, "to": stage.value, "cause": cause},
            )
        )
    moved: list[int] = []
    for stage, ids in moves.items():
        for cond in in_chunks(conn, C.c.id, ids):
            conn.execute(update(C).where(cond).values(stage=stage, stage_at=at, updated_at=at))
        moved += ids
    timeline.append(conn, events)
    ended = ledger.end(conn, list(targets), AssignmentEnd.SUPPRESSED, actor=actor, at=at) if targets else {}
    return moved, len(ended)


# ------------------------------------------------------------------ the one insertion point


@dataclass
class Later:
    """The upkeep new activities need beyond the compliance check and recycling: ``finish``
    does it — right away for one ``insert_activities`` call, and for an import of many chunks
    once, after its last chunk, instead of once per chunk: each piece is set-based over all
    the import's rows, and none of it is read by what the chunks do meanwhile (the compliance
    check and recycling read activities and the clients' calling contexts, never the derived
    tables or stages).

    - ``ids``: the activities inserted, recycling's dispositions included: folded into the
      per-client facts, touch gaps and bookings (``facts.fold``; a touch chain read once per
      client for the whole import, not once per chunk) and ranking's rollup (``rollup.add``:
      each (rep, campaign, day) written once);
    - ``clients``: the clients touched: their stages re-folded (``stages.restage``) and the
      queue's stored scores following (``score_store.activities_added``);
    - ``contexts``: the clients' calling contexts the compliance check caches (client rows do
      not change until ``finish``)."""

    ids: list[int] = field(default_factory=list)
    clients: set[int] = field(default_factory=set)
    contexts: dict[int, Any] = field(default_factory=dict)

    def finish(self, conn: Connection, *, actor: str, rules: Rules, at: datetime | None = None) -> None:
        """The upkeep of the activities noted (``at``: the stage machine's now, default now)."""
        facts.fold(conn, self.ids)  # the per-client facts metrics and SLAs read (services/work/facts)
        activity_rollup.add(conn, self.ids)  # ranking's rollup (services/assign/rollup.py)
        stages.restage(conn, self.clients, actor=actor, rules=rules, now=at, terminal=False)
        score_store.activities_added(conn, rules, self.clients)  # the queue's stored scores follow


def insert_activities(
    conn: Connection,
    rows: list[tuple[Any, ...]],
    *,
    at: datetime,
    actor: str,
    rules: Rules,
    later: Later | None = None,
) -> list[int]:
    """Insert activity rows (values in ``COLUMNS`` order, ``created_at`` = ``at``), skipping
    those whose ``activity_key`` is already stored; return the ids of the rows inserted.

    Every activity enters the database here (``activity log`` and ``activity import``), so
    what follows from new activities hooks in here once, with the ids, the ``actor`` and the
    command's ``rules``: the compliance check and recycling at once; the per-client facts (touch
    gaps and bookings with them), ranking's rollup, the stage machine and the queue's scores at
    once too, or — with ``later``, an import of many chunks — noted there and done by
    ``later.finish`` after the last chunk (see ``Later``).
    The ``actor`` and the command's ``rules`` are passed down, never looked up (the stage
    machine's thresholds and the calling rules the compliance check judges by). The
    ids are those of this call's keys created at ``at`` (an older row with the same key was
    created by an earlier transaction): one indexed look-up per chunk of keys on PostgreSQL; on
    SQLite, whose write transaction excludes every other writer, the rows past the largest id
    before the insert (one primary-key range).
    """
    if not rows:
        return []
    before = conn.execute(select(func.max(ACT.c.id))).scalar() or 0  # a key an earlier chunk added is older
    if not bulk.insert_new(conn, ACT, COLUMNS, rows, ("activity_key",)):
        return []
    ids: list[int] = []
    touched: set[int] = set()
    calls: list[int] = []
    if conn.dialect.name == "sqlite":
        # The transaction holds SQLite's one write lock (BEGIN IMMEDIATE): every row past
        # ``before`` is this call's, a primary-key range instead of a look-up per key.
        news: Iterable[Any] = [
            conn.execute(select(ACT.c.id, ACT.c.client_id, ACT.c.type).where(ACT.c.id > before))
        ]
    else:  # concurrent writers take ids from the same sequence: this call's keys only
        news = (
            conn.execute(
                select(ACT.c.id, ACT.c.client_id, ACT.c.type).where(
                    cond, ACT.c.created_at == at, ACT.c.id > before
                )
            )
            for cond in in_chunks(conn, ACT.c.activity_key, (r[0] for r in rows))
        )
    for result in news:
        for aid, cid, typ in result:
            ids.append(aid)
            touched.add(cid)
            if typ == ActivityType.CALL:
                calls.append(aid)
    # ---- after the insert: ``ids`` are exactly the activities this batch inserted (``calls``
    # the calls among them). Set-based maintainers of data derived from activities take
    # (conn, ids, ...) here, one line each, in this transaction.
    upkeep = later if later is not None else Later()
    compliance.record_violations(conn, calls, at, actor=actor, rules=rules, clients=upkeep.contexts)
    if calls:
        recycle(conn, calls, at=at, actor=actor, rules=rules)
    upkeep.ids += activity_rollup.with_recycled(conn, ids, at)  # and recycling's dispositions
    upkeep.clients |= touched
    if later is None:  # one call (``activity log``): the rest of the upkeep now
        upkeep.finish(conn, actor=actor, rules=rules)
    return ids


_UNANSWERED = (ActivityOutcome.NO_ANSWER.value, ActivityOutcome.VOICEMAIL.value)


def recycle(conn: Connection, new_ids: list[int], *, at: datetime, actor: str, rules: Rules) -> int:
    """Recycling after the last attempt (``queue.max_attempts``, ``queue.after_max_attempts``):
    a client whose new unanswered calls take its unanswered calls to the maximum, with no
    conversation since, leaves the queue for good — ``leave``: its active assignment ends
    (``max_attempts``, cause ``max_attempts``; the queue keeps it out of every pool too, and
    ``assign``/``topup`` never hand it out again) —
    or goes to nurture — ``nurture``: a ``disposition nurture`` by the same rep at the same
    moment puts it on the rep's Nurture list. Crossing the maximum fires once (a re-import adds
    no call). Returns how many clients were recycled."""
    from sqlalchemy import and_, case, type_coerce

    from leadctl.storage.types import UTCDateTime

    q = rules.queue
    new: Counter[int] = Counter()
    for cond in in_chunks(conn, ACT.c.id, new_ids):
        sel = select(ACT.c.client_id).where(  # by id: the type is no index for SQLite to drive from
            cond, unindexed(ACT.c.type) == ActivityType.CALL, ACT.c.outcome.in_(_UNANSWERED)
        )
        new.update(conn.execute(sel).scalars())
    if not new:
        return 0
    is_call = ACT.c.type == ActivityType.CALL
    unanswered = and_(is_call, ACT.c.outcome.in_(_UNANSWERED))
    talk = and_(is_call, ACT.c.outcome == ActivityOutcome.CONVERSATION)
    hit: list[tuple[int, Any, Any, Any]] = []
    for cond in in_chunks(conn, ACT.c.client_id, new):
        agg = (
            select(
                ACT.c.client_id,
                func.sum(case((unanswered, 1), else_=0)),
                type_coerce(func.max(case((unanswered, ACT.c.at))), UTCDateTime),
                type_coerce(func.max(case((talk, ACT.c.at))), UTCDateTime),
            )
            .where(cond)
            .group_by(ACT.c.client_id)
            .having(func.sum(case((unanswered, 1), else_=0)) >= q.max_attempts)  # the rest cannot cross
        )
        for cid, n, last, last_talk in conn.execute(agg):
            if n >= q.max_attempts > n - new[cid] and (last_talk is None or last_talk < last):
                hit.append((cid, n, last, last_talk))
    if not hit:
        return 0
    ids = [h[0] for h in hit]
    if q.after_max_attempts == "leave":
        return len(ledger.end(conn, ids, AssignmentEnd.MAX_ATTEMPTS, actor=actor, at=at,
                              data={"cause": "max_attempts"}))  # fmt: skip
    last_call: dict[int, tuple[datetime, int | None, int]] = {}
    for cond in in_chunks(conn, ACT.c.client_id, ids):
        sel = (
            select(ACT.c.client_id, ACT.c.at, ACT.c.rep_id, ACT.c.campaign_id)
            .where(cond, ACT.c.type == ActivityType.CALL, ACT.c.outcome.in_(_UNANSWERED))
            .order_by(ACT.c.at, ACT.c.id)
        )
        for cid, when, rep_id, camp in conn.execute(sel):
            last_call[cid] = (when, rep_id, camp)
    rows = []
    for cid, n, _last, _talk in hit:
        when, rep_id, camp = last_call[cid]
        key = f"recycle:{cid}:{n}:{when.isoformat()}"
        rows.append((key, cid, rep_id, camp, ActivityType.DISPOSITION.value, ActivityOutcome.NURTURE.value, when,
                     False, None, None, None, f"{n} unanswered calls (max {q.max_attempts})", "rule", actor, at))  # fmt: skip
    bulk.insert_ignore(conn, ACT, COLUMNS, [rows], ("activity_key",))  # its caller folds them in
    return len(rows)


# ------------------------------------------------------------------ log


def log_activity(
    engine: Engine,
    rules: Rules,
    *,
    client: int | None = None,
    lead: int | None = None,
    rep: str,
    type: str,
    outcome: str,
    at: datetime | None = None,
    verified_dial: bool = False,
    duration_s: int | None = None,
    callback_at: datetime | None = None,
    meeting_at: datetime | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Record one activity; InputError/NotFound name the field. Returns the stored row plus
    ``recorded`` (False when the same activity was already recorded) and ``stage``."""
    if (client is None) == (lead is None):
        raise InputError("give exactly one of client or lead")
    who, ts = current_actor(), now()
    values = [None, at or ts, rep, client, lead, None, type, outcome, verified_dial, duration_s]
    values += [callback_at, meeting_at, note]
    p = parse_row(0, [v if v is None or isinstance(v, str | bool) else _plain(v) for v in values], None)
    if isinstance(p, list):
        raise InputError("; ".join(p))
    with write(engine) as conn:
        resolver = Resolver(conn)
        if rep.strip().lower() not in resolver.reps:
            raise NotFound(f"no rep {rep!r} (give its e-mail or id; see 'leadctl rep list')")
        ((_, hit),) = resolver.resolve([p])
        if isinstance(hit, str):
            raise NotFound(hit.replace("client_id", f"client {client}").replace("lead_id", f"lead {lead}"))
        cid, campaign = hit
        rep_id = resolver.reps[rep.strip().lower()]
        key = activity_key(p, cid, rep_id)
        row: tuple[Any, ...] = (key, cid, rep_id, campaign, p.type, p.outcome, p.at, p.verified_dial)
        row += (p.duration_s,)
        row += (p.callback_at, p.meeting_at, p.note, "log", who, ts)
        recorded = len(insert_activities(conn, [row], at=ts, actor=who, rules=rules)) == 1
        stage = TERMINAL_OUTCOMES.get(p.outcome)
        if stage is not None and recorded:
            move_to_terminal(conn, {cid: (stage, f"activity:{key}")}, actor=who, at=ts)
        current = conn.execute(select(C.c.stage).where(C.c.id == cid)).scalar_one()
    out = dict(zip(COLUMNS, row, strict=True))
    out.update(rep=rep.strip().lower(), recorded=recorded, stage=current)
    return out


def _plain(v: Any) -> str:
    return v.isoformat() if isinstance(v, datetime) else str(v)
