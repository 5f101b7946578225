"""Keeping clients in step with their leads (issue 7, items 5 and 6).

- **A fix flows to the client** (``leads fix`` on a processed lead, see ``intake.fixes``): each
  corrected identity field of the lead that *created* the client is copied to it where the
  client still holds the lead's old value or nothing (a value a merge or a person put there
  stays), recorded as ``client_updated``; the client's match keys are rewritten, so a later row
  with the new e-mail or phone joins it. A duplicate lead is not the client's origin: it is
  re-matched instead (the fixed lead goes to whichever client it now matches, or makes its own).
- **Orphans retire**: a client that no lead links to any more (its leads were all rejected or
  moved to another client) is retired — ``retired_at`` set, its match keys deleted (it absorbs
  no duplicates), its active assignment ended, hidden from ``clients list`` and from assignment,
  a ``retired`` event on its timeline. A client whose origin lead is rejected while duplicates
  still link to it keeps them and stays active.
- **Reclaim**: the lead that created a retired client takes it back (never a second client) when
  it is processed again; recorded as ``client_updated`` (``retired_at`` before → after).

Set-based: each function takes many clients and issues a few statements per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from leadctl.services import events as timeline
from leadctl.services.events import Event
from leadctl.storage import schema
from leadctl.storage.sqlfunc import in_chunks
from leadctl.vocab import AssignmentEnd, EventKind

C = schema.client
L = schema.lead
K = schema.match_key

# Lead fields a fix carries over to the client the lead created.
FLOWING_FIELDS: tuple[str, ...] = (*schema.PERSON_COLUMNS, "external_id", "affiliate_id")
RETIRED_REASON = "no lead links to it any more (rejected or moved to another client)"


def _empty(value: Any) -> bool:
    return value is None or value == ""


def created_client(conn: Connection, lead_id: int) -> dict[str, Any] | None:
    """The client this lead created (merged or not), or None."""
    q = select(C).where(C.c.origin_lead_id == lead_id).order_by(C.c.id).limit(1)
    row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def flow_fix(
    conn: Connection,
    lead_id: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    who: str,
    at: datetime,
) -> int | None:
    """Copy a fix of lead ``lead_id`` (``before``/``after`` of the changed fields) to the client it
    created; return that client's id when something changed (its keys need refreshing)."""
    client = created_client(conn, lead_id)
    if client is None:
        return None
    changes = {
        f: after[f]
        for f in FLOWING_FIELDS
        if f in after and (client[f] == before.get(f) or _empty(client[f])) and client[f] != after[f]
    }
    if not changes:
        return None
    conn.execute(update(C).where(C.c.id == client["id"]).values(**changes, updated_at=at))
    data = {"lead_id": lead_id, "before": {f: client[f] for f in changes}, "after": changes}
    timeline.append(conn, [Event(EventKind.CLIENT_UPDATED, at, who, client_id=client["id"], data=data)])
    return int(client["id"])


def retired(conn: Connection, client_ids: Iterable[int]) -> dict[int, datetime]:
    """The retired ones among ``client_ids`` -> when they retired."""
    out: dict[int, datetime] = {}
    for cond in in_chunks(conn, C.c.id, client_ids):
        q = select(C.c.id, C.c.retired_at).where(cond, C.c.retired_at.is_not(None))
        out.update({cid: at for cid, at in conn.execute(q)})
    return out


def reclaim(conn: Connection, by_client: Mapping[int, int], *, who: str, at: datetime) -> None:
    """Bring retired clients back (``by_client``: client id -> the origin lead taking it back).
    The caller rewrites their match keys."""
    was = retired(conn, by_client)
    if not was:
        return
    for cond in in_chunks(conn, C.c.id, was):
        conn.execute(update(C).where(cond).values(retired_at=None, updated_at=at))
    timeline.append(
        conn,
        (
            Event(
                EventKind.CLIENT_UPDATED,
                at,
                who,
                client_id=cid,
                data={
                    "lead_id": by_client[cid],
                    "before": {"retired_at": when.isoformat()},
                    "after": {"retired_at": None},
                },
            )
            for cid, when in sorted(was.items())
        ),
    )


def retire_orphans(conn: Connection, lost: Mapping[int, int | None], *, who: str, at: datetime) -> list[int]:
    """Retire the active clients among ``lost`` (client id -> the lead that left it) that no lead
    links to any more; return their ids."""
    if not lost:
        return []
    from leadctl.services.assign import ledger

    linked: set[int] = set()
    for cond in in_chunks(conn, L.c.client_id, lost):
        linked.update(cid for (cid,) in conn.execute(select(L.c.client_id).where(cond).distinct()))
    orphans: list[int] = []
    for cond in in_chunks(conn, C.c.id, set(lost) - linked):
        q = select(C.c.id).where(cond, C.c.merged_into_id.is_(None), C.c.retired_at.is_(None))
        orphans.extend(cid for (cid,) in conn.execute(q))
    if not orphans:
        return []
    orphans.sort()
    for cond in in_chunks(conn, C.c.id, orphans):
        conn.execute(update(C).where(cond).values(retired_at=at, updated_at=at))
    for cond in in_chunks(conn, K.c.client_id, orphans):
        conn.execute(delete(K).where(cond))
    ledger.end(conn, orphans, AssignmentEnd.RETURNED_TO_POOL, actor=who, at=at, data={"retired": True})
    timeline.append(
        conn,
        (
            Event(
                EventKind.RETIRED,
                at,
                who,
                client_id=cid,
                data={"reason": RETIRED_REASON, "lead_id": lost[cid]},
            )
            for cid in orphans
        ),
    )
    return orphans
