"""Typed ORM classes mapped onto the Core tables of ``schema.py``.

Use these for single-object admin commands (create/edit/show). Hot paths use the Core
tables directly (``Lead.__table__`` is ``schema.lead``). A test checks that every column
has an annotation here and vice versa.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from leadctl.storage import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class Campaign(Base):
    __table__ = schema.campaign

    id: Mapped[int]
    name: Mapped[str]
    description: Mapped[str | None]
    active: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    buckets: Mapped[list[Bucket]] = relationship(back_populates="campaign")


class Rep(Base):
    __table__ = schema.rep

    id: Mapped[int]
    email: Mapped[str]
    name: Mapped[str]
    role: Mapped[str]
    skills: Mapped[list[str]]
    territories: Mapped[list[str]]
    capacity: Mapped[int | None]
    timezone: Mapped[str | None]
    active: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]


class CampaignRep(Base):
    """A rep's approval on a campaign; revoked approvals are kept as history."""

    __table__ = schema.campaign_rep

    campaign_id: Mapped[int]
    rep_id: Mapped[int]
    approved_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    rep: Mapped[Rep] = relationship()


class Bucket(Base):
    __table__ = schema.bucket

    id: Mapped[int]
    name: Mapped[str]
    label: Mapped[str]
    campaign_id: Mapped[int]
    manager_id: Mapped[int | None]
    affiliate_id: Mapped[str | None]
    source: Mapped[str | None]
    active: Mapped[bool]
    view_unassigned_only: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship(back_populates="buckets")
    manager: Mapped[Rep | None] = relationship()


class Load(Base):
    __table__ = schema.load

    id: Mapped[int]
    bucket_id: Mapped[int]
    filename: Mapped[str]
    file_format: Mapped[str]
    encoding: Mapped[str]
    mapping: Mapped[dict[str, Any]]
    actor: Mapped[str]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    rows_read: Mapped[int]
    rows_loaded: Mapped[int]
    rows_rejected: Mapped[int]
    rows_already_loaded: Mapped[int]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None]
    rows_undone: Mapped[int]


class _Person:
    first_name: Mapped[str | None]
    last_name: Mapped[str | None]
    email: Mapped[str | None]
    title: Mapped[str | None]
    business_phone: Mapped[str | None]
    mobile_phone: Mapped[str | None]
    linkedin_url: Mapped[str | None]
    timezone: Mapped[str | None]
    company: Mapped[str | None]
    website: Mapped[str | None]
    headcount: Mapped[str | None]
    revenue: Mapped[str | None]
    industry: Mapped[str | None]
    city: Mapped[str | None]
    state: Mapped[str | None]
    country: Mapped[str | None]


class Client(_Person, Base):
    """The one CRM record per real person that processed leads create or merge into."""

    __table__ = schema.client

    id: Mapped[int]
    campaign_id: Mapped[int]
    manager_id: Mapped[int | None]
    bucket_label: Mapped[str | None]
    affiliate_id: Mapped[str | None]
    origin_lead_id: Mapped[int | None]
    external_id: Mapped[str | None]
    merged_into_id: Mapped[int | None]
    retired_at: Mapped[datetime | None]
    custom: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    stage: Mapped[str]
    stage_at: Mapped[datetime | None]
    timezone_source: Mapped[str | None]
    timezone_candidates: Mapped[list[str] | None]


class Lead(_Person, Base):
    __table__ = schema.lead

    id: Mapped[int]
    bucket_id: Mapped[int]
    campaign_id: Mapped[int]
    load_id: Mapped[int | None]
    line_no: Mapped[int | None]
    row_hash: Mapped[str]
    external_id: Mapped[str | None]
    status: Mapped[str]
    reasons: Mapped[list[str]]
    manager_id: Mapped[int | None]
    client_id: Mapped[int | None]
    duplicate_of_lead_id: Mapped[int | None]
    duplicate_of_client_id: Mapped[int | None]
    match_score: Mapped[float | None]
    match_rule: Mapped[str | None]
    source: Mapped[str | None]
    affiliate_id: Mapped[str | None]
    registered_at: Mapped[datetime]
    custom: Mapped[dict[str, Any]]
    raw: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    bucket: Mapped[Bucket] = relationship()


class LeadEvent(Base):
    """One entry of a lead's or a client's append-only timeline (written by services/events.py)."""

    __table__ = schema.lead_event

    id: Mapped[int]
    lead_id: Mapped[int | None]
    client_id: Mapped[int | None]
    at: Mapped[datetime]
    kind: Mapped[str]
    actor: Mapped[str]
    data: Mapped[dict[str, Any]]


class MatchKey(Base):
    __table__ = schema.match_key

    key: Mapped[str]
    client_id: Mapped[int]
    campaign_id: Mapped[int]


class Merge(Base):
    """A reversible `dedupe scan --apply` merge of clients."""

    __table__ = schema.merge

    id: Mapped[int]
    survivor_id: Mapped[int]
    merged_ids: Mapped[list[int]]
    snapshot: Mapped[dict[str, Any]]
    score: Mapped[float | None]
    explanation: Mapped[dict[str, Any]]
    actor: Mapped[str]
    created_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None]


class MergeProposal(Base):
    """Clients one new lead matched at `process`, proposed for a merge (`dedupe apply|reject`)."""

    __table__ = schema.merge_proposal

    id: Mapped[int]
    clients_key: Mapped[str]
    client_ids: Mapped[list[int]]
    lead_id: Mapped[int | None]
    scores: Mapped[dict[str, Any]]
    status: Mapped[str]
    actor: Mapped[str]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None]
    merge_id: Mapped[int | None]
