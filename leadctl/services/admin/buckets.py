"""Buckets: intake queues (acquisition channels) feeding one campaign.

A bucket has a label, a default manager, an optional affiliate id, a source and an active
flag. Leads copy the bucket's campaign and manager when they arrive, so editing a bucket
only ever touches the bucket row: leads already loaded keep what they were given.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from leadctl.errors import InputError
from leadctl.services.admin.lookup import (
    check_name,
    ensure_free,
    get_bucket,
    get_campaign,
    get_rep,
    require_active_campaign,
    require_active_rep,
)
from leadctl.storage import schema
from leadctl.storage.locks import bucket_load_lock
from leadctl.storage.models import Bucket, Rep
from leadctl.storage.session import read_session, write_session
from leadctl.storage.types import utcnow

STATUS_COLUMNS = schema.LEAD_STATUSES  # new, processed, duplicate, rejected
LIST_COLUMNS = (
    "id",
    "name",
    "label",
    "campaign",
    "manager",
    "affiliate_id",
    "source",
    "active",
    *STATUS_COLUMNS,
    "leads",
)


def _manager(s: Session, ref: str) -> Rep:
    return require_active_rep(get_rep(s, ref), " and cannot manage a bucket")


def _optional(value: str | None) -> str | None:
    """An option value for an optional text field: blank means "none"."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _status_counts(conn: Connection, bucket_id: int | None = None) -> dict[int, dict[str, int]]:
    """Lead counts by status per bucket, in one GROUP BY query."""
    lead = schema.lead
    q = select(lead.c.bucket_id, lead.c.status, func.count()).group_by(lead.c.bucket_id, lead.c.status)
    if bucket_id is not None:
        q = q.where(lead.c.bucket_id == bucket_id)
    counts: dict[int, dict[str, int]] = {}
    for bid, status, n in conn.execute(q):
        counts.setdefault(bid, {})[status] = n
    return counts


def _with_counts(row: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    for status in STATUS_COLUMNS:
        row[status] = counts.get(status, 0)
    row["leads"] = sum(counts.values())
    return row


def _row(b: Bucket) -> dict[str, Any]:
    return {
        "id": b.id,
        "name": b.name,
        "label": b.label,
        "campaign": b.campaign.name,
        "campaign_id": b.campaign_id,
        "manager": b.manager.email if b.manager else None,
        "manager_id": b.manager_id,
        "affiliate_id": b.affiliate_id,
        "source": b.source,
        "active": b.active,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "deactivated_at": b.deactivated_at,
    }


def _full_row(s: Session, b: Bucket) -> dict[str, Any]:
    conn = s.connection()
    row = _with_counts(_row(b), _status_counts(conn, b.id).get(b.id, {}))
    ld = schema.load
    loads, last = conn.execute(
        select(func.count(), func.max(ld.c.started_at)).where(ld.c.bucket_id == b.id)
    ).one()
    row["loads"] = loads
    row["last_load_at"] = last
    return row


def create(
    engine: Engine,
    name: str,
    campaign: str,
    manager: str | None = None,
    affiliate_id: str | None = None,
    source: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Create an active bucket feeding ``campaign``; the label defaults to the name."""
    name = check_name("bucket", name)
    with write_session(engine) as s:
        ensure_free(s.connection(), "bucket", name)
        c = require_active_campaign(get_campaign(s, campaign))
        rep = _manager(s, manager) if manager is not None and _optional(manager) else None
        now = utcnow()
        b = Bucket(
            name=name,
            label=_optional(label) or name,
            campaign=c,
            manager=rep,
            affiliate_id=_optional(affiliate_id),
            source=_optional(source),
            active=True,
            view_unassigned_only=False,
            created_at=now,
            updated_at=now,
        )
        s.add(b)
        s.flush()
        return _full_row(s, b)


def list_buckets(engine: Engine, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Buckets (active only unless asked) with lead counts by status, set-based."""
    b, c, r = schema.bucket, schema.campaign, schema.rep
    q = (
        select(
            b.c.id,
            b.c.name,
            b.c.label,
            c.c.name.label("campaign"),
            r.c.email.label("manager"),
            b.c.affiliate_id,
            b.c.source,
            b.c.active,
            b.c.created_at,
        )
        .join(c, c.c.id == b.c.campaign_id)
        .outerjoin(r, r.c.id == b.c.manager_id)
        .order_by(b.c.name)
    )
    if not include_inactive:
        q = q.where(b.c.active.is_(True))
    with engine.connect() as conn:
        counts = _status_counts(conn)
        return [_with_counts(dict(row._mapping), counts.get(row.id, {})) for row in conn.execute(q)]


RECENT_LOADS = 10  # `bucket show` lists this many of its loads, newest first


def show(engine: Engine, ref: str) -> dict[str, Any]:
    """The bucket with counts and its most recent loads (``recent_loads``, newest first)."""
    from leadctl.services.intake.loads import list_loads

    with read_session(engine) as s:
        row = _full_row(s, get_bucket(s, ref))
    row["recent_loads"] = list_loads(engine, str(row["id"]), RECENT_LOADS)
    return row


def edit(
    engine: Engine,
    ref: str,
    *,
    name: str | None = None,
    label: str | None = None,
    campaign: str | None = None,
    manager: str | None = None,
    affiliate_id: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Change the bucket row only. ``manager``/``affiliate_id``/``source`` given as "" clear them.

    The result has ``changed``: the fields that changed. Leads already in the bucket keep
    the campaign and manager they were given; only new leads see the new values.
    """
    with write_session(engine) as s:
        b = get_bucket(s, ref)
        changed: list[str] = []
        if name is not None:
            new_name = check_name("bucket", name)
            if new_name != b.name:
                ensure_free(s.connection(), "bucket", new_name, except_id=b.id)
                b.name = new_name
                changed.append("name")
        if label is not None:
            new_label = label.strip()
            if not new_label:
                raise InputError("label: must not be empty")
            if new_label != b.label:
                b.label = new_label
                changed.append("label")
        if campaign is not None:
            c = get_campaign(s, campaign)
            if c.id != b.campaign_id:
                b.campaign = require_active_campaign(c)
                changed.append("campaign")
        if manager is not None:
            rep = _manager(s, manager) if _optional(manager) else None
            if (rep.id if rep else None) != b.manager_id:
                b.manager = rep
                changed.append("manager")
        for field, value in (("affiliate_id", affiliate_id), ("source", source)):
            if value is not None and _optional(value) != getattr(b, field):
                setattr(b, field, _optional(value))
                changed.append(field)
        if changed:
            b.updated_at = utcnow()
        s.flush()
        row = _full_row(s, b)
        row["changed"] = changed
        return row


def set_active(engine: Engine, ref: str, active: bool) -> dict[str, Any]:
    """Activate or deactivate a bucket. A deactivated bucket accepts no new leads; nothing is deleted.

    The result has ``changed``: ``["active"]``, or ``[]`` when the bucket already was in that state.
    It takes the bucket's load lock first, so it waits for a load in progress (and counts its
    leads) and a load that starts meanwhile waits, then re-checks ``active`` and refuses.
    """
    with write_session(engine) as s:
        b = get_bucket(s, ref)
        bucket_load_lock(s.connection(), b.id)
        s.refresh(b)  # as committed by a load or an edit that held the lock before us
        changed = b.active != active
        if changed:
            if active:
                require_active_campaign(
                    b.campaign, f"bucket {b.name!r} feeds deactivated campaign {b.campaign.name!r}"
                )
            now = utcnow()
            b.active = active
            b.deactivated_at = None if active else now
            b.updated_at = now
            s.flush()
        row = _full_row(s, b)
        row["changed"] = ["active"] if changed else []
        return row
