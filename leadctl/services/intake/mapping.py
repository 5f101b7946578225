"""Mapping headers onto lead fields: header keys, built-in spellings, ``ColumnMapping``.

``build_mapping`` maps headers onto lead fields (explicit mapping file > rules
``mapping.aliases`` > built-in spellings); unmapped columns are custom fields.
``map_row`` applies a mapping to one raw row; ``split_name`` splits a full-name column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.intake import header_aliases
from leadctl.services.intake.read import EXTRA_KEY, LINE_KEY

# Targets a mapping may name besides lead fields.
FULL_NAME = header_aliases.FULL_NAME
CUSTOM = "custom"
MAPPING_TARGETS = (*LEAD_FIELDS, FULL_NAME, CUSTOM)


def header_key(header: str) -> str:
    """Headers compare case-insensitively, ignoring spaces, dashes, underscores and dots."""
    return _KEY_DROP.sub("", header.lower())


_KEY_DROP = re.compile(r"[\s\-_.]+")

# Built-in spellings (compared by ``header_key``): the data lives in ``header_aliases``.
BUILTIN_ALIASES = header_aliases.GENERIC


def _builtin_keys() -> dict[str, str]:
    out: dict[str, str] = {}
    for spelling, target in header_aliases.spellings():
        out.setdefault(header_key(spelling), target)
    return out


_BUILTIN = _builtin_keys()


@dataclass
class ColumnMapping:
    """Which header feeds which lead field; every other header is a custom field."""

    fields: dict[str, str]  # header -> lead field (or full_name)
    custom: list[str]
    origin: dict[str, str]  # header -> "mapping file" | "rules" | "built-in" | "unmapped" | …
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Stored on the load row, so a lead can be re-derived from its raw row later."""
        return {"fields": dict(self.fields), "custom": list(self.custom)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        return cls(dict(data.get("fields", {})), list(data.get("custom", [])), {})


def build_mapping(
    headers: list[str],
    rules: Rules | None,
    explicit: Mapping[str, str] | None = None,
    *,
    alternatives: bool = False,
) -> ColumnMapping:
    """Map headers onto lead fields: explicit mapping > rules ``mapping.aliases`` > built-in.

    Two columns mapping to one field: the second is a custom field (with a warning), unless
    ``alternatives`` (JSON Lines, where each line has its own keys: line 1 "First Name",
    line 2 "first_name"); then both map, each row takes the first it has, and a second one
    in the same row is kept as a custom field.
    """
    explicit = dict(explicit or {})
    explicit_keys = {header_key(h): t for h, t in explicit.items()}
    aliases: dict[str, str] = {}
    if rules is not None:
        aliases = {header_key(h): t for h, t in rules.mapping.aliases.items()}
    fields: dict[str, str] = {}
    custom: list[str] = []
    origin: dict[str, str] = {}
    warnings: list[str] = []
    taken: dict[str, str] = {}
    used_explicit: set[str] = set()
    for h in headers:
        key = header_key(h)
        if h in explicit:
            target, source = explicit[h], "mapping file"
            used_explicit.add(h)
        elif key in explicit_keys:
            target, source = explicit_keys[key], "mapping file"
            used_explicit.update(e for e in explicit if header_key(e) == key)
        elif key in aliases:
            target, source = aliases[key], "rules"
        elif key in _BUILTIN:
            target, source = _BUILTIN[key], "built-in"
        else:
            target, source = CUSTOM, "unmapped"
        if target == CUSTOM:
            custom.append(h)
            origin[h] = source
            continue
        if target in taken and alternatives:
            fields[h] = target
            origin[h] = source
            continue
        if target in taken:
            warnings.append(
                f"columns {taken[target]!r} and {h!r} both map to {target}; {h!r} is kept as a custom field"
            )
            custom.append(h)
            origin[h] = f"custom ({target} taken)"
            continue
        taken[target] = h
        fields[h] = target
        origin[h] = source
    if "first_name" in taken or "last_name" in taken:
        for name_col in [h for h, t in fields.items() if t == FULL_NAME]:
            del fields[name_col]
            custom.append(name_col)
            origin[name_col] = "custom (first/last name columns exist)"
    for h in explicit:
        if h not in used_explicit:
            warnings.append(f"the mapping names column {h!r}, which the file does not have")
    return ColumnMapping(fields, custom, origin, warnings)


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def map_row(raw: Mapping[str, Any], mapping: ColumnMapping) -> tuple[dict[str, Any], dict[str, Any]]:
    """(mapped fields, custom fields) of a raw row. Custom keeps non-empty values only."""
    get = raw.get
    mapped: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for h, target in mapping.fields.items():
        v = get(h)
        if target not in mapped or _empty(mapped[target]):
            mapped[target] = v
        elif not _empty(v):  # a second spelling of the field in one row (JSON Lines)
            custom[h] = v.strip() if isinstance(v, str) else v
    for h in mapping.custom:
        v = get(h)
        if v is None:
            continue
        if isinstance(v, str):
            v = v.strip()
            if not v:
                continue
        custom[h] = v
    for key in (EXTRA_KEY, LINE_KEY):
        v = get(key)
        if v:
            custom[key] = v
    return mapped, custom


def split_name(full: str) -> tuple[str | None, str | None]:
    """ "Ana Silva" → (Ana, Silva); "Silva, Ana" → (Ana, Silva); "Ana" → (Ana, None)."""
    if "," in full:
        last, _, first = full.partition(",")
        return (first.strip() or None), (last.strip() or None)
    parts = full.split(None, 1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1].strip()
