"""`metrics reps` reads rep_activity_day for whole UTC days and the activities only at the
period's edges: on random activities written the way writers write them (rolled up in several
batches), its table equals a from-scratch computation over the activities, on both backends,
for periods that start and end mid-day, on midnights, inside one day, and unbounded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import pytest

from leadctl.rules import load_rules
from leadctl.services.metrics.common import Scope, ratio
from leadctl.services.metrics.reps import rep_metrics
from leadctl.storage.engine import open_engine
from tests.services.assign_factory import World

NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
CALENDAR = load_rules(None).calendar
KINDS = [
    ("call", "no_answer"),
    ("call", "voicemail"),
    ("call", "conversation"),
    ("email", "sent"),
    ("meeting", "booked"),
    ("meeting", "held_qualified"),
    ("meeting", "held_unqualified"),
    ("disposition", "callback"),
]


def _random_world(db_url: str, seed: int) -> tuple[World, list[dict[str, Any]]]:
    rnd = random.Random(seed)
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("Other")
    for key in ("ana", "ben", "cat"):
        w.add_rep(key, campaigns=["C", "Other"])
    clients = w.add_clients("C", 12)
    reps = [w.rep["ana"], w.rep["ben"], w.rep["cat"], None]
    rows: list[dict[str, Any]] = []
    for _ in range(240):
        typ, outcome = rnd.choice(KINDS)
        at = NOW - timedelta(minutes=rnd.randrange(0, 9 * 24 * 60))
        row: dict[str, Any] = dict(
            client_id=rnd.choice(clients),
            rep_id=rnd.choice(reps),
            type=typ,
            outcome=outcome,
            at=at,
            campaign_id=w.campaign[rnd.choice(("C", "C", "Other"))],
            meeting_at=at + timedelta(hours=rnd.randrange(-5, 72)) if outcome == "booked" else None,
        )
        rows.append(row)
    for i in range(0, len(rows), 60):  # several writers' batches: PostgreSQL's deltas, SQLite's updates
        w.add_activities(rows[i : i + 60])
    return w, rows


def _truth(
    rows: list[dict[str, Any]],
    reps: dict[int, str],
    since: datetime | None,
    until: datetime | None,
    camp: int | None,
) -> dict[str, dict[str, Any]]:
    def mine(r: dict[str, Any]) -> bool:
        return r["rep_id"] is not None and (camp is None or r["campaign_id"] == camp)

    def inside(r: dict[str, Any]) -> bool:
        return mine(r) and (since is None or r["at"] >= since) and (until is None or r["at"] <= until)

    out: dict[str, dict[str, Any]] = {}
    for rid, email in reps.items():
        acts = [r for r in rows if inside(r) and r["rep_id"] == rid]
        calls = [r for r in acts if r["type"] == "call"]
        convs = sum(r["outcome"] == "conversation" for r in calls)
        booked = [r for r in acts if r["outcome"] == "booked"]
        past = [r for r in booked if (r.get("meeting_at") or r["at"]) <= NOW]
        held = [
            b
            for b in past
            if any(
                r["client_id"] == b["client_id"] and r["outcome"].startswith("held_") and r["at"] >= b["at"]
                for r in rows
            )
        ]
        gaps: list[float] = []
        for client in {r["client_id"] for r in acts}:
            times = sorted(
                r["at"] for r in acts if r["client_id"] == client and r["type"] in ("call", "email")
            )
            gaps += [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        earlier = [
            r["at"] for r in rows if mine(r) and r["rep_id"] == rid and (until is None or r["at"] <= until)
        ]
        out[email] = {
            "calls": len(calls),
            "conversations": convs,
            "meetings": len(booked),
            "hold_rate": ratio(len(held), len(past)),
            "attempts_per_client": ratio(len(calls), len({r["client_id"] for r in calls}), 2),
            "median_touch_gap_hours": round(median(gaps) / 3600, 2) if gaps else None,
            "last_active_at": max(earlier) if earlier else None,
        }
    return out


PERIODS = [
    (None, None),
    (
        NOW - timedelta(days=5, hours=7, minutes=13),
        NOW - timedelta(days=1, hours=2, minutes=41),
    ),  # mid-day edges
    (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC)),  # whole days
    (datetime(2026, 3, 8, 3, 0, tzinfo=UTC), datetime(2026, 3, 8, 21, 30, tzinfo=UTC)),  # inside one day
    (NOW - timedelta(days=3, hours=5), None),
    (None, NOW - timedelta(days=2, hours=3)),
]


@pytest.mark.parametrize("seed", [1, 2])
def test_reps_table_equals_a_from_scratch_computation(db_url: str, seed: int) -> None:
    w, rows = _random_world(db_url, seed)
    reps = {rid: f"{key}@example.com" for key, rid in w.rep.items()}
    keys = (
        "calls",
        "conversations",
        "meetings",
        "hold_rate",
        "attempts_per_client",
        "median_touch_gap_hours",
    )
    for since, until in PERIODS:
        for camp in (None, w.campaign["Other"]):
            scope = Scope(since, until, str(camp) if camp is not None else None)
            got = {r["rep"]: r for r in rep_metrics(w.engine, scope, CALENDAR, now=NOW)}
            want = _truth(rows, reps, since, until, camp)
            for email, expected in want.items():
                row = got[email]
                assert {k: row[k] for k in keys} == {k: expected[k] for k in keys}, (
                    since,
                    until,
                    camp,
                    email,
                )
                assert row["last_active_at"] == expected["last_active_at"], (since, until, camp, email)
    assert any(r["calls"] for r in got.values())  # the data set is not empty


@pytest.mark.parametrize("since", [None, NOW - timedelta(days=3)])
def test_reps_never_reads_a_whole_activity_type_on_sqlite_without_statistics(
    sqlite_url: str, since: datetime | None
) -> None:
    """SQLite keeps no statistics (leadctl never runs ANALYZE): offered ``type = 'call'`` as a
    bound value, its planner read every call from ``ix_activity_type_at_client_id`` and sorted
    them twice (temporary B-trees for the GROUP BY and the DISTINCT) to count the clients each
    rep called — every call of every rep, whatever the period. Every statement ``metrics reps``
    runs is planned here on the same database: none reads a type's whole range or sorts."""
    from tests.sqlite_plans import planned, unanalysed

    w, _acts = _random_world(sqlite_url, 4)
    assert unanalysed(w.engine, ("activity",))
    plans = planned(w.engine, lambda: rep_metrics(w.engine, Scope(since=since), CALENDAR, now=NOW))
    wrong = [
        s[:80]
        for s, lines in plans
        if any("ix_activity_type_at" in x or "count(DISTINCT)" in x for x in lines)
    ]
    assert len(plans) > 5 and wrong == []
