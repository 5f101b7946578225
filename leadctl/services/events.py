"""The one timeline writer: every ``lead_event`` row is appended here, nowhere else.

The timeline is append-only (never updated, never deleted) and metrics query it, so each
kind has one documented payload (``data``), listed in ``PAYLOADS`` below and in the README
glossary. An event belongs to a lead, to a client, or to both (``lead_id`` / ``client_id``).

Appending is set-based: ``append`` takes any number of events and writes them with one bulk
insert inside the caller's transaction (``storage.engine.write``), so a batch of 5,000 leads
costs one statement, and a failed command leaves no event behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection

from leadctl.vocab import EventKind

if TYPE_CHECKING:
    from leadctl.storage.bulk import JSONText

# kind -> what its ``data`` holds (the contract metrics and `leads show` read).
PAYLOADS: dict[EventKind, str] = {
    EventKind.LOADED: "not stored: `leads show` builds it from the load (file, line, load id)",
    EventKind.PROCESSED: "client_id, manager_id; created_client: true when this lead created the client",
    EventKind.DUPLICATE: "client_id, manager_id, score (0–1), rule (exact:email, fuzzy, …), fields (matched)",
    EventKind.REJECTED: "reasons (list of 'field: why')",
    EventKind.REPROCESSED: (
        "status (the new one), as for that status (client_id, manager_id, score, rule, fields or "
        "reasons), before: {status, reasons, client_id, manager_id}"
    ),
    EventKind.FIXED: "before: {field: value}, after: {field: value} (only the fields that changed)",
    EventKind.MERGED: "merge_id, from_client, to_client",
    EventKind.MERGE_UNDONE: "merge_id, client_id (the client the lead belongs to again)",
    EventKind.ASSIGNED: "rep_id, rule (vocab.AssignmentRule), run_id, and the rule's reason (e.g. rank, score)",
    EventKind.UNASSIGNED: "rep_id (the rep it had), reason (vocab.AssignmentEnd)",
    EventKind.STAGE_CHANGED: "from, to (vocab.Stage), cause (the activity id or rule that moved it)",
    EventKind.SUPPRESSED: "suppression_id, kind (email|phone), value, reason",
    EventKind.UNSUPPRESSED: "suppression_id, kind, value",
    EventKind.ESCALATED: (
        "sla (first_contact|follow_up), level, deadline, action (raise_priority|notify|reassign), "
        "to_rep_id, share (of the SLA elapsed when it fired)"
    ),
    EventKind.CLIENT_UPDATED: "lead_id (the corrected lead), before: {field: value}, after: {field: value}",
    EventKind.RETIRED: "reason (why the client absorbs no more leads), lead_id (the lead that caused it)",
    EventKind.LISTED: "list_id, list (its name)",
    EventKind.UNLISTED: "list_id, list (its name)",
    EventKind.CLAIMED: "rep_id, lease_until, tier (the queue tier it was served from)",
    EventKind.CALL_BLOCKED: "rep_id, reason (calling_window|call_cap|do_not_contact|cooldown), until (when callable)",
    EventKind.CALL_VIOLATION: "rep_id, activity_id, rule (calling_window|call_cap|do_not_contact|cooldown)",
}

COLUMNS = ("lead_id", "client_id", "at", "kind", "actor", "data")


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline entry. ``at`` is an aware UTC datetime; ``actor`` who did it."""

    kind: EventKind
    at: datetime
    actor: str
    lead_id: int | None = None
    client_id: int | None = None
    data: Mapping[str, Any] | JSONText = field(default_factory=dict)  # JSONText: already serialised

    def __post_init__(self) -> None:
        if self.lead_id is None and self.client_id is None:
            raise ValueError(f"a {self.kind} event needs a lead or a client")
        if self.kind is EventKind.LOADED:
            raise ValueError("'loaded' entries come from the load record and are never stored")


def append(conn: Connection, events: Iterable[Event]) -> int:
    """Append events in one bulk insert (inside the caller's transaction); return how many."""
    from leadctl.storage import bulk, schema

    # ``data`` may be ``bulk.JSONText`` (a payload already serialised, shared by many events)
    rows = [
        (
            e.lead_id,
            e.client_id,
            e.at,
            e.kind.value,
            e.actor,
            e.data if isinstance(e.data, bulk.JSONText) else dict(e.data),
        )
        for e in events
    ]
    bulk.insert_rows(conn, schema.lead_event, COLUMNS, rows)
    return len(rows)


def append_from(conn: Connection, kind: EventKind, at: datetime, actor: str, rows: Select[Any]) -> int:
    """Append one ``kind`` event per row of ``rows`` — a SELECT of ``(lead_id, client_id, data)``
    (``data``: the payload as JSON) — with one ``INSERT … SELECT`` inside the database: a run
    that starts 100,000 assignments writes their events without a Python row per event."""
    from sqlalchemy import insert, literal, select

    from leadctl.storage import schema
    from leadctl.storage.types import UTCDateTime

    Event(kind, at, actor, client_id=0)  # the same checks as one event (e.g. never LOADED)
    sub = rows.subquery()
    lead_id, client_id, data = sub.c
    src = select(
        lead_id,
        client_id,
        literal(at, UTCDateTime()),
        literal(kind.value),
        literal(actor),
        data,
    )
    result = conn.execute(insert(schema.lead_event).from_select(list(COLUMNS), src))
    return int(result.rowcount or 0)
