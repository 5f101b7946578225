"""What the rules file may contain: every key, its type and its allowed values.

Defaults live in ``default.yaml`` beside this file (identical to
``examples/configs/default.yaml``, every key commented); this module says only what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def expected(self) -> str:
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
COMPARATORS = ("exact", "fuzzy", "name", "company", "phone", "email", "domain")

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

REGION = Spec("region", doc="two-letter region code (ISO 3166-1), e.g. US, CA, GB")

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
            "list", item=Spec("str", choices=EXACT_KEYS), doc="keys that make leads duplicates outright"
        ),
        gmail_folding=Spec("bool", doc="ignore dots and +tags in Gmail addresses"),
        min_evidence=Spec("float", minimum=0, maximum=1, doc="share of field weight both leads must have"),
        blocking=Spec("list", item=Spec("str", choices=BLOCKING_KINDS), doc="fuzzy candidate keys"),
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
    monitoring=section(
        "data-quality alerts (leadctl metrics duplicates)",
        spike_factor=Spec("float", minimum=1.0),
        spike_min_increase=Spec("float", minimum=0.0, maximum=1.0),
        spike_min_leads=Spec("int", minimum=1),
        trailing_days=Spec("int", minimum=1),
    ),
    metrics=section(
        "metric tables and the report (leadctl metrics funnel|reps|queue, leadctl report)",
        stage2_minimum_setter=Spec("int", minimum=0),
        stage2_minimum_closer=Spec("int", minimum=0),
        queue_age_bands_days=Spec("list", item=Spec("int", minimum=1)),
    ),
)
