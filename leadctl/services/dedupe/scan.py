"""Duplicate scans over active clients (``leadctl dedupe scan``), optionally merging each cluster.

Survivor rule (documented in README): of a cluster's clients, the survivor is the one with
the most filled-in contact and business fields; ties go to the earliest created (lowest id).
The merge itself (reversible) is :func:`leadctl.services.dedupe.merges.merge_cluster`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from leadctl.reporting import SILENT, ProgressBar, Reporter
from leadctl.rules import Rules
from leadctl.services.admin.common import actor
from leadctl.services.dedupe.blocking import ScanStats
from leadctl.services.dedupe.client_keys import CLIENT_COLUMNS, fetch_clients
from leadctl.services.dedupe.clustering import Cluster, cluster
from leadctl.services.dedupe.keys import NormRecord, normalise
from leadctl.services.dedupe.merges import PERSON_FIELDS, merge_cluster
from leadctl.services.dedupe.model import plan_for
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock

C = schema.client
L = schema.lead


@dataclass
class ScanResult:
    clusters: list[Cluster]
    clients: dict[int, dict[str, Any]]
    stats: ScanStats
    warnings: list[str] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    proposals: int = 0  # open merge proposals from process (leadctl dedupe proposals)


def _client_query(campaign_id: int | None, bucket_id: int | None) -> Any:
    q = select(*CLIENT_COLUMNS).where(C.c.merged_into_id.is_(None), C.c.retired_at.is_(None))
    if campaign_id is not None:
        q = q.where(C.c.campaign_id == campaign_id)
    if bucket_id is not None:
        q = q.where(C.c.origin_lead_id.in_(select(L.c.id).where(L.c.bucket_id == bucket_id)))
    return q.order_by(C.c.id)


def _ids(cluster: Cluster) -> list[int]:
    """A cluster's members as client ids (the engine is generic over hashable ids)."""
    return [cast(int, m) for m in cluster.members]


def _completeness(client: dict[str, Any]) -> int:
    return sum(1 for f in PERSON_FIELDS if client.get(f) not in (None, ""))


def survivor_order(members: list[int], clients: dict[int, dict[str, Any]]) -> list[int]:
    """Survivor first: most complete, then earliest (lowest id)."""
    return sorted(members, key=lambda cid: (-_completeness(clients[cid]), cid))


class _Kept:
    """Passes warnings on to the caller's reporter and keeps them for the result."""

    def __init__(self, report: Reporter) -> None:
        self.report = report
        self.texts: list[str] = []

    def progress(self, length: int, label: str = "") -> ProgressBar:
        return self.report.progress(length, label)

    def batch(self, n: int) -> None:
        self.report.batch(n)

    def warn(self, text: str) -> None:
        self.texts.append(text)
        self.report.warn(text)

    def note(self, text: str) -> None:
        self.report.note(text)


def scan(
    engine: Engine,
    rules: Rules,
    *,
    campaign_id: int | None = None,
    bucket_id: int | None = None,
    threshold: float | None = None,
    apply: bool = False,
    report: Reporter = SILENT,
) -> ScanResult:
    """Duplicate clusters among active clients; with ``apply``, merge each cluster (reversibly)."""
    stats = ScanStats()
    warnings = _Kept(report)

    def run(conn: Connection) -> ScanResult:
        config = plan_for(conn, rules.duplicates, threshold)

        def records() -> Iterator[tuple[int, NormRecord]]:
            for r in conn.execute(_client_query(campaign_id, bucket_id)).mappings():
                yield r["id"], normalise(r, config)

        clusters = cluster(records(), config, report=warnings, stats=stats)
        # Only cluster members are kept in full (a scan of a million clients stays small).
        clients = fetch_clients(conn, [cid for c in clusters for cid in _ids(c)])
        for c in clusters:
            c.members[:] = survivor_order(_ids(c), clients)
        from leadctl.services.dedupe.proposals import count_open

        result = ScanResult(clusters, clients, stats, warnings.texts, proposals=count_open(conn))
        if apply:
            who = actor()
            for c in clusters:
                result.merges.append(merge_cluster(conn, c, clients, config, who))
        return result

    if apply:
        with write(engine) as conn:
            intake_lock(conn)
            return run(conn)
    with engine.connect() as conn:
        return run(conn)
