"""The load history (``load list``) and undoing a load (``load undo``).

Every load writes one ``load`` row (file, who, when, counts); the leads it inserted carry its
id. Undo removes those leads while every one of them is still ``new`` or ``rejected``: once
some became clients or duplicates, processing has built on them (clients, assignments,
duplicate links), so undo refuses, naming the counts, and changes nothing — reprocess or
fix those leads instead. Removed leads take their own timeline entries with them (a
``fixed`` or ``rejected`` entry of a lead that no longer exists); the undo itself is
recorded on the load row (``undone_at``, ``undone_by``, ``rows_undone``), which stays in the
history. Set-based: one DELETE per table for the whole load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Engine

from leadctl.errors import ConflictError, NotFound
from leadctl.services.admin.common import actor
from leadctl.services.admin.lookup import find_bucket
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.timeutil import now
from leadctl.vocab import LeadStatus
from leadctl.words import plural

LD, L, B, EV = schema.load, schema.lead, schema.bucket, schema.lead_event
LIST_FIELDS = (
    "id",
    "bucket",
    "file",
    "started_at",
    "actor",
    "rows_read",
    "loaded",
    "rejected",
    "already_loaded",
    "leads_now",
    "undone_at",
    "undone_by",
)
TABLE_COLUMNS = (
    "id",
    "bucket",
    "file",
    "started_at",
    "actor",
    "loaded",
    "rejected",
    "already_loaded",
    "undone_at",
)
UNDOABLE = (LeadStatus.NEW, LeadStatus.REJECTED)


def list_loads(engine: Engine, bucket: str | None = None, limit: int = 0) -> list[dict[str, Any]]:
    """Loads, newest first: file, when, by whom, counts, how many of its leads still exist."""
    leads_now = (
        select(L.c.load_id, func.count().label("n")).where(L.c.load_id.is_not(None)).group_by(L.c.load_id)
    ).subquery()
    q = (
        select(
            LD.c.id,
            B.c.name.label("bucket"),
            LD.c.filename.label("file"),
            LD.c.started_at,
            LD.c.actor,
            LD.c.rows_read,
            LD.c.rows_loaded.label("loaded"),
            LD.c.rows_rejected.label("rejected"),
            LD.c.rows_already_loaded.label("already_loaded"),
            func.coalesce(leads_now.c.n, 0).label("leads_now"),
            LD.c.undone_at,
            LD.c.undone_by,
        )
        .join(B, B.c.id == LD.c.bucket_id)
        .outerjoin(leads_now, leads_now.c.load_id == LD.c.id)
        .order_by(LD.c.id.desc())
    )
    with read(engine) as conn:
        if bucket is not None:
            q = q.where(LD.c.bucket_id == find_bucket(conn, bucket)["id"])
        if limit:
            q = q.limit(limit)
        return [dict(r) for r in conn.execute(q).mappings()]


@dataclass
class UndoResult:
    load_id: int
    bucket: str
    file: str
    removed: int
    by_status: dict[str, int]
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "bucket": self.bucket,
            "file": self.file,
            "dry_run": self.dry_run,
            "removed": self.removed,
            "by_status": dict(self.by_status),
        }


def undo_load(engine: Engine, load_id: int, *, dry_run: bool = False) -> UndoResult:
    """Remove the leads load ``load_id`` added, all in one transaction (or say what would go).

    NotFound for an unknown load; ConflictError when it was undone already, or when some of
    its leads are no longer new or rejected (with the counts), or another lead is a
    duplicate of one of them. Nothing is changed then.
    """
    with read(engine) if dry_run else write(engine) as conn:
        ld = conn.execute(
            select(LD.c.id, LD.c.filename, LD.c.undone_at, LD.c.undone_by, B.c.name.label("bucket"))
            .join(B, B.c.id == LD.c.bucket_id)
            .where(LD.c.id == load_id)
        ).first()
        if ld is None:
            raise NotFound(f"no load {load_id} (see 'leadctl load list')")
        if ld.undone_at is not None:
            raise ConflictError(
                f"load {load_id} was undone already ({ld.undone_at.isoformat()} by {ld.undone_by})"
            )
        counts = {
            str(status): int(n)
            for status, n in conn.execute(
                select(L.c.status, func.count()).where(L.c.load_id == load_id).group_by(L.c.status)
            )
        }
        kept = {s: n for s, n in counts.items() if s not in UNDOABLE}
        if kept:
            what = ", ".join(f"{n:,} {s}" for s, n in sorted(kept.items()))
            total = sum(counts.values())
            raise ConflictError(
                f"load {load_id}: {what} of its {plural(total, 'lead')} were processed already (clients or "
                "duplicates were made from them); undo removes only loads whose leads are all still "
                "new or rejected — nothing was changed"
            )
        mine = select(L.c.id).where(L.c.load_id == load_id).scalar_subquery()
        other = L.alias("other")
        linked = conn.execute(
            select(func.count())
            .select_from(other)
            .where(and_(other.c.duplicate_of_lead_id.in_(mine), other.c.load_id.is_distinct_from(load_id)))
        ).scalar_one()
        if linked:
            raise ConflictError(
                f"load {load_id}: {plural(linked, 'lead')} of other loads "
                f"{'is a duplicate' if linked == 1 else 'are duplicates'} of its leads; "
                "nothing was changed"
            )
        removed = sum(counts.values())
        result = UndoResult(load_id, ld.bucket, ld.filename, removed, counts, dry_run)
        if dry_run:
            return result
        conn.execute(delete(EV).where(EV.c.lead_id.in_(mine)))
        conn.execute(update(L).where(L.c.load_id == load_id).values(duplicate_of_lead_id=None))
        conn.execute(delete(L).where(L.c.load_id == load_id))
        conn.execute(
            update(LD)
            .where(LD.c.id == load_id)
            .values(undone_at=now(), undone_by=actor(), rows_undone=removed)
        )
        return result
