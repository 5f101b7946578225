"""The engine's compiled plan: :class:`MatchConfig` and its weighted :class:`FieldRule` fields.

Built once from the typed ``duplicates`` rules section (:meth:`MatchConfig.from_rules`), which
the rules schema has already validated, so nothing is checked again here. Code that builds a
plan directly (tests, benchmarks) starts from ``default.yaml`` and overrides some values; only
those overrides are checked, against the same choices the schema uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from leadctl.errors import ConfigError, InputError
from leadctl.rules.schema import BLOCKING_KINDS, COMPARATORS, EXACT_KEY_MODES, EXACT_KEYS
from leadctl.rules.schema import DUPLICATE_SCOPES as SCOPES
from leadctl.rules.sections import DuplicateRules

VIRTUAL_FIELDS = ("name", "phone", "domain")

Id = Hashable


@dataclass(frozen=True)
class FieldRule:
    """One weighted field of the fuzzy score."""

    name: str
    weight: float
    compare: str = "fuzzy"
    min: float = 0.0
    required: bool = False


BlockingRule = str | tuple[str, ...]
# A field of a blocking rule, compiled: (field name, transform) with transform "" (the whole
# value), "soundex", or a number of leading characters.
BlockingField = tuple[str, str | int]

_PLAN_FIELDS = (
    "scope",
    "threshold",
    "exact_keys",
    "exact_key_mode",
    "gmail_folding",
    "fields",
    "min_evidence",
    "blocking",
    "max_block_size",
)


@dataclass(frozen=True, init=False)
class MatchConfig:
    """The duplicate rules (the rules file's ``duplicates`` section) as the engine uses them."""

    scope: str
    threshold: float
    exact_keys: tuple[str, ...]
    exact_key_mode: str
    gmail_folding: bool
    fields: tuple[FieldRule, ...]
    min_evidence: float
    blocking: tuple[BlockingRule, ...]
    max_block_size: int
    # Precomputed for the hot loop: active fields, vetoes first, then by weight.
    active_fields: tuple[FieldRule, ...] = field(init=False, repr=False, compare=False)
    total_weight: float = field(init=False, repr=False, compare=False)
    # The field rules of ``blocking``, compiled (built-in kind names left out).
    field_blocking: tuple[tuple[BlockingField, ...], ...] = field(init=False, repr=False, compare=False)
    # The learned Fellegi–Sunter model (``dedupe train``), when one fits these fields.
    model: Any = field(default=None, init=False, repr=False, compare=False)

    def __init__(
        self,
        *,
        scope: str | None = None,
        threshold: float | None = None,
        exact_keys: tuple[str, ...] | None = None,
        exact_key_mode: str | None = None,
        gmail_folding: bool | None = None,
        fields: tuple[FieldRule, ...] | None = None,
        min_evidence: float | None = None,
        blocking: tuple[BlockingRule, ...] | None = None,
        max_block_size: int | None = None,
    ) -> None:
        """``default.yaml``'s plan with the given values replaced (checked: no schema saw them)."""
        given = {
            "scope": scope,
            "threshold": threshold,
            "exact_keys": exact_keys,
            "exact_key_mode": exact_key_mode,
            "gmail_folding": gmail_folding,
            "fields": fields,
            "min_evidence": min_evidence,
            "blocking": blocking,
            "max_block_size": max_block_size,
        }
        overrides = {k: v for k, v in given.items() if v is not None}
        _check(overrides)
        base = _default_plan()
        self._set({**{k: getattr(base, k) for k in _PLAN_FIELDS}, **overrides})

    def _set(self, values: dict[str, Any]) -> None:
        for k in _PLAN_FIELDS:
            object.__setattr__(self, k, values[k])
        active = [r for r in self.fields if r.weight > 0 or r.required or r.min > 0]
        active.sort(key=lambda r: (not (r.required or r.min > 0), -r.weight))
        object.__setattr__(self, "active_fields", tuple(active))
        object.__setattr__(self, "total_weight", sum(r.weight for r in active))
        object.__setattr__(
            self,
            "field_blocking",
            tuple(compile_blocking_rule(r) for r in self.blocking if not isinstance(r, str)),
        )
        object.__setattr__(self, "model", None)

    def with_model(self, model: Any) -> MatchConfig:
        """This plan scored by a learned model (``None``: the untrained weighted score)."""
        out = object.__new__(MatchConfig)
        out._set({k: getattr(self, k) for k in _PLAN_FIELDS})
        object.__setattr__(out, "model", model)
        return out

    @property
    def signature(self) -> str:
        """The compared fields and how: a model trained for other fields does not apply."""
        return ";".join(f"{r.name}:{r.compare}" for r in self.active_fields)

    @classmethod
    def from_rules(cls, section: DuplicateRules) -> MatchConfig:
        """The engine's plan for the rules file's typed (already validated) ``duplicates`` section."""
        plan = object.__new__(cls)
        plan._set(
            {
                "scope": section.scope,
                "threshold": section.threshold,
                "exact_keys": section.exact_keys,
                "exact_key_mode": section.exact_key_mode,
                "gmail_folding": section.gmail_folding,
                "min_evidence": section.min_evidence,
                "blocking": section.blocking,
                "max_block_size": section.max_block_size,
                "fields": tuple(
                    FieldRule(
                        name=f.name,
                        weight=1.0 if f.weight is None else f.weight,
                        compare=f.compare or _default_compare(f.name),
                        min=f.min or 0.0,
                        required=bool(f.required),
                    )
                    for f in section.fields
                ),
            }
        )
        return plan


@lru_cache(maxsize=1)
def _default_plan() -> MatchConfig:
    from leadctl.rules import load_rules

    return MatchConfig.from_rules(load_rules(None).duplicates)


def _check(values: dict[str, Any]) -> None:
    """Check values given in code against the choices and ranges of the rules schema."""
    if "scope" in values and values["scope"] not in SCOPES:
        raise ConfigError(f"duplicates.scope: expected one of {', '.join(SCOPES)}, got {values['scope']!r}")
    if "threshold" in values and not 0 <= values["threshold"] <= 1:
        raise ConfigError(f"duplicates.threshold: expected a number from 0 to 1, got {values['threshold']!r}")
    for key in values.get("exact_keys", ()):
        if key not in EXACT_KEYS:
            raise ConfigError(
                f"duplicates.exact_keys: unknown key {key!r} (expected {', '.join(EXACT_KEYS)})"
            )
    if "exact_key_mode" in values and values["exact_key_mode"] not in EXACT_KEY_MODES:
        raise ConfigError(
            f"duplicates.exact_key_mode: expected one of {', '.join(EXACT_KEY_MODES)}, "
            f"got {values['exact_key_mode']!r}"
        )
    for kind in values.get("blocking", ()):
        if isinstance(kind, str) and kind not in BLOCKING_KINDS:
            raise ConfigError(
                f"duplicates.blocking: unknown kind {kind!r} (expected {', '.join(BLOCKING_KINDS)} "
                "or a list of fields)"
            )
        if not isinstance(kind, str):
            compile_blocking_rule(kind)
    for rule in values.get("fields", ()):
        if rule.compare not in COMPARATORS:
            raise ConfigError(
                f"duplicates.fields.{rule.name}.compare: expected one of {', '.join(COMPARATORS)}, got {rule.compare!r}"
            )
        if rule.weight < 0 or not 0 <= rule.min <= 1:
            raise ConfigError(f"duplicates.fields.{rule.name}: weight must be ≥ 0 and min from 0 to 1")
    if "max_block_size" in values and values["max_block_size"] < 2:
        raise ConfigError("duplicates.max_block_size: expected a whole number ≥ 2")
    if "min_evidence" in values and not 0 <= values["min_evidence"] <= 1:
        raise ConfigError(
            f"duplicates.min_evidence: expected a number from 0 to 1, got {values['min_evidence']!r}"
        )


def compile_blocking_rule(rule: tuple[str, ...]) -> tuple[BlockingField, ...]:
    """A blocking rule's fields: ``field``, ``field:N`` (first N characters), ``field:soundex``."""
    if not rule:
        raise ConfigError("duplicates.blocking: a rule lists no fields (give at least one)")
    out: list[BlockingField] = []
    for spec in rule:
        name, sep, transform = spec.rpartition(":") if ":" in spec else (spec, "", "")
        t: str | int = ""
        if sep:
            if transform.isdigit() and int(transform) > 0:
                t = int(transform)
            elif transform.lower() == "soundex":
                t = "soundex"
            else:
                raise ConfigError(
                    f"duplicates.blocking: {spec!r}: expected field, field:N (first N characters) "
                    "or field:soundex"
                )
        if not name.strip():
            raise ConfigError(f"duplicates.blocking: {spec!r}: no field name")
        out.append((name.strip(), t))
    return tuple(out)


def _default_compare(name: str) -> str:
    """The comparator a field gets when the rules file names none: guessed from its name."""
    n = name.lower()
    if n in ("name", "full_name", "full name", "contact name"):
        return "name"
    if "birth" in n or n in ("dob", "date"):
        return "date"
    if "zip" in n or "postcode" in n or "postal" in n:
        return "postcode"
    if "address" in n or n == "street":
        return "address"
    if "phone" in n or "mobile" in n:
        return "phone"
    if "mail" in n:
        return "email"
    if n in ("domain", "website", "web site", "url"):
        return "domain"
    if "company" in n or "account name" in n or "organization" in n or "organisation" in n:
        return "company"
    return "fuzzy"


def plan(section: DuplicateRules, threshold: float | None = None) -> MatchConfig:
    """The plan for a rules section, optionally with another threshold (one scan's override)."""
    if threshold is not None:
        if not 0 <= threshold <= 1:
            raise InputError(f"threshold: expected a number from 0 to 1, got {threshold}")
        section = dataclasses.replace(section, threshold=threshold)
    return MatchConfig.from_rules(section)
