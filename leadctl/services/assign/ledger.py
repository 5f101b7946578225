"""The one writer of assignments: starting and ending them, set-based, with their history.

An assignment gives a client exclusively to one rep. At most one is active per client: the
partial unique index ``ux_assignment_active_client`` is the database's guarantee, so a race
between two processes ends in an IntegrityError for one of them, never in two reps. History is
kept: ending an assignment sets ``ended_at``/``ended_reason``, it never deletes the row.

The denormalised ``client.manager_id`` and ``lead.manager_id`` (what `leads list` shows as
"manager") follow the active assignment, written here in the same transaction, so browsing
needs no join and never disagrees with the ledger. Every start and end writes an ``assigned``
/ ``unassigned`` event on the client's timeline.

Callers hold the write transaction (and whatever claim or lock decided *which* clients) and pass
plain rows; nothing here loops a query per client.

Cost on PostgreSQL: each started assignment fires seven foreign-key checks (per-row RI
triggers: the assignment's client, rep, campaign and run; the client's new manager; the event's
client and its null lead). Measured at 100,000 clients (70,000 started): the three statements
take ~3.0 s of server CPU, ~1.1 s of it without the checks — the checks are ~60 %, and they
stay: the constraints are the invariants (PostgreSQL has no set-based FK check for DML).
Re-measured 2026-12-03 with auto_explain (analyze + triggers, load ~9; timings inflated by the
instrumentation) at 100,000 clients, 70,000 started: the assignment INSERT 1.1 s + its four
checks 3.9 s (rep 1.5, client 0.8, campaign 0.8, run 0.7), the client UPDATE 2.6 s (non-HOT:
``manager_id`` is indexed, so every client index gets a new entry) + its manager check 2.0 s,
the events INSERT 1.0 s + 0.9 s (the NULL lead check: 0.1 s). Share-locking the reps first
(``claims.share``) does not change the checks' cost; one statement per table per run is the
floor of this design. The benchmark's 16-19 s wall for ~5 s CPU is mostly waiting for a CPU
on the shared 2-core machine (load 8-18), not I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    delete,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from leadctl.services import events as timeline
from leadctl.services.events import Event
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import in_chunks, refresh_statistics
from leadctl.storage.types import JSONType, UTCDateTime
from leadctl.vocab import AssignmentEnd, AssignmentRule, EventKind

A = schema.assignment
C = schema.client
L = schema.lead

COLUMNS = ("client_id", "rep_id", "campaign_id", "rule", "reason", "run_id", "actor", "started_at")


class NewAssignment(NamedTuple):
    """One client to give to one rep, and why (``reason``: rule details or score components).

    A named tuple, not a frozen dataclass: a run builds one per client (70,000 at 100,000
    clients) and a tuple is built ~5x faster; the default reason is read-only."""

    client_id: int
    rep_id: int
    campaign_id: int
    rule: AssignmentRule
    reason: Mapping[str, Any] = MappingProxyType({})


def active(conn: Connection, client_ids: Iterable[int]) -> dict[int, int]:
    """client id -> rep id of its active assignment (clients without one are absent)."""
    out: dict[int, int] = {}
    for cond in in_chunks(conn, A.c.client_id, client_ids):
        q = select(A.c.client_id, A.c.rep_id).where(cond, A.c.ended_at.is_(None))
        out.update({cid: rid for cid, rid in conn.execute(q)})
    return out


def end(
    conn: Connection,
    client_ids: Iterable[int],
    reason: AssignmentEnd,
    *,
    actor: str,
    at: datetime,
    data: Mapping[str, Any] | None = None,
) -> dict[int, int]:
    """End the active assignments of ``client_ids``; return client id -> the rep it had."""
    ended = active(conn, client_ids)
    if not ended:
        return {}
    for cond in in_chunks(conn, A.c.client_id, ended):
        conn.execute(
            update(A)
            .where(cond, A.c.ended_at.is_(None))
            .values(ended_at=at, ended_reason=reason, ended_by=actor)
        )
    _set_manager(conn, ended, None, at)
    timeline.append(
        conn,
        (
            Event(
                EventKind.UNASSIGNED,
                at,
                actor,
                client_id=cid,
                data={"rep_id": rid, "reason": reason.value, **(data or {})},
            )
            for cid, rid in ended.items()
        ),
    )
    return ended


def start(
    conn: Connection,
    assignments: Sequence[NewAssignment],
    *,
    actor: str,
    at: datetime,
    run_id: int | None = None,
    set_managers: bool = True,
) -> int:
    """Record new active assignments (the clients must have none: the unique index refuses a
    second one); update the managers shown on clients and leads; return how many.

    Set-based: the (client, rep, reason) picks go into a temporary table (one small row per
    client; each distinct reason and event payload serialised once, in a second one), then
    one ``INSERT … SELECT`` writes the assignments, one the ``assigned`` events and one
    ``UPDATE … FROM`` each the client and lead managers — inside the database, whatever the
    number of clients."""
    if not assignments:
        return 0
    # A run gives thousands of clients the same reason object (one per rep): each distinct
    # reason, and each distinct event payload, is serialised to JSON once, not once per row.
    # Keyed by object ids (the reasons and rules outlive the loop): an enum's hash and
    # ``.value`` are Python-level calls, ~2 µs a row at 70,000 rows.
    keys: dict[tuple[int, int, int], int] = {}
    rule_of: list[str] = []
    why_rows: list[tuple[int, bulk.JSONText, bulk.JSONText]] = []
    picks = []
    for a in assignments:
        ekey = (id(a.reason), a.rep_id, id(a.rule))
        k = keys.get(ekey)
        if k is None:
            k = keys[ekey] = len(why_rows)
            rule = a.rule.value
            rule_of.append(rule)
            # the event: the reason without its score components (kept once, on the assignment)
            payload = {"rep_id": a.rep_id, "rule": rule, "run_id": run_id}
            payload.update((f, v) for f, v in a.reason.items() if f != "components")
            why_rows.append(
                (k, bulk.JSONText(json.dumps(dict(a.reason))), bulk.JSONText(json.dumps(payload)))
            )
        picks.append((a.client_id, a.rep_id, a.campaign_id, rule_of[k], k))
    with _staged(conn, picks, why_rows) as (pick, why):
        src = (
            select(
                pick.c.client_id,
                pick.c.rep_id,
                pick.c.campaign_id,
                pick.c.rule,
                why.c.reason,
                cast(literal(run_id, Integer()), Integer),
                literal(actor),
                literal(at, UTCDateTime()),
            )
            .select_from(pick.join(why, why.c.k == pick.c.k))
            .order_by(pick.c.client_id)
        )
        conn.execute(insert(A).from_select(list(COLUMNS), src))
        if set_managers:  # False: the caller wrote the managers itself (new clients at intake)
            conn.execute(
                update(C).where(C.c.id == pick.c.client_id).values(manager_id=pick.c.rep_id, updated_at=at)
            )
            conn.execute(update(L).where(L.c.client_id == pick.c.client_id).values(manager_id=pick.c.rep_id))
        events = (
            select(cast(null(), Integer), pick.c.client_id, why.c.event)
            .select_from(pick.join(why, why.c.k == pick.c.k))
            .order_by(pick.c.client_id)
        )
        timeline.append_from(conn, EventKind.ASSIGNED, at, actor, events)
    return len(picks)


@cache
def _stage_tables(dialect: str) -> tuple[Table, Table]:
    """The picks of one start(): transaction-scoped scratch tables (never seen by another
    connection). Built on first use for the dialect at hand: a ``postgresql_*`` table option
    imports the PostgreSQL dialect (~40 ms CPU, asyncio included), which SQLite runs never need."""
    pg: dict[str, Any] = {"postgresql_on_commit": "DROP"} if dialect == "postgresql" else {}
    meta = MetaData()
    pick = Table(
        "_leadctl_assign_pick",
        meta,
        Column("client_id", Integer, primary_key=True),
        Column("rep_id", Integer, nullable=False),
        Column("campaign_id", Integer, nullable=False),
        Column("rule", String(20), nullable=False),
        Column("k", Integer, nullable=False),
        prefixes=["TEMPORARY"],
        **pg,
    )
    why = Table(
        "_leadctl_assign_why",
        meta,
        Column("k", Integer, primary_key=True),
        Column("reason", JSONType, nullable=False),
        Column("event", JSONType, nullable=False),
        prefixes=["TEMPORARY"],
        **pg,
    )
    return pick, why


@contextmanager
def _staged(
    conn: Connection, picks: Sequence[tuple[Any, ...]], why: Sequence[tuple[Any, ...]]
) -> Iterator[tuple[Table, Table]]:
    """The picks and reasons in the temporary tables (created if needed, emptied after)."""
    tables = _stage_tables(conn.dialect.name)
    for table, rows in zip(tables, (picks, why), strict=True):
        conn.execute(CreateTable(table, if_not_exists=True))
        conn.execute(delete(table))
        bulk.insert_rows(conn, table, [c.name for c in table.columns], rows)
    if conn.dialect.name == "postgresql":
        refresh_statistics(conn, *(t.name for t in tables))
    try:
        with bulk.large_cache(conn):  # SQLite: no index page spills mid-transaction
            yield tables
    finally:
        for table in tables:
            conn.execute(delete(table))


def _set_manager(conn: Connection, client_ids: Iterable[int], rep_id: int | None, at: datetime) -> None:
    ids = list(client_ids)
    for cond in in_chunks(conn, C.c.id, ids):
        conn.execute(update(C).where(cond).values(manager_id=rep_id, updated_at=at))
    for cond in in_chunks(conn, L.c.client_id, ids):
        conn.execute(update(L).where(cond).values(manager_id=rep_id))
