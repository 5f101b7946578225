"""The database schema as SQLAlchemy Core tables — the one definition of every column.

Hot paths (load, process, list) use these tables directly with Core; ``models.py`` maps
typed ORM classes onto the same tables for single-object admin commands. Alembic's
autogenerate compares migrations against ``metadata``.

Times are UTC (``UTCDateTime``). Names users type (campaign, bucket, rep e-mail) are unique.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Tables derived from the ones here (per-client facts, funnel level and stored score, the
# per-rep/day activity rollup) are declared in derived_tables.py on the same ``metadata``.
from leadctl.storage.derived_tables import client_fact as client_fact
from leadctl.storage.derived_tables import client_score as client_score
from leadctl.storage.derived_tables import client_speed as client_speed
from leadctl.storage.derived_tables import client_speed_dirty as client_speed_dirty
from leadctl.storage.derived_tables import client_speed_state as client_speed_state
from leadctl.storage.derived_tables import meeting_booking as meeting_booking
from leadctl.storage.derived_tables import rep_activity_day as rep_activity_day
from leadctl.storage.derived_tables import speed_hist as speed_hist
from leadctl.storage.derived_tables import touch_gap as touch_gap
from leadctl.storage.metadata import NAMING as NAMING
from leadctl.storage.metadata import metadata as metadata
from leadctl.storage.types import JSONType, UTCDateTime
from leadctl.vocab import (
    STORED_EVENT_KINDS,
    ActivityOutcome,
    ActivityType,
    AssignmentEnd,
    AssignmentRule,
    EscalationAction,
    LeadStatus,
    ProposalStatus,
    RepRole,
    SlaKind,
    Stage,
    SuppressionKind,
    TimezoneSource,
    values,
)

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import ColumnElement

LEAD_STATUSES = values(LeadStatus)
REP_ROLES = values(RepRole)


def one_of(column: str, allowed: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A check constraint ``column IN (…)`` generated from a vocabulary (``leadctl.vocab``)."""
    listed = ", ".join(f"'{v}'" for v in allowed)
    return CheckConstraint(f"{column} IN ({listed})", name=name or column)


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
    Column("role", String(20), nullable=False, default=RepRole.SETTER, server_default=RepRole.SETTER),
    Column("skills", JSONType, nullable=False),
    Column("territories", JSONType, nullable=False),
    Column("capacity", Integer),
    Column("timezone", String(64)),
    Column("active", Boolean, nullable=False, default=True, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deactivated_at", UTCDateTime),
    one_of("role", REP_ROLES),
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
    # `load undo`: when, by whom, how many leads it removed (the load row itself stays).
    Column("undone_at", UTCDateTime),
    Column("undone_by", String(200)),
    Column("rows_undone", Integer, nullable=False, default=0, server_default="0"),
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
    # Set when `dedupe scan --apply` merged this client into another (undone by `dedupe undo`).
    Column("merged_into_id", Integer, ForeignKey("client.id")),
    # Set when every lead of the client was rejected or moved away: no keys, hidden, never assigned.
    Column("retired_at", UTCDateTime),
    *_person_columns(),
    Column("custom", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Where the client is in the rep's work (vocab.Stage), moved by activities.
    Column("stage", String(20), nullable=False, default=Stage.UNTOUCHED, server_default=Stage.UNTOUCHED),
    Column("stage_at", UTCDateTime),
    # Where ``timezone`` came from (vocab.TimezoneSource) and, when the evidence allows
    # several zones (a split state), all of them: calling windows use the most restrictive.
    Column("timezone_source", String(10)),
    Column("timezone_candidates", JSONType),
    one_of("stage", values(Stage)),
    one_of("timezone_source", values(TimezoneSource)),
    # The rep's queue reads its clients (and the pool: manager_id IS NULL) stage by stage in
    # capture order, a page at a time: this index serves it without a sort.
    Index("ix_client_manager_id_stage_created_at", "manager_id", "stage", "created_at"),
    # The shared pool's candidates per segment, oldest first (0027): only unassigned clients are
    # in it, so a stage with no pool client is an empty range. Without it PostgreSQL read the
    # pool in primary-key order and, for such a stage, walked every client (~200 ms at 1M).
    Index(
        "ix_client_pool_stage_created_at",
        "stage",
        "created_at",
        "id",
        sqlite_where=text(
            "manager_id IS NULL AND merged_into_id IS NULL"
        ),  # postgresql_where: use_postgresql()
    ),
    # `metrics queue` groups the working stages' clients (not merged away) by age and campaign:
    # read from this index alone, not the wide client rows (0019).
    Index(
        "ix_client_stage_merged_into_id_created_at", "stage", "merged_into_id", "created_at", "campaign_id"
    ),
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
    Column("status", String(20), nullable=False, default=LeadStatus.NEW, server_default=LeadStatus.NEW),
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
    one_of("status", LEAD_STATUSES),
    Index("ix_lead_bucket_id_status", "bucket_id", "status"),
    Index("ix_lead_campaign_id_status", "campaign_id", "status"),
    Index("ix_lead_registered_at", "registered_at"),
)

# Append-only timeline of everything that happens to a lead or a client (never updated, never
# deleted); written only by ``services/events.py``, which documents each kind's payload.
lead_event = Table(
    "lead_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lead_id", Integer, ForeignKey("lead.id")),
    Column("client_id", Integer, ForeignKey("client.id")),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("data", JSONType, nullable=False),
    Index("ix_lead_event_lead_id_at", "lead_id", "at"),
    Index("ix_lead_event_client_id_at", "client_id", "at"),
    one_of("kind", (k.value for k in STORED_EVENT_KINDS)),
    CheckConstraint("lead_id IS NOT NULL OR client_id IS NOT NULL", name="subject"),
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

# A `dedupe scan --apply` merge, kept so `dedupe undo MERGE_ID` can restore everything it changed.
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

# Clients one new lead matched at `process` (it joined the best; the others may be the same
# person): proposed, never merged there; `dedupe apply` merges them (a `merge` row), `dedupe
# reject` keeps them apart. One row per set of clients (``clients_key``: sorted ids), so
# reprocessing never proposes the same set twice.
merge_proposal = Table(
    "merge_proposal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("clients_key", String(400), nullable=False, unique=True),
    Column("client_ids", JSONType, nullable=False),  # the lead's client first, then the others
    Column("lead_id", Integer, ForeignKey("lead.id", ondelete="SET NULL")),
    Column("scores", JSONType, nullable=False),  # client id -> the lead's score against it
    Column("status", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(200)),
    Column("merge_id", Integer, ForeignKey("merge.id")),
    one_of("status", values(ProposalStatus)),
    Index("ix_merge_proposal_status", "status"),
)


# A duplicate model learned by `dedupe train` (Fellegi–Sunter m/u per field level): the newest
# whose fields match the rules in force scores duplicates. Kept with when and on what it was
# trained (scope, record and pair counts), so `dedupe model` can say where weights came from.
match_model = Table(
    "match_model",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("trained_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("signature", Text, nullable=False),
    Column("bucket_id", Integer),
    Column("campaign_id", Integer),
    Column("records", Integer, nullable=False),
    Column("pairs", Integer, nullable=False),
    Column("params", JSONType, nullable=False),
    Column("summary", JSONType, nullable=False),
)

# ------------------------------------------------------------------ assignment and activities

ACTIVE = text("ended_at IS NULL")

# One row per (client, rep) assignment: history is kept; at most one active row per client
# (the partial unique index is the database's guarantee that no client has two reps).
assignment = Table(
    "assignment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id"), nullable=False),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False),
    Column("rule", String(20), nullable=False),  # vocab.AssignmentRule
    # Why: the routing rule's details, or the rep's rank and score components.
    Column("reason", JSONType, nullable=False),
    Column("run_id", Integer, ForeignKey("assign_run.id")),
    Column("actor", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_reason", String(20)),  # vocab.AssignmentEnd
    Column("ended_by", String(200)),
    one_of("rule", values(AssignmentRule)),
    one_of("ended_reason", values(AssignmentEnd)),
    Index(
        "ux_assignment_active_client", "client_id", unique=True, sqlite_where=ACTIVE
    ),  # postgresql_where: use_postgresql()
    Index("ix_assignment_rep_id_ended_at", "rep_id", "ended_at"),
    Index("ix_assignment_campaign_id_ended_at", "campaign_id", "ended_at"),
    # `assign` skips clients worked to their last attempt (vocab.AssignmentEnd.MAX_ATTEMPTS).
    Index(
        "ix_assignment_max_attempts",
        "client_id",
        sqlite_where=text(f"ended_reason = '{AssignmentEnd.MAX_ATTEMPTS.value}'"),
    ),
    # "Has this client ever had a rep?" (metrics funnel) and the rep of a past moment (metrics
    # queue --as-of): one seek per client instead of a scan of every assignment (0019).
    # Covering (ended_at, rep_id): the join reads no table row.
    Index("ix_assignment_client_id_started_at", "client_id", "started_at", "ended_at", "rep_id"),
)


def held(a: Any = assignment) -> ColumnElement[bool]:
    """``a`` is active, for statements that join every client's assignment: the test is not
    offered to SQLite's planner (which keeps no statistics), so the covering
    ``ix_assignment_client_id_started_at`` serves the join instead of the unique partial index
    and then each row for its rep (1M clients: 1.9 s -> 0.7 s). One-client look-ups and writers
    keep ``ended_at IS NULL``."""
    from leadctl.storage.sqlfunc import unindexed

    return unindexed(a.c.ended_at).is_(None)


# One `assign`, `topup`, `reassign` or `rep leave` run: what it did, with which seed (the ledger).
assign_run = Table(
    "assign_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("command", String(20), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaign.id")),
    Column("seed", Integer),
    Column("actor", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("summary", JSONType, nullable=False),
)

# Calls, e-mails, meetings and dispositions: the facts stages, cooldowns, ranking and metrics use.
activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True),
    # The source's activity_id, else a hash of the row's content: importing twice adds nothing.
    Column("activity_key", String(200), nullable=False, unique=True),
    Column("client_id", Integer, ForeignKey("client.id"), nullable=False),
    Column("rep_id", Integer, ForeignKey("rep.id")),
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False),
    Column("type", String(20), nullable=False),  # vocab.ActivityType
    Column("outcome", String(20), nullable=False),  # vocab.ActivityOutcome
    Column("at", UTCDateTime, nullable=False),
    Column("verified_dial", Boolean, nullable=False, default=False, server_default="0"),
    Column("duration_s", Integer),
    Column("callback_at", UTCDateTime),
    Column("meeting_at", UTCDateTime),
    Column("note", Text),
    Column("source", String(1000), nullable=False),  # "log" or the imported file's name
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    one_of("type", values(ActivityType)),
    one_of("outcome", values(ActivityOutcome)),
    # type and outcome too (0009): a client's activities aggregate from the index alone
    # (scoring's per-dial priorities, lists, stage folds) - 3x less CPU on SQLite at 10k clients.
    Index("ix_activity_client_id_at_type_outcome", "client_id", "at", "type", "outcome"),
    Index("ix_activity_rep_id_at", "rep_id", "at"),
    Index("ix_activity_campaign_id_at", "campaign_id", "at"),
    # Ranking reps groups a window by (rep, campaign, type, outcome): read from the index alone.
    Index("ix_activity_rank", "rep_id", "campaign_id", "type", "outcome", "at", "duration_s"),
    # The calls of a recent window (queue's cooldown column): a range of this index, covering (0019).
    Index("ix_activity_type_at_client_id", "type", "at", "client_id"),
    # `metrics reps` walks each rep's touches client by client in time order: no sort (0023).
    Index("ix_activity_rep_id_client_id_at", "rep_id", "client_id", "at", "id", "type"),
)

# Rows of `activity import` (and other imports) that were refused: kept with the reason.
rejected_row = Table(
    "rejected_row",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("command", String(40), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("line_no", Integer),
    Column("raw", JSONType, nullable=False),
    Column("reasons", JSONType, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Do-not-contact entries (`leadctl dnc`): an e-mail or phone suppressed everywhere, now and later.
suppression = Table(
    "suppression",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # vocab.SuppressionKind
    Column("value", String(320), nullable=False),  # normalised: lower-case e-mail, E.164 phone
    Column("reason", Text),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("removed_at", UTCDateTime),
    Column("removed_by", String(200)),
    one_of("kind", values(SuppressionKind)),
    Index(
        "ux_suppression_active_kind_value",
        "kind",
        "value",
        unique=True,
        sqlite_where=text("removed_at IS NULL"),  # postgresql_where: use_postgresql()
    ),
)

# A rep's time away (`leadctl rep away`): never routed to, due dates shift.
rep_away = Table(
    "rep_away",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
)

# Accounts a rep owns (account-ownership routing): by e-mail/website domain or company key.
account_owner = Table(
    "account_owner",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaign.id")),  # none: every campaign
    Column("domain", String(300), index=True),
    Column("company_key", String(300), index=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("domain IS NOT NULL OR company_key IS NOT NULL", name="what"),
)

# Weighted round-robin state per campaign and rep (rows locked while routing, so two processes
# never read the same cursor).
routing_state = Table(
    "routing_state",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaign.id"), primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), primary_key=True),
    Column("model", String(20), primary_key=True),
    Column("credit", Float, nullable=False, default=0.0, server_default="0"),
    Column("assigned", Integer, nullable=False, default=0, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One row per SLA escalation level fired (`sla check --escalate`): the unique key makes each
# level fire exactly once per (client, SLA, deadline), under cron and concurrent runs alike.
# ``run`` tells a run which of its inserts won (the others existed already).
sla_escalation = Table(
    "sla_escalation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id"), nullable=False),
    Column("sla", String(20), nullable=False),  # vocab.SlaKind
    Column("level", String(40), nullable=False),  # the rules' level name
    Column("deadline", UTCDateTime, nullable=False),
    Column("action", String(20), nullable=False),  # vocab.EscalationAction
    Column("rep_id", Integer, ForeignKey("rep.id")),  # the client's rep when it fired
    Column("to_rep_id", Integer, ForeignKey("rep.id")),  # reassign: the new rep
    Column("share", Float, nullable=False),  # share of the SLA elapsed when it fired
    Column("run", String(32), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("fired_at", UTCDateTime, nullable=False),
    UniqueConstraint("client_id", "sla", "level", "deadline"),
    one_of("sla", values(SlaKind)),
    one_of("action", values(EscalationAction)),
)

# A rep's custom lists (`leadctl lists create|add|remove|delete`); names are unique per rep
# (compared without regard to case by the service). Members are clients; deleting a list
# deletes its member rows (their `unlisted` events stay on the timeline).
custom_list = Table(
    "custom_list",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("rep_id", "name"),
)

custom_list_member = Table(
    "custom_list_member",
    metadata,
    Column("list_id", Integer, ForeignKey("custom_list.id", ondelete="CASCADE"), primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id"), primary_key=True),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", String(200), nullable=False),
    Index("ix_custom_list_member_client_id", "client_id"),
)

# `leadctl next` leases: the client a rep's dialer holds until ``lease_until`` (one row per
# client, so two sessions can never hold one client; an expired row is simply taken over).
client_lease = Table(
    "client_lease",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id"), primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
)


def use_postgresql() -> None:
    """Give each partial index its WHERE on PostgreSQL too (the same clause as on SQLite).

    Called when a PostgreSQL engine is made (``storage.engine.create``). Declaring
    ``postgresql_where`` in the tables above would make SQLAlchemy import its whole PostgreSQL
    dialect on every SQLite command (about 15% of ``import sqlalchemy`` on a listing's start-up).
    Idempotent.
    """
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_options["sqlite"]["where"]
            if where is not None and index.dialect_options["postgresql"]["where"] is None:
                index.dialect_kwargs["postgresql_where"] = where
