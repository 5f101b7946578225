"""`metrics sla` on generated data equals a per-client computation in Python, on both backends.

Random captures (to the microsecond) over eleven days — in January, in June and across each
daylight-saving change (the hour and weekday of capture on the local wall clock) —, random reps (some clients
unassigned, some merged away, one captured after the evaluation moment), random first calls
(some before capture, some after the evaluation moment, some never): every grouping of
``sla_rows`` against the definition — per client ``B(first call) - B(capture)`` (or
``B(now) - B(capture)`` when not called) against the allowance, with ``B`` from
``BusinessClock.b`` — so the SQL's shortcuts (the lean per-client facts, grouping by rep or
campaign id and naming afterwards) cannot change a figure.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from leadctl.rules import load_rules
from leadctl.services.assign.calendar import clock_from_rules
from leadctl.services.metrics.sla import GROUPINGS, WEEKDAYS, sla_rows
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from tests.services.assign_factory import World

RULES = load_rules(None)
T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, far from a DST change
NOW = T + timedelta(days=11, hours=6, minutes=17, seconds=3)
# Eleven days of captures from each start: winter (above); summer, where a capture between
# 00:00 and 01:00 local falls in the previous standard-time day key; and across each change.
STARTS = [
    T,
    datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),  # clocks go forward on Sunday 8 March
    datetime(2026, 10, 26, 9, 0, tzinfo=UTC),  # and back on Sunday 1 November
]


def _world(db_url: str, seed: int, t: datetime = T) -> tuple[World, list[dict[str, Any]]]:
    rnd = random.Random(seed)
    now = t + (NOW - T)
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("D")
    w.add_rep("ana", campaigns=["C", "D"])
    w.add_rep("bo", campaigns=["C", "D"])
    people = []
    acts = []
    for i in range(70):
        camp = "C" if i % 3 else "D"
        (cid,) = w.add_clients(camp, 1)
        late = i == 7  # captured after the evaluation moment: not in scope
        cap = now + timedelta(hours=2) if late else t + timedelta(seconds=rnd.randrange(11 * 86400))
        cap += timedelta(microseconds=rnd.randrange(1_000_000))
        rep = rnd.choice(["ana", "bo", None])
        p: dict[str, Any] = {"id": cid, "campaign": camp, "cap": cap, "rep": rep, "merged": False}
        calls = []
        if rnd.random() < 0.75:
            for _ in range(rnd.randint(1, 3)):
                calls.append(cap + timedelta(seconds=rnd.randrange(-600, 3 * 86400)))
        if rnd.random() < 0.1:
            calls.append(now + timedelta(minutes=rnd.randint(1, 60)))  # after the moment: ignored
        p["calls"] = calls
        people.append(p)
        acts += [
            dict(client_id=cid, type="call", outcome=rnd.choice(["no_answer", "conversation"]), at=at)
            for at in calls
        ]
        acts.append(dict(client_id=cid, type="email", outcome="sent", at=cap))  # not a call
    with write(w.engine) as conn:
        for p in people:
            conn.execute(
                update(schema.client)
                .where(schema.client.c.id == p["id"])
                .values(created_at=p["cap"], manager_id=w.rep[p["rep"]] if p["rep"] else None)
            )
        for p in people[3:6]:  # merged away: out of every metric
            p["merged"] = True
            conn.execute(
                update(schema.client)
                .where(schema.client.c.id == p["id"])
                .values(merged_into_id=people[0]["id"])
            )
    for a in acts:
        a["rep_id"] = w.rep["ana"]
    w.add_activities(acts)
    return w, people


@contextmanager
def _computed() -> Iterator[None]:
    """``metrics sla`` with the stored counts switched off (their reader answering None)."""
    from leadctl.services.metrics import speed_store

    real = speed_store.stored_sla
    speed_store.stored_sla = lambda *a, **k: None  # type: ignore[assignment]
    try:
        yield
    finally:
        speed_store.stored_sla = real  # type: ignore[assignment]


def _expected(
    people: list[dict[str, Any]], by: str, emails: dict[str, str], t: datetime = T
) -> list[dict[str, Any]]:
    now = t + (NOW - T)
    clock = clock_from_rules(RULES)
    clock.day_rows(t - timedelta(days=2), now + timedelta(days=2))  # one origin for every B below
    zone = ZoneInfo(RULES.business_hours.timezone)
    allowed = RULES.sla.first_contact.minutes * 60
    now_b = clock.b(now)
    groups: dict[Any, list[tuple[bool, bool, int | None]]] = defaultdict(list)
    for p in people:
        if p["merged"] or p["cap"] > now:
            continue
        cap = p["cap"]
        calls = [c for c in p["calls"] if c <= now]
        cap_b = clock.b(cap)
        used = clock.b(min(calls)) - cap_b if calls else now_b - cap_b
        local = cap.astimezone(zone)  # the hour and weekday on the local wall clock
        key: Any = {
            "rep": emails[p["rep"]] if p["rep"] else "(unassigned)",
            "campaign": p["campaign"],
            "hour": local.hour,
            "weekday": WEEKDAYS[local.weekday()],
        }[by]
        groups[key].append((bool(calls) and used <= allowed, used > allowed, used if calls else None))
    rows = []
    for key in sorted(groups, key=lambda k: WEEKDAYS.index(k) if by == "weekday" else k):
        g = groups[key]
        met, breached = sum(m for m, _, _ in g), sum(b for _, b, _ in g)
        used_all = [u for _, _, u in g if u is not None]
        rows.append(
            {
                by: key,
                "clients": len(g),
                "met": met,
                "breached": breached,
                "running": len(g) - met - breached,
                "compliance": round(met / (met + breached), 4) if met + breached else None,
                "avg_business_min": round(sum(used_all) / len(used_all) / 60, 1) if used_all else None,
            }
        )
    return rows


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("t", STARTS, ids=["winter", "summer", "spring-forward", "fall-back"])
def test_sla_rows_equal_a_per_client_computation(db_url: str, seed: int, t: datetime) -> None:
    w, people = _world(db_url, seed, t)
    now = t + (NOW - T)
    emails = {k: f"{k}@example.com" for k in ("ana", "bo")}
    assert {"rep", "campaign", "hour", "weekday"} <= set(GROUPINGS)
    for by in ("rep", "campaign", "hour", "weekday"):
        got = sla_rows(w.engine, by=by, rules=RULES, at=now)
        assert got == _expected(people, by, emails, t), by
        with _computed():  # the per-client computation, not the stored counts, gives the same
            assert sla_rows(w.engine, by=by, rules=RULES, at=now) == got, by
    assert sum(r["clients"] for r in sla_rows(w.engine, by="rep", rules=RULES, at=now)) == 70 - 4
