"""Calling windows, caps and cooldown, table-driven: local wall-clock windows in the client's zones
(DST transitions included), stricter states, Sundays and holidays, Canada, company holidays,
the rolling 24-hour cap, cooldown, and calling time that skips the overnight gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from leadctl.rules import Rules, load_rules
from leadctl.services.work import calling
from leadctl.vocab import CallBlock

NY, CHI, PHX, LA = "America/New_York", "America/Chicago", "America/Phoenix", "America/Los_Angeles"


def _rules(tmp_path: Path | None = None, text: str = "") -> Rules:
    if not text:
        return load_rules(None)
    assert tmp_path is not None
    p = tmp_path / "rules.yaml"
    p.write_text(text, encoding="utf-8")
    return load_rules(p)


def u(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


# (case, zones, region, country, moment UTC, callable now?, next callable UTC or None = same)
WINDOWS = [
    ("NY 08:00 EST opens", (NY,), None, "US", "2026-01-14T13:00", True, None),
    ("NY 07:59 EST closed", (NY,), None, "US", "2026-01-14T12:59", False, "2026-01-14T13:00"),
    ("NY 21:00 closes", (NY,), None, "US", "2026-01-15T02:00", False, "2026-01-15T13:00"),
    ("FL 20:30 closed (state 08-20)", (NY,), "US-FL", None, "2026-01-15T01:30", False, "2026-01-15T13:00"),
    ("WA 19:59 open", (LA,), "US-WA", None, "2026-01-15T03:59", True, None),
    ("WA 20:00 closed", (LA,), "US-WA", None, "2026-01-15T04:00", False, "2026-01-15T16:00"),
    # DST starts 2026-03-08 (US): 08:00 EDT is 12:00 UTC, the day before 08:00 EST is 13:00 UTC
    ("DST day: 08:00 EDT = 12:00 UTC", (NY,), None, "US", "2026-03-08T12:00", True, None),
    ("day before DST: 12:00 UTC is 07:00 EST", (NY,), None, "US", "2026-03-07T12:00", False, "2026-03-07T13:00"),
    ("DST ends 2026-11-01: 12:30 UTC is 07:30 EST", (NY,), None, "US", "2026-11-01T12:30", False, "2026-11-01T13:00"),
    ("Arizona keeps MST in summer", (PHX,), "US-AZ", None, "2026-07-01T14:59", False, "2026-07-01T15:00"),
    ("split state: both zones must allow", (NY, CHI), "US-IN", None, "2026-01-14T13:30", False, "2026-01-14T14:00"),
    ("split state at 20:30 EST: Chicago still open, NY closed", (NY, CHI), "US-IN", None, "2026-01-15T01:30",
     True, None),
    ("split state 21:00 EST closes", (NY, CHI), "US-IN", None, "2026-01-15T02:00", False, "2026-01-15T14:00"),
    ("Alabama: no Sunday calls (and Monday is its holiday)", (CHI,), "US-AL", None, "2026-01-18T18:00", False,
     "2026-01-20T14:00"),
    ("Mississippi: no Sunday calls", (CHI,), "US-MS", None, "2026-01-25T18:00", False, "2026-01-26T14:00"),
    ("Alabama: no calls on its state holiday (Robert E. Lee / MLK day)", (CHI,), "US-AL", None,
     "2026-01-19T18:00", False, "2026-01-20T14:00"),
    ("federal holiday elsewhere is a calling day", (NY,), None, "US", "2026-01-19T18:00", True, None),
    ("Canada weekday 09:00-21:30", ("America/Toronto",), "CA-ON", None, "2026-01-14T13:30", False,
     "2026-01-14T14:00"),
    ("Canada Saturday 10:00-18:00", ("America/Toronto",), "CA-ON", None, "2026-01-17T23:00", False,
     "2026-01-18T15:00"),
    ("Canada weekday 21:15 open", ("America/Toronto",), "CA-ON", None, "2026-01-15T02:15", True, None),
]  # fmt: skip


@pytest.mark.parametrize(("zones", "region", "country", "moment", "ok", "nxt"), [w[1:] for w in WINDOWS],
                         ids=[w[0] for w in WINDOWS])  # fmt: skip
def test_calling_windows(
    zones: tuple[str, ...], region: str | None, country: str | None, moment: str, ok: bool, nxt: str | None
) -> None:
    rules = _rules()
    at = u(moment)
    with freeze_time(at):
        clock = calling.Clock(rules, at)
        policy = calling.policy_for(rules.calling, region, country)
        v = calling.blocked(
            clock, zones, policy, rules=rules, do_not_contact=False, last_call=None, recent_calls=[]
        )
        assert v.ok is ok, v
        assert clock.allowed_at(zones, policy, at) is ok
        if not ok:
            assert v.reason is CallBlock.CALLING_WINDOW
            assert v.until == u(nxt or moment)
            assert clock.allowed_at(zones, policy, v.until)
            assert not clock.allowed_at(zones, policy, v.until - timedelta(minutes=1))


def test_unknown_zone_is_the_most_restrictive_of_the_defaults() -> None:
    rules = _rules()
    at = u("2026-01-14T15:30")  # 10:30 NY, 07:30 LA
    clock = calling.Clock(rules, at)
    zones = clock.zones(None, None)
    assert set(zones) >= {NY, LA}
    policy = calling.policy_for(rules.calling, None, "US")
    v = calling.blocked(
        clock, zones, policy, rules=rules, do_not_contact=False, last_call=None, recent_calls=[]
    )
    assert (v.reason, v.until) == (CallBlock.CALLING_WINDOW, u("2026-01-14T16:00"))  # 08:00 in LA


def test_company_holiday_and_a_stricter_rules_file(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "calendar:\n  company_holidays: ['2026-01-14']\n"
        "calling:\n  regions:\n    US-TX: {weekdays: '09:00-17:00', max_calls_24h: 2}\n",
    )
    at = u("2026-01-14T16:00")
    clock = calling.Clock(rules, at)
    tx = calling.policy_for(rules.calling, "US-TX", None)
    assert (tx.days[0], tx.cap_24h) == ((540, 1020), 2)
    v = calling.blocked(clock, (CHI,), tx, rules=rules, do_not_contact=False, last_call=None, recent_calls=[])
    assert (v.reason, v.until) == (CallBlock.CALLING_WINDOW, u("2026-01-15T15:00"))  # next day 09:00 CST


def test_bad_window_in_the_rules_names_the_key(tmp_path: Path) -> None:
    from leadctl.errors import ConfigError

    with pytest.raises(ConfigError, match=r"calling.regions.US-TX.weekdays: expected a window"):
        _rules(tmp_path, "calling:\n  regions:\n    US-TX: {weekdays: '9-5'}\n")


# (case, region, last call ago (h), calls in the last 24 h (hours ago), reason, callable after (h from now))
LIMITS = [
    ("cooldown 4 h after a call", None, 1.0, [1.0], CallBlock.COOLDOWN, 3.0),
    ("cooldown over", None, 4.0, [4.0], None, None),
    ("FL: 3 calls in 24 h block until the oldest is 24 h old, then the window opens", "US-FL", 5.0,
     [5.0, 6.0, 7.0], CallBlock.CALL_CAP, 20.0),
    ("FL: cap frees inside the window", "US-FL", 5.0, [5.0, 6.0, 20.0], CallBlock.CALL_CAP, 4.0),
    ("FL: 2 calls is fine", "US-FL", 5.0, [5.0, 6.0], None, None),
    ("NY: no cap", None, 5.0, [5.0, 6.0, 7.0, 8.0], None, None),
    ("OK: cap and cooldown: the later wins, first reason cooldown", "US-OK", 1.0, [1.0, 2.0, 20.0], CallBlock.COOLDOWN,
     4.0),
]  # fmt: skip


@pytest.mark.parametrize(("region", "ago", "calls", "reason", "after"), [c[1:] for c in LIMITS],
                         ids=[c[0] for c in LIMITS])  # fmt: skip
def test_cooldown_and_caps(
    region: str | None, ago: float, calls: list[float], reason: CallBlock | None, after: float | None
) -> None:
    rules = _rules()
    at = u("2026-01-14T17:00")  # noon in NY: inside every window
    clock = calling.Clock(rules, at)
    policy = calling.policy_for(rules.calling, region, "US")
    v = calling.blocked(
        clock,
        (NY,),
        policy,
        rules=rules,
        do_not_contact=False,
        last_call=at - timedelta(hours=ago),
        recent_calls=[at - timedelta(hours=h) for h in calls],
    )
    assert v.reason is reason
    if after is not None:
        assert v.until == at + timedelta(hours=after)
        assert v.detail


def test_do_not_contact_is_never_callable() -> None:
    rules = _rules()
    clock = calling.Clock(rules, u("2026-01-14T17:00"))
    policy = calling.policy_for(rules.calling, None, "US")
    v = calling.blocked(
        clock, (NY,), policy, rules=rules, do_not_contact=True, last_call=None, recent_calls=[]
    )
    assert (v.reason, v.until) == (CallBlock.DO_NOT_CONTACT, None)


def test_calling_time_skips_the_overnight_gap() -> None:
    rules = _rules()
    at = u("2026-01-15T15:00")
    clock = calling.Clock(rules, at)
    policy = calling.policy_for(rules.calling, None, "US")
    last = u("2026-01-15T01:00")  # 20:00 in NY: one calling hour left that evening
    assert clock.calling_hours((NY,), policy, last, at) == pytest.approx(1.0 + 2.0)  # 20-21 + 08-10
    assert clock.after_calling_hours((NY,), policy, last, 2.0) == u("2026-01-15T14:00")  # 09:00 next morning
