"""Clients as the matcher sees them: fetching active clients and keeping their match keys.

``match_key`` holds every blocking key of every active client (see
:func:`leadctl.services.dedupe.keys.blocking_keys`); intake looks new leads up there, and merges,
undo and reprocessing rewrite the keys of the clients they touch with :func:`refresh_keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

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
    """Active (unmerged) clients by id, in chunks of one parameter each."""
    out: dict[int, dict[str, Any]] = {}
    for cond in in_chunks(conn, C.c.id, ids):
        q = select(*CLIENT_COLUMNS).where(cond, C.c.merged_into_id.is_(None))
        out.update({r["id"]: dict(r) for r in conn.execute(q).mappings()})
    return out


def refresh_keys(conn: Connection, client_ids: Sequence[int], config: MatchConfig) -> None:
    """Rewrite the blocking keys of clients under ``config`` (after a merge or its undo, and when
    reprocessing the leads that created them, so changed duplicate rules reach old clients)."""
    ids = list(client_ids)
    for cond in in_chunks(conn, K.c.client_id, ids):
        conn.execute(delete(K).where(cond))
    rows = [
        (key, client["id"], client["campaign_id"])
        for client in fetch_clients(conn, ids).values()
        for key in dict.fromkeys(blocking_keys(normalise(client, config), config))
    ]
    bulk.insert_rows(conn, K, ["key", "client_id", "campaign_id"], rows)
