"""Time in one place: parsing user/file dates, UTC storage, ISO 8601 display.

Business-day and calling-hour logic joins this module when assignment and SLAs arrive.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
)
_EPOCH = re.compile(r"^\d{10}(\.\d+)?$")


def now() -> datetime:
    """The current time, timezone-aware UTC (freezegun-friendly)."""
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; aware times are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_datetime(text: str) -> datetime | None:
    """A date/time as written in lead files or on the command line, in UTC; None if unparsable.

    Accepts ISO 8601 (with or without offset, ``Z``), Unix epoch seconds, and common
    US/European spellings (``03/14/2026 9:30 AM``, ``14.03.2026``, ``Mar 14, 2026``).
    A bare date means midnight UTC. A time that exists only outside years 1–9999 in UTC
    (``9999-12-31T23:59:59-05:00``) is None too, never an OverflowError.
    """
    s = text.strip()
    if not s:
        return None
    if _EPOCH.match(s):
        return datetime.fromtimestamp(float(s), UTC)
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        return to_utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    except OverflowError:  # e.g. 9999-12-31T23:59:59-05:00: a real instant past year 9999 in UTC
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_when(text: str, *, end_of_day: bool = False) -> datetime:
    """A date/time typed on the command line, in UTC; ``ValueError`` saying what is wrong.

    ``today``, ``yesterday``, ``7d`` (days ago) and everything ``parse_datetime`` accepts.
    A bare date or a relative day means midnight UTC, or with ``end_of_day`` (``--until``)
    the end of that day. Values outside the calendar (``1000000000d``,
    ``9999-12-31T23:59:59-05:00``) are refused with a ValueError, never an OverflowError.
    The Click type ``commands._options.When`` turns the ValueError into a usage error.
    """
    s = text.strip().lower()
    rel: date | None = None
    try:
        if s == "today":
            rel = now().date()
        elif s == "yesterday":
            rel = now().date() - timedelta(days=1)
        elif re.fullmatch(r"\d+d", s):
            rel = now().date() - timedelta(days=int(s[:-1]))
    except OverflowError:
        raise ValueError(f"{text.strip()!r} reaches before the year 1 (use fewer days)") from None
    if rel is not None:
        return datetime.combine(rel, time.max if end_of_day else time.min, UTC)
    parsed = parse_datetime(text)
    if parsed is None:
        if out_of_range(text):
            raise ValueError(f"{text.strip()!r} is outside the supported dates (years 1 to 9999 in UTC)")
        raise ValueError(f"{text.strip()!r} is not a date or time (try 2026-03-14 or 2026-03-14T09:30)")
    if end_of_day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return datetime.combine(parsed.date(), time.max, UTC)
    return parsed


def out_of_range(text: str) -> bool:
    """Whether ``text`` is a well-formed ISO date/time that only fails in UTC (year 1 or 9999 edge)."""
    s = text.strip()
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return False
    try:
        to_utc(value)
    except OverflowError:
        return True
    return False


def iso(value: datetime | None) -> str | None:
    return None if value is None else to_utc(value).isoformat()


def zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (``UTC``, ``America/New_York``); ValueError naming it if unknown."""
    if name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as UTC or America/New_York)"
        ) from None


def is_naive(text: str) -> bool:
    """Whether a date as written carries no offset (``parse_datetime`` then reads it as UTC)."""
    s = text.strip()
    if _EPOCH.match(s) or s.endswith(("Z", "z")):
        return False
    try:
        return datetime.fromisoformat(s).tzinfo is None
    except ValueError:
        return True  # the other accepted spellings have no offset
