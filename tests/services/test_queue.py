"""The rep's queue on both backends: seed 1's tier order, exclusions with why and when, the retry
share, recycling, --at, and `next` leases with the claim-time re-check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from leadctl.errors import InputError
from leadctl.rules import load_rules
from leadctl.services.work import calling as calling_mod
from leadctl.services.work import dialer, queue
from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from leadctl.vocab import EventKind
from tests.services.queue_factory import ALWAYS, NOW, world


@pytest.fixture(autouse=True)
def _oldest_capture_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about tiers, exclusions and leases: within a tier, the oldest capture first
    (the dynamic priority has its own test below)."""
    monkeypatch.setattr(queue, "PRIORITIES", queue.by_capture)


def test_within_a_tier_the_dynamic_priority_decides(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "PRIORITIES", queue.by_priority)
    w = world(open_engine(db_url))
    older = w.client("ana", stage="attempted", created=NOW - timedelta(days=2))
    hot = w.client("ana", stage="attempted", created=NOW - timedelta(days=1))
    w.act(hot, "intent", "pricing_visit", NOW - timedelta(hours=1), rep=None)  # real-time intent
    res = queue.queue(w.engine, load_rules(None), "ana@example.com", limit=0, at=NOW)
    rows = {r["client_id"]: r for r in res.rows}
    assert rows[hot]["tier"] == rows[older]["tier"]
    assert [r["client_id"] for r in res.rows].index(hot) < [r["client_id"] for r in res.rows].index(older)
    assert rows[hot]["priority"] > rows[older]["priority"] and rows[hot]["components"]["intent"] > 0


def test_tiers_follow_the_daily_order_of_work_and_exclusions_say_why(db_url: str) -> None:
    w = world(open_engine(db_url))
    booked_long_ago = NOW - timedelta(days=12)
    c = {}
    c["call"] = w.client("ana", stage="appointment")
    w.act(c["call"], "meeting", "booked", booked_long_ago, meeting_at=NOW + timedelta(hours=2))
    c["email"] = w.client("ana", stage="appointment")
    w.act(c["email"], "meeting", "booked", NOW - timedelta(days=1), meeting_at=NOW + timedelta(hours=20))
    c["week"] = w.client("ana", stage="appointment")
    w.act(c["week"], "meeting", "booked", booked_long_ago, meeting_at=NOW + timedelta(days=2))  # Friday
    confirmed = w.client("ana", stage="appointment")
    w.act(confirmed, "meeting", "booked", booked_long_ago, meeting_at=NOW + timedelta(hours=2))
    w.act(confirmed, "meeting", "confirmed", NOW - timedelta(hours=5))
    c["callback"] = w.client("ana", stage="engaged")
    w.act(
        c["callback"],
        "disposition",
        "callback",
        NOW - timedelta(days=2),
        callback_at=NOW + timedelta(hours=3),
    )
    c["engaged"] = w.client("ana", stage="engaged")
    c["attempted"] = w.client("ana", stage="attempted")
    c["researched"] = w.client("ana")
    w.act(c["researched"], "email", "sent", NOW - timedelta(days=3))
    c["new"] = w.client("ana")
    cooling = w.client("ana")
    w.act(cooling, "call", "conversation", NOW - timedelta(hours=1), rep="bo")  # another rep called
    early = w.client("ana", zone="America/Los_Angeles", state="CA")  # 07:00 there
    pool = w.client(None)  # the shared pool: unassigned, same campaign
    others = w.client("bo")  # another rep's client: never in ana's queue

    res = queue.queue(w.engine, load_rules(None), "ana@example.com", limit=0, at=NOW)
    order = [r["client_id"] for r in res.rows]
    assert order == [*c.values(), pool]
    assert [r["tier"] for r in res.rows] == [
        "appointment_call", "appointment_email", "appointment_week", "callback_due", "engaged", "attempted",
        "researched", "new", "new",
    ]  # fmt: skip
    assert [r["action"] for r in res.rows][:3] == ["call", "email", "email"]
    assert "meeting in 2.0 h" in res.rows[0]["why"]
    assert res.rows[0]["local_time"] == "2026-03-04T10:00-05:00"
    blocked = {b["client_id"]: b for b in res.blocked}
    assert blocked[cooling]["blocked"] == "cooldown"
    assert blocked[cooling]["callable_at"] == NOW + timedelta(hours=3)
    assert blocked[early]["blocked"] == "calling_window"
    assert blocked[early]["callable_at"] == NOW + timedelta(hours=1)  # 08:00 in Los Angeles
    assert confirmed not in order and confirmed not in blocked and others not in order
    assert "not now: 1 cooldown, 1 calling window" in res.summary()
    # --at: three hours later Los Angeles is open and the cooldown is over
    later = queue.queue(w.engine, load_rules(None), "ana@example.com", limit=0, at=NOW + timedelta(hours=3))
    assert {cooling, early} <= {r["client_id"] for r in later.rows}


def test_retry_share_and_recycling(db_url: str, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "queue:\n  retry_share: 0.3\n  max_attempts: 3\n  retry_after_hours: 3\n", encoding="utf-8"
    )
    rules = load_rules(rules_file)
    w = world(open_engine(db_url))
    retries = [w.client("ana", stage="attempted") for _ in range(8)]
    for cid in retries:
        w.act(cid, "call", "no_answer", NOW - timedelta(days=1), verified_dial=True)
    fresh = [w.client("ana") for _ in range(8)]
    exhausted = w.client("ana", stage="attempted")
    for h in (30, 40, 50):
        w.act(exhausted, "call", "no_answer", NOW - timedelta(hours=h))
    # called 20:30 last night in New York: 0.5 calling hours then, 2.5 more from 08:00 -> 10:30 EST
    overnight = w.client("ana", stage="attempted")
    w.act(overnight, "call", "voicemail", NOW - timedelta(hours=13, minutes=30))
    res = queue.queue(w.engine, rules, "ana", limit=10, at=NOW)
    ids = [r["client_id"] for r in res.rows]
    assert len(ids) == 10
    assert sum(r["retry"] for r in res.rows) == 3  # 30% of the slots, though retries rank first
    assert ids[:3] == retries[:3] and ids[3:] == fresh[:7]
    blocked = {b["client_id"]: b for b in res.blocked}
    assert blocked[exhausted]["blocked"] == "max_attempts"
    assert blocked[overnight]["blocked"] == "retry_delay"
    assert blocked[overnight]["callable_at"] == NOW + timedelta(minutes=30)  # not 20:30 + 3 h = 23:30
    all_rows = queue.queue(w.engine, rules, "ana", limit=0, at=NOW)
    assert len(all_rows.rows) == 16  # with nothing else waiting, the deferred retries fill the rest


def test_next_leases_one_client_and_rechecks_at_claim_time(db_url: str, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("queue:\n  lease_seconds: 60\n", encoding="utf-8")
    rules = load_rules(rules_file)
    w = world(open_engine(db_url))
    a, b = w.client("ana"), w.client("ana")
    cooling = w.client("ana")
    w.act(cooling, "call", "conversation", NOW - timedelta(hours=1), rep="bo")
    with freeze_time(NOW):
        first = dialer.claim_next(w.engine, rules, "ana")
        second = dialer.claim_next(w.engine, rules, "ana@example.com")
        assert first.record is not None and second.record is not None
        assert (first.record["client_id"], second.record["client_id"]) == (a, b)
        assert first.record["dial"].startswith("+1212555") and first.record["timezone"] == "America/New_York"
        assert first.record["lease_until"] == NOW + timedelta(seconds=60)
        assert first.record["tier"] == "new"
        none_left = dialer.claim_next(w.engine, rules, "ana")
        assert none_left.record is None and "nothing to call" in none_left.message
        refused = dialer.claim_next(w.engine, rules, "ana", client_id=cooling)
        assert refused.record is None
        assert refused.refused[0]["reason"] == "cooldown"
    with freeze_time(NOW + timedelta(seconds=61)):  # the leases expired: reclaimable
        again = dialer.claim_next(w.engine, rules, "ana")
        assert again.record is not None and again.record["client_id"] == a
    E = schema.lead_event
    with w.engine.connect() as conn:
        kinds = conn.execute(select(E.c.kind, E.c.client_id, E.c.data).order_by(E.c.id)).all()
    claimed = [(cid, d["tier"]) for k, cid, d in kinds if k == EventKind.CLAIMED]
    assert claimed == [(a, "new"), (b, "new"), (a, "new")]
    blocked = [(cid, d["reason"], d["until"]) for k, cid, d in kinds if k == EventKind.CALL_BLOCKED]
    assert blocked == [(cooling, "cooldown", (NOW + timedelta(hours=3)).isoformat())]


def test_next_refuses_a_client_of_another_rep(db_url: str) -> None:
    w = world(open_engine(db_url))
    theirs = w.client("bo")
    with freeze_time(NOW), pytest.raises(InputError, match="assigned to another rep"):
        dialer.claim_next(w.engine, load_rules(None), "ana", client_id=theirs)


def test_queue_always_rules_file_is_valid(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(ALWAYS, encoding="utf-8")
    assert load_rules(p).calling.default.days[6] == (0, 24 * 60)
    rules = load_rules(p)
    clock = calling_mod.Clock(rules, NOW)
    night = NOW.replace(hour=8)  # 03:00 in New York
    for region in ({"state": "NY", "country": "US"}, {"state": "FL", "country": "US"}):
        row = {"timezone": "America/New_York", "timezone_candidates": None, **region}
        zones, policy = calling_mod.context(rules, clock, row)
        assert clock.allowed_at(zones, policy, night)


def test_the_queue_scores_lazily_but_ranks_exactly_as_full_scoring(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a limit, SLA urgency (the dear component) is computed only for clients that can still
    reach the top of their tier; the rows (order, priorities, components) are exactly those of
    scoring every client."""
    import random

    from leadctl.services.work import scoring

    monkeypatch.setattr(queue, "PRIORITIES", queue.by_priority)
    rng = random.Random(7)
    w = world(open_engine(db_url))
    titles = ["VP Sales", "Manager", "Intern", None]
    for _i in range(60):
        stage = rng.choice(["untouched", "attempted", "engaged"])
        created = NOW - timedelta(hours=rng.randint(0, 24 * 40))
        cid = w.client("ana", stage=stage, created=created, title=rng.choice(titles))
        if rng.random() < 0.3:
            w.act(
                cid,
                "intent",
                rng.choice(["pricing_visit", "demo_request"]),
                NOW - timedelta(hours=rng.randint(1, 90)),
                rep=None,
            )
        if stage != "untouched" and rng.random() < 0.5:
            w.act(cid, "call", "conversation", NOW - timedelta(hours=rng.randint(5, 300)))
    rules = load_rules(None)
    lazy_calls: list[int] = []
    real = scoring.COMPONENTS["sla_urgency"]

    def counted(f: scoring.Facts) -> dict[int, float]:
        lazy_calls.append(len(f.client_ids))
        return real(f)

    monkeypatch.setitem(scoring.COMPONENTS, "sla_urgency", counted)
    for limit in (1, 3, 10, 25):
        lazy_calls.clear()
        got = queue.queue(w.engine, rules, "ana@example.com", limit=limit, at=NOW)
        scored_lazily = sum(lazy_calls)
        full = queue.queue(
            w.engine,
            rules,
            "ana@example.com",
            limit=limit,
            at=NOW,
            priorities=lambda *a: queue.by_priority(*a),
        )
        assert [(r["client_id"], r["priority"], r["components"]) for r in got.rows] == [
            (r["client_id"], r["priority"], r["components"]) for r in full.rows
        ]
        assert len(got.rows) == limit
        if limit == 1:
            assert scored_lazily < 60  # the bound spared some clients the SLA computation


@pytest.mark.parametrize("after", ["nurture", "leave"])
def test_the_last_unanswered_attempt_recycles_the_client(db_url: str, tmp_path: Path, after: str) -> None:
    """queue.after_max_attempts is acted on when the max-th unanswered call is logged: nurture puts
    the client on the rep's Nurture list, leave ends the assignment; either way it is out of the
    rep's queue. A re-import of the same calls adds nothing and recycles nothing again."""
    from leadctl.services.work import activities, lists

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        ALWAYS + f"queue:\n  max_attempts: 3\n  after_max_attempts: {after}\n", encoding="utf-8"
    )
    rules = load_rules(rules_file)
    w = world(open_engine(db_url))
    cid = w.client("ana", stage="attempted")
    other = w.client("ana", stage="attempted")
    with freeze_time(NOW):
        for h in (50, 40):
            activities.log_activity(w.engine, rules, client=cid, rep="ana@example.com", type="call",
                                    outcome="no_answer", at=NOW - timedelta(hours=h), verified_dial=True)  # fmt: skip
        activities.log_activity(w.engine, rules, client=other, rep="ana@example.com", type="call",
                                outcome="no_answer", at=NOW - timedelta(hours=30), verified_dial=True)  # fmt: skip
        assert [b for b in queue.queue(w.engine, rules, "ana", limit=0, at=NOW).rows if b["client_id"] == cid]
        nurture = lists.show(w.engine, rules, "ana@example.com", "Nurture").rows
        assert nurture == []
        activities.log_activity(w.engine, rules, client=cid, rep="ana@example.com", type="call",
                                outcome="voicemail", at=NOW - timedelta(hours=30), verified_dial=True)  # fmt: skip
        again = activities.log_activity(w.engine, rules, client=cid, rep="ana@example.com", type="call",
                                        outcome="voicemail", at=NOW - timedelta(hours=30), verified_dial=True)  # fmt: skip
        assert again["recorded"] is False
        res = queue.queue(w.engine, rules, "ana", limit=0, at=NOW)
    assert cid not in [r["client_id"] for r in res.rows] and other in [r["client_id"] for r in res.rows]
    nurture = lists.show(w.engine, rules, "ana@example.com", "Nurture").rows
    with w.engine.connect() as conn:
        manager = conn.execute(
            select(schema.client.c.manager_id).where(schema.client.c.id == cid)
        ).scalar_one()
        ended = conn.execute(
            select(schema.assignment.c.ended_reason).where(schema.assignment.c.client_id == cid)
        ).scalar_one()
        dispositions = (
            conn.execute(
                select(schema.activity.c.outcome).where(
                    schema.activity.c.client_id == cid, schema.activity.c.type == "disposition"
                )
            )
            .scalars()
            .all()
        )
    if after == "nurture":
        assert [r["client_id"] for r in nurture] == [cid]
        assert manager == w.rep["ana"] and ended is None
        assert dispositions == ["nurture"]
    else:
        assert nurture == [] and dispositions == []
        assert manager is None and ended == "max_attempts"


def test_a_client_worked_to_its_last_attempt_is_not_assigned_again(db_url: str, tmp_path: Path) -> None:
    """after_max_attempts: leave takes the client out for good: the next `assign` (cron) hands
    out the campaign's other unassigned clients but not this one, so it does not sit in another
    rep's book where no queue would ever list it; `reassign --client` still can."""
    from leadctl.services.assign import campaign_run, manual
    from leadctl.services.work import activities

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        ALWAYS + "queue:\n  max_attempts: 2\n  after_max_attempts: leave\n", encoding="utf-8"
    )
    rules = load_rules(rules_file)
    w = world(open_engine(db_url))
    worked = w.client("ana", stage="attempted")
    fresh = w.client(None)
    with freeze_time(NOW):
        for h in (50, 40):
            activities.log_activity(w.engine, rules, client=worked, rep="ana@example.com", type="call",
                                    outcome="no_answer", at=NOW - timedelta(hours=h), verified_dial=True)  # fmt: skip
        campaign_run.run(w.engine, rules, "C", seed=1)

    def holder(cid: int) -> int | None:
        with w.engine.connect() as conn:
            A = schema.assignment
            q = select(A.c.rep_id).where(A.c.client_id == cid, A.c.ended_at.is_(None))
            return conn.execute(q).scalar_one_or_none()

    assert holder(fresh) is not None
    assert holder(worked) is None
    with freeze_time(NOW):
        manual.reassign(w.engine, "bo@example.com", client_ids=[worked])
    assert holder(worked) == w.rep["bo"]
