"""Business days: weekends, public holidays of a country (and its states) and company holidays.

Public holidays come from the ``holidays`` library (imported lazily, on the first look-up, so
start-up never pays for it), never hand-written dates. One ``BusinessCalendar`` answers "is this
a business day?" and "when did the Nth business day before this moment begin?" — what recency
in ranking, top-up inactivity and nurture reservation count in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from leadctl.errors import ConfigError


class BusinessCalendar:
    def __init__(
        self,
        country: str,
        subdivisions: Iterable[str] = (),
        company_holidays: Iterable[date] = (),
        weekend: Iterable[int] = (5, 6),
    ) -> None:
        self.country = country.upper()
        self.subdivisions = tuple(subdivisions)
        self.company = frozenset(company_holidays)
        self.weekend = frozenset(weekend)
        self._years: set[int] = set()
        self._public: set[date] = set()

    @cached_property
    def _country(self) -> Any:
        """The holidays library's class for the country (its module alone is imported:
        ``country_holidays()``/``list_supported_countries()`` import all ~200, ~1 s)."""
        if self.country in ("", "NONE"):
            return None
        import holidays

        cls = getattr(holidays, self.country, None) if self.country.isalpha() else None
        if cls is None:
            raise ConfigError(
                f"calendar.country: {self.country!r} is not a country the holidays library knows"
            )
        return cls

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        self._years.add(year)
        cls = self._country
        if cls is None:
            return
        try:
            self._public.update(cls(years=year).keys())
            for sub in self.subdivisions:
                self._public.update(cls(subdiv=sub, years=year).keys())
        except NotImplementedError as exc:
            raise ConfigError(f"calendar.subdivisions: {exc}") from None

    def is_holiday(self, day: date) -> bool:
        self._load(day.year)
        return day in self._public or day in self.company

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def business_days_back(self, at: datetime, n: int) -> datetime:
        """The start (UTC midnight) of the ``n``-th business day before ``at``'s day; n = 0: the
        start of ``at``'s day. Activity at or after it happened "in the last n business days"."""
        day = at.astimezone(UTC).date()
        count = 0
        for _ in range(n * 7 + 30):
            if count >= n:
                break
            day -= timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return datetime.combine(day, time(0), tzinfo=UTC)

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Business days after ``start``'s day up to and including ``end``'s day (0 if same day)."""
        a, b = start.astimezone(UTC).date(), end.astimezone(UTC).date()
        if b <= a:
            return 0
        if (b - a).days > 3660:
            return (b - a).days * 5 // 7
        n, day = 0, a
        while day < b:
            day += timedelta(days=1)
            if self.is_business_day(day):
                n += 1
        return n


def from_rules(section: Any) -> BusinessCalendar:
    """The calendar of ``rules.calendar`` (a ``CalendarRules``)."""
    return BusinessCalendar(section.country, section.subdivisions, section.company_holidays, section.weekend)
