"""What the rules file may contain: every key, its type and its allowed values.

Defaults live in ``default.yaml`` beside this file (identical to
``examples/configs/default.yaml``, every key commented); this module says only what is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Lead fields a rules file may name (mapping targets, required fields, …).
LEAD_FIELDS = (
    "external_id",
    "first_name",
    "last_name",
    "email",
    "title",
    "business_phone",
    "mobile_phone",
    "linkedin_url",
    "company",
    "website",
    "headcount",
    "revenue",
    "industry",
    "city",
    "state",
    "country",
    "source",
    "affiliate_id",
    "registered_at",
)


@dataclass(frozen=True)
class Spec:
    """One key: ``kind`` is section | str | bool | int | float | list | map."""

    kind: str
    doc: str = ""
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    item: Spec | None = None
    fields: dict[str, Spec] = field(default_factory=dict)
    pattern_hint: str = ""
    options: tuple[Spec, ...] = ()  # kind "either": a scalar or a list, whichever the value is
    # A further check of the converted value (cross-field rules): the problem, or None. The
    # loader reports it with the value's file and line.
    check: Callable[[Any], str | None] | None = None

    def expected(self) -> str:
        if self.kind == "either":
            return " or ".join(o.expected() for o in self.options)
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind == "list" and self.item is not None:
            return f"a list of {self.item.expected()}"
        if self.kind == "map" and self.item is not None:
            return f"a mapping of names to {self.item.expected()}"
        if self.kind == "section":
            return "a mapping with keys " + ", ".join(self.fields)
        words = {
            "region": "a region code such as US, CA or GB",
            "str": "a string",
            "bool": "true or false",
            "int": "a whole number",
            "float": "a number",
            "scalar": "a text or a number",
        }
        text = words.get(self.kind, self.kind)
        if self.minimum is not None and self.maximum is not None:
            text += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text += f" ≥ {self.minimum:g}"
        return text


def section(doc: str, **fields: Spec) -> Spec:
    return Spec("section", doc=doc, fields=fields)


# Duplicate rules (leadctl/services/dedupe/config.py reads them; kept here so this module imports nothing).
DUPLICATE_SCOPES = ("global", "campaign")
EXACT_KEYS = ("email", "phone", "external_id")
BLOCKING_KINDS = ("company", "domain", "phone_suffix", "name")
COMPARATORS = (
    "exact", "text", "fuzzy", "name", "company", "phone", "email", "domain",
    "date", "number", "postcode", "address",
)  # fmt: skip
EXACT_KEY_MODES = ("evidence", "decide")

ROUTING_MODELS = ("account_owner", "territory", "skill", "round_robin", "bucket_manager", "pool")
RANK_FACTORS = (
    "time_on_campaign",
    "recency",
    "other_campaigns",
    "leads_held",
    "call_to_conversation",
    "conversation_to_booked",
    "hold_rate",
    "qualified_meetings",
    "leads_available",
)
NURTURE_OUTCOMES = ("nurture", "callback", "feedback")

WINDOW = Spec("str", doc='"HH:MM-HH:MM" local time, or none')
CALLING_RULE = {
    "weekdays": WINDOW,
    "saturday": WINDOW,
    "sunday": WINDOW,
    "holidays": Spec("bool", doc="false: no calls on the region's public holidays"),
    "max_calls_24h": Spec("int", minimum=0, doc="most calls to one person in any 24 h; 0 = no cap"),
}

REGION = Spec("region", doc="two-letter region code (ISO 3166-1), e.g. US, CA, GB")

# Scoring conditions (leadctl/services/work/scoring.py evaluates them; no code is ever run).
# Fields a condition may name besides custom fields; ``custom.NAME`` names a custom field
# explicitly (a bare unknown name is one too, unless it looks like a typo of these).
SCORE_FIELDS = (
    "title", "company", "industry", "headcount", "revenue", "city", "state", "country", "timezone",
    "email_domain", "source", "bucket", "affiliate_id",
    "emails_opened", "emails_clicked", "emails_replied", "calls", "conversations", "meetings_booked",
    "intents",
)  # fmt: skip
SCORE_OPERATORS = ("matches", "in", "between", "at_least", "at_most", "equals", "exists")
INTENT_OUTCOMES = ("demo_request", "pricing_visit", "inbound")


def _check_condition(cond: Any) -> str | None:
    """One condition: a field, exactly one operator, points; a regex that compiles."""
    import difflib

    given = [op for op in SCORE_OPERATORS if op in cond]
    if "field" not in cond:
        return 'a condition needs field: (e.g. {field: title, matches: "(?i)vp", points: 10})'
    if len(given) != 1:
        return f"a condition needs exactly one of {', '.join(SCORE_OPERATORS)} (got {len(given)})"
    if "points" not in cond:
        return "a condition needs points: (a number, may be negative)"
    name = str(cond["field"])
    if name not in SCORE_FIELDS and not name.startswith("custom."):
        hint = difflib.get_close_matches(name, SCORE_FIELDS, n=1, cutoff=0.75)
        if hint:
            return (
                f"unknown field {name!r} (did you mean {hint[0]!r}? write custom.{name} for a custom field)"
            )
    op = given[0]
    if op == "matches":
        try:
            re.compile(str(cond["matches"]))
        except re.error as exc:
            return f"matches: not a valid regular expression ({exc})"
    if op == "between":
        pair = cond["between"]
        if len(pair) != 2 or pair[0] > pair[1]:
            return "between: expected [low, high] with low ≤ high"
    if op == "in" and not cond["in"]:
        return "in: expected a non-empty list"
    return None


CONDITION = Spec(
    "section",
    doc="one scoring condition",
    fields={
        "name": Spec("str", doc="shown by score --explain (default: the condition itself)"),
        "field": Spec("str", doc="a client field, an engagement count or a custom field"),
        "matches": Spec("str", doc="a regular expression searched in the value ((?i) ignores case)"),
        "in": Spec("list", item=Spec("scalar"), doc="the value is one of these (case ignored)"),
        "between": Spec("list", item=Spec("float"), doc="[low, high], inclusive, on the value as a number"),
        "at_least": Spec("float"),
        "at_most": Spec("float"),
        "equals": Spec("scalar"),
        "exists": Spec("bool", doc="true: the field has a value; false: it is empty"),
        "points": Spec("float", doc="added when the condition holds (negative to subtract)"),
    },
    check=_check_condition,
)

SCHEMA = section(
    "leadctl rules",
    version=Spec("int", doc="rules file format version", minimum=1, maximum=1),
    phones=section(
        "phone parsing",
        default_region=REGION,
        allowed_regions=Spec("list", item=REGION, doc="regions accepted; empty = any"),
    ),
    validation=section(
        "what makes a lead valid",
        required_fields=Spec(
            "list", item=Spec("str", choices=LEAD_FIELDS), doc="fields that must be present"
        ),
        phone_required=Spec("str", choices=("any", "business", "mobile", "both", "none")),
        check_email_syntax=Spec("bool"),
        check_phone_numbers=Spec("bool"),
        reject_future_registration=Spec("bool"),
    ),
    mapping=section(
        "how file headers map onto lead fields",
        aliases=Spec("map", item=Spec("str", choices=LEAD_FIELDS + ("full_name",))),
    ),
    duplicates=section(
        "when two leads are the same person (see leadctl/services/dedupe/)",
        scope=Spec(
            "str", choices=DUPLICATE_SCOPES, doc="global: one client per person; campaign: per campaign"
        ),
        threshold=Spec(
            "float", minimum=0, maximum=1, doc="fuzzy score at or above which leads are duplicates"
        ),
        exact_keys=Spec(
            "list", item=Spec("str", choices=EXACT_KEYS), doc="keys that are strong evidence of one person"
        ),
        exact_key_mode=Spec(
            "str",
            choices=EXACT_KEY_MODES,
            doc="evidence: weighed with the names; decide: duplicates outright",
        ),
        gmail_folding=Spec("bool", doc="ignore dots and +tags in Gmail addresses"),
        min_evidence=Spec("float", minimum=0, maximum=1, doc="share of field weight both leads must have"),
        blocking=Spec(
            "list",
            item=Spec(
                "either",
                options=(
                    Spec("str", choices=BLOCKING_KINDS),
                    Spec(
                        "list", item=Spec("str", doc="field, field:N (first N characters) or field:soundex")
                    ),
                ),
            ),
            doc="candidate rules (OR-ed): a built-in key, or a list of fields that must all agree",
        ),
        max_block_size=Spec("int", minimum=2, doc="skip fuzzy candidate blocks larger than this"),
        fields=Spec(
            "map",
            doc="fields of the fuzzy score, by lead field, custom field or virtual field name",
            item=section(
                "one weighted field",
                weight=Spec("float", minimum=0, doc="relative weight; 0 switches the field off"),
                compare=Spec("str", choices=COMPARATORS, doc="how values are compared"),
                min=Spec("float", minimum=0, maximum=1, doc="below this similarity the score is capped"),
                required=Spec("bool", doc="both leads must have the field for a fuzzy match"),
            ),
        ),
    ),
    routing=section(
        "how a new client reaches a rep at intake (leadctl/services/assign/routing.py)",
        models=Spec(
            "list", item=Spec("str", choices=ROUTING_MODELS), doc="tried in order; pool is the catch-all"
        ),
        segments=Spec("map", item=Spec("int", minimum=0), doc="segment name -> smallest headcount"),
        skills=Spec(
            "map",
            item=Spec("map", item=Spec("str")),
            doc="client field -> {value: skill the rep needs}",
        ),
        skill_wait_minutes=Spec("int", minimum=0, doc="wait for a skilled rep before falling through"),
        weights=Spec("map", item=Spec("float", minimum=0), doc="round-robin weight by rep e-mail"),
        default_weight=Spec("float", minimum=0),
        cap_per_day=Spec("int", minimum=0, doc="most clients a rep receives per day; 0 = no cap"),
        cap_per_week=Spec("int", minimum=0, doc="most clients a rep receives per week; 0 = no cap"),
    ),
    assignment=section(
        "campaign assignment (leadctl assign)",
        shared_pool_share=Spec("float", minimum=0, maximum=1),
        shared_pool_count=Spec("int", minimum=0),
        default_capacity=Spec("int", minimum=0, doc="open clients a rep without a capacity may hold"),
        max_per_rep_per_run=Spec("int", minimum=0, doc="0 = no limit"),
        lookback_days=Spec("int", minimum=1),
        recent_business_days=Spec("int", minimum=0),
        recency_decay=Spec("float", minimum=0, maximum=1),
        respect_territories=Spec("bool"),
        if_running=Spec("str", choices=("wait", "fail")),
        wait_seconds=Spec("int", minimum=0),
        weights=section("ranking factor weights", **{f: Spec("float", minimum=0) for f in RANK_FACTORS}),
    ),
    topup=section(
        "leadctl topup",
        target=Spec("int", minimum=1),
        inactive_business_days=Spec("int", minimum=1),
        take_share=Spec("float", minimum=0, maximum=1),
        order=Spec("str", choices=("worst_first", "best_first")),
    ),
    nurture=section(
        "clients a rep saved for later",
        outcomes=Spec("list", item=Spec("str", choices=NURTURE_OUTCOMES)),
        reserve_days=Spec("int", minimum=0),
    ),
    cooldown=section("after a call", after_call_hours=Spec("float", minimum=0)),
    calendar=section(
        "business days",
        country=Spec("str"),
        subdivisions=Spec("list", item=Spec("str")),
        company_holidays=Spec("list", item=Spec("str")),
        weekend=Spec("list", item=Spec("int", minimum=0, maximum=6)),
    ),
    business_hours=section(
        "opening hours: business time for SLAs and metrics (with calendar's weekends and holidays)",
        timezone=Spec("str", doc="IANA time zone of the opening hours"),
        hours=Spec("map", item=Spec("str"), doc="weekday (mon … sun) -> HH:MM-HH:MM or closed"),
        after_hours=Spec("str", choices=("from_opening", "from_capture")),
    ),
    sla=section(
        "service levels: leadctl sla check",
        first_contact=section(
            "capture -> first attempt",
            minutes=Spec("float", minimum=1, doc="business minutes"),
            by_source=Spec("map", item=Spec("float", minimum=1), doc="lead source -> minutes"),
            by_bucket=Spec("map", item=Spec("float", minimum=1), doc="bucket label -> minutes"),
        ),
        follow_up=section(
            "last touch -> next touch",
            steps_business_days=Spec("list", item=Spec("float", minimum=0.01)),
            max_attempts=Spec("int", minimum=1),
        ),
        levels=Spec(
            "map",
            item=section(
                "one escalation level",
                at=Spec("float", minimum=0.01, doc="share of the SLA elapsed (1 = the deadline)"),
                action=Spec("str", choices=("raise_priority", "notify", "reassign")),
            ),
        ),
        about_to_breach=Spec("float", minimum=0.01, maximum=1),
    ),
    dates=section(
        "dates in lead files",
        input_timezone=Spec("str", doc="IANA zone of dates written without an offset"),
        oldest=Spec("str", doc="registration dates before this day (YYYY-MM-DD) are suspicious"),
        out_of_range=Spec("str", choices=("reject", "warn")),
    ),
    calling=section(
        "calling windows and caps (leadctl/services/work/calling.py)",
        default=section("windows of countries not listed", **CALLING_RULE),
        regions=Spec("map", item=section("a country or state (US, US-FL)", **CALLING_RULE)),
        unknown_timezones=Spec("list", item=Spec("str"), doc="zones assumed when a client's is unknown"),
    ),
    queue=section(
        "the rep's queue and leadctl next",
        lease_seconds=Spec("int", minimum=1),
        appointment_call_hours=Spec("float", minimum=0),
        appointment_email_hours=Spec("float", minimum=0),
        retry_share=Spec("float", minimum=0, maximum=1),
        retry_after_hours=Spec("float", minimum=0),
        max_attempts=Spec("int", minimum=1),
        after_max_attempts=Spec("str", choices=("leave", "nurture")),
        pool_candidates=Spec("int", minimum=0),
    ),
    monitoring=section(
        "data-quality alerts (leadctl metrics duplicates)",
        spike_factor=Spec("float", minimum=1.0),
        spike_min_increase=Spec("float", minimum=0.0, maximum=1.0),
        spike_min_leads=Spec("int", minimum=1),
        trailing_days=Spec("int", minimum=1),
    ),
    stages=section(
        "how activities move a client's stage (leadctl/services/work/stages.py)",
        email_engagement=Spec("int", minimum=1, doc="opens + clicks that make a client engaged"),
        inbound_outcomes=Spec("list", item=Spec("str", choices=INTENT_OUTCOMES)),
        lost_reengage_after_days=Spec("int", minimum=0),
        lost_reengage_before_days=Spec("int", minimum=0),
        attempted_minimum=section(
            "fewest attempted clients per role before `leadctl stages` warns",
            setter=Spec("int", minimum=0),
            closer=Spec("int", minimum=0),
            manager=Spec("int", minimum=0),
        ),
    ),
    scoring=section(
        "static score and dynamic priority (leadctl/services/work/scoring.py)",
        fit=Spec("list", item=CONDITION, doc="ideal-customer-profile points"),
        behaviour=Spec("list", item=CONDITION, doc="source and engagement points"),
        recency=section(
            "points for recent engagement, halved every half_life_days",
            points=Spec("float", minimum=0),
            half_life_days=Spec("float", minimum=0.01),
        ),
        age=section(
            "lead age decay of the static score",
            half_life_days=Spec("float", minimum=0.01),
            floor=Spec("float", minimum=0, maximum=1),
        ),
        intent=section(
            "real-time intent: recent demo requests, pricing visits, inbound contacts",
            points=section("points per intent", **{o: Spec("float", minimum=0) for o in INTENT_OUTCOMES}),
            half_life_hours=Spec("float", minimum=0.01),
            window_days=Spec("float", minimum=0),
            custom_fields=Spec(
                "map",
                item=Spec("str", choices=INTENT_OUTCOMES),
                doc="custom field holding a date/time -> the intent it records",
            ),
        ),
        sla_urgency=section(
            "SLA urgency (0 just captured, 1 at the deadline, > 1 past it) times points",
            points=Spec("float", minimum=0),
            cap=Spec("float", minimum=0),
        ),
    ),
    metrics=section(
        "metric tables and the report (leadctl metrics funnel|reps|queue, leadctl report)",
        queue_age_bands_days=Spec("list", item=Spec("int", minimum=1)),
    ),
)
