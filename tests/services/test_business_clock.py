"""Business time: opening hours in a zone, weekends, holidays, DST and after-hours handling."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from leadctl.services.assign.calendar import BusinessCalendar, BusinessClock

NINE_TO_FIVE = {d: (time(9), time(17)) for d in range(5)}


def clock(after_hours: str = "from_opening") -> BusinessClock:
    return BusinessClock(BusinessCalendar("US"), "America/New_York", NINE_TO_FIVE, after_hours)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


# start (UTC), business minutes, expected deadline (UTC), skipped hours (nights, weekends, holidays)
DEADLINES = [
    # Monday 10:00 EST: within the day
    (utc(2026, 3, 2, 15), 60, utc(2026, 3, 2, 16), (0, 0, 0)),
    # Monday 16:30 EST: 30 min today, 30 min from Tuesday's opening
    (utc(2026, 3, 2, 21, 30), 60, utc(2026, 3, 3, 14, 30), (16, 0, 0)),
    # Friday 16:30 EST before the spring-forward weekend: Monday 09:30 EDT (13:30 UTC);
    # Sunday has 23 local hours
    (utc(2026, 3, 6, 21, 30), 60, utc(2026, 3, 9, 13, 30), (16, 47, 0)),
    # Friday 16:30 EDT before the fall-back weekend: Monday 09:30 EST; Sunday has 25 hours
    (utc(2026, 10, 30, 20, 30), 60, utc(2026, 11, 2, 14, 30), (16, 49, 0)),
    # the day before Thanksgiving (Thu 2026-11-26): Friday 09:30
    (utc(2026, 11, 25, 21, 30), 60, utc(2026, 11, 27, 14, 30), (16, 0, 24)),
    # captured Saturday noon: counts from Monday's opening (Sunday: 23 hours)
    (utc(2026, 3, 7, 17), 60, utc(2026, 3, 9, 14), (9, 35, 0)),
    # captured at 03:00 on a Tuesday: counts from 09:00
    (utc(2026, 3, 3, 8), 30, utc(2026, 3, 3, 14, 30), (6, 0, 0)),
]


@pytest.mark.parametrize(("start", "minutes", "deadline", "skipped"), DEADLINES)
def test_deadlines_skip_nights_weekends_holidays_across_dst(
    start: datetime, minutes: int, deadline: datetime, skipped: tuple[float, float, float]
) -> None:
    span = clock().add_business_time(start, minutes * 60)
    assert span.end == deadline
    h = span.skipped.hours()
    assert (h["nights"], h["weekends"], h["holidays"]) == skipped
    assert span.clock_seconds == minutes * 60 + sum(skipped) * 3600
    # and back: the business time between start and deadline is the SLA
    assert clock().business_seconds_between(start, deadline).business_seconds == minutes * 60


def test_a_week_has_forty_business_hours_and_reverse_order_is_zero() -> None:
    c = clock()
    mon, next_mon = utc(2026, 3, 2, 14), utc(2026, 3, 9, 13)  # 09:00 EST, 09:00 EDT
    assert c.business_seconds_between(mon, next_mon).business_seconds == 40 * 3600
    assert c.business_seconds_between(next_mon, mon).business_seconds == 0


def test_from_capture_counts_every_hour() -> None:
    span = clock("from_capture").add_business_time(utc(2026, 3, 6, 21, 30), 3600)
    assert span.end == utc(2026, 3, 6, 22, 30)
    assert span.skipped.hours() == {"nights": 0, "weekends": 0, "holidays": 0, "away": 0}
    # across the DST change a day is still 24 clock hours of business time
    c = clock("from_capture")
    assert c.business_seconds_between(utc(2026, 3, 7, 12), utc(2026, 3, 9, 12)).business_seconds == 48 * 3600


def test_company_holiday_and_rules_build() -> None:
    from datetime import date

    cal = BusinessCalendar("US", company_holidays=(date(2026, 3, 3),))
    c = BusinessClock(cal, "America/New_York", NINE_TO_FIVE)
    span = c.add_business_time(utc(2026, 3, 2, 21, 30), 3600)  # Mon 16:30 -> Wed 09:30
    assert span.end == utc(2026, 3, 4, 14, 30)
    assert span.skipped.hours()["holidays"] == 24


def test_bad_zone_is_a_config_error() -> None:
    from leadctl.errors import ConfigError

    with pytest.raises(ConfigError, match="business_hours.timezone"):
        BusinessClock(BusinessCalendar("US"), "Mars/Olympus", NINE_TO_FIVE)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ('business_hours:\n  hours: {mon: "9-5"}\n', "business_hours.hours.mon: expected a time HH:MM"),
        ('business_hours:\n  hours: {mon: "17:00-09:00"}\n', "closing after opening"),
        (
            'business_hours:\n  hours: {monday: "09:00-17:00"}\n',
            "business_hours.hours.monday: expected a weekday",
        ),
        ("business_hours:\n  after_hours: sometimes\n", "business_hours.after_hours"),
        ("sla:\n  levels: {warn: {at: 0.5, action: shout}}\n", "sla.levels.warn.action"),
    ],
)
def test_bad_business_hours_and_sla_rules_name_the_key(tmp_path: Path, yaml_text: str, message: str) -> None:
    from leadctl.errors import ConfigError
    from leadctl.rules import load_rules

    path = tmp_path / "rules.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_rules(path)


def test_rules_sections_build_the_clock_and_a_closed_day(tmp_path: Path) -> None:
    from leadctl.rules import load_rules
    from leadctl.services.assign.calendar import clock_from_rules

    path = tmp_path / "rules.yaml"
    path.write_text(
        'business_hours:\n  timezone: Europe/London\n  hours: {fri: closed, sat: "10:00-14:00"}\n'
        "calendar:\n  country: GB\n  weekend: [6]\n",
        encoding="utf-8",
    )
    c = clock_from_rules(load_rules(path))
    # Thursday 16:30 London (GMT) + 1 h: 30 min Thursday, Friday closed, 30 min from Saturday 10:00
    span = c.add_business_time(utc(2026, 3, 5, 16, 30), 3600)
    assert span.end == utc(2026, 3, 7, 10, 30)
    assert span.skipped.hours()["weekends"] == 24  # a day without opening hours counts as weekend


def test_a_clock_without_any_opening_is_refused() -> None:
    from leadctl.errors import ConfigError

    with pytest.raises(ConfigError, match="business_hours.hours"):
        BusinessClock(BusinessCalendar("US"), "America/New_York", {5: (time(9), time(12))})
