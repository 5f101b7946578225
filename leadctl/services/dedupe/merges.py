"""Duplicate scans over existing clients, reversible merges, and evaluation against truth.

Survivor rule (documented in README): of a cluster's clients, the survivor is the one with
the most filled-in contact and business fields; ties go to the earliest created (lowest
id). Field rule: the survivor keeps every value it has; each empty field is filled from
the other members in the same order (most complete first); custom fields are merged the
same way key by key. Nothing is deleted: merged clients stay, marked ``merged_into_id``,
their leads are re-pointed to the survivor, and the merge row keeps everything needed for
``dedupe undo`` to put it all back.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, InputError, NotFound
from leadctl.rules import Rules
from leadctl.services import events as timeline
from leadctl.services.admin.common import actor
from leadctl.services.dedupe import matching
from leadctl.services.events import Event
from leadctl.services.intake.processing import CLIENT_COLUMNS, PERSON_FIELDS, fetch_clients, refresh_keys
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
from leadctl.timeutil import now
from leadctl.vocab import EventKind

C = schema.client
L = schema.lead
M = schema.merge
SWEEP = matching.DEFAULT_SWEEP
# Client fields a merge fills in from the other members (custom fields merge key by key).
MERGED_FIELDS = (*PERSON_FIELDS, "external_id")


@dataclass
class ScanResult:
    clusters: list[matching.Cluster]
    clients: dict[int, dict[str, Any]]
    stats: matching.ScanStats
    warnings: list[str] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)


def _config(rules: Rules, threshold: float | None) -> matching.MatchConfig:
    section = rules.duplicates
    if threshold is not None:
        if not 0 <= threshold <= 1:
            raise InputError(f"--threshold: expected a number from 0 to 1, got {threshold}")
        section = dataclasses.replace(section, threshold=threshold)
    return matching.MatchConfig.from_rules(section)


def _client_query(campaign_id: int | None, bucket_id: int | None) -> Any:
    q = select(*CLIENT_COLUMNS).where(C.c.merged_into_id.is_(None))
    if campaign_id is not None:
        q = q.where(C.c.campaign_id == campaign_id)
    if bucket_id is not None:
        q = q.where(C.c.origin_lead_id.in_(select(L.c.id).where(L.c.bucket_id == bucket_id)))
    return q.order_by(C.c.id)


def _ids(cluster: matching.Cluster) -> list[int]:
    """A cluster's members as client ids (the engine is generic over hashable ids)."""
    return [cast(int, m) for m in cluster.members]


def _completeness(client: dict[str, Any]) -> int:
    return sum(1 for f in PERSON_FIELDS if client.get(f) not in (None, ""))


def _ordered(members: list[int], clients: dict[int, dict[str, Any]]) -> list[int]:
    """Survivor first: most complete, then earliest (lowest id)."""
    return sorted(members, key=lambda cid: (-_completeness(clients[cid]), cid))


def scan(
    engine: Engine,
    rules: Rules,
    *,
    campaign_id: int | None = None,
    bucket_id: int | None = None,
    threshold: float | None = None,
    apply: bool = False,
    on_warning: Callable[[str], None] | None = None,
) -> ScanResult:
    """Duplicate clusters among active clients; with ``apply``, merge each cluster (reversibly)."""
    config = _config(rules, threshold)
    stats = matching.ScanStats()
    warnings: list[str] = []

    def warn(text: str) -> None:
        warnings.append(text)
        if on_warning is not None:
            on_warning(text)

    def run(conn: Connection) -> ScanResult:
        def records() -> Iterator[tuple[int, matching.NormRecord]]:
            for r in conn.execute(_client_query(campaign_id, bucket_id)).mappings():
                yield r["id"], matching.normalise(r, config)

        clusters = matching.cluster(records(), config, on_warning=warn, stats=stats)
        # Only cluster members are kept in full (a scan of a million clients stays small).
        clients = fetch_clients(conn, [cid for c in clusters for cid in _ids(c)])
        for c in clusters:
            c.members[:] = _ordered(_ids(c), clients)
        result = ScanResult(clusters, clients, stats, warnings)
        if apply:
            who = actor()
            for c in clusters:
                result.merges.append(_merge(conn, c, clients, config, who))
        return result

    if apply:
        with write(engine) as conn:
            intake_lock(conn)
            return run(conn)
    with engine.connect() as conn:
        return run(conn)


def _merge(
    conn: Connection,
    cluster: matching.Cluster,
    clients: dict[int, dict[str, Any]],
    config: matching.MatchConfig,
    who: str,
) -> dict[str, Any]:
    survivor_id, *others = _ids(cluster)
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
    snapshot = {
        "survivor": before,
        "leads": {str(lid): {"client_id": c, "duplicate_of_client_id": d} for lid, c, d in leads},
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
    if leads:
        conn.execute(update(L).where(L.c.client_id.in_(others)).values(client_id=survivor_id, updated_at=ts))
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


def undo(engine: Engine, rules: Rules, merge_id: int) -> dict[str, Any]:
    """Put back everything a merge changed: survivor fields, merged clients, re-pointed leads."""
    config = _config(rules, None)
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
        lead_rows = [
            {
                "b_id": int(lid),
                "client_id": v["client_id"],
                "duplicate_of_client_id": v["duplicate_of_client_id"],
            }
            for lid, v in m["snapshot"]["leads"].items()
        ]
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
        conn.execute(update(M).where(M.c.id == merge_id).values(undone_at=ts, undone_by=who))
        refresh_keys(conn, involved, config)
    return {
        "merge_id": merge_id,
        "survivor_id": m["survivor_id"],
        "restored_clients": m["merged_ids"],
        "leads_restored": len(lead_rows),
    }


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


# ---------------------------------------------------------------- evaluation


def read_truth(path: Path) -> dict[str, str]:
    """A labelled file: CSV with columns external_id and entity_id (true person id)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames or []
            if "external_id" not in fields or "entity_id" not in fields:
                raise InputError(
                    f"{path} line 1: expected columns external_id and entity_id, got {', '.join(fields)}"
                )
            truth: dict[str, str] = {}
            for n, row in enumerate(reader, start=2):
                ext, ent = (row.get("external_id") or "").strip(), (row.get("entity_id") or "").strip()
                if not ext or not ent:
                    raise InputError(f"{path} line {n}: external_id and entity_id must both be given")
                truth[ext] = ent
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read as CSV ({exc})") from None
    if not truth:
        raise InputError(f"{path}: no labelled rows")
    return truth


def evaluate(
    engine: Engine, rules: Rules, truth_path: Path, thresholds: tuple[float, ...] = SWEEP
) -> dict[str, Any]:
    """Score the rules against labelled leads: the stored outcome, and a threshold sweep."""
    truth_by_ext = read_truth(truth_path)
    config = _config(rules, None)
    q = select(
        L.c.id, L.c.external_id, L.c.client_id, L.c.campaign_id, *(L.c[f] for f in PERSON_FIELDS), L.c.custom
    ).where(L.c.external_id.in_(bindparam("ext", expanding=True)))
    leads: list[dict[str, Any]] = []
    ext_list = list(truth_by_ext)
    with engine.connect() as conn:
        for i in range(0, len(ext_list), 500):
            leads += [dict(r) for r in conn.execute(q, {"ext": ext_list[i : i + 500]}).mappings()]
        merged = dict(
            conn.execute(select(C.c.id, C.c.merged_into_id).where(C.c.merged_into_id.is_not(None))).all()
        )
    if not leads:
        raise InputError(
            f"{truth_path}: none of its external_id values match a lead (load the labelled file first)"
        )

    def final(cid: int) -> int:
        while cid in merged:
            cid = merged[cid]
        return cid

    # Rejected and unprocessed leads have no outcome to score: both views use processed leads.
    decided = [lead for lead in leads if lead["client_id"] is not None]
    truth = {lead["id"]: truth_by_ext[lead["external_id"]] for lead in decided}
    stored = {lead["id"]: final(lead["client_id"]) for lead in decided}
    current = matching.pairwise_metrics(stored, truth)
    rows = matching.sweep(
        ((lead["id"], matching.normalise(lead, config)) for lead in decided), truth, config, thresholds
    )
    return {
        "labelled_rows": len(truth_by_ext),
        "leads_found": len(leads),
        "leads_with_client": len(decided),
        "threshold": config.threshold,
        "stored_outcome": current,
        "sweep": rows,
    }
