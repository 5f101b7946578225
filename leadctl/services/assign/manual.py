"""Manual moves and rep availability: `reassign`, `rep away`, `rep leave`.

A manual move is recorded with rule MANUAL (routing accuracy counts them). Clients are claimed
(``storage.claims``) so a concurrent assign or top-up never gives the same client twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from leadctl.errors import ConflictError, InputError, NotFound
from leadctl.rules import Rules
from leadctl.services.admin.lookup import find_rep
from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import claims, schema
from leadctl.storage.engine import read, write
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import AssignmentEnd, AssignmentRule

A = schema.assignment
C = schema.client
CR = schema.campaign_rep
R = schema.rep


def reassign(
    engine: Engine,
    to_ref: str,
    *,
    from_ref: str | None = None,
    client_ids: Iterable[int] = (),
    reason: str | None = None,
    dry_run: bool = False,
    actor: str = "leadctl",
) -> dict[str, Any]:
    ids = sorted(set(client_ids))
    if not ids and from_ref is None:
        raise InputError("say which clients: give client ids, an ids file, or the rep to move them from")
    with write(engine) as conn:
        at = now()
        to = find_rep(conn, to_ref)
        if not to["active"]:
            raise ConflictError(
                f"rep {to['email']} is deactivated; reactivate with 'leadctl rep edit --active'"
            )
        src = find_rep(conn, from_ref) if from_ref is not None else None
        if not ids:
            ids = list(
                conn.execute(
                    select(A.c.client_id).where(A.c.rep_id == src["id"], A.c.ended_at.is_(None))  # type: ignore[index]
                ).scalars()
            )
        camp: dict[int, int] = {}
        for cond in in_chunks(conn, C.c.id, ids):
            camp.update(dict(conn.execute(select(C.c.id, C.c.campaign_id).where(cond)).all()))  # type: ignore[arg-type]
        missing = [i for i in ids if i not in camp]
        if missing:
            shown = ", ".join(map(str, missing[:10]))
            raise NotFound(
                f"no client {shown}" + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
            )
        approved = set(
            conn.execute(
                select(CR.c.campaign_id).where(CR.c.rep_id == to["id"], CR.c.revoked_at.is_(None))
            ).scalars()
        )
        outside = sorted({c for c in camp.values() if c not in approved})
        if outside:
            raise ConflictError(
                f"rep {to['email']} is not approved on the campaign{'s' if len(outside) > 1 else ''} "
                f"(id {', '.join(map(str, outside))}) of these clients "
                "(see 'leadctl campaign approve')"
            )
        current = ledger.active(conn, ids)
        if src is not None:
            not_theirs = [i for i in ids if current.get(i) != src["id"]]
            if not_theirs and client_ids:
                raise ConflictError(
                    f"{'clients' if len(not_theirs) > 1 else 'client'} {', '.join(map(str, not_theirs[:10]))} "
                    f"{'are' if len(not_theirs) > 1 else 'is'} not assigned to {src['email']}"
                )
        movable = [i for i in ids if current.get(i) != to["id"]]
        got = claims.claim(conn, C, movable) if not dry_run else set(movable)
        emails = dict(conn.execute(select(R.c.id, R.c.email)).all())  # type: ignore[arg-type]
        moved: list[dict[str, Any]] = [
            {"client_id": i, "from_rep": emails.get(current.get(i))} for i in movable if i in got
        ]
        out = {
            "to": to["email"],
            "moved": moved,
            "already_theirs": [i for i in ids if current.get(i) == to["id"]],
            "busy": [i for i in movable if i not in got],
            "reason": reason,
            "dry_run": dry_run,
        }
        if dry_run or not moved:
            return out
        move_ids = [m["client_id"] for m in moved]
        ledger.end(conn, move_ids, AssignmentEnd.REASSIGNED, actor=actor, at=at, data={"to_rep_id": to["id"]})
        ledger.start(
            conn,
            [
                NewAssignment(
                    m["client_id"],
                    to["id"],
                    camp[m["client_id"]],
                    AssignmentRule.MANUAL,
                    {"reason": reason, "from_rep": m["from_rep"]},
                )
                for m in moved
            ],
            actor=actor,
            at=at,
        )
        return out


def away(
    engine: Engine, rep_ref: str, starts: datetime, ends: datetime, reason: str | None, actor: str
) -> dict[str, Any]:
    if ends <= starts:
        raise InputError("until: must be after from")
    with write(engine) as conn:
        rep = find_rep(conn, rep_ref)
        rid = conn.execute(
            insert(schema.rep_away).values(
                rep_id=rep["id"],
                starts_at=starts,
                ends_at=ends,
                reason=reason,
                created_at=now(),
                created_by=actor,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        return {"id": int(rid), "rep": rep["email"], "from": starts, "until": ends, "reason": reason}


def leave(
    engine: Engine, rules: Rules, rep_ref: str, *, reassign_by_rules: bool, dry_run: bool, actor: str
) -> dict[str, Any]:
    """Offboard a rep: deactivate them; their open clients return to the pool (and, with
    ``reassign_by_rules``, are handed out again by ``assign`` for each campaign)."""
    with read(engine) as conn:
        rep = find_rep(conn, rep_ref)
        rows = conn.execute(
            select(A.c.campaign_id, func.count())
            .where(A.c.rep_id == rep["id"], A.c.ended_at.is_(None))
            .group_by(A.c.campaign_id)
        ).all()
    per_campaign = {int(c): int(n) for c, n in rows}
    out: dict[str, Any] = {
        "rep": rep["email"],
        "open_clients": sum(per_campaign.values()),
        "by_campaign": per_campaign,
        "dry_run": dry_run,
        "then": "reassigned by the rules (assign)" if reassign_by_rules else "returned to the pool",
    }
    if dry_run:
        return out
    with write(engine) as conn:
        at = now()
        # Deactivate first: on PostgreSQL this waits for any run that share-locked the rep
        # (eligibility.roster) to commit, so the clients it gave them are seen and returned below.
        conn.execute(
            update(R).where(R.c.id == rep["id"]).values(active=False, deactivated_at=at, updated_at=at)
        )
        ids = list(
            conn.execute(
                select(A.c.client_id).where(A.c.rep_id == rep["id"], A.c.ended_at.is_(None))
            ).scalars()
        )
        got = claims.claim(conn, C, ids)
        ledger.end(conn, got, AssignmentEnd.REP_LEFT, actor=actor, at=at)
        out["returned"] = len(got)
    if reassign_by_rules and per_campaign:
        from leadctl.services.assign import campaign_run

        out["reassigned"] = 0
        for cid in per_campaign:
            for res in campaign_run.run(engine, rules, str(cid), actor=actor):
                out["reassigned"] += res.assigned
    return out
