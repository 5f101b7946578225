from __future__ import annotations

from datetime import UTC, date, datetime

from leadctl.services.assign.calendar import BusinessCalendar


def test_weekends_public_and_company_holidays() -> None:
    cal = BusinessCalendar("US", ("CA",), (date(2026, 12, 24),))
    assert not cal.is_business_day(date(2026, 12, 25))  # Christmas
    assert not cal.is_business_day(date(2026, 12, 24))  # company holiday
    assert not cal.is_business_day(date(2026, 12, 26))  # Saturday
    assert cal.is_business_day(date(2026, 12, 23))
    assert not cal.is_business_day(date(2026, 3, 31))  # César Chávez Day (California)
    # Monday 2026-12-28: the 3 business days before are Wed 23, Tue 22, Mon 21.
    assert cal.business_days_back(datetime(2026, 12, 28, 15, tzinfo=UTC), 3) == datetime(
        2026, 12, 21, tzinfo=UTC
    )
    assert (
        cal.business_days_between(datetime(2026, 12, 23, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC)) == 1
    )
    assert BusinessCalendar("none").is_business_day(date(2026, 12, 25))
