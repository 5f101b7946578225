"""The database schema as SQLAlchemy Core tables — the one definition of every column.

Hot paths (load, process, list) use these tables directly with Core; ``models.py`` maps
typed ORM classes onto the same tables for single-object admin commands. Alembic's
autogenerate compares migrations against ``metadata``.

Times are UTC (``UTCDateTime``). Names users type (campaign, bucket, rep e-mail) are unique.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from leadctl.storage.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

LEAD_STATUSES = ("new", "processed", "duplicate", "rejected")
REP_ROLES = ("setter", "closer", "manager")

# Contact and business fields a lead (and a client) carries, in display order.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "title",
    "business_phone",
    "mobile_phone",
    "linkedin_url",
)
BUSINESS_FIELDS = ("company", "website", "headcount", "revenue", "industry", "city", "state", "country")


def _person_columns() -> list[Column[object]]:
    cols: list[Column[object]] = [
        Column("first_name", String(200)),
        Column("last_name", String(200)),
        Column("email", String(320)),
        Column("title", String(300)),
        Column("business_phone", String(32)),
        Column("mobile_phone", String(32)),
        Column("linkedin_url", String(500)),
        Column("timezone", String(64)),
        Column("company", String(300)),
        Column("website", String(500)),
        Column("headcount", String(64)),
        Column("revenue", String(64)),
        Column("industry", String(200)),
        Column("city", String(200)),
        Column("state", String(200)),
        Column("country", String(100)),
    ]
    return cols


# The person columns a lead and a client share (contact, time zone, business), in order.
PERSON_COLUMNS: tuple[str, ...] = tuple(c.name for c in _person_columns())

campaign = Table(
    "campaign",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text),
    Column("active", Boolean, nullable=False, default=True, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

rep = Table(
    "rep",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False, default="setter", server_default="setter"),
    Column("skills", JSONType, nullable=False),
    Column("territories", JSONType, nullable=False),
    Column("capacity", Integer),
    Column("timezone", String(64)),
    Column("active", Boolean, nullable=False, default=True, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deactivated_at", UTCDateTime),
    CheckConstraint("role IN ('setter', 'closer', 'manager')", name="role"),
)

campaign_rep = Table(
    "campaign_rep",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaign.id"), primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), primary_key=True),
    Column("approved_at", UTCDateTime, nullable=False),
    # Revoking keeps the row (history); re-approving clears it.
    Column("revoked_at", UTCDateTime),
)

bucket = Table(
    "bucket",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False, index=True),
    Column("manager_id", Integer, ForeignKey("rep.id")),
    Column("affiliate_id", String(200)),
    Column("source", String(200)),
    Column("active", Boolean, nullable=False, default=True, server_default="1"),
    # The remembered "only unassigned" choice of `leads list --bucket B` (seed 2).
    Column("view_unassigned_only", Boolean, nullable=False, default=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deactivated_at", UTCDateTime),
)

load = Table(
    "load",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bucket_id", Integer, ForeignKey("bucket.id"), nullable=False, index=True),
    Column("filename", String(1000), nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("encoding", String(32), nullable=False),
    Column("mapping", JSONType, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("rows_read", Integer, nullable=False, default=0, server_default="0"),
    Column("rows_loaded", Integer, nullable=False, default=0, server_default="0"),
    Column("rows_rejected", Integer, nullable=False, default=0, server_default="0"),
    Column("rows_already_loaded", Integer, nullable=False, default=0, server_default="0"),
)

client = Table(
    "client",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False, index=True),
    Column("manager_id", Integer, ForeignKey("rep.id")),
    Column("bucket_label", String(200)),
    Column("affiliate_id", String(200)),
    Column("origin_lead_id", Integer),
    # The source's / CRM's own id for the person (an exact duplicate key when the rules say so).
    Column("external_id", String(200)),
    # Set when `dedupe --apply` merged this client into another (undone by `dedupe undo`).
    Column("merged_into_id", Integer, ForeignKey("client.id")),
    *_person_columns(),
    Column("custom", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

lead = Table(
    "lead",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bucket_id", Integer, ForeignKey("bucket.id"), nullable=False),
    # Copied from the bucket when the lead arrives: editing a bucket never rewrites leads.
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False),
    Column("load_id", Integer, ForeignKey("load.id"), index=True),
    Column("line_no", Integer),
    # sha1 of the source row's content: loading the same row into the same bucket twice is a no-op.
    Column("row_hash", String(40), nullable=False),
    Column("external_id", String(200)),
    Column("status", String(20), nullable=False, default="new", server_default="new"),
    Column("reasons", JSONType, nullable=False),
    Column("manager_id", Integer, ForeignKey("rep.id"), index=True),
    Column("client_id", Integer, ForeignKey("client.id"), index=True),
    Column("duplicate_of_lead_id", Integer, ForeignKey("lead.id")),
    Column("duplicate_of_client_id", Integer, ForeignKey("client.id")),
    # How a duplicate was recognised: the score and the rule that fired ("exact:email", "fuzzy", …).
    Column("match_score", Float),
    Column("match_rule", String(40)),
    *_person_columns(),
    Column("source", String(200)),
    Column("affiliate_id", String(200)),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("custom", JSONType, nullable=False),
    # The row exactly as read (header -> value), so a rejected row can be fixed and nothing is lost.
    Column("raw", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("bucket_id", "row_hash"),
    CheckConstraint("status IN ('new', 'processed', 'duplicate', 'rejected')", name="status"),
    Index("ix_lead_bucket_id_status", "bucket_id", "status"),
    Index("ix_lead_campaign_id_status", "campaign_id", "status"),
    Index("ix_lead_registered_at", "registered_at"),
)

# Append-only timeline of everything that happens to a lead (never updated, never deleted).
lead_event = Table(
    "lead_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lead_id", Integer, ForeignKey("lead.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("data", JSONType, nullable=False),
    Index("ix_lead_event_lead_id_at", "lead_id", "at"),
)

# Blocking keys of every client (email, phone, name/company keys …): candidate generation for
# duplicate detection without comparing every pair. Rewritten whenever a client changes.
match_key = Table(
    "match_key",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id"), primary_key=True),
    Column("campaign_id", Integer, nullable=False),
    Index("ix_match_key_client_id", "client_id"),
)

# A `dedupe --apply` merge, kept so `dedupe undo MERGE_ID` can restore everything it changed.
merge = Table(
    "merge",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survivor_id", Integer, ForeignKey("client.id"), nullable=False, index=True),
    Column("merged_ids", JSONType, nullable=False),
    # Survivor's fields before the merge, and each re-pointed lead's previous client.
    Column("snapshot", JSONType, nullable=False),
    Column("score", Float),
    Column("explanation", JSONType, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("undone_at", UTCDateTime),
    Column("undone_by", String(200)),
)
