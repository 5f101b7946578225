"""The closed vocabularies of leadctl, in one place (imports nothing heavy).

Every status, role, stage, event kind, activity type and outcome that code, the schema's
check constraints, the CLI's choices and the docs use comes from here: no bare string
literal of these values elsewhere. Members are ``StrEnum``, so they compare equal to, and
are stored as, their plain string values.
"""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    """Where a lead is in intake processing; set by the system, never typed by hand."""

    NEW = "new"  # loaded, not yet processed
    PROCESSED = "processed"  # valid, and created (or is the origin of) its client
    DUPLICATE = "duplicate"  # valid, and matched an existing client or lead
    REJECTED = "rejected"  # failed validation; kept with its reasons so it can be fixed


class RepRole(StrEnum):
    """What a rep does (the stage-2 minimum and top-up behaviour depend on it)."""

    SETTER = "setter"  # appointment setter
    CLOSER = "closer"  # full-cycle rep
    MANAGER = "manager"


class EventKind(StrEnum):
    """Kinds of timeline entries (``lead_event``). Payloads: ``leadctl.services.events``."""

    LOADED = "loaded"  # shown from the load record; never stored as a row
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    REPROCESSED = "reprocessed"
    FIXED = "fixed"
    MERGED = "merged"
    MERGE_UNDONE = "merge_undone"
    # clients (assignment and the rep's work)
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    STAGE_CHANGED = "stage_changed"
    SUPPRESSED = "suppressed"
    UNSUPPRESSED = "unsuppressed"
    ESCALATED = "escalated"
    # the rep's work, SLAs and compliance (payloads: leadctl.services.events.PAYLOADS)
    CLIENT_UPDATED = "client_updated"  # a lead's corrected identity fields flowed to its client
    RETIRED = "retired"  # a client whose every lead was rejected or moved away; absorbs nothing
    LISTED = "listed"  # added to a custom list
    UNLISTED = "unlisted"  # removed from a custom list
    CLAIMED = "claimed"  # handed to a rep's dialer by `leadctl next` (a lease)
    CALL_BLOCKED = "call_blocked"  # an attempt refused: calling window, call cap, do-not-contact, cooldown
    CALL_VIOLATION = "call_violation"  # a logged call that broke a calling rule


# Kinds written as ``lead_event`` rows (the schema's check constraint lists exactly these).
STORED_EVENT_KINDS: tuple[EventKind, ...] = tuple(k for k in EventKind if k is not EventKind.LOADED)

# The outcome of processing a lead → the kind of its timeline entry (first processing).
PROCESSING_EVENT: dict[LeadStatus, EventKind] = {
    LeadStatus.PROCESSED: EventKind.PROCESSED,
    LeadStatus.DUPLICATE: EventKind.DUPLICATE,
    LeadStatus.REJECTED: EventKind.REJECTED,
}


class Stage(StrEnum):
    """Where a client is in the rep's work (the four working buckets, then terminal stages)."""

    UNTOUCHED = "untouched"  # 1: never spoken with
    ATTEMPTED = "attempted"  # 2: researched, at least one call attempt with a verified dial
    ENGAGED = "engaged"  # 3: spoke without booking, heavy e-mail engagement, inbound, old lost deal
    APPOINTMENT = "appointment"  # 4: meeting scheduled
    DISQUALIFIED = "disqualified"
    DO_NOT_CONTACT = "do_not_contact"
    CONVERTED = "converted"


TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.DISQUALIFIED, Stage.DO_NOT_CONTACT, Stage.CONVERTED})


class ActivityType(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    DISPOSITION = "disposition"
    INTENT = "intent"  # a demo request, pricing-page visit or inbound contact (real-time intent)


class ActivityOutcome(StrEnum):
    """What an activity ended with; ``OUTCOMES_BY_TYPE`` says which go with which type."""

    # calls
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    CONVERSATION = "conversation"
    # e-mails
    SENT = "sent"
    OPENED = "opened"
    REPLIED = "replied"
    CLICKED = "clicked"
    # meetings
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    HELD_QUALIFIED = "held_qualified"
    HELD_UNQUALIFIED = "held_unqualified"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    # dispositions
    CALLBACK = "callback"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"
    DO_NOT_CONTACT = "do_not_contact"
    FEEDBACK = "feedback"
    CONVERTED = "converted"  # won: the client became a customer
    LOST = "lost"  # a deal was lost (6-9 months later the client is worth re-engaging)
    # intent (recorded by a web or marketing tool)
    DEMO_REQUEST = "demo_request"
    PRICING_VISIT = "pricing_visit"
    INBOUND = "inbound"  # the client called or wrote in


_O = ActivityOutcome
OUTCOMES_BY_TYPE: dict[ActivityType, tuple[ActivityOutcome, ...]] = {
    ActivityType.CALL: (_O.NO_ANSWER, _O.VOICEMAIL, _O.WRONG_NUMBER, _O.CONVERSATION),
    ActivityType.EMAIL: (_O.SENT, _O.OPENED, _O.CLICKED, _O.REPLIED),
    ActivityType.MEETING: (
        _O.BOOKED,
        _O.CONFIRMED,
        _O.HELD_QUALIFIED,
        _O.HELD_UNQUALIFIED,
        _O.NO_SHOW,
        _O.CANCELLED,
    ),
    ActivityType.DISPOSITION: (
        _O.CALLBACK,
        _O.NURTURE,
        _O.DISQUALIFIED,
        _O.DO_NOT_CONTACT,
        _O.FEEDBACK,
        _O.CONVERTED,
        _O.LOST,
    ),
    ActivityType.INTENT: (_O.DEMO_REQUEST, _O.PRICING_VISIT, _O.INBOUND),
}


class AssignmentRule(StrEnum):
    """Why a client went to a rep (``assignment.rule``); ``MANUAL`` counts against routing accuracy."""

    ACCOUNT_OWNER = "account_owner"
    TERRITORY = "territory"
    SKILL = "skill"
    ROUND_ROBIN = "round_robin"
    BUCKET_MANAGER = "bucket_manager"
    RANK = "rank"  # campaign assignment (`leadctl assign`), stack-ranked reps
    TOPUP = "topup"
    MANUAL = "manual"  # `leadctl reassign`
    ESCALATION = "escalation"  # SLA escalation reassigned it
    RESTORED = "restored"  # `dedupe undo` gave a merged client back the rep the merge took from it
    INHERITED = "inherited"  # a merge gave a survivor nobody held the rep of the client merged into it


class AssignmentEnd(StrEnum):
    """Why an assignment ended (``assignment.ended_reason``)."""

    REASSIGNED = "reassigned"
    TOPUP = "topup"
    REP_LEFT = "rep_left"
    RETURNED_TO_POOL = "returned_to_pool"
    SUPPRESSED = "suppressed"  # disqualified or do-not-contact
    MERGED = "merged"  # the client was merged into another
    # queue.after_max_attempts: leave - the last allowed unanswered call: out of every queue, and
    # `assign`/`topup` never hand the client out again (only `reassign --client` does).
    MAX_ATTEMPTS = "max_attempts"
    MERGE_UNDONE = "merge_undone"  # `dedupe undo` took back what the merge's survivor inherited


class ProposalStatus(StrEnum):
    """Where a merge proposal stands (``merge_proposal.status``): ``process`` proposes merging
    clients that one new lead matches; an admin applies or rejects it (``dedupe apply|reject``)."""

    OPEN = "open"
    APPLIED = "applied"  # merged (reversibly: ``merge_id``)
    REJECTED = "rejected"  # not the same person: never proposed again
    SUPERSEDED = "superseded"  # the clients were merged or retired meanwhile: nothing left to merge


class SuppressionKind(StrEnum):
    """What a do-not-contact entry matches."""

    EMAIL = "email"
    PHONE = "phone"


class SlaKind(StrEnum):
    """Which service level a deadline belongs to (``sla check``, ``sla_escalation.sla``)."""

    FIRST_CONTACT = "first_contact"  # capture -> first call attempt
    FOLLOW_UP = "follow_up"  # last touch -> next touch (the cadence)


class EscalationAction(StrEnum):
    """What an SLA escalation level does (rules ``sla.levels.*.action``)."""

    RAISE_PRIORITY = "raise_priority"
    NOTIFY = "notify"
    REASSIGN = "reassign"


class SlaStatus(StrEnum):
    """Where a client's SLA stands (``sla check``, ``metrics sla``)."""

    MET = "met"
    RUNNING = "running"  # not yet due
    AT_RISK = "at_risk"  # running, past sla.about_to_breach of its time
    BREACHED = "breached"


class TimezoneSource(StrEnum):
    """Where a client's IANA time zone came from (``client.timezone_source``), best first."""

    EXPLICIT = "explicit"  # a time-zone field in the data
    POSTAL = "postal"  # the postal code (US ZIP, Canadian postal code)
    STATE = "state"  # the state / province field
    PHONE = "phone"  # the phone number's area code
    DEFAULT = "default"  # nothing known: the rules' default zones (most restrictive of them)


class CallBlock(StrEnum):
    """Why a call attempt is refused (``call_blocked.reason``, ``call_violation.rule``)."""

    CALLING_WINDOW = "calling_window"
    CALL_CAP = "call_cap"
    DO_NOT_CONTACT = "do_not_contact"
    COOLDOWN = "cooldown"


class QueueTier(StrEnum):
    """The rep's daily order of work (seed 1, worked in reverse bucket order), first to last."""

    APPOINTMENT_CALL = "appointment_call"  # due in the next 2-3 h, not confirmed: call
    APPOINTMENT_EMAIL = "appointment_email"  # due within 24 h, not confirmed: e-mail
    APPOINTMENT_WEEK = "appointment_week"  # due this week, booked more than a week ago: confirm
    CALLBACK_DUE = "callback_due"  # engaged, asked to be called today
    ENGAGED = "engaged"
    ATTEMPTED = "attempted"
    RESEARCHED = "researched"  # untouched, already worked on (an activity exists)
    NEW = "new"  # untouched and never worked on


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The plain string values of an enum, in declaration order (for choices and constraints)."""
    return tuple(m.value for m in enum)
