"""Activities — calls, e-mails, meetings, dispositions: the facts assignment ranks by.

``log_activity`` records one (``leadctl activity log``); ``import_file`` reads a CSV or JSON
Lines file from a dialer or e-mail tool (``leadctl activity import FILE|-``), streaming, in
chunks of ``CHUNK_ROWS``:

1. each row is parsed on its own (type, outcome fitting the type — ``OUTCOMES_BY_TYPE`` —,
   time, flags, numbers); a bad row gets short, countable reasons ("outcome: does not fit
   the type") and is kept in ``rejected_row`` with the file, line and the row as read;
2. whom it is about is resolved set-based per chunk, with caches across chunks: a
   ``client_id`` (a merged client resolves to its survivor), a ``lead_id`` (its client; a
   lead that is not a client yet is an error naming the row), or an ``email`` (the one
   unmerged client with it; none or several reject the row). Reps by e-mail or id;
3. rows are inserted with ``storage.bulk.insert_ignore`` on ``activity_key`` — the source's
   ``activity_id``, else ``sha1:`` of the row's resolved content — so importing the same
   file again adds nothing;
4. after each chunk's insert (``insert_activities``, the one marked place where the exact ids
   of the new activities are known) the calls among them are judged set-based
   (``compliance.record_violations``: one join to each call's earlier calls within 24 h or the
   cooldown, the calling contexts cached per client for the whole import) and recycled at the
   attempt maximum; the rest of the upkeep is done once, after the last chunk (``Later``):
   the per-client facts, touch gaps and bookings, ranking's rollup (each rep, campaign and
   day written once per import), the touched clients' stages and the queue's scores. On PostgreSQL the
   grown tables are analysed whenever the import has doubled what the planner knows of them
   (``_Statistics``), so a first big import is not planned as into empty tables throughout;
5. a disposition ``disqualified`` / ``do_not_contact`` moves the client to that terminal
   stage (``stage_changed`` event, cause = the activity key) and ends its active assignment
   through the ledger (``AssignmentEnd.SUPPRESSED``). ``do_not_contact`` is never downgraded
   to ``disqualified``.

Everything happens in one write transaction: a failed import leaves the database as it was.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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
from leadctl.services.work.activity_files import Parsed, open_source, parse_row, records
from leadctl.storage import bulk, schema
from leadctl.storage.engine import write
from leadctl.storage.sqlfunc import in_chunks, refresh_statistics, unindexed
from leadctl.timeutil import now
from leadctl.vocab import ActivityOutcome, ActivityType, AssignmentEnd, EventKind, Stage

ACT = schema.activity
C = schema.client
L = schema.lead
R = schema.rep
REJ = schema.rejected_row

CHUNK_ROWS = 20_000
COMMAND = "activity import"
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
MAX_SHOWN_REJECTIONS = 20


@dataclass
class ImportSummary:
    """What an import did; ``rejections`` holds the first rejected rows as ``FILE line N: why``."""

    source: str
    rows_read: int = 0
    imported: int = 0
    already_imported: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejections: list[str] = field(default_factory=list)
    stages_changed: int = 0
    assignments_ended: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # a CSV file's header (rejected rows name values by it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "stages_changed": self.stages_changed,
            "assignments_ended": self.assignments_ended,
            "ignored_columns": self.ignored_columns,
        }

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"result": "read", "reason": "", "rows": self.rows_read},
            {"result": "imported", "reason": "", "rows": self.imported},
            {"result": "already imported", "reason": "", "rows": self.already_imported},
            {"result": "rejected", "reason": "", "rows": self.rejected},
        ]
        out += [
            {"result": "rejected", "reason": r, "rows": n} for r, n in self.rejected_by_reason.most_common()
        ]
        if self.stages_changed:
            out.append({"result": "stage changed", "reason": "disposition", "rows": self.stages_changed})
        if self.assignments_ended:
            out.append({"result": "unassigned", "reason": "suppressed", "rows": self.assignments_ended})
        return out


# ------------------------------------------------------------------ resolving


class _Resolver:
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


# ------------------------------------------------------------------ import and log


def _reject(
    summary: ImportSummary,
    rejected: list[tuple[Any, ...]],
    line: int,
    raw: Any,
    reasons: list[str],
    who: str,
    ts: datetime,
) -> None:
    summary.rejected += 1
    summary.rejected_by_reason.update(reasons)
    if len(summary.rejections) < MAX_SHOWN_REJECTIONS:
        summary.rejections.append(f"{summary.source} line {line}: {'; '.join(reasons)}")
    if type(raw) is list:  # a CSV row: header -> value, values beyond the header under _extra
        headers = summary.headers
        row: dict[str, Any] = dict(zip(headers, raw, strict=False))
        if len(raw) > len(headers) + (raw[-1] is None):
            row["_extra"] = [v for v in raw[len(headers) :] if v is not None]
        raw = row
    rejected.append((COMMAND, summary.source, line, raw, reasons, who, ts))


def _write_chunk(
    conn: Connection,
    resolver: _Resolver,
    parsed: list[Parsed],
    summary: ImportSummary,
    rejected: list[tuple[Any, ...]],
    terminal: dict[int, tuple[Stage, str]],
    source: str,
    who: str,
    ts: datetime,
    rules: Rules,
    later: Later,
) -> None:
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    reps = resolver.reps
    for r, hit in resolver.resolve(parsed):
        if isinstance(hit, str):
            _reject(summary, rejected, r.line, r.raw, [hit], who, ts)
            continue
        cid, campaign = hit
        rep_id = reps[r.rep.lower()] if r.rep is not None else None
        key = r.activity_id if r.activity_id is not None else activity_key(r, cid, rep_id)
        append((key, cid, rep_id, campaign, r.type, r.outcome, r.at, r.verified_dial, r.duration_s,
                r.callback_at, r.meeting_at, r.note, source, who, ts))  # fmt: skip
        if r.outcome not in TERMINAL_OUTCOMES:
            continue
        stage = TERMINAL_OUTCOMES.get(r.outcome)
        if stage is not None:
            prev = terminal.get(cid)
            if prev is None or prev[0] != Stage.DO_NOT_CONTACT:
                terminal[cid] = (stage, f"activity:{key}")
    inserted = len(insert_activities(conn, rows, at=ts, actor=who, rules=rules, later=later))
    summary.imported += inserted
    summary.already_imported += len(rows) - inserted
    if rejected:
        bulk.insert_rows(
            conn, REJ, ("command", "source", "line_no", "raw", "reasons", "actor", "created_at"), rejected
        )
        rejected.clear()


class _Statistics:
    """PostgreSQL: the planner's figures for the tables an import grows, kept current.

    An import into a table the planner last saw empty (a first big import) would otherwise
    have every upkeep statement of every chunk planned for a tiny table — sequential scans of
    the whole activity table, nested loops driven from the wrong side — so each chunk cost in
    proportion to the rows before it. Whenever the import has at least doubled what the
    planner knows of ``activity`` (and by a chunk at least) the grown tables are analysed,
    in the transaction (ANALYZE counts its own uncommitted rows): ~log2(rows / chunk) times,
    none for an import that adds little to a big table. Measured in ``benchmarks/activities.py``.
    """

    TABLES = ("activity",)  # the derived tables grow in ``Later.finish``, after the chunks

    def __init__(self, conn: Connection, chunk_rows: int) -> None:
        self.conn = conn
        self.on = conn.dialect.name == "postgresql"
        self.min_growth = chunk_rows // 2
        self.known = 0  # rows of activity the planner knows
        self.imported = 0  # this import's rows at that moment
        if self.on:
            sql = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'activity'::regclass"
            self.known = int(conn.exec_driver_sql(sql).scalar_one())

    def grown(self, imported: int) -> None:
        """After a chunk: ``imported`` rows so far."""
        grew = imported - self.imported
        if (
            self.on
            and grew >= max(self.known, self.min_growth)
            and refresh_statistics(self.conn, *self.TABLES, wait=False)
        ):
            self.known += imported - self.imported
            self.imported = imported


def import_file(engine: Engine, rules: Rules, path: str, *, chunk_rows: int = CHUNK_ROWS) -> ImportSummary:
    """Import activities from a CSV or JSON Lines file (``-``: stdin); see the module docstring."""
    name, stream = open_source(path)
    source = name if name == "stdin" else str(Path(name).resolve())
    summary = ImportSummary(source=name)
    who, ts = current_actor(), now()
    with stream, write(engine) as conn:
        resolver = _Resolver(conn)
        stats = _Statistics(conn, chunk_rows)
        terminal: dict[int, tuple[Stage, str]] = {}
        later = Later()  # the upkeep done once, after the last chunk
        rejected: list[tuple[Any, ...]] = []
        chunk: list[Parsed] = []
        for line, values, raw in records(name, stream, summary):
            summary.rows_read += 1
            p = parse_row(line, values, raw)
            if isinstance(p, list):
                _reject(summary, rejected, line, raw, p, who, ts)
                continue
            chunk.append(p)
            if len(chunk) >= chunk_rows:
                _write_chunk(
                    conn,
                    resolver,
                    chunk,
                    summary,
                    rejected,
                    terminal,
                    source,
                    who,
                    ts,
                    rules,
                    later,
                )
                stats.grown(summary.imported)
                chunk = []
        _write_chunk(conn, resolver, chunk, summary, rejected, terminal, source, who, ts, rules, later)
        later.finish(conn, actor=who, rules=rules, at=ts)
        if terminal:
            moved, ended = move_to_terminal(conn, terminal, actor=who, at=ts)
            summary.stages_changed, summary.assignments_ended = len(moved), ended
    return summary


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
        resolver = _Resolver(conn)
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
