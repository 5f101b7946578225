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
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from leadctl.services import events as timeline
from leadctl.services.events import Event
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import in_chunks
from leadctl.vocab import AssignmentEnd, AssignmentRule, EventKind

A = schema.assignment
C = schema.client
L = schema.lead

COLUMNS = ("client_id", "rep_id", "campaign_id", "rule", "reason", "run_id", "actor", "started_at")


@dataclass(frozen=True, slots=True)
class NewAssignment:
    """One client to give to one rep, and why (``reason``: rule details or score components)."""

    client_id: int
    rep_id: int
    campaign_id: int
    rule: AssignmentRule
    reason: Mapping[str, Any] = field(default_factory=dict)


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
    second one); update the managers shown on clients and leads; return how many."""
    if not assignments:
        return 0
    # A run gives thousands of clients the same reason object (one per rep): each distinct
    # reason, and each distinct event payload, is serialised to JSON once, not once per row.
    reason_text: dict[int, bulk.JSONText] = {}
    event_text: dict[tuple[int, int, str], bulk.JSONText] = {}
    rows = []
    events = []
    for a in assignments:
        key = id(a.reason)
        text = reason_text.get(key)
        if text is None:
            text = reason_text[key] = bulk.JSONText(json.dumps(dict(a.reason)))
        rows.append((a.client_id, a.rep_id, a.campaign_id, a.rule.value, text, run_id, actor, at))
        ekey = (key, a.rep_id, a.rule.value)
        data = event_text.get(ekey)
        if data is None:
            # the reason without its score components (kept once, on the assignment row)
            payload = {"rep_id": a.rep_id, "rule": a.rule.value, "run_id": run_id}
            payload.update((k, v) for k, v in a.reason.items() if k != "components")
            data = event_text[ekey] = bulk.JSONText(json.dumps(payload))
        events.append(Event(EventKind.ASSIGNED, at, actor, client_id=a.client_id, data=data))
    bulk.insert_rows(conn, A, COLUMNS, rows)
    if set_managers:  # False: the caller wrote the managers itself (new clients at intake)
        _follow_ledger(conn, [a.client_id for a in assignments], at)
    timeline.append(conn, events)
    return len(rows)


def _set_manager(conn: Connection, client_ids: Iterable[int], rep_id: int | None, at: datetime) -> None:
    ids = list(client_ids)
    for cond in in_chunks(conn, C.c.id, ids):
        conn.execute(update(C).where(cond).values(manager_id=rep_id, updated_at=at))
    for cond in in_chunks(conn, L.c.client_id, ids):
        conn.execute(update(L).where(cond).values(manager_id=rep_id))


def _follow_ledger(conn: Connection, client_ids: Iterable[int], at: datetime) -> None:
    """Set the managers of clients (and their leads) to their active assignment's rep: two
    set-based statements per chunk, whatever the number of reps."""
    ids = list(client_ids)
    active_rep = select(A.c.rep_id).where(A.c.client_id == C.c.id, A.c.ended_at.is_(None)).scalar_subquery()
    for cond in in_chunks(conn, C.c.id, ids):
        conn.execute(update(C).where(cond).values(manager_id=active_rep, updated_at=at))
    client_manager = select(C.c.manager_id).where(C.c.id == L.c.client_id).scalar_subquery()
    for cond in in_chunks(conn, L.c.client_id, ids):
        conn.execute(update(L).where(cond).values(manager_id=client_manager))
