"""`metrics sla` on generated data equals a per-client computation in Python, on both backends.

Random captures (to the microsecond) over two January weeks, random reps (some clients
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


def _world(db_url: str, seed: int) -> tuple[World, list[dict[str, Any]]]:
    rnd = random.Random(seed)
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
        cap = NOW + timedelta(hours=2) if late else T + timedelta(seconds=rnd.randrange(11 * 86400))
        cap += timedelta(microseconds=rnd.randrange(1_000_000))
        rep = rnd.choice(["ana", "bo", None])
        p: dict[str, Any] = {"id": cid, "campaign": camp, "cap": cap, "rep": rep, "merged": False}
        calls = []
        if rnd.random() < 0.75:
            for _ in range(rnd.randint(1, 3)):
                calls.append(cap + timedelta(seconds=rnd.randrange(-600, 3 * 86400)))
        if rnd.random() < 0.1:
            calls.append(NOW + timedelta(minutes=rnd.randint(1, 60)))  # after the moment: ignored
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


def _expected(people: list[dict[str, Any]], by: str, emails: dict[str, str]) -> list[dict[str, Any]]:
    clock = clock_from_rules(RULES)
    clock.day_rows(T - timedelta(days=2), NOW + timedelta(days=2))  # one origin for every B below
    zone = ZoneInfo(RULES.business_hours.timezone)
    allowed = RULES.sla.first_contact.minutes * 60
    now_b = clock.b(NOW)
    groups: dict[Any, list[tuple[bool, bool, int | None]]] = defaultdict(list)
    for p in people:
        if p["merged"] or p["cap"] > NOW:
            continue
        cap = p["cap"]
        calls = [c for c in p["calls"] if c <= NOW]
        cap_b = clock.b(cap)
        used = clock.b(min(calls)) - cap_b if calls else now_b - cap_b
        local = cap.astimezone(zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        key: Any = {
            "rep": emails[p["rep"]] if p["rep"] else "(unassigned)",
            "campaign": p["campaign"],
            "hour": int((cap - midnight).total_seconds() // 3600),
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
def test_sla_rows_equal_a_per_client_computation(db_url: str, seed: int) -> None:
    w, people = _world(db_url, seed)
    emails = {k: f"{k}@example.com" for k in ("ana", "bo")}
    assert {"rep", "campaign", "hour", "weekday"} <= set(GROUPINGS)
    for by in ("rep", "campaign", "hour", "weekday"):
        got = sla_rows(w.engine, by=by, rules=RULES, at=NOW)
        assert got == _expected(people, by, emails), by
    assert sum(r["clients"] for r in sla_rows(w.engine, by="rep", rules=RULES, at=NOW)) == 70 - 4
