"""Time in one place: parsing user/file dates, UTC storage, ISO 8601 display.

Business-day and calling-hour logic joins this module when assignment and SLAs arrive.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from leadctl.errors import InputError

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
    A bare date means midnight UTC.
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
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_user_datetime(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A date/time from a command-line option; raises InputError naming the option.

    With ``end_of_day`` a bare date means the end of that day (for ``--until``), relative
    forms ``today``, ``yesterday`` and ``7d`` (days ago) are accepted too.
    """
    s = text.strip().lower()
    today = now().date()
    rel: date | None = None
    if s == "today":
        rel = today
    elif s == "yesterday":
        rel = today - timedelta(days=1)
    elif re.fullmatch(r"\d+d", s):
        rel = today - timedelta(days=int(s[:-1]))
    if rel is not None:
        return datetime.combine(rel, time.max if end_of_day else time.min, UTC)
    parsed = parse_datetime(text)
    if parsed is None:
        raise InputError(f"{option}: {text!r} is not a date or time (try 2026-03-14 or 2026-03-14T09:30)")
    is_bare_date = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) is not None
    if end_of_day and is_bare_date:
        return datetime.combine(parsed.date(), time.max, UTC)
    return parsed


def iso(value: datetime | None) -> str | None:
    return None if value is None else to_utc(value).isoformat()
