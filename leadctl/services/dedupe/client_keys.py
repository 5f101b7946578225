"""Clients as the matcher sees them: fetching active clients and keeping their match keys.

``match_key`` holds every blocking key of every active client (see
:func:`leadctl.services.dedupe.keys.blocking_keys`); intake looks new leads up there, and merges,
undo and reprocessing rewrite the keys of the clients they touch with :func:`refresh_keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.keys import blocking_keys, normalise
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import in_chunks

C = schema.client
K = schema.match_key

CLIENT_COLUMNS = (
    C.c.id,
    C.c.campaign_id,
    C.c.manager_id,
    C.c.origin_lead_id,
    C.c.external_id,
    C.c.custom,
    *(C.c[f] for f in schema.PERSON_COLUMNS),
)


def fetch_clients(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Active (unmerged, not retired) clients by id, in chunks of one parameter each."""
    out: dict[int, dict[str, Any]] = {}
    for cond in in_chunks(conn, C.c.id, ids):
        q = select(*CLIENT_COLUMNS).where(cond, C.c.merged_into_id.is_(None), C.c.retired_at.is_(None))
        out.update({r["id"]: r for r in bulk.rows_as_dicts(conn.execute(q))})
    return out


def survivors(conn: Connection, ids: Iterable[int]) -> dict[int, int]:
    """Client id -> the active client it was merged into (following merges of merges); an active
    client maps to itself. Ids that name no client are left out."""
    out: dict[int, int] = {}
    pending = {int(i) for i in ids}
    parent: dict[int, int | None] = {}
    while pending:
        step: set[int] = set()
        for cond in in_chunks(conn, C.c.id, pending):
            for cid, into in conn.execute(select(C.c.id, C.c.merged_into_id).where(cond)):
                parent[cid] = into
                if into is not None and into not in parent:
                    step.add(into)
        pending = step
    for cid in parent:
        root, hops = cid, 0
        while parent.get(root) is not None and hops < len(parent):
            root, hops = cast(int, parent[root]), hops + 1
        out[cid] = root
    return out


def _absorbed(conn: Connection, roots: set[int]) -> dict[int, int]:
    """Every client merged (directly or through others) into one of ``roots`` -> its root."""
    out: dict[int, int] = {}
    frontier = {r: r for r in roots}
    while frontier:
        step: dict[int, int] = {}
        for cond in in_chunks(conn, C.c.merged_into_id, frontier):
            for cid, into in conn.execute(select(C.c.id, C.c.merged_into_id).where(cond)):
                if cid not in out:
                    out[cid] = step[cid] = frontier[into]
        frontier = step
    return out


def refresh_keys(conn: Connection, client_ids: Sequence[int], config: MatchConfig) -> None:
    """Rewrite the blocking keys of clients under ``config`` (after a merge or its undo, and when
    reprocessing the leads that created them, so changed duplicate rules reach old clients).

    A merged client's keys are kept, pointing to its survivor: the person's old e-mail or phone
    keeps finding them (exact keys decide on the key itself, see intake processing). So the
    keys of each survivor are those of its own fields and of every client merged into it.
    A retired survivor has no keys (it absorbs nothing, see ``intake.client_sync``).
    """
    ids = {int(i) for i in client_ids}
    roots = {r for r in survivors(conn, ids).values()}
    members = {r: r for r in roots} | _absorbed(conn, roots)
    for cond in in_chunks(conn, K.c.client_id, ids | set(members)):
        conn.execute(delete(K).where(cond))
    campaigns: dict[int, int] = {}
    records: list[tuple[int, dict[str, Any]]] = []
    for cond in in_chunks(conn, C.c.id, members):
        for r in conn.execute(select(*CLIENT_COLUMNS, C.c.retired_at).where(cond)).mappings():
            records.append((members[r["id"]], dict(r)))
            if r["id"] in roots and r["retired_at"] is None:
                campaigns[r["id"]] = r["campaign_id"]
    seen: set[tuple[str, int]] = set()
    rows = []
    for root, client in sorted(records, key=lambda rc: (rc[0], rc[1]["id"] != rc[0], rc[1]["id"])):
        if root not in campaigns:
            continue
        for key in blocking_keys(normalise(client, config), config):
            if (key, root) not in seen:
                seen.add((key, root))
                rows.append((key, root, campaigns[root]))
    bulk.insert_rows(conn, K, ["key", "client_id", "campaign_id"], rows)
