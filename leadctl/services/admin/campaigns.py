"""Campaigns: pools of leads a team works; reps are approved on them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadctl.services.admin.lookup import (
    check_name,
    ensure_free,
    get_campaign,
    get_rep,
    require_active_rep,
)
from leadctl.storage import schema
from leadctl.storage.models import Campaign, CampaignRep
from leadctl.storage.session import read_session, write_session
from leadctl.storage.types import utcnow


def _row(c: Campaign, counts: dict[str, int] | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "active": c.active,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }
    if counts is not None:
        row.update(counts)
    return row


def create(engine: Engine, name: str, description: str | None = None) -> dict[str, Any]:
    name = check_name("campaign", name)
    with write_session(engine) as s:
        ensure_free(s.connection(), "campaign", name)
        now = utcnow()
        c = Campaign(name=name, description=description, active=True, created_at=now, updated_at=now)
        s.add(c)
        s.flush()
        return _row(c)


def _counts(engine: Engine) -> dict[int, dict[str, int]]:
    """Buckets, approved reps and leads per campaign, in three set-based queries."""
    counts: dict[int, dict[str, int]] = {}
    with engine.connect() as conn:
        for cid, n in conn.execute(
            select(schema.bucket.c.campaign_id, func.count()).group_by(schema.bucket.c.campaign_id)
        ):
            counts.setdefault(cid, {})["buckets"] = n
        cr = schema.campaign_rep
        q = select(cr.c.campaign_id, func.count()).where(cr.c.revoked_at.is_(None)).group_by(cr.c.campaign_id)
        for cid, n in conn.execute(q):
            counts.setdefault(cid, {})["reps"] = n
        for cid, n in conn.execute(
            select(schema.lead.c.campaign_id, func.count()).group_by(schema.lead.c.campaign_id)
        ):
            counts.setdefault(cid, {})["leads"] = n
    return counts


def list_campaigns(engine: Engine, include_inactive: bool = True) -> list[dict[str, Any]]:
    counts = _counts(engine)
    with read_session(engine) as s:
        q = select(Campaign).order_by(Campaign.name)
        if not include_inactive:
            q = q.where(Campaign.active.is_(True))
        out = []
        for c in s.scalars(q):
            n = counts.get(c.id, {})
            out.append(
                _row(
                    c, {"buckets": n.get("buckets", 0), "reps": n.get("reps", 0), "leads": n.get("leads", 0)}
                )
            )
        return out


def show(engine: Engine, ref: str) -> dict[str, Any]:
    with read_session(engine) as s:
        c = get_campaign(s, ref)
        n = _counts(engine).get(c.id, {})
        row = _row(c, {"buckets": n.get("buckets", 0), "leads": n.get("leads", 0)})
        approvals = s.scalars(select(CampaignRep).where(CampaignRep.campaign_id == c.id)).all()
        row["reps"] = [
            {
                "id": a.rep.id,
                "email": a.rep.email,
                "name": a.rep.name,
                "role": a.rep.role,
                "approved_at": a.approved_at,
                "revoked_at": a.revoked_at,
            }
            for a in sorted(approvals, key=lambda a: a.rep.email)
        ]
        row["bucket_names"] = [b.name for b in sorted(c.buckets, key=lambda b: b.name)]
        return row


def edit(
    engine: Engine,
    ref: str,
    name: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    with write_session(engine) as s:
        c = get_campaign(s, ref)
        if name is not None and name.strip() != c.name:
            name = check_name("campaign", name)
            ensure_free(s.connection(), "campaign", name, except_id=c.id)
            c.name = name
        if description is not None:
            c.description = description
        if active is not None:
            c.active = active
        c.updated_at = utcnow()
        s.flush()
        return _row(c)


def approve(engine: Engine, campaign_ref: str, rep_refs: list[str]) -> list[dict[str, Any]]:
    """Approve reps on a campaign (idempotent; a revoked approval is restored)."""
    with write_session(engine) as s:
        c = get_campaign(s, campaign_ref)
        out = []
        now = utcnow()
        for ref in rep_refs:
            r = require_active_rep(get_rep(s, ref))
            a = s.get(CampaignRep, (c.id, r.id))
            if a is None:
                s.add(CampaignRep(campaign_id=c.id, rep_id=r.id, approved_at=now, revoked_at=None))
                change = "approved"
            elif a.revoked_at is not None:
                a.revoked_at = None
                a.approved_at = now
                change = "re-approved"
            else:
                change = "already approved"
            out.append({"campaign": c.name, "rep": r.email, "change": change})
        return out


def revoke(engine: Engine, campaign_ref: str, rep_refs: list[str]) -> list[dict[str, Any]]:
    """Revoke approvals; the approval row stays as history."""
    with write_session(engine) as s:
        c = get_campaign(s, campaign_ref)
        out = []
        now = utcnow()
        for ref in rep_refs:
            r = get_rep(s, ref)
            a = s.get(CampaignRep, (c.id, r.id))
            if a is None or a.revoked_at is not None:
                change = "not approved"
            else:
                a.revoked_at = now
                change = "revoked"
            out.append({"campaign": c.name, "rep": r.email, "change": change})
        return out
