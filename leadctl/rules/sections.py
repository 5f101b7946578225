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
from types import MappingProxyType
from typing import Any


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


# section name in the rules file -> its typed class (``Rules`` gets one attribute each).
SECTIONS: dict[str, Any] = {
    "phones": PhoneRules,
    "validation": ValidationRules,
    "mapping": MappingRules,
    "duplicates": DuplicateRules,
    "monitoring": MonitoringRules,
}
