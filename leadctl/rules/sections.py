"""The rules as typed, frozen sections, built once from the validated file.

Services read ``rules.duplicates.threshold``, never a dotted string. Each section is a frozen
dataclass built by ``build(data)`` from the merged, schema-validated dict (``loader``); the
schema has already checked every type and range, so nothing here re-validates. There are no
defaults in this module: every default lives only in ``default.yaml`` (a test builds every
section from it and checks no dataclass field carries a default of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from types import MappingProxyType
from typing import Any

from leadctl.errors import ConfigError


@dataclass(frozen=True)
class PhoneRules:
    default_region: str
    allowed_regions: frozenset[str]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> PhoneRules:
        return cls(d["default_region"], frozenset(d["allowed_regions"] or ()))


@dataclass(frozen=True)
class ValidationRules:
    required_fields: tuple[str, ...]
    phone_required: str
    check_email_syntax: bool
    check_phone_numbers: bool
    reject_future_registration: bool

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> ValidationRules:
        return cls(
            tuple(dict.fromkeys(d["required_fields"] or ())),
            d["phone_required"],
            d["check_email_syntax"],
            d["check_phone_numbers"],
            d["reject_future_registration"],
        )


@dataclass(frozen=True)
class MappingRules:
    aliases: Mapping[str, str]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> MappingRules:
        return cls(MappingProxyType(dict(d["aliases"] or {})))


@dataclass(frozen=True)
class DuplicateField:
    """One field of the fuzzy score as the rules file states it (unset keys are None)."""

    name: str
    weight: float | None
    compare: str | None
    min: float | None
    required: bool | None


@dataclass(frozen=True)
class DuplicateRules:
    scope: str
    threshold: float
    exact_keys: tuple[str, ...]
    exact_key_mode: str
    gmail_folding: bool
    min_evidence: float
    # a built-in key name, or a tuple of field specs ("last_name", "last_name:3", "city:soundex")
    blocking: tuple[str | tuple[str, ...], ...]
    max_block_size: int
    fields: tuple[DuplicateField, ...]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> DuplicateRules:
        fields = tuple(
            DuplicateField(
                str(name),
                (spec or {}).get("weight"),
                (spec or {}).get("compare"),
                (spec or {}).get("min"),
                (spec or {}).get("required"),
            )
            for name, spec in (d["fields"] or {}).items()
        )
        return cls(
            d["scope"],
            float(d["threshold"]),
            tuple(dict.fromkeys(d["exact_keys"] or ())),
            d["exact_key_mode"],
            d["gmail_folding"],
            float(d["min_evidence"]),
            tuple(dict.fromkeys(b if isinstance(b, str) else tuple(b) for b in d["blocking"] or ())),
            int(d["max_block_size"]),
            fields,
        )


@dataclass(frozen=True)
class MonitoringRules:
    spike_factor: float
    spike_min_increase: float
    spike_min_leads: int
    trailing_days: int

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> MonitoringRules:
        return cls(
            float(d["spike_factor"]),
            float(d["spike_min_increase"]),
            int(d["spike_min_leads"]),
            int(d["trailing_days"]),
        )


@dataclass(frozen=True)
class RoutingRules:
    models: tuple[str, ...]
    segments: Mapping[str, int]
    skills: Mapping[str, Mapping[str, str]]
    skill_wait_minutes: int
    weights: Mapping[str, float]
    default_weight: float
    cap_per_day: int
    cap_per_week: int

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> RoutingRules:
        models = tuple(dict.fromkeys(d["models"] or ()))
        skills = {
            str(f): MappingProxyType({str(k).lower(): v for k, v in (m or {}).items()})
            for f, m in (d["skills"] or {}).items()
        }
        return cls(
            models,
            MappingProxyType(dict(d["segments"] or {})),
            MappingProxyType(skills),
            int(d["skill_wait_minutes"]),
            MappingProxyType({str(k).lower(): float(v) for k, v in (d["weights"] or {}).items()}),
            float(d["default_weight"]),
            int(d["cap_per_day"]),
            int(d["cap_per_week"]),
        )


@dataclass(frozen=True)
class AssignmentRules:
    shared_pool_share: float
    shared_pool_count: int
    default_capacity: int
    max_per_rep_per_run: int
    lookback_days: int
    recent_business_days: int
    recency_decay: float
    respect_territories: bool
    if_running: str
    wait_seconds: int
    weights: Mapping[str, float]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> AssignmentRules:
        return cls(
            float(d["shared_pool_share"]),
            int(d["shared_pool_count"]),
            int(d["default_capacity"]),
            int(d["max_per_rep_per_run"]),
            int(d["lookback_days"]),
            int(d["recent_business_days"]),
            float(d["recency_decay"]),
            bool(d["respect_territories"]),
            d["if_running"],
            int(d["wait_seconds"]),
            MappingProxyType({k: float(v) for k, v in d["weights"].items()}),
        )


@dataclass(frozen=True)
class TopupRules:
    target: int
    inactive_business_days: int
    take_share: float
    order: str

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> TopupRules:
        return cls(int(d["target"]), int(d["inactive_business_days"]), float(d["take_share"]), d["order"])


@dataclass(frozen=True)
class NurtureRules:
    outcomes: tuple[str, ...]
    reserve_days: int

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> NurtureRules:
        return cls(tuple(dict.fromkeys(d["outcomes"] or ())), int(d["reserve_days"]))


@dataclass(frozen=True)
class CooldownRules:
    after_call_hours: float

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> CooldownRules:
        return cls(float(d["after_call_hours"]))


@dataclass(frozen=True)
class CalendarRules:
    country: str
    subdivisions: tuple[str, ...]
    company_holidays: tuple[date, ...]
    weekend: tuple[int, ...]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> CalendarRules:
        days: list[date] = []
        for i, text in enumerate(d["company_holidays"] or ()):
            try:
                days.append(date.fromisoformat(str(text)))
            except ValueError:
                raise ConfigError(
                    f"calendar.company_holidays[{i}]: expected a date YYYY-MM-DD, got {text!r}"
                ) from None
        return cls(
            str(d["country"]),
            tuple(str(s) for s in d["subdivisions"] or ()),
            tuple(days),
            tuple(int(w) for w in d["weekend"] or ()),
        )


def _clock(text: str, where: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        if hh == "24" and mm == "00":
            return time(23, 59, 59)
        return time(int(hh), int(mm))
    except ValueError:
        raise ConfigError(f"{where}: expected a time HH:MM, got {text!r}") from None


@dataclass(frozen=True)
class BusinessHoursRules:
    timezone: str
    hours: Mapping[int, tuple[time, time]]  # weekday (0 = Monday) -> (opens, closes); absent: closed
    after_hours: str

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> BusinessHoursRules:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        hours: dict[int, tuple[time, time]] = {}
        for name, text in (d["hours"] or {}).items():
            where = f"business_hours.hours.{name}"
            if str(name).lower() not in days:
                raise ConfigError(f"{where}: expected a weekday ({', '.join(days)})")
            value = str(text or "").strip().lower()
            if value in ("", "closed"):
                continue
            opens, sep, closes = value.partition("-")
            a, b = _clock(opens, where), _clock(closes, where) if sep else None
            if b is None or b <= a:
                raise ConfigError(f"{where}: expected HH:MM-HH:MM with closing after opening, got {text!r}")
            hours[days.index(str(name).lower())] = (a, b)
        return cls(str(d["timezone"]), MappingProxyType(hours), d["after_hours"])


@dataclass(frozen=True)
class EscalationLevel:
    name: str
    at: float  # share of the SLA elapsed (1.0 = the deadline)
    action: str  # raise_priority | notify | reassign


@dataclass(frozen=True)
class FirstContactSla:
    minutes: float  # business minutes from capture to the first attempt
    by_source: Mapping[str, float]
    by_bucket: Mapping[str, float]


@dataclass(frozen=True)
class FollowUpSla:
    steps_business_days: tuple[float, ...]  # allowed after attempt 1, 2, … (the last repeats)
    max_attempts: int


@dataclass(frozen=True)
class SlaRules:
    first_contact: FirstContactSla
    follow_up: FollowUpSla
    levels: tuple[EscalationLevel, ...]  # by ``at``, ascending
    about_to_breach: float

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> SlaRules:
        fc, fu = d["first_contact"], d["follow_up"]
        levels = sorted(
            (EscalationLevel(str(n), float(v["at"]), v["action"]) for n, v in (d["levels"] or {}).items()),
            key=lambda lv: (lv.at, lv.name),
        )
        return cls(
            FirstContactSla(
                float(fc["minutes"]),
                MappingProxyType({str(k): float(v) for k, v in (fc["by_source"] or {}).items()}),
                MappingProxyType({str(k): float(v) for k, v in (fc["by_bucket"] or {}).items()}),
            ),
            FollowUpSla(tuple(float(x) for x in fu["steps_business_days"] or ()), int(fu["max_attempts"])),
            tuple(levels),
            float(d["about_to_breach"]),
        )


@dataclass(frozen=True)
class DateRules:
    """``dates``: the zone of naive dates in lead files, and which registration dates are suspicious."""

    input_timezone: str
    oldest: date
    out_of_range: str  # reject | warn

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> DateRules:
        from leadctl.timeutil import zone

        try:
            zone(str(d["input_timezone"]))
        except ValueError as exc:
            raise ConfigError(f"dates.input_timezone: {exc}") from None
        try:
            oldest = date.fromisoformat(str(d["oldest"]))
        except ValueError:
            raise ConfigError(f"dates.oldest: expected a date YYYY-MM-DD, got {d['oldest']!r}") from None
        return cls(str(d["input_timezone"]), oldest, str(d["out_of_range"]))


@dataclass(frozen=True)
class StageRules:
    email_engagement: int
    inbound_outcomes: frozenset[str]
    lost_reengage_after_days: int
    lost_reengage_before_days: int
    attempted_minimum: Mapping[str, int]  # rep role -> fewest attempted clients

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> StageRules:
        after, before = int(d["lost_reengage_after_days"]), int(d["lost_reengage_before_days"])
        if before < after:
            raise ConfigError(
                "stages.lost_reengage_before_days: must not be less than lost_reengage_after_days "
                f"({before} < {after})"
            )
        return cls(
            int(d["email_engagement"]),
            frozenset(d["inbound_outcomes"] or ()),
            after,
            before,
            MappingProxyType({str(k): int(v) for k, v in d["attempted_minimum"].items()}),
        )


@dataclass(frozen=True)
class Condition:
    """One scoring condition: ``op`` is one of rules.schema.SCORE_OPERATORS, ``arg`` its value."""

    label: str
    field: str
    op: str
    arg: Any
    points: float

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> Condition:
        from leadctl.rules.schema import SCORE_OPERATORS

        op = next(o for o in SCORE_OPERATORS if o in d)
        arg = d[op]
        shown = f"[{arg[0]:g}, {arg[1]:g}]" if op == "between" else repr(arg) if op != "in" else arg
        arg = tuple(arg) if isinstance(arg, list) else arg
        return cls(
            str(d.get("name") or f"{d['field']} {op} {shown}"), str(d["field"]), op, arg, float(d["points"])
        )


@dataclass(frozen=True)
class Decay:
    """Points halved every half-life (recency: days; age: days, with a floor share)."""

    points: float
    half_life: float
    floor: float


@dataclass(frozen=True)
class IntentRules:
    points: Mapping[str, float]  # intent outcome -> points
    half_life_hours: float
    window_days: float
    custom_fields: Mapping[str, str]  # custom field holding a date/time -> intent outcome


@dataclass(frozen=True)
class SlaUrgencyRules:
    points: float  # times the SLA urgency (0 just captured, 1 at the deadline, > 1 past it) …
    cap: float  # … capped here


@dataclass(frozen=True)
class ScoringRules:
    fit: tuple[Condition, ...]
    behaviour: tuple[Condition, ...]
    recency: Decay
    age: Decay
    intent: IntentRules
    sla_urgency: SlaUrgencyRules

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> ScoringRules:
        intent = d["intent"]
        return cls(
            tuple(Condition.build(c) for c in d["fit"] or ()),
            tuple(Condition.build(c) for c in d["behaviour"] or ()),
            Decay(float(d["recency"]["points"]), float(d["recency"]["half_life_days"]), 0.0),
            Decay(0.0, float(d["age"]["half_life_days"]), float(d["age"]["floor"])),
            IntentRules(
                MappingProxyType({k: float(v) for k, v in intent["points"].items()}),
                float(intent["half_life_hours"]),
                float(intent["window_days"]),
                MappingProxyType(dict(intent["custom_fields"] or {})),
            ),
            SlaUrgencyRules(float(d["sla_urgency"]["points"]), float(d["sla_urgency"]["cap"])),
        )


Window = tuple[int, int] | None  # (start, end) in minutes after local midnight; None: no calls


def parse_window(text: Any, where: str) -> Window:
    """``"08:00-21:00"`` -> (480, 1260); ``none`` -> None; ConfigError naming the key."""
    s = str(text).strip().lower()
    if s in ("none", "no", "off", "false"):
        return None
    try:
        a, b = s.split("-")
        (ah, am), (bh, bm) = (map(int, a.split(":")), map(int, b.split(":")))
        start, end = ah * 60 + am, bh * 60 + bm
        if not (0 <= am < 60 and 0 <= bm < 60 and 0 <= start < end <= 24 * 60):
            raise ValueError
    except ValueError:
        raise ConfigError(
            f'{where}: expected a window "HH:MM-HH:MM" (start before end) or none, got {text!r}'
        ) from None
    return (start, end)


@dataclass(frozen=True)
class CallingRule:
    """One region's calling rule; None: not set here (inherited / no limit)."""

    days: Mapping[int, Window]  # weekday (0 = Monday) -> its window, only the days set here
    holidays: bool | None
    max_calls_24h: int | None

    @classmethod
    def build(cls, d: Mapping[str, Any], where: str) -> CallingRule:
        days: dict[int, Window] = {}
        for key, numbers in (("weekdays", range(5)), ("saturday", (5,)), ("sunday", (6,))):
            if d.get(key) is not None:
                window = parse_window(d[key], f"{where}.{key}")
                days.update({n: window for n in numbers})
        h = d.get("holidays")
        cap = d.get("max_calls_24h")
        return cls(MappingProxyType(days), None if h is None else bool(h), None if cap is None else int(cap))


@dataclass(frozen=True)
class CallingRules:
    default: CallingRule
    regions: Mapping[str, CallingRule]
    unknown_timezones: tuple[str, ...]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> CallingRules:
        regions = {
            str(k).upper(): CallingRule.build(v or {}, f"calling.regions.{k}")
            for k, v in (d["regions"] or {}).items()
        }
        return cls(
            CallingRule.build(d["default"] or {}, "calling.default"),
            MappingProxyType(regions),
            tuple(d["unknown_timezones"] or ()),
        )


@dataclass(frozen=True)
class QueueRules:
    lease_seconds: int
    appointment_call_hours: float
    appointment_email_hours: float
    retry_share: float
    retry_after_hours: float
    max_attempts: int
    after_max_attempts: str
    pool_candidates: int

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> QueueRules:
        return cls(
            int(d["lease_seconds"]),
            float(d["appointment_call_hours"]),
            float(d["appointment_email_hours"]),
            float(d["retry_share"]),
            float(d["retry_after_hours"]),
            int(d["max_attempts"]),
            str(d["after_max_attempts"]),
            int(d["pool_candidates"]),
        )


@dataclass(frozen=True)
class MetricsRules:
    queue_age_bands_days: tuple[int, ...]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> MetricsRules:
        bands = tuple(sorted({int(b) for b in d["queue_age_bands_days"] or ()}))
        return cls(bands)


# section name in the rules file -> its typed class (``Rules`` gets one attribute each).
SECTIONS: dict[str, Any] = {
    "phones": PhoneRules,
    "validation": ValidationRules,
    "mapping": MappingRules,
    "duplicates": DuplicateRules,
    "monitoring": MonitoringRules,
    "routing": RoutingRules,
    "assignment": AssignmentRules,
    "topup": TopupRules,
    "nurture": NurtureRules,
    "cooldown": CooldownRules,
    "calendar": CalendarRules,
    "business_hours": BusinessHoursRules,
    "sla": SlaRules,
    "dates": DateRules,
    "stages": StageRules,
    "scoring": ScoringRules,
    "calling": CallingRules,
    "queue": QueueRules,
    "metrics": MetricsRules,
}
