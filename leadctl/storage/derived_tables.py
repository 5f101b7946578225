"""Tables derived from ``activity`` and ``client``: kept by their writers so metrics, ranking and
the queue read a row per client or per rep-day instead of re-aggregating every activity.

Each says which module keeps it and how. They are part of ``schema.metadata`` (``schema``
re-exports them, so ``schema.client_fact`` and the rest are where every table is).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    text,
)

from leadctl.storage.metadata import metadata
from leadctl.storage.types import UTCDateTime

# Per-client facts of its activities, kept by ``services/work/facts.fold`` from every activity
# written (``insert_activities``): what speed-to-lead, SLA compliance, ``sla check`` and
# ``metrics funnel`` read instead of re-aggregating every activity on each run. One row per
# client with any activity. ``funnel_level`` is the furthest funnel step its activities reached
# (services.metrics.rollup.level_of: 0 none, 1 contacted … 5 held as qualified; migration 0024
# folded the former trigger-kept ``client_funnel`` table into it). ``last_activity_id`` is the
# client's newest activity folded in (readers compare the newest of all with
# ``max(activity.id)`` and fall back to the activities when behind; the index makes that one
# look-up).
client_fact = Table(
    "client_fact",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id"), primary_key=True),
    Column("first_call_at", UTCDateTime),
    Column("first_conversation_at", UTCDateTime),  # first call with outcome conversation
    Column("calls", Integer, nullable=False),
    Column("last_touch_at", UTCDateTime),  # latest call or e-mail
    Column("last_activity_id", Integer, nullable=False),
    Column("funnel_level", SmallInteger, nullable=False, server_default=text("0")),
    CheckConstraint("calls >= 0", name="calls_not_negative"),
    CheckConstraint(
        "(calls = 0 AND first_call_at IS NULL) OR (calls > 0 AND first_call_at IS NOT NULL)",
        name="first_call_iff_calls",
    ),
    CheckConstraint(
        "first_conversation_at IS NULL OR first_conversation_at >= first_call_at",
        name="conversation_after_first_call",
    ),
    Index("ix_client_fact_last_activity_id", "last_activity_id"),
)

# Ranking's per-rep, per-campaign, per-UTC-day sums of ``activity`` (services/assign/rollup.py,
# written by every activity writer): one row per key on SQLite; on PostgreSQL appended deltas,
# compacted per key when no other writer is compacting. Readers sum a key's rows.
rep_activity_day = Table(
    "rep_activity_day",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rep_id", Integer, ForeignKey("rep.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaign.id"), nullable=False),
    Column("day", Date, nullable=False),  # the UTC date of activity.at
    Column("acts", Integer, nullable=False),
    Column("talk_s", Integer, nullable=False),  # sum of duration_s (none: 0)
    Column("calls", Integer, nullable=False),
    Column("conversations", Integer, nullable=False),
    Column("booked", Integer, nullable=False),
    Column("held_qualified", Integer, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),  # the newest activity.at of these rows
    Index("ix_rep_activity_day_rep_id_day", "rep_id", "day"),
)

# The gap before each touch (call or e-mail with a rep): since the same rep's previous touch of
# the same client (``kind`` 0 or 1), and since the previous one of the same client in the same
# campaign (``kind`` 0 or 2) — one row (kind 0) when both are the same, as they are whenever a
# client's activities all carry its campaign. Kept by ``services/work/touches`` from
# ``facts.fold``/``facts.rebuild`` (every activity writer) for ``metrics reps``' median touch
# gap, so the read needs no window over every touch; the index gives each rep's gaps in order
# (the median is an offset into it, no sort), covering the period, campaign and kind tests.
touch_gap = Table(
    "touch_gap",
    metadata,
    Column("activity_id", Integer, ForeignKey("activity.id"), primary_key=True),
    Column("kind", SmallInteger, primary_key=True),  # 0 both chains, 1 any campaign, 2 same campaign
    Column("rep_id", Integer, nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),  # the touch's activity.at
    Column("prev_at", UTCDateTime, nullable=False),  # the previous touch's
    Column("gap_s", BigInteger, nullable=False),  # epoch_seconds(at) - epoch_seconds(prev_at)
    CheckConstraint("kind IN (0, 1, 2)", name="kind"),
    Index("ix_touch_gap_rep_id_gap_s", "rep_id", "gap_s", "at", "prev_at", "campaign_id", "kind"),
)

# Each meeting booked by a rep (``metrics reps``' hold rate): when it is due (``meeting_at``,
# else ``at``) and whether a held meeting (either outcome) was logged at or after the booking on
# that client — false until one is, then true for good (activities are append-only). Kept by
# ``services/work/bookings`` from ``facts.fold``/``facts.rebuild`` (every activity writer).
meeting_booking = Table(
    "meeting_booking",
    metadata,
    Column("activity_id", Integer, ForeignKey("activity.id"), primary_key=True),
    Column("rep_id", Integer, nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),  # the booking's activity.at
    Column("due_at", UTCDateTime, nullable=False),  # coalesce(meeting_at, at)
    Column("held", Boolean, nullable=False),
    Index("ix_meeting_booking_rep_id_at", "rep_id", "at", "due_at", "campaign_id", "held"),
)

# The stored part of each client's queue priority (``services/work/score_store.py``): the static
# score (fit + behaviour, every activity counted) under the scoring rules ``rules`` (a
# fingerprint) and the epoch seconds of the latest engagement and intent activity. The queue
# orders a segment by the upper bound these give and stops reading once its rows are certain;
# a row whose ``client_updated_at`` differs from the client's ``updated_at`` (a writer changed
# the client) or whose ``rules`` differ is stale and read as unbounded (never trusted).
# No foreign key to client on purpose: checking one takes a KEY SHARE lock on the client row on
# PostgreSQL, and `next` claims clients with FOR UPDATE SKIP LOCKED, so a concurrent `next`
# storing scores would hide clients from the others' claims. Rows are only ever read joined
# to their client (and clients are never deleted).
client_score = Table(
    "client_score",
    metadata,
    Column("client_id", Integer, primary_key=True),
    Column("rules", String(16), nullable=False),
    Column("static", Float, nullable=False),
    Column("engaged_s", Float),
    Column("intent_s", Float),
    Column("client_updated_at", UTCDateTime, nullable=False),
    # The lead source scored (the origin lead's, else its bucket's): fixes and bucket edits change
    # it without touching the client, so it is compared live too.
    Column("source", String(200)),
)

# ``metrics speed`` stored (``services/metrics/speed_store.py``, migration 0025): each live
# client's six histogram bins (to_attempt, to_conversation, rep_response × clock, business;
# NULL: not reached), the epoch seconds at which its first-contact SLA runs out while not
# reached (``due``: NULL when reached or, for rep_response, unassigned) and ``horizon``, the
# latest moment its values depend on (capture, first call, first conversation, assignment).
# ``speed_hist`` holds their counts per group (kind 0 = campaign, 1 = rep; bin -1 = not reached,
# -2 = not reached with a due moment; grp -1 = none), so a percentile is a read of a few rows
# instead of a sort of every client. Values are exact for the business clock and first-contact
# SLA of the rules fingerprint in ``client_speed_state``. Writers do not compute them: triggers
# on client, assignment and client_fact append the client's id to ``client_speed_dirty`` (no
# unique key, so an append never waits for another transaction), and the next ``metrics speed``
# recomputes those clients first (one writer at a time: the state row is locked first).
# Migration 0028 adds the first-contact SLA of ``metrics sla``: ``fc_d`` (business seconds from
# capture to the first call, NULL: not called), ``fc_due`` (``B`` at which the SLA of a client not
# called runs out) and, in ``speed_hist``, measure 3 (bins 0 met, 1 breached after the call, 2
# not called, 3 the sum of ``fc_d``). Migration 0029: ``cap_hour`` / ``cap_weekday``, the
# capture's hour (0-23) and weekday (0 = Monday) in the business hours' zone, and measure 3's
# counts by them too (kind 2 = hour, 3 = weekday), so ``metrics sla --by hour|weekday`` over
# every client is a read of 24 or 7 groups' rows as by rep is.
client_speed = Table(
    "client_speed",
    metadata,
    Column("client_id", Integer, primary_key=True, autoincrement=False),
    Column("campaign_id", Integer),
    Column("manager_id", Integer),
    Column("assigned", SmallInteger, nullable=False),
    Column("c0", Integer),
    Column("b0", Integer),
    Column("c1", Integer),
    Column("b1", Integer),
    Column("c2", Integer),
    Column("b2", Integer),
    Column("due0", BigInteger),
    Column("due1", BigInteger),
    Column("due2", BigInteger),
    Column("fc_d", BigInteger),  # first-contact SLA: B(first call) - B(capture); NULL: not called
    Column("fc_met", SmallInteger),  # 1: called within the allowance, 0: after it, NULL: not called
    Column("fc_due", BigInteger),  # B(capture) + allowance while not called (NULL: called)
    Column("cap_hour", SmallInteger),  # the capture's local hour (business hours' zone)
    Column("cap_weekday", SmallInteger),  # and weekday, 0 = Monday
    Column("horizon", BigInteger, nullable=False),
    Index("ix_client_speed_due0", "due0", "campaign_id", "manager_id"),
    Index("ix_client_speed_due1", "due1", "campaign_id", "manager_id"),
    Index("ix_client_speed_due2", "due2", "campaign_id", "manager_id"),
    Index("ix_client_speed_fc_due", "fc_due", "campaign_id", "manager_id"),
)
speed_hist = Table(
    "speed_hist",
    metadata,
    Column("kind", SmallInteger, primary_key=True, autoincrement=False),
    Column("grp", Integer, primary_key=True, autoincrement=False),
    Column("m", SmallInteger, primary_key=True, autoincrement=False),
    Column("basis", SmallInteger, primary_key=True, autoincrement=False),
    Column("bin", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)
client_speed_dirty = Table(
    "client_speed_dirty",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, nullable=False),
)
client_speed_state = Table(
    "client_speed_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("rules", String(16)),  # NULL: never filled (every row is recomputed on the next read)
    Column("horizon", BigInteger, nullable=False),
    Column("span_lo", BigInteger),  # epoch of the day table's first day the values were computed on
)
