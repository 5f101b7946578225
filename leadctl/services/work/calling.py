"""Calling hours, call caps and cooldown: when a client may be called, and if not, why and until when.

The one time module for calling (rules section ``calling``; cooldown from ``cooldown``;
company holidays from ``calendar``):

- A client's **policy** is the default window (or its country's, which replaces it) with its
  state's or province's limits on top: per weekday the intersection of the windows, the
  smallest non-zero cap, and no calls on public holidays when either says so (holidays from
  the ``holidays`` library, as ``services/assign/calendar.py`` uses it, by state).
- Windows are local wall-clock times in each of the client's candidate zones (``zoneinfo``,
  so DST transitions move them correctly); a client with several candidate zones is callable
  only when every one allows it, one with none only when all ``calling.unknown_timezones``
  do. Company holidays are no-call days.
- A ``Clock`` answers for one moment: callable now? if not, the next callable moment; and
  the calling time between two moments (retry delays skip the overnight no-call gap). It
  builds each (zones, policy) pair's allowed intervals once, so a 10,000-client queue costs
  one interval list per distinct zone/state combination.
- ``blocked(...)`` combines do-not-contact, cooldown, the rolling 24-hour cap and the window
  into one verdict: the first reason, and when the client becomes callable.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from leadctl.rules import Rules
from leadctl.rules.sections import CallingRule, CallingRules, Window
from leadctl.vocab import CallBlock

HISTORY_DAYS = 10  # a clock knows the intervals from this many days before its moment …
HORIZON_DAYS = 16  # … to this many after (a client with no window in 16 days: "not callable")


@dataclass(frozen=True)
class Policy:
    """The calling rule that applies to one client: a window per weekday, cap, holidays."""

    days: tuple[Window, ...]  # Monday..Sunday
    cap_24h: int  # 0: no cap
    holiday_country: str | None  # no calls on this country's (and subdivision's) public holidays
    holiday_subdiv: str | None
    region: str | None  # what it was built for (US-FL …), for explanations

    def describe(self) -> str:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        parts = []
        for i, w in enumerate(self.days):
            parts.append(f"{names[i]} {_fmt(w)}")
        return ", ".join(parts)


def _fmt(w: Window) -> str:
    return "none" if w is None else f"{w[0] // 60:02d}:{w[0] % 60:02d}-{w[1] // 60:02d}:{w[1] % 60:02d}"


def _intersect(a: Window, b: Window) -> Window:
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo < hi else None


def policy_for(rules: CallingRules, region: str | None, country: str | None) -> Policy:
    """The policy of a client in ``region`` (``US-FL``) or, without one, ``country`` (``US``)."""
    country = (region.split("-")[0] if region else country) or None
    key = (id(rules), region, country)
    hit = _POLICIES.get(key)
    if hit is None or hit[0] is not rules:
        hit = _POLICIES[key] = (rules, _policy(rules, region, country))
    return hit[1]


_POLICIES: dict[tuple[int, str | None, str | None], tuple[CallingRules, Policy]] = {}


def _policy(rules: CallingRules, region: str | None, country: str | None) -> Policy:
    base: CallingRule = rules.default
    days: list[Window] = [base.days.get(i, (0, 24 * 60)) for i in range(7)]
    caps = [base.max_calls_24h or 0]
    no_holidays = base.holidays is False
    country_rule = rules.regions.get(country) if country else None
    if country_rule is not None:
        days = [country_rule.days.get(i, days[i]) for i in range(7)]
        caps = [country_rule.max_calls_24h or 0]
        no_holidays = country_rule.holidays is False if country_rule.holidays is not None else no_holidays
    state_rule = rules.regions.get(region) if region else None
    subdiv = None
    if state_rule is not None:
        days = [
            _intersect(days[i], state_rule.days[i]) if i in state_rule.days else days[i] for i in range(7)
        ]
        caps.append(state_rule.max_calls_24h or 0)
        if state_rule.holidays is False:
            no_holidays = True
    if no_holidays and region:
        subdiv = region.split("-", 1)[1]
    positive = [c for c in caps if c > 0]
    return Policy(
        tuple(days),
        min(positive) if positive else 0,
        country if no_holidays else None,
        subdiv,
        region or country,
    )


@cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@cache
def _public_holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    from leadctl.services.assign.calendar import public_holidays

    try:
        days = public_holidays(country, subdiv, year)
    except NotImplementedError:  # a subdivision the library does not know: the country's
        days = public_holidays(country, None, year)
    return days or frozenset()


class Clock:
    """Calling-time answers around one moment ``at`` (intervals cached per zones and policy)."""

    def __init__(self, rules: Rules, at: datetime) -> None:
        self.at = at.astimezone(UTC)
        self.unknown = tuple(rules.calling.unknown_timezones) or ("America/New_York",)
        self.company = frozenset(rules.calendar.company_holidays)
        self._intervals: dict[tuple[tuple[str, ...], Policy], tuple[list[datetime], list[datetime]]] = {}

    def zones(self, timezone: str | None, candidates: Sequence[str] | None) -> tuple[str, ...]:
        if candidates:
            return tuple(candidates)
        return (timezone,) if timezone else self.unknown

    def _day_allowed(self, policy: Policy, day: date) -> Window:
        if day in self.company:
            return None
        if policy.holiday_country and day in _public_holidays(
            policy.holiday_country, policy.holiday_subdiv, day.year
        ):
            return None
        return policy.days[day.weekday()]

    def allowed_at(self, zones: Iterable[str], policy: Policy, t: datetime) -> bool:
        """Is ``t`` inside the window in every zone? (a point check, valid for any moment)"""
        for name in zones:
            local = t.astimezone(_zone(name))
            w = self._day_allowed(policy, local.date())
            minute = local.hour * 60 + local.minute
            if w is None or not (w[0] <= minute < w[1]):
                return False
        return True

    def _zone_intervals(self, name: str, policy: Policy) -> list[tuple[datetime, datetime]]:
        z = _zone(name)
        first = (self.at - timedelta(days=HISTORY_DAYS + 1)).astimezone(z).date()
        out = []
        for i in range(HISTORY_DAYS + HORIZON_DAYS + 2):
            day = first + timedelta(days=i)
            w = self._day_allowed(policy, day)
            if w is None:
                continue
            midnight = datetime.combine(day, time(0))  # wall clock: DST moves the UTC instants
            start = (midnight + timedelta(minutes=w[0])).replace(tzinfo=z).astimezone(UTC)
            end = (midnight + timedelta(minutes=w[1])).replace(tzinfo=z)
            out.append((start, end.astimezone(UTC)))
        return out

    def intervals(self, zones: tuple[str, ...], policy: Policy) -> tuple[list[datetime], list[datetime]]:
        """The allowed intervals (UTC) in every zone at once: starts and ends, sorted."""
        key = (zones, policy)
        hit = self._intervals.get(key)
        if hit is not None:
            return hit
        merged = self._zone_intervals(zones[0], policy)
        for name in zones[1:]:
            other = self._zone_intervals(name, policy)
            both = []
            i = j = 0
            while i < len(merged) and j < len(other):
                lo, hi = max(merged[i][0], other[j][0]), min(merged[i][1], other[j][1])
                if lo < hi:
                    both.append((lo, hi))
                if merged[i][1] < other[j][1]:
                    i += 1
                else:
                    j += 1
            merged = both
        hit = ([s for s, _ in merged], [e for _, e in merged])
        self._intervals[key] = hit
        return hit

    def next_callable(self, zones: tuple[str, ...], policy: Policy, t: datetime) -> datetime | None:
        """The first moment at or after ``t`` inside the windows (None: none in the horizon)."""
        starts, ends = self.intervals(zones, policy)
        i = bisect.bisect_right(ends, t)
        if i >= len(starts):
            return None
        return max(starts[i], t)

    def window_end(self, zones: tuple[str, ...], policy: Policy, t: datetime) -> datetime | None:
        """When the window containing ``t`` closes (None when ``t`` is outside every window)."""
        starts, ends = self.intervals(zones, policy)
        i = bisect.bisect_right(ends, t)
        if i < len(starts) and starts[i] <= t:
            return ends[i]
        return None

    def calling_hours(self, zones: tuple[str, ...], policy: Policy, t0: datetime, t1: datetime) -> float:
        """Hours of calling time between ``t0`` and ``t1`` (nights, closed days excluded)."""
        starts, ends = self.intervals(zones, policy)
        total = 0.0
        i = bisect.bisect_right(ends, t0)
        while i < len(starts) and starts[i] < t1:
            lo, hi = max(starts[i], t0), min(ends[i], t1)
            if lo < hi:
                total += (hi - lo).total_seconds() / 3600
            i += 1
        return total

    def after_calling_hours(
        self, zones: tuple[str, ...], policy: Policy, t0: datetime, hours: float
    ) -> datetime | None:
        """The moment ``hours`` of calling time after ``t0`` (the overnight gap skipped)."""
        starts, ends = self.intervals(zones, policy)
        left = hours * 3600
        i = bisect.bisect_right(ends, t0)
        while i < len(starts):
            lo = max(starts[i], t0)
            span = (ends[i] - lo).total_seconds()
            if span >= left:
                return lo + timedelta(seconds=left)
            left -= max(span, 0)
            i += 1
        return None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a call may be placed now; if not, the first reason and when it may."""

    reason: CallBlock | None
    until: datetime | None  # when the client becomes callable (None with a reason: never / unknown)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


OK = Verdict(None, None)


def blocked(
    clock: Clock,
    zones: tuple[str, ...],
    policy: Policy,
    *,
    rules: Rules,
    do_not_contact: bool,
    last_call: datetime | None,
    recent_calls: Sequence[datetime],
    at: datetime | None = None,
) -> Verdict:
    """The verdict for a call at ``at`` (default: the clock's moment). ``recent_calls`` are the
    person's calls (all reps) in the 24 hours before ``at``."""
    t = at or clock.at
    if do_not_contact:
        return Verdict(CallBlock.DO_NOT_CONTACT, None, "on the do-not-contact list")
    free_from = t
    first: tuple[CallBlock, str] | None = None
    cool = rules.cooldown.after_call_hours
    if last_call is not None and cool > 0 and last_call + timedelta(hours=cool) > t:
        free_from = last_call + timedelta(hours=cool)
        first = (CallBlock.COOLDOWN, f"called {last_call.isoformat()}; {cool:g} h cooldown")
    if policy.cap_24h and len(recent_calls) >= policy.cap_24h:
        calls = sorted(recent_calls, reverse=True)
        cap_free = calls[policy.cap_24h - 1] + timedelta(hours=24)
        free_from = max(free_from, cap_free)
        first = first or (
            CallBlock.CALL_CAP,
            f"{len(calls)} calls in 24 h (cap {policy.cap_24h}, {policy.region})",
        )
    nxt = clock.next_callable(zones, policy, free_from)
    if first is None:
        if nxt == t:
            return OK
        where = ", ".join(zones)
        return Verdict(
            CallBlock.CALLING_WINDOW, nxt, f"outside calling hours in {where} ({policy.region or 'default'})"
        )
    return Verdict(first[0], nxt, first[1])


def local_time(zone: str | None, t: datetime) -> datetime | None:
    return t.astimezone(_zone(zone)) if zone else None


def violation(
    clock: Clock,
    zones: tuple[str, ...],
    policy: Policy,
    t: datetime,
    *,
    dnc: bool,
    calls_before: int,
    previous_call: datetime | None = None,
    cooldown_hours: float = 0.0,
) -> CallBlock | None:
    """The rule a call placed at ``t`` broke (None: none): do-not-contact, the cooldown (the
    person's ``previous_call``, by any rep, less than ``cooldown_hours`` before it — the
    ``cooldown.after_call_hours`` of the rules), the cap (with ``calls_before`` other calls in
    the 24 hours before it), the calling window."""
    if dnc:
        return CallBlock.DO_NOT_CONTACT
    if (
        previous_call is not None
        and cooldown_hours > 0
        and previous_call + timedelta(hours=cooldown_hours) > t
    ):
        return CallBlock.COOLDOWN
    if policy.cap_24h and calls_before >= policy.cap_24h:
        return CallBlock.CALL_CAP
    if not clock.allowed_at(zones, policy, t):
        return CallBlock.CALLING_WINDOW
    return None


def context(rules: Rules, clock: Clock, row: Mapping[str, Any]) -> tuple[tuple[str, ...], Policy]:
    """(zones, policy) of a client row (timezone, timezone_candidates, state, country, phones, custom)."""
    from leadctl.services.work.timezones import POSTAL_KEYS, country_code, custom_value, region_for_rules

    key = (
        row.get("state"),
        row.get("country"),
        row.get("business_phone"),
        row.get("mobile_phone"),
        custom_value(row.get("custom"), POSTAL_KEYS),
    )
    if key in _REGIONS:
        region = _REGIONS[key]
    else:
        region = _REGIONS[key] = region_for_rules(row)
    country = country_code(row.get("country")) if region is None else None
    zones = clock.zones(row.get("timezone"), row.get("timezone_candidates"))
    return zones, policy_for(rules.calling, region, country or rules.phones.default_region)


_REGIONS: dict[tuple[Any, ...], str | None] = {}
