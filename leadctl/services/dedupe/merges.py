"""Reversible merges of duplicate clients, their undo, and the merge history.

Field rule: the survivor (a cluster's first member, see :mod:`.scan`) keeps every value it
has; each empty field is filled from the other members in order (most complete first); custom
fields are merged the same way key by key. Nothing is deleted: merged clients stay, marked
``merged_into_id``, their leads are re-pointed to the survivor, and the merge row keeps
everything needed for ``dedupe undo`` to put it all back.

Assignments: a person is held by one rep at most, so a merge ends each merged client's active
assignment (``ended_reason`` ``merged``, an ``unassigned`` event naming the merge) and its
re-pointed leads show the survivor's rep. The merge row keeps the assignments it ended; undo
restarts each one with the same rep (rule ``restored``, an ``assigned`` event naming the merge)
unless the rep is no longer active or the client was given a rep since (``assignments_not_restored``).
A survivor nobody held inherits the first merged member's rep instead (rule ``inherited``): the
rep working the person keeps them. Undo ends that inherited assignment (``merge_undone``) while
it is still the survivor's, before restarting the ones the merge ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, NotFound
from leadctl.rules import Rules
from leadctl.services import events as timeline
from leadctl.services.admin.common import actor
from leadctl.services.assign import ledger
from leadctl.services.dedupe.client_keys import refresh_keys
from leadctl.services.dedupe.clustering import Cluster
from leadctl.services.dedupe.config import MatchConfig, plan
from leadctl.services.events import Event
from leadctl.services.intake import client_sync
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import AssignmentEnd, AssignmentRule, EventKind

C = schema.client
L = schema.lead
M = schema.merge
A = schema.assignment
R = schema.rep
PERSON_FIELDS = schema.PERSON_COLUMNS
# Client fields a merge fills in from the other members (custom fields merge key by key).
MERGED_FIELDS = (*PERSON_FIELDS, "external_id")


def merge_cluster(
    conn: Connection,
    cluster: Cluster,
    clients: dict[int, dict[str, Any]],
    config: MatchConfig,
    who: str,
) -> dict[str, Any]:
    survivor_id, *others = [cast(int, m) for m in cluster.members]
    survivor = clients[survivor_id]
    before: dict[str, Any] = {f: survivor.get(f) for f in MERGED_FIELDS} | {
        "custom": dict(survivor.get("custom") or {})
    }
    merged = dict(before)
    custom = dict(before["custom"])
    for cid in others:
        other = clients[cid]
        for f in MERGED_FIELDS:
            if merged.get(f) in (None, "") and other.get(f) not in (None, ""):
                merged[f] = other[f]
        for k, v in (other.get("custom") or {}).items():
            custom.setdefault(k, v)
    merged["custom"] = custom
    ts = now()
    leads = conn.execute(
        select(L.c.id, L.c.client_id, L.c.duplicate_of_client_id).where(
            (L.c.client_id.in_(others)) | (L.c.duplicate_of_client_id.in_(others))
        )
    ).all()
    held = _held(conn, others)
    snapshot: dict[str, Any] = {
        "survivor": before,
        "leads": {str(lid): {"client_id": c, "duplicate_of_client_id": d} for lid, c, d in leads},
        "assignments": held,
    }
    explanation = {
        "links": [
            {
                "a": link.a,
                "b": link.b,
                "score": round(link.comparison.score, 4),
                "rule": link.comparison.rule,
                "fields": {
                    k: (round(v, 3) if v is not None else None) for k, v in link.comparison.fields.items()
                },
            }
            for link in cluster.links
        ]
    }
    merge_id = conn.execute(
        insert(M).returning(M.c.id),
        {
            "survivor_id": survivor_id,
            "merged_ids": others,
            "snapshot": snapshot,
            "score": round(cluster.score, 4),
            "explanation": explanation,
            "actor": who,
            "created_at": ts,
        },
    ).scalar_one()
    conn.execute(update(C).where(C.c.id == survivor_id).values(**merged, updated_at=ts))
    conn.execute(update(C).where(C.c.id.in_(others)).values(merged_into_id=survivor_id, updated_at=ts))
    if held:
        ledger.end(
            conn,
            [h["client_id"] for h in held],
            AssignmentEnd.MERGED,
            actor=who,
            at=ts,
            data={"merge_id": merge_id, "into_client": survivor_id},
        )
        inherited = _inherit(conn, merge_id, survivor_id, others, held, who, ts)
        if inherited is not None:
            snapshot["inherited_assignment"] = inherited
            conn.execute(update(M).where(M.c.id == merge_id).values(snapshot=snapshot))
    if leads:
        rep = select(C.c.manager_id).where(C.c.id == survivor_id).scalar_subquery()
        conn.execute(
            update(L)
            .where(L.c.client_id.in_(others))
            .values(client_id=survivor_id, manager_id=rep, updated_at=ts)
        )
        conn.execute(
            update(L).where(L.c.duplicate_of_client_id.in_(others)).values(duplicate_of_client_id=survivor_id)
        )
        timeline.append(
            conn,
            (
                Event(
                    EventKind.MERGED,
                    ts,
                    who,
                    lead_id=lid,
                    data={"merge_id": merge_id, "from_client": c, "to_client": survivor_id},
                )
                for lid, c, _ in leads
            ),
        )
    refresh_keys(conn, [survivor_id, *others], config)
    return {"merge_id": merge_id, "survivor_id": survivor_id, "merged_ids": others, "leads_moved": len(leads)}


def _held(conn: Connection, client_ids: list[int]) -> list[dict[str, Any]]:
    """The active assignments of ``client_ids`` (what a merge ends and its undo restarts)."""
    q = (
        select(A.c.id, A.c.client_id, A.c.rep_id, A.c.campaign_id, A.c.rule)
        .where(A.c.client_id.in_(client_ids), A.c.ended_at.is_(None))
        .order_by(A.c.client_id)
    )
    return [
        {"assignment_id": i, "client_id": c, "rep_id": r, "campaign_id": k, "rule": rule}
        for i, c, r, k, rule in conn.execute(q)
    ]


def _inherit(
    conn: Connection,
    merge_id: int,
    survivor_id: int,
    others: list[int],
    held: list[dict[str, Any]],
    who: str,
    at: datetime,
) -> int | None:
    """Give a survivor nobody holds the rep of the first merged member (cluster order) that had
    an active rep; the new assignment's id, or None when the survivor keeps its own (or none)."""
    if ledger.active(conn, [survivor_id]):
        return None
    active_reps = {
        rid
        for (rid,) in conn.execute(select(R.c.id).where(R.c.id.in_({h["rep_id"] for h in held}), R.c.active))
    }
    by_client = {h["client_id"]: h for h in held}
    source = next(
        (by_client[c] for c in others if c in by_client and by_client[c]["rep_id"] in active_reps), None
    )
    if source is None:
        return None
    reason = {
        "merge_id": merge_id,
        "from_client": source["client_id"],
        "inherits_assignment": source["assignment_id"],
    }
    ledger.start(
        conn,
        [
            ledger.NewAssignment(
                survivor_id, source["rep_id"], source["campaign_id"], AssignmentRule.INHERITED, reason
            )
        ],
        actor=who,
        at=at,
    )
    return _active_assignment_id(conn, survivor_id)


def _active_assignment_id(conn: Connection, client_id: int) -> int | None:
    q = select(A.c.id).where(A.c.client_id == client_id, A.c.ended_at.is_(None))
    return conn.execute(q).scalar_one_or_none()


def _restart(
    conn: Connection, merge_id: int, held: list[dict[str, Any]], who: str, at: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Give each merged client back the rep the merge ended; return (restored, not restored)."""
    if not held:
        return [], []
    reps = {
        rid: (email, bool(on))
        for rid, email, on in conn.execute(
            select(R.c.id, R.c.email, R.c.active).where(R.c.id.in_({h["rep_id"] for h in held}))
        )
    }
    taken = ledger.active(conn, [h["client_id"] for h in held])
    restart: list[ledger.NewAssignment] = []
    restored: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for h in held:
        email, on = reps.get(h["rep_id"], (None, False))
        row = {"client_id": h["client_id"], "rep": email}
        why = "rep inactive" if not on else "held by another rep" if h["client_id"] in taken else None
        if why:
            skipped.append({**row, "why": why})
            continue
        reason = {"merge_id": merge_id, "restores_assignment": h["assignment_id"], "previous_rule": h["rule"]}
        restart.append(
            ledger.NewAssignment(
                h["client_id"], h["rep_id"], h["campaign_id"], AssignmentRule.RESTORED, reason
            )
        )
        restored.append(row)
    ledger.start(conn, restart, actor=who, at=at)
    return restored, skipped


def undo(engine: Engine, rules: Rules, merge_id: int) -> dict[str, Any]:
    """Put back everything a merge changed: survivor fields, merged clients, re-pointed leads
    (except leads changed since, which keep their state: ``leads_kept``) and the assignments it
    ended (``assignments_restored``; those it cannot: ``assignments_not_restored``)."""
    config = plan(rules.duplicates)
    with write(engine) as conn:
        intake_lock(conn)
        m = conn.execute(select(M).where(M.c.id == merge_id)).mappings().first()
        if m is None:
            raise NotFound(f"no merge {merge_id} (see 'leadctl dedupe history')")
        if m["undone_at"] is not None:
            raise ConflictError(f"merge {merge_id} was already undone at {m['undone_at'].isoformat()}")
        involved = [m["survivor_id"], *m["merged_ids"]]
        later = conn.execute(
            select(M.c.id).where(M.c.id > merge_id, M.c.undone_at.is_(None), M.c.survivor_id.in_(involved))
        ).first()
        if later is not None:
            raise ConflictError(f"merge {later[0]} built on merge {merge_id}; undo merge {later[0]} first")
        ts = now()
        who = actor()
        conn.execute(
            update(C).where(C.c.id == m["survivor_id"]).values(**m["snapshot"]["survivor"], updated_at=ts)
        )
        conn.execute(update(C).where(C.c.id.in_(m["merged_ids"])).values(merged_into_id=None, updated_at=ts))
        lead_rows, kept = _restorable(conn, m["snapshot"]["leads"], m["survivor_id"], m["merged_ids"])
        if lead_rows:
            conn.execute(
                update(L)
                .where(L.c.id == bindparam("b_id"))
                .values(
                    client_id=bindparam("client_id"),
                    duplicate_of_client_id=bindparam("duplicate_of_client_id"),
                ),
                lead_rows,
            )
            timeline.append(
                conn,
                (
                    Event(
                        EventKind.MERGE_UNDONE,
                        ts,
                        who,
                        lead_id=r["b_id"],
                        data={"merge_id": merge_id, "client_id": r["client_id"]},
                    )
                    for r in lead_rows
                ),
            )
        inherited = m["snapshot"].get("inherited_assignment")
        if inherited is not None and _active_assignment_id(conn, m["survivor_id"]) == inherited:
            ledger.end(
                conn,
                [m["survivor_id"]],
                AssignmentEnd.MERGE_UNDONE,
                actor=who,
                at=ts,
                data={"merge_id": merge_id},
            )
        restored, skipped = _restart(conn, merge_id, m["snapshot"].get("assignments", []), who, ts)
        if lead_rows:  # each restored lead shows its own client's rep again
            rep = select(C.c.manager_id).where(C.c.id == L.c.client_id).scalar_subquery()
            for cond in in_chunks(conn, L.c.id, [r["b_id"] for r in lead_rows]):
                conn.execute(update(L).where(cond).values(manager_id=rep))
        conn.execute(update(M).where(M.c.id == merge_id).values(undone_at=ts, undone_by=who))
        refresh_keys(conn, involved, config)
        # A client given back no lead (all changed since the merge) absorbs nothing: it retires.
        client_sync.retire_orphans(conn, dict.fromkeys(involved), who=who, at=ts)
    return {
        "merge_id": merge_id,
        "survivor_id": m["survivor_id"],
        "restored_clients": m["merged_ids"],
        "leads_restored": len(lead_rows),
        "leads_kept": kept,
        "assignments_restored": restored,
        "assignments_not_restored": skipped,
    }


def _restorable(
    conn: Connection, saved: dict[str, dict[str, Any]], survivor_id: int, merged_ids: list[int]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The saved lead links that undo may write back, and the leads it keeps as they are.

    A lead whose links are no longer those the merge left (a reprocess or fix since rejected it,
    or linked it elsewhere) keeps its current, consistent state: writing the saved links over it
    would leave e.g. a rejected lead with a client.
    """
    merged = set(merged_ids)

    def after_merge(cid: int | None) -> int | None:
        return survivor_id if cid in merged else cid

    now_links: dict[int, tuple[int | None, int | None]] = {}
    for cond in in_chunks(conn, L.c.id, [int(lid) for lid in saved]):
        q = select(L.c.id, L.c.client_id, L.c.duplicate_of_client_id).where(cond)
        now_links.update({lid: (c, d) for lid, c, d in conn.execute(q)})
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    for lid, v in sorted(saved.items(), key=lambda kv: int(kv[0])):
        c, d = v["client_id"], v["duplicate_of_client_id"]
        if now_links.get(int(lid)) == (after_merge(c), after_merge(d)):
            rows.append({"b_id": int(lid), "client_id": c, "duplicate_of_client_id": d})
        else:
            kept.append(int(lid))
    return rows, kept


def history(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(M).order_by(M.c.id)).mappings().all()
    return [
        {
            "merge_id": r["id"],
            "survivor_id": r["survivor_id"],
            "merged_ids": r["merged_ids"],
            "score": r["score"],
            "actor": r["actor"],
            "created_at": r["created_at"],
            "undone_at": r["undone_at"],
            "undone_by": r["undone_by"],
        }
        for r in rows
    ]
