"""Business days and business hours: weekends, public and company holidays, opening hours.

Public holidays come from the ``holidays`` library (imported lazily, on the first look-up, so
start-up never pays for it; the dates it gave are cached in a private file, ``public_holidays``),
never hand-written dates. One ``BusinessCalendar`` answers "is this
a business day?" and "when did the Nth business day before this moment begin?" — what recency
in ranking, top-up inactivity and nurture reservation count in. ``BusinessClock`` adds opening
hours per weekday in one zone: business seconds between two moments and deadlines (SLAs, the
"business time" of metrics), each explaining what it skipped (nights, weekends, holidays).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from leadctl.errors import ConfigError


@cache
def holiday_class(code: str) -> Any:
    """The ``holidays`` library's class for a country code ("US"), or None if it knows none.

    Only that country's module is imported. The library's own look-ups (``holidays.US``,
    ``country_holidays()``) import its ``holidays.countries`` package, whose ``__init__`` imports
    all ~280 country modules: ~75 ms CPU on every command that needs one calendar (the queue,
    ``next``, ``sla check``, ranking), against ~4 ms for the one module. The package stands in as
    an empty namespace while the module imports and is removed again, so a later import of it
    by anything else is the library's own, complete one.
    """
    import importlib
    import importlib.util
    import sys
    import types

    from holidays import registry

    code = code.upper()
    found = next(
        ((module, names[0]) for module, names in registry.COUNTRIES.items() if code in names[1:]), None
    )
    if not code.isalpha() or found is None:
        return None
    module, name = found
    package = "holidays.countries"
    stub = None
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations is not None:
            stub = types.ModuleType(package)
            stub.__path__ = list(spec.submodule_search_locations)
            stub.__spec__ = spec
            sys.modules[package] = stub
    try:
        loaded = importlib.import_module(f"{package}.{module}")
    finally:
        if stub is not None and sys.modules.get(package) is stub:
            del sys.modules[package]
            parent = sys.modules.get("holidays")
            if parent is not None and parent.__dict__.get("countries") is stub:
                del parent.__dict__["countries"]
    return getattr(loaded, name, None)


# ------------------------------------------------------------------ public holidays, cached

HOLIDAY_CACHE = "holidays.json"  # in ``config.cache_dir()``
_HOLIDAYS: dict[tuple[str, str | None, int], frozenset[date]] = {}  # this process's look-ups


def public_holidays(country: str, subdiv: str | None, year: int) -> frozenset[date] | None:
    """The ``holidays`` library's public holidays of ``country`` (with ``subdiv``'s) in ``year``;
    None for a country the library does not know; ``NotImplementedError`` (the library's) for a
    subdivision it does not know.

    The one place leadctl asks the library for dates. Importing it costs ~45 ms CPU (its
    ``__init__`` imports its lunar calendars) on every command that needs one calendar (the
    queue, ``next``, ``sla check``), so the dates are also kept in a small private file
    (``holidays.json`` in ``config.cache_dir()``, 0600 in a 0700 directory) keyed by the installed
    library (its version and files): once the years a command looks at are there, it never
    imports the library. A different library version, an unreadable or foreign file: computed
    again (and rewritten when the directory is writable).
    """
    key = (country.upper(), subdiv or None, year)
    hit = _HOLIDAYS.get(key)
    if hit is not None:
        return hit
    store = _holiday_store(str(_cache_path()))
    name = f"{key[0]}/{key[1] or ''}/{year}"
    days = store.get(name)
    if days is None:
        cls = holiday_class(key[0])
        if cls is None:
            return None
        found = cls(subdiv=key[1], years=year) if key[1] else cls(years=year)
        days = frozenset(found.keys())
        store.put(name, days)
    _HOLIDAYS[key] = days
    return days


def _cache_path() -> Path:
    from leadctl.config import cache_dir

    return cache_dir() / HOLIDAY_CACHE


def _library_key() -> str | None:
    """What the cached dates were computed by: the installed library's dist-info (its version)
    and its package file (path, size, modification time), found without importing it."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    origin = Path(spec.origin)
    try:
        st = os.stat(origin)
    except OSError:
        return None
    dists = sorted(p.name for p in origin.parent.parent.glob("holidays-*.dist-info"))
    return f"{','.join(dists)}|{origin}|{st.st_size}|{st.st_mtime_ns}"


class _HolidayStore:
    """The cache file's dates for one library key (loaded once per process and path)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.library = _library_key()
        self.days: dict[str, list[str]] = self._read()

    def _read(self) -> dict[str, list[str]]:
        import json

        if self.library is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("library") != self.library:
            return {}
        days = data.get("days")
        return days if isinstance(days, dict) else {}

    def get(self, name: str) -> frozenset[date] | None:
        got = self.days.get(name)
        if not isinstance(got, list):
            return None
        try:
            return frozenset(date.fromisoformat(d) for d in got)
        except (TypeError, ValueError):
            return None

    def put(self, name: str, days: frozenset[date]) -> None:
        """Add one (country, subdivision, year) and rewrite the file atomically (merged with
        what a concurrent leadctl wrote meanwhile); a failure to write only costs the next run
        the library's import."""
        import json
        import os
        import tempfile

        from leadctl.config import make_private_dir

        if self.library is None:
            return
        self.days = {**self._read(), **self.days, name: sorted(d.isoformat() for d in days)}
        try:
            make_private_dir(self.path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".holidays-", dir=self.path.parent)  # 0600
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"library": self.library, "days": self.days}, fh, sort_keys=True)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass


@cache
def _holiday_store(path: str) -> _HolidayStore:
    return _HolidayStore(path)


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

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        self._years.add(year)
        if self.country in ("", "NONE"):
            return
        try:
            days = public_holidays(self.country, None, year)
            if days is None:
                raise ConfigError(
                    f"calendar.country: {self.country!r} is not a country the holidays library knows"
                )
            self._public.update(days)
            for sub in self.subdivisions:
                self._public.update(public_holidays(self.country, sub, year) or ())
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


# ------------------------------------------------------------------ business hours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Skipped:
    """Clock time between two moments that is not business time, and why (seconds)."""

    nights: float = 0.0  # outside opening hours on a business day
    weekends: float = 0.0  # weekend days and days without opening hours
    holidays: float = 0.0  # public and company holidays
    away: float = 0.0  # business time the rep was away (shifts due dates)

    def __add__(self, other: Skipped) -> Skipped:
        return Skipped(
            self.nights + other.nights,
            self.weekends + other.weekends,
            self.holidays + other.holidays,
            self.away + other.away,
        )

    def hours(self) -> dict[str, float]:
        return {k: round(getattr(self, k) / 3600, 2) for k in ("nights", "weekends", "holidays", "away")}


@dataclass(frozen=True, slots=True)
class Span:
    """``business_seconds_between`` / ``add_business_time``: the result and what was skipped."""

    start: datetime
    end: datetime
    business_seconds: float
    skipped: Skipped

    @property
    def clock_seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class DayRow:
    """One local calendar day of the business clock, in epoch seconds (what SQL joins on).

    ``key`` is the day number ``(epoch + std_offset) // 86400``: its boundaries fall at local
    midnight (standard time) or 01:00 (daylight time), always outside opening hours, so a
    timestamp's key picks its local day without time-zone support in the database.
    """

    key: int
    open: int
    close: int
    cum: int  # business seconds from the clock's origin to this day (negative before it)
    why_closed: str | None  # weekend | holiday | None (open)
    start: int  # local midnight (what ``explain`` attributes skipped time by)
    end: int  # the next local midnight
    # The UTC offset over the key's span (``key * DAY - std_offset`` … one day on): ``z0``
    # before ``t``, ``z1`` from ``t`` (a daylight-saving change; none: ``t`` is the span's end
    # and ``z1 == z0``), so SQL reads a moment's local wall-clock hour and weekday.
    z0: int = 0
    t: int = 0
    z1: int = 0


class BusinessClock:
    """Business time: opening hours per weekday in one zone, minus weekends and holidays.

    ``B(t)`` = business seconds from a fixed origin to ``t`` is monotonic, so business time
    between two moments is ``B(end) - B(start)`` and a deadline is ``B⁻¹(B(start) + s)``.
    ``day_rows`` gives the per-day table SQL needs to compute ``B`` set-based (one equality
    join on the day key), so SQL and Python agree to the second.

    ``after_hours = "from_capture"``: the clock never stops (24/7 coverage: overnight and
    weekend time counts, deadlines are clock time); ``"from_opening"``: time outside opening
    hours does not count (a lead captured at 23:00 starts counting at the next opening).
    """

    def __init__(
        self,
        calendar: BusinessCalendar,
        zone: str,
        hours: Mapping[int, tuple[time, time]],
        after_hours: str = "from_opening",
    ) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"business_hours.timezone: {zone!r} is not an IANA time zone") from None
        self.calendar = calendar
        self.hours = dict(hours)
        self.always = after_hours == "from_capture"
        if not self.always and not any(d not in calendar.weekend for d in self.hours):
            raise ConfigError("business_hours.hours: no weekday outside calendar.weekend has opening hours")
        jan = datetime(2001, 1, 1, 12, tzinfo=self.zone).utcoffset()
        self.offset = int(jan.total_seconds()) if jan is not None else 0
        self._rows: list[DayRow] = []
        self._by_key: dict[int, int] = {}
        self._ends: list[int] = []  # cum + business length of each day (for B⁻¹)

    # -- the day table
    def key_of(self, epoch: float) -> int:
        return int((epoch + self.offset) // DAY)

    def _offsets(self, key: int) -> tuple[int, int, int]:
        """(``z0``, ``t``, ``z1``) of ``DayRow`` for day ``key``."""
        lo = key * DAY - self.offset
        hi = lo + DAY

        def z(epoch: int) -> int:
            off = datetime.fromtimestamp(epoch, self.zone).utcoffset()
            return int(off.total_seconds()) if off is not None else 0

        z0, z1 = z(lo), z(hi - 1)
        if z0 == z1:
            return z0, hi, z0
        while hi - lo > 1:  # the first second on the new offset
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if z(mid) == z0 else (lo, mid)
        return z0, hi, z1

    def _day(self, key: int, cum: int) -> DayRow:
        local = date.fromordinal(date(1970, 1, 1).toordinal() + key)
        start = int(datetime.combine(local, time(0), tzinfo=self.zone).timestamp())
        end = int(datetime.combine(local + timedelta(days=1), time(0), tzinfo=self.zone).timestamp())
        zones = self._offsets(key)
        if self.always:
            o, c = key * DAY - self.offset, (key + 1) * DAY - self.offset
            return DayRow(key, o, c, cum, None, start, end, *zones)
        why = None
        if local.weekday() in self.calendar.weekend or local.weekday() not in self.hours:
            why = "weekend"
        elif self.calendar.is_holiday(local):
            why = "holiday"
        if why:
            return DayRow(key, start, start, cum, why, start, end, *zones)
        a, b = self.hours[local.weekday()]
        o = int(datetime.combine(local, a, tzinfo=self.zone).timestamp())
        c = int(datetime.combine(local, b, tzinfo=self.zone).timestamp())
        return DayRow(key, o, c, cum, None, start, end, *zones)

    def _extend(self, first: int, last: int) -> None:
        """Make the table cover day keys ``first..last`` (it only ever grows at either end)."""
        if not self._rows:
            self._rows = [self._day(first, 0)]
        while self._rows[0].key > first:  # prepend earlier days, counting back from the origin
            old = self._rows
            new_first = min(first, old[0].key - 366)
            rows: list[DayRow] = []
            cum = 0
            for k in range(new_first, old[0].key):
                row = self._day(k, cum)
                rows.append(row)
                cum += row.close - row.open
            # The origin never moves (B of a moment already handed out, e.g. in a day table
            # a query is joining, stays valid): the earlier days' cum is negative.
            self._rows = [replace(r, cum=r.cum - cum) for r in rows] + old
        while self._rows[-1].key < last:
            prev = self._rows[-1]
            self._rows.append(self._day(prev.key + 1, prev.cum + prev.close - prev.open))
        self._by_key = {r.key: i for i, r in enumerate(self._rows)}
        self._ends = [r.cum + r.close - r.open for r in self._rows]

    def day_rows(self, start: datetime, end: datetime) -> list[DayRow]:
        """The day table from ``start``'s day to ``end``'s day (for SQL)."""
        k0, k1 = self.key_of(start.timestamp()), self.key_of(end.timestamp())
        self._extend(k0, k1)
        return self._rows[self._by_key[k0] : self._by_key[k1] + 1]

    # -- B and its inverse
    def b(self, at: datetime) -> int:
        """Business seconds from the clock's origin to ``at`` (whole seconds)."""
        e = int(at.timestamp())
        k = self.key_of(e)
        self._extend(k, k)
        row = self._rows[self._by_key[k]]
        return row.cum + max(0, min(e, row.close) - row.open)

    def moment(self, b: int) -> datetime:
        """The earliest moment at which ``B`` reaches ``b``."""
        from bisect import bisect_left

        if not self._rows:
            self._extend(
                self.key_of(datetime.now(UTC).timestamp()), self.key_of(datetime.now(UTC).timestamp())
            )
        for _ in range(50):
            if self._ends[-1] >= b:
                break
            self._extend(self._rows[0].key, self._rows[-1].key + 366)
        else:
            raise ConfigError("business_hours: no business time in the next 50 years (every day closed?)")
        i = bisect_left(self._ends, b)
        while i < len(self._rows) - 1 and self._rows[i].close == self._rows[i].open:
            i += 1
        row = self._rows[i]
        return datetime.fromtimestamp(row.open + (b - row.cum), tz=UTC)

    def business_seconds_between(self, start: datetime, end: datetime) -> Span:
        """Business seconds from ``start`` to ``end`` and what clock time was skipped."""
        if end <= start:
            return Span(start, end, 0.0, Skipped())
        self.b(start)
        self.b(end)
        return Span(start, end, float(self.b(end) - self.b(start)), self._skipped(start, end))

    def add_business_time(self, start: datetime, seconds: float) -> Span:
        """The moment ``seconds`` of business time after ``start`` (the deadline), explained."""
        end = self.moment(self.b(start) + int(round(seconds)))
        end = max(end, start)
        return Span(start, end, float(seconds), self._skipped(start, end))

    def _skipped(self, start: datetime, end: datetime) -> Skipped:
        s, e = start.timestamp(), end.timestamp()
        out = {"nights": 0.0, "weekend": 0.0, "holiday": 0.0}
        k0, k1 = self.key_of(s) - 1, self.key_of(e) + 1
        self._extend(k0, k1)
        for i in range(self._by_key[k0], self._by_key[k1] + 1):
            row = self._rows[i]
            lo, hi = max(s, row.start), min(e, row.end)
            if hi <= lo:
                continue
            open_part = max(0.0, min(hi, row.close) - max(lo, row.open))
            closed = (hi - lo) - open_part
            out["nights" if row.why_closed is None else row.why_closed] += closed
        return Skipped(nights=out["nights"], weekends=out["weekend"], holidays=out["holiday"])


def clock_from_rules(rules: Any) -> BusinessClock:
    """The business clock of ``rules.business_hours`` over ``rules.calendar``."""
    bh = rules.business_hours
    return BusinessClock(from_rules(rules.calendar), bh.timezone, bh.hours, bh.after_hours)
