"""Merge proposals: clients linked through one new lead, which ``process`` does not merge itself.

A lead that matches several stored clients at or above the threshold joins the best of them
(:func:`.candidates.best_client`, as always); the others may be the same person, or namesakes
the lead happens to resemble both of. Merging them on the strength of a third record is not
safe to do unattended, so intake records a proposal (one per set of clients, never twice) and
an admin decides: ``dedupe proposals`` lists them, ``dedupe apply`` merges one through the same
reversible merge as ``dedupe scan --apply`` (:func:`.merges.merge_cluster`, so ``dedupe undo``
puts it back), ``dedupe reject`` keeps the clients apart for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, NotFound
from leadctl.rules import Rules
from leadctl.services.admin.common import actor
from leadctl.services.dedupe.client_keys import fetch_clients, survivors
from leadctl.services.dedupe.clustering import Cluster, Link
from leadctl.services.dedupe.config import Id
from leadctl.services.dedupe.keys import normalise
from leadctl.services.dedupe.similarity import compare
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import ProposalStatus

P = schema.merge_proposal
C = schema.client
L = schema.lead
# A lead resembling more clients than this is no evidence they are one person: the first are kept.
MAX_CLIENTS = 10


@dataclass(frozen=True, slots=True)
class Linked:
    """A lead that joined ``client_id`` (scoring ``score``) and also matches ``others``."""

    lead_id: int
    client_id: int
    score: float
    others: Sequence[tuple[int, float]]


def propose(conn: Connection, linked: Sequence[Linked], *, who: str, at: datetime | None = None) -> int:
    """Record a proposal for each new set of linked clients (intake holds the write transaction
    and the intake lock); return how many were new."""
    rows: dict[str, dict[str, Any]] = {}
    for link in linked:
        scores = {link.client_id: link.score}
        for cid, sc in link.others:
            scores.setdefault(cid, sc)
        ids = list(scores)[:MAX_CLIENTS]
        key = ",".join(str(i) for i in sorted(ids))
        if len(ids) > 1 and key not in rows:
            rows[key] = {
                "clients_key": key,
                "client_ids": ids,
                "lead_id": link.lead_id,
                "scores": {str(c): round(scores[c], 4) for c in ids},
                "status": ProposalStatus.OPEN,
                "actor": who,
                "created_at": at or now(),
            }
    if not rows:
        return 0
    for cond in in_chunks(conn, P.c.clients_key, rows):
        for (key,) in conn.execute(select(P.c.clients_key).where(cond)):
            rows.pop(key, None)
    if rows:
        conn.execute(insert(P), list(rows.values()))
    return len(rows)


def listing(engine: Engine, status: ProposalStatus | None = ProposalStatus.OPEN) -> list[dict[str, Any]]:
    """Proposals (open ones by default, oldest first) with the clients' names and e-mails."""
    q = select(P).order_by(P.c.id)
    if status is not None:
        q = q.where(P.c.status == status)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        ids = {cid for r in rows for cid in r["client_ids"]}
        people: dict[int, str] = {}
        for cond in in_chunks(conn, C.c.id, ids):
            q2 = select(C.c.id, C.c.first_name, C.c.last_name, C.c.email).where(cond)
            for cid, first, last, email in conn.execute(q2):
                name = f"{first or ''} {last or ''}".strip()
                people[cid] = f"{name} <{email}>" if email else name
    return [
        {
            "proposal_id": r["id"],
            "status": r["status"],
            "client_ids": r["client_ids"],
            "clients": " | ".join(people.get(c, f"client {c}") for c in r["client_ids"]),
            "lead_id": r["lead_id"],
            "score": min(r["scores"].values()) if r["scores"] else None,
            "scores": r["scores"],
            "created_at": r["created_at"],
            "decided_at": r["decided_at"],
            "decided_by": r["decided_by"],
            "merge_id": r["merge_id"],
        }
        for r in rows
    ]


def count_open(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).where(P.c.status == ProposalStatus.OPEN)).scalar_one())


def _open(conn: Connection, ids: Sequence[int] | None) -> list[dict[str, Any]]:
    q = select(P).order_by(P.c.id)
    if ids is None:
        return [dict(r) for r in conn.execute(q.where(P.c.status == ProposalStatus.OPEN)).mappings()]
    found = {r["id"]: dict(r) for r in conn.execute(q.where(P.c.id.in_(list(ids)))).mappings()}
    for pid in ids:
        if pid not in found:
            raise NotFound(f"no merge proposal {pid} (see 'leadctl dedupe proposals')")
        if found[pid]["status"] != ProposalStatus.OPEN:
            raise ConflictError(f"merge proposal {pid} is {found[pid]['status']} already")
    return [found[pid] for pid in dict.fromkeys(ids)]


def apply(engine: Engine, rules: Rules, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Merge the clients of the given open proposals (all open ones with ``ids`` None), each
    reversibly; a proposal whose clients are one already (or gone) becomes ``superseded``."""
    from leadctl.services.dedupe.merges import merge_cluster
    from leadctl.services.dedupe.model import plan_for
    from leadctl.services.dedupe.scan import survivor_order

    who = actor()
    out: list[dict[str, Any]] = []
    with write(engine) as conn:
        intake_lock(conn)
        config = plan_for(conn, rules.duplicates)
        for p in _open(conn, ids):
            ts = now()
            roots = survivors(conn, p["client_ids"])
            members = list(dict.fromkeys(roots[c] for c in p["client_ids"] if c in roots))
            clients = fetch_clients(conn, members)
            members = survivor_order([c for c in members if c in clients], clients)
            if len(members) < 2:
                conn.execute(
                    update(P)
                    .where(P.c.id == p["id"])
                    .values(status=ProposalStatus.SUPERSEDED, decided_at=ts, decided_by=who)
                )
                out.append(
                    {"proposal_id": p["id"], "status": ProposalStatus.SUPERSEDED.value, "merge_id": None}
                )
                continue
            links: list[Link] = []
            if p["lead_id"] is not None:
                cols = (L.c.id, L.c.external_id, L.c.custom, *(L.c[f] for f in schema.PERSON_COLUMNS))
                lead = conn.execute(select(*cols).where(L.c.id == p["lead_id"])).mappings().first()
                if lead is not None:
                    norm = normalise(lead, config)
                    links = [
                        Link(f"lead:{p['lead_id']}", c, compare(norm, normalise(clients[c], config), config))
                        for c in members
                    ]
            member_ids: list[Id] = list(members)
            merged = merge_cluster(conn, Cluster(member_ids, links), clients, config, who)
            conn.execute(
                update(P)
                .where(P.c.id == p["id"])
                .values(
                    status=ProposalStatus.APPLIED,
                    decided_at=ts,
                    decided_by=who,
                    merge_id=merged["merge_id"],
                )
            )
            out.append({"proposal_id": p["id"], "status": ProposalStatus.APPLIED.value, **merged})
    return out


def reject(engine: Engine, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Keep the clients of these open proposals apart (the set is never proposed again)."""
    who = actor()
    with write(engine) as conn:
        rows = _open(conn, ids)
        ts = now()
        for cond in in_chunks(conn, P.c.id, [r["id"] for r in rows]):
            conn.execute(
                update(P).where(cond).values(status=ProposalStatus.REJECTED, decided_at=ts, decided_by=who)
            )
    return [{"proposal_id": r["id"], "status": ProposalStatus.REJECTED.value} for r in rows]
