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
from datetime import date
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
    gmail_folding: bool
    min_evidence: float
    blocking: tuple[str, ...]
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
            d["gmail_folding"],
            float(d["min_evidence"]),
            tuple(dict.fromkeys(d["blocking"] or ())),
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


@dataclass(frozen=True)
class MetricsRules:
    stage2_minimum_setter: int
    stage2_minimum_closer: int
    queue_age_bands_days: tuple[int, ...]

    @classmethod
    def build(cls, d: Mapping[str, Any]) -> MetricsRules:
        bands = tuple(sorted({int(b) for b in d["queue_age_bands_days"] or ()}))
        return cls(int(d["stage2_minimum_setter"]), int(d["stage2_minimum_closer"]), bands)


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
    "metrics": MetricsRules,
}
