"""Normalising mapped fields into a lead record: trimmed, e-mail lower-case, phones E.164, zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from leadctl.services.intake import phones
from leadctl.services.intake.mapping import FULL_NAME, split_name
from leadctl.timeutil import is_naive, out_of_range, parse_datetime

PHONE_FIELDS = ("business_phone", "mobile_phone")


def _text(value: Any) -> Any:
    """A JSON value as field text: strings trimmed, numbers and booleans as text, others as they are."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not value:  # an empty list or object: nothing given
        return ""
    return value


def normalise(raw_mapped: Mapping[str, Any], *, default_region: str = "US") -> dict[str, Any]:
    """A lead record from mapped fields: trimmed, e-mail lower-case, phones E.164, time zone.

    Empty fields are left out. ``full_name`` fills first/last name when those are absent.
    Phones are parsed in the region of the record's ``country`` (if it names one), else
    ``default_region``; a valid number is stored in E.164, anything else as given.
    ``timezone`` comes from the business phone, else the mobile. ``registered_at`` becomes
    an aware UTC datetime, or stays text when it is not a date (``validate`` says so); it is
    absent when not given (loading stores the load time). The private key ``_phones`` holds
    each phone's ``PhoneInfo`` for ``validate``.
    """
    return _normalise_trimmed(_content(raw_mapped), default_region)


def _content(mapped: Mapping[str, Any]) -> dict[str, Any]:
    """Mapped fields trimmed, as text, empty ones left out."""
    rec: dict[str, Any] = {}
    for k, v in mapped.items():
        if v is None:
            continue
        v = v.strip() if type(v) is str else _text(v)
        if v == "":
            continue
        rec[k] = v
    return rec


def _normalise_trimmed(
    rec: dict[str, Any], default_region: str, zone: tzinfo | None = None
) -> dict[str, Any]:
    """``normalise`` on a record whose values are already trimmed (changed in place)."""
    full = rec.pop(FULL_NAME, None)
    if type(full) is str and "first_name" not in rec and "last_name" not in rec:
        first, last = split_name(full)
        if first:
            rec["first_name"] = first
        if last:
            rec["last_name"] = last
    email = rec.get("email")
    if type(email) is str:
        rec["email"] = email.lower()
    business = rec.get("business_phone")
    mobile = rec.get("mobile_phone")
    if business is not None or mobile is not None:
        infos: dict[str, phones.PhoneInfo | None] = {}
        region = phones.lead_region(rec.get("country"), default_region)
        tz = None
        if type(business) is str:
            info = infos["business_phone"] = phones.analyse_in(business, region, default_region)
            if info is not None and info.valid:
                rec["business_phone"] = info.e164
                tz = info.timezone
        if type(mobile) is str:
            info = infos["mobile_phone"] = phones.analyse_in(mobile, region, default_region)
            if info is not None and info.valid:
                rec["mobile_phone"] = info.e164
                if tz is None:
                    tz = info.timezone
        if tz is not None:
            rec["timezone"] = tz
        rec["_phones"] = infos
    reg = rec.get("registered_at")
    if type(reg) is str:
        parsed = parse_date(reg, zone)
        if parsed is not None:
            rec["registered_at"] = parsed
    return rec


def parse_date(text: str, zone: tzinfo | None = None) -> datetime | None:
    """``registered_at`` as written in a lead file, in UTC; None if not a date or out of range
    (``date_problem`` says which). A date without an offset is read in ``zone`` (default UTC)."""
    parsed = parse_datetime(text)
    if parsed is not None and zone is not None and zone is not UTC and is_naive(text):
        try:
            return parsed.replace(tzinfo=zone).astimezone(UTC)
        except OverflowError:
            return None
    return parsed


def date_problem(value: Any) -> str:
    """The reason ``registered_at`` is not a date: "registered_at: not a date" or "…: out of range"."""
    if type(value) is str and out_of_range(value):
        return "registered_at: out of range"
    return "registered_at: not a date"
