"""Rows into records for loading: the row hash and ``RowBuilder`` (map, trim, hash, normalise)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from itertools import chain
from typing import Any

from leadctl.rules import Rules
from leadctl.services.intake.mapping import ColumnMapping, map_row
from leadctl.services.intake.normalise import _content, _normalise_trimmed, _text, normalise
from leadctl.services.intake.read import EXTRA_KEY, LINE_KEY, RawRow
from leadctl.services.intake.validate import Validator

_HASH_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
_SEP, _GROUP = "\x1f", "\x1d"
_E164_MAX = 21  # "+", a country code (≤ 3 digits), a national number (≤ 17, phonenumbers)


def _digest(content: Mapping[str, Any], custom: Mapping[str, Any]) -> str:
    """sha1 of (content, custom), both with their keys in sorted order.

    Text only: keys and values joined with control characters (fast); a value that is not
    text or contains those characters is hashed from canonical JSON instead.
    """
    try:
        blob = (
            _SEP.join(chain.from_iterable(content.items()))
            + _GROUP
            + _SEP.join(chain.from_iterable(custom.items()))
        )
    except TypeError:  # a value that is not text (JSON Lines)
        blob = ""
    else:
        n, m = len(content), len(custom)
        expected = (2 * n - 1 if n else 0) + (2 * m - 1 if m else 0)
        if blob.count(_SEP) != expected or blob.count(_GROUP) != 1:
            blob = ""
    if not blob:
        blob = "json" + _HASH_ENCODE([content, custom])
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def row_hash(mapped: Mapping[str, Any], custom: Mapping[str, Any]) -> str:
    """sha1 of a row's content: trimmed non-empty mapped fields and custom fields, keys sorted.

    Independent of column order, header spelling, empty columns and the line number, so the
    same row loaded twice into a bucket is recognised.
    """
    content = _content(mapped)
    return _digest(dict(sorted(content.items())), dict(sorted(custom.items())))


class RowBuilder:
    """The loading hot path for one file: map, trim, hash and normalise a raw row in one pass.

    Equal to ``map_row`` + ``row_hash`` + ``normalise``, with the mapping compiled once.
    """

    def __init__(
        self,
        mapping: ColumnMapping,
        default_region: str,
        headers: list[str] | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        self.zone = zone  # of dates written without an offset
        # In target / header order, so records and custom fields come out with sorted keys.
        self.pairs = tuple(sorted(mapping.fields.items(), key=lambda hf: hf[1]))
        self.custom = tuple(sorted(mapping.custom))
        self.region = default_region
        # For rows given as value lists in ``headers`` order (complete CSV rows).
        position = {h: i for i, h in enumerate(headers or ())}
        self.index_pairs = tuple((position[h], f) for h, f in self.pairs if h in position)
        self.index_custom = tuple((position[h], h) for h in self.custom if h in position)
        self.lists_ok = headers is not None and len(self.index_pairs) == len(self.pairs)
        # JSON Lines may map two spellings to one field: then the slow path picks per row.
        self.alternatives = len(set(mapping.fields.values())) != len(mapping.fields)

    def __call__(self, raw: RawRow) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(normalised record, custom fields, row hash)."""
        rec, custom, digest, _ = self._build(raw)
        return rec, custom, digest

    def _build(self, raw: RawRow) -> tuple[dict[str, Any], dict[str, Any], str, int | None]:
        """``__call__``'s result and, for a row read as text, a bound on the length of every
        text field after normalising (else None): see ``Validator``'s ``text_max``."""
        text = True
        if type(raw) is list:
            if not self.lists_ok:
                raise ValueError("RowBuilder needs the headers for rows given as value lists")
            rec = {f: v for i, f in self.index_pairs if (v := raw[i].strip())}
            custom = {h: v for i, h in self.index_custom if (v := raw[i].strip())}
        else:
            try:  # a complete text row: one comprehension each
                if self.alternatives:
                    raise KeyError
                rec = {f: v for h, f in self.pairs if (v := raw[h].strip())}  # type: ignore[call-overload]
                custom = {h: v for h in self.custom if (v := raw[h].strip())}  # type: ignore[call-overload]
            except (KeyError, AttributeError):  # missing keys or JSON values
                rec, custom = self._slow(raw)  # type: ignore[arg-type]
                text = False
            for key in (EXTRA_KEY, LINE_KEY):  # kept whole, and part of the row hash
                if key in raw:
                    custom[key] = raw[key]  # type: ignore[call-overload]
                    custom = dict(sorted(custom.items()))
        digest = _digest(rec, custom)
        # Every value is text here. Normalising keeps text fields or shortens them (a full name
        # split in two), except two: a phone written in E.164 (at most ``_E164_MAX``) and the
        # e-mail lower-cased, which can grow ("İ" → "i̇"), measured again after.
        longest = max(map(len, rec.values()), default=0) if text else None
        rec = _normalise_trimmed(rec, self.region, self.zone)
        if longest is not None:
            email = rec.get("email")
            longest = max(longest, _E164_MAX, len(email) if email is not None else 0)
        return rec, custom, digest, longest

    def checked(
        self, raw: RawRow, validate: Validator, now: datetime
    ) -> tuple[dict[str, Any], dict[str, Any], str, list[str]]:
        """(normalised record, custom fields, row hash, reasons): ``__call__`` then ``validate``.

        There is one definition of each rule (``Validator``) and of the phone reading
        (``phones.analyse_in``); ``validate`` reuses the phone analyses ``normalise`` made.
        """
        rec, custom, digest, text_max = self._build(raw)
        return rec, custom, digest, validate(rec, now, text_max)

    def _slow(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        get = raw.get
        rec: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for h, f in self.pairs:
            v = get(h)
            if v is None:
                continue
            v = v.strip() if type(v) is str else _text(v)
            if v != "":
                if f in rec:  # a second spelling of the field in one row: kept as custom
                    custom[h] = v
                else:
                    rec[f] = v
        for h in self.custom:
            v = get(h)
            if v is None:
                continue
            if type(v) is str:
                v = v.strip()
                if not v:
                    continue
            custom[h] = v
        return rec, dict(sorted(custom.items())) if len(custom) > 1 else custom


def record_from_raw(
    raw: Mapping[str, Any], mapping: ColumnMapping, rules: Rules
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(normalised record, custom fields) of a stored raw row — for reprocessing a fixed row."""
    mapped, custom = map_row(raw, mapping)
    return normalise(mapped, default_region=rules.phones.default_region), custom
