"""Client time zones: explicit > postal > state > phone > default; Indiana, Arizona and split states right."""

from __future__ import annotations

from typing import Any

import pytest

from leadctl.services.work import timezones
from leadctl.vocab import TimezoneSource as S

CASES: list[tuple[str, dict[str, Any], str | None, S, tuple[str, ...]]] = [
    ("explicit field wins", {"custom": {"Time Zone": "Europe/Paris"}, "state": "CA"}, "Europe/Paris", S.EXPLICIT, ()),
    ("invalid explicit ignored", {"custom": {"tz": "Mars/Olympus"}, "state": "TX"}, "America/Chicago", S.STATE,
     ("America/Chicago", "America/Denver")),
    ("NW Indiana ZIP is Central", {"custom": {"zip": "46320"}}, "America/Chicago", S.POSTAL, ()),
    ("Indianapolis ZIP", {"custom": {"ZIP": "46204-1234"}}, "America/Indiana/Indianapolis", S.POSTAL, ()),
    ("Pensacola ZIP", {"custom": {"postal_code": "32501"}}, "America/Chicago", S.POSTAL, ()),
    ("El Paso ZIP", {"custom": {"zip": "79901"}}, "America/Denver", S.POSTAL, ()),
    ("Toronto postal code", {"custom": {"postal code": "M5V 2T6"}, "country": "Canada"}, "America/Toronto", S.POSTAL,
     ("America/Toronto", "America/Winnipeg")),
    ("Arizona has no DST", {"state": "Arizona"}, "America/Phoenix", S.STATE, ()),
    ("Indiana state: both zones", {"state": "IN"}, "America/Indiana/Indianapolis", S.STATE,
     ("America/Indiana/Indianapolis", "America/Chicago")),
    ("state beats the phone (moved)", {"state": "WA", "business_phone": "+13055550100"}, "America/Los_Angeles",
     S.STATE, ()),
    ("phone only", {"business_phone": "+16025550100"}, "America/Phoenix", S.PHONE, ()),
    ("Gary area code keeps Indiana's zones", {"business_phone": "+12195550100"}, "America/Indiana/Indianapolis",
     S.PHONE, ("America/Indiana/Indianapolis", "America/Chicago", "America/New_York")),
    ("mobile when no business phone", {"mobile_phone": "+14155550100"}, "America/Los_Angeles", S.PHONE, ()),
    ("toll-free says nothing", {"business_phone": "+18005550100"}, None, S.DEFAULT, ()),
    ("nothing known", {}, None, S.DEFAULT, ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("record", "zone", "source", "candidates"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_derive(record: dict[str, Any], zone: str | None, source: S, candidates: tuple[str, ...]) -> None:
    got = timezones.derive(record)
    assert (got.timezone, got.source) == (zone, source)
    assert got.candidates == (candidates or ((zone,) if zone else ()))
    cols = got.columns()
    assert cols["timezone_source"] == source.value
    assert cols["timezone_candidates"] == (list(candidates) if len(candidates) > 1 else None)


@pytest.mark.parametrize(
    ("record", "region"),
    [
        ({"state": "Florida"}, "US-FL"),
        ({"state": "ok", "business_phone": "+12065550100"}, "US-OK"),  # the field, not the area code
        ({"business_phone": "+12065550100"}, "US-WA"),
        ({"custom": {"zip": "73301"}}, "US-TX"),
        ({"state": "Ontario", "country": "CA"}, "CA-ON"),
        ({"state": "Bavaria", "country": "DE"}, None),
    ],
)
def test_region_for_calling_rules_prefers_the_state_field(record: dict[str, Any], region: str | None) -> None:
    assert timezones.region_for_rules(record) == region
