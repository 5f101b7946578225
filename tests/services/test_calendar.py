from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

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


@pytest.mark.parametrize("code", ["US", "CA", "GB", "DE", "usa"])
def test_holiday_class_gives_the_librarys_holidays(code: str) -> None:
    """The one-module import gives exactly the library's own holidays (subdivisions too)."""
    import holidays

    from leadctl.services.assign.calendar import holiday_class

    cls = holiday_class(code)
    assert cls is not None
    mine = cls(years=[2026, 2027])
    theirs = holidays.country_holidays(code.upper(), years=[2026, 2027])
    assert dict(mine) == dict(theirs)
    sub = {"US": "FL", "CA": "ON", "DE": "BY"}.get(code)
    if sub:
        assert dict(cls(subdiv=sub, years=2026)) == dict(
            holidays.country_holidays(code, subdiv=sub, years=2026)
        )
    assert holiday_class("XX") is None and holiday_class("U1") is None


def test_holiday_class_imports_one_country_and_leaves_the_library_whole() -> None:
    """A command that needs the US calendar imports the US module, not ~280 countries; anything
    importing the library's countries package afterwards still gets all of them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from leadctl.services.assign.calendar import holiday_class\n"
        "assert holiday_class('US') is not None\n"
        "countries = [m for m in sys.modules if m.startswith('holidays.countries.')]\n"
        "assert countries == ['holidays.countries.united_states'], countries\n"
        "assert 'holidays.countries' not in sys.modules\n"
        "import holidays\n"
        "assert holidays.DE(years=2026) and holidays.US(years=2026)\n"
        "from holidays.countries import Germany\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
