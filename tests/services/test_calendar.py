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


def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget this process's look-ups so the next ones read (or write) the cache file."""
    from leadctl.services.assign import calendar

    monkeypatch.setattr(calendar, "_HOLIDAYS", {})
    calendar._holiday_store.cache_clear()


@pytest.mark.parametrize(
    ("country", "subdiv"),
    [("US", None), ("US", "FL"), ("US", "CA"), ("CA", "ON"), ("DE", "BY"), ("GB", None)],
)
def test_cached_holidays_are_the_librarys(
    monkeypatch: pytest.MonkeyPatch, country: str, subdiv: str | None
) -> None:
    """The dates read back from the cache file are exactly the library's, year by year."""
    import holidays

    from leadctl.config import cache_dir
    from leadctl.services.assign.calendar import HOLIDAY_CACHE, public_holidays

    _fresh_cache(monkeypatch)
    years = (2024, 2025, 2026, 2027)
    first = {y: public_holidays(country, subdiv, y) for y in years}
    assert (cache_dir() / HOLIDAY_CACHE).is_file()
    _fresh_cache(monkeypatch)
    import leadctl.services.assign.calendar as calendar

    monkeypatch.setattr(calendar, "holiday_class", lambda code: pytest.fail("the library was asked again"))
    for y in years:
        theirs = frozenset(holidays.country_holidays(country, subdiv=subdiv, years=y).keys())
        assert public_holidays(country, subdiv, y) == first[y] == theirs


def test_holiday_cache_is_private_and_keyed_by_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import stat

    from leadctl.config import cache_dir
    from leadctl.services.assign import calendar

    _fresh_cache(monkeypatch)
    assert calendar.public_holidays("US", None, 2026) is not None
    path = cache_dir() / calendar.HOLIDAY_CACHE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert "holidays-" in data["library"] and data["days"]["US//2026"][0] == "2026-01-01"
    # dates written by another library version (or tampered with) are not trusted
    data["days"]["US//2026"] = ["2026-03-03"]
    path.write_text(json.dumps({**data, "library": "holidays-0.1.dist-info|elsewhere"}))
    _fresh_cache(monkeypatch)
    assert date(2026, 3, 3) not in (calendar.public_holidays("US", None, 2026) or ())
    assert json.loads(path.read_text())["library"] == data["library"]  # rewritten by this library
    # an unreadable cache is only a miss
    path.write_text("{not json")
    _fresh_cache(monkeypatch)
    assert date(2026, 12, 25) in (calendar.public_holidays("US", None, 2026) or ())
    assert calendar.public_holidays("XX", None, 2026) is None
    with pytest.raises(NotImplementedError):
        calendar.public_holidays("US", "ZZ", 2026)


def test_a_warm_cache_spares_the_library_import() -> None:
    """Once a command has looked at a year, the next command's calendar (business days and the
    calling windows' state holidays) does not import the holidays library at all."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from datetime import date\n"
        "from leadctl.services.assign.calendar import BusinessCalendar\n"
        "from leadctl.services.work.calling import _public_holidays\n"
        "cal = BusinessCalendar('US', ('CA',))\n"
        "assert not cal.is_business_day(date(2026, 12, 25)) and not cal.is_business_day(date(2026, 3, 31))\n"
        "assert date(2026, 7, 3) in _public_holidays('US', 'FL', 2026)\n"
        "print('holidays' in sys.modules)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert [r.stdout.strip() for r in runs] == ["True", "False"]
