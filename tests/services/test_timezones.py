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


def _reference_phone_zones(e164: str) -> tuple[str | None, tuple[str, ...]]:
    """The number's zones straight from phonenumbers' public API (the definition)."""
    import phonenumbers
    from phonenumbers import geocoder
    from phonenumbers import timezone as pn_timezone

    try:
        num = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None, ()
    if not phonenumbers.is_valid_number(num):
        return None, ()
    zones = tuple(z for z in pn_timezone.time_zones_for_number(num) if z != pn_timezone.UNKNOWN_TIMEZONE)
    if len(zones) > 3:
        zones = ()
    region = None
    cc = phonenumbers.region_code_for_number(num)
    if cc in ("US", "CA"):
        region = timezones.region_of(geocoder.description_for_number(num, "en"), cc)
        if region is not None:
            own = timezones.REGION_ZONES[region]
            first = zones[0] if zones and zones[0] in own else own[0]
            zones = tuple(dict.fromkeys((first, *own, *zones)))
    return region, zones


def test_phone_zones_equal_phonenumbers_on_many_numbers() -> None:
    """The fast path (phones.analyse, and only the +1 part of the geocoder's table) answers
    exactly as phonenumbers' parse / is_valid_number / time_zones_for_number / geocoder do."""
    import random

    rng = random.Random(7)
    numbers = ["+", "+1", "+0123456789", "+44", "+44 (0)20 7946 0000", "+1 415 555 0100 ext. 12"]
    # prefix + random digits: valid and invalid numbers of several countries, split US states
    for prefix, length in (("+1", 10), ("+1219", 7), ("+1850", 7), ("+1915", 7), ("+1", 9), ("+447", 9),
                           ("+4420", 8), ("+44161", 7), ("+441481", 6), ("+44", 10), ("+44", 12), ("+336", 8),
                           ("+4930", 8), ("+614", 8), ("+7495", 7), ("+8190", 8), ("+9198", 8), ("+35387", 7),
                           ("+97150", 7), ("+5511", 9), ("+1800", 7), ("+1604", 7), ("+1416", 7)):  # fmt: skip
        for _ in range(60):
            numbers.append(f"{prefix}{rng.randrange(10**length):0{length}d}")
    # every North American area code, a few exchanges each (the state comes from the geocoder's table)
    for npa in range(200, 1000):
        for _ in range(2):
            numbers.append(f"+1{npa}{rng.randrange(2, 10)}{rng.randrange(10**6):06d}")
    # real-looking ones: every NANP area code the fake-data generator uses, UK mobiles and London
    from leadctl.demo import fakedata

    for lead in fakedata.generate(400, seed=3):
        for f in ("business_phone", "mobile_phone"):
            v = lead.record.get(f)
            if v:
                numbers.append(
                    v if v.startswith("+") else "+1" + "".join(ch for ch in v if ch.isdigit())[-10:]
                )
    mismatches = [
        (n, got, want)
        for n in numbers
        if (got := timezones._phone_zones(n)) != (want := _reference_phone_zones(n))
    ]
    assert mismatches == []
    answers = [_reference_phone_zones(n) for n in numbers]
    assert sum(1 for _r, zones in answers if zones) > 1500  # many valid numbers: the test has teeth
    assert len({r for r, _z in answers if r}) > 40  # and states/provinces found through the geocoder
