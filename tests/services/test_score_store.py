"""The stored static score (``client_score``) on both backends: the queue that reads by its bound
ranks exactly as scoring every client, and the stored rows follow every writer of what they
depend on (activities, client fields, lead source, the rules) or are never trusted."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from leadctl.rules import load_rules
from leadctl.services.work import activities, dialer, queue, score_store
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from tests.services.queue_factory import ALWAYS, NOW, world

S = schema.client_score


@pytest.fixture(autouse=True)
def _by_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "PRIORITIES", queue.by_priority)


def _reference(w: Any, rules: Any, limit: int) -> list[tuple[int, float, dict[str, Any]]]:
    """Every client scored and ordered (limit 0, a priority function other than the default),
    then the first ``limit`` rows taken with the retry share as the queue does."""
    every = queue.queue(w.engine, rules, "ana", limit=0, at=NOW, priorities=lambda *a: queue.by_priority(*a))
    cap = queue._retry_cap(limit, rules.queue.retry_share)
    taken: list[dict[str, Any]] = []
    deferred: list[dict[str, Any]] = []
    retries = 0
    for r in every.rows:
        if len(taken) >= limit:
            break
        if r["retry"]:
            if retries >= cap:
                deferred.append(r)
                continue
            retries += 1
        taken.append(r)
    taken += deferred[: max(limit - len(taken), 0)]
    order = {r["client_id"]: i for i, r in enumerate(every.rows)}
    taken.sort(key=lambda r: order[r["client_id"]])
    return [(r["client_id"], r["priority"], r["components"]) for r in taken]


def _book(w: Any, n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    titles = ["VP Sales", "Manager", "Intern", None]
    ids = []
    for _i in range(n):
        stage = rng.choice(["untouched", "attempted", "engaged", "engaged"])
        created = NOW - timedelta(hours=rng.randint(0, 24 * 40))
        cid = w.client("ana", stage=stage, created=created, title=rng.choice(titles))
        if rng.random() < 0.3:
            kind = rng.choice(["pricing_visit", "demo_request"])
            w.act(cid, "intent", kind, NOW - timedelta(hours=rng.randint(1, 90)), rep=None)
        if stage != "untouched" and rng.random() < 0.6:
            w.act(
                cid,
                "call",
                rng.choice(["conversation", "no_answer"]),
                NOW - timedelta(hours=rng.randint(5, 300)),
            )
        if stage == "engaged" and rng.random() < 0.5:  # a callback, due today or already done
            w.act(cid, "disposition", "callback", NOW - timedelta(hours=rng.randint(2, 30)),
                  callback_at=NOW - timedelta(hours=rng.randint(0, 10)))  # fmt: skip
        ids.append(cid)
    return ids


@pytest.mark.parametrize("stored", [True, False])
def test_the_bounded_queue_ranks_exactly_as_scoring_every_client(db_url: str, stored: bool) -> None:
    """With current stored scores (the queue reads by bound and stops early) and without any
    (every client unbounded): the rows, priorities and components of scoring every client."""
    w = world(open_engine(db_url))
    _book(w, 80, seed=11)
    rules = load_rules(None)
    if stored:
        assert score_store.refresh_all(w.engine, rules) == 80
    for limit in (1, 3, 10, 25, 60):
        got = queue.queue(w.engine, rules, "ana", limit=limit, at=NOW)
        assert [(r["client_id"], r["priority"], r["components"]) for r in got.rows] == _reference(
            w, rules, limit
        )
        assert (got.stale == []) is stored
    if stored:  # the bound spared some of the book
        assert queue.queue(w.engine, rules, "ana", limit=1, at=NOW).considered < 80


def test_paired_segments_keep_the_pool_limit_of_each_segment(db_url: str, tmp_path: Path) -> None:
    """The two segments of a stage are read in one statement (``queue_read.segment_pair``); the
    shared pool still gives each its own oldest ``pool_candidates``, so the rows are those of
    reading the segments apart (the unpruned path) — here the new pool clients would be crowded
    out by the older worked-on ones if the limit covered the stage."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("queue:\n  pool_candidates: 2\n", encoding="utf-8")
    rules = load_rules(rules_file)
    w = world(open_engine(db_url))
    _book(w, 20, seed=5)
    for i in range(4):  # the pool: untouched worked on (older) and new; engaged with and without a callback
        worked = w.client(None, created=NOW - timedelta(days=20 - i))
        w.act(worked, "email", "sent", NOW - timedelta(days=2), rep=None)
        w.client(None, created=NOW - timedelta(days=10 - i))
        cb = w.client(None, stage="engaged", created=NOW - timedelta(days=15 - i))
        w.act(cb, "disposition", "callback", NOW - timedelta(hours=3), callback_at=NOW - timedelta(hours=1))
        w.client(None, stage="engaged", created=NOW - timedelta(days=5 - i))
    assert score_store.refresh_all(w.engine, rules) == 36
    for limit in (5, 40):
        got = queue.queue(w.engine, rules, "ana", limit=limit, at=NOW)
        assert [(r["client_id"], r["priority"], r["components"]) for r in got.rows] == _reference(
            w, rules, limit
        )
    assert len(queue.queue(w.engine, rules, "ana", limit=40, at=NOW).rows) == 20 + 4 * 2


def test_the_engaged_tier_spanning_two_segments_is_ranked_by_priority(db_url: str) -> None:
    """An engaged client whose callback is done is read with the callback segment but ranks as
    engaged: a hotter engaged client without a callback still comes before it (the queue used to
    stop after the callback segment once it had counted enough rows)."""
    w = world(open_engine(db_url))
    done = w.client("ana", stage="engaged", created=NOW - timedelta(days=30))
    w.act(done, "disposition", "callback", NOW - timedelta(hours=12), callback_at=NOW - timedelta(hours=10))
    w.act(done, "call", "conversation", NOW - timedelta(hours=6))  # the callback made
    hot = w.client("ana", stage="engaged", created=NOW - timedelta(days=1), title="VP Sales")
    w.act(hot, "intent", "demo_request", NOW - timedelta(hours=1), rep=None)
    w.act(hot, "call", "conversation", NOW - timedelta(hours=5))
    rules = load_rules(None)
    for refresh in (False, True):
        if refresh:
            score_store.refresh_all(w.engine, rules)
        rows = queue.queue(w.engine, rules, "ana", limit=1, at=NOW).rows
        assert [(r["client_id"], r["tier"]) for r in rows] == [(hot, "engaged")]


def _row(w: Any, cid: int) -> dict[str, Any] | None:
    with w.engine.connect() as conn:
        r = conn.execute(select(S).where(S.c.client_id == cid)).mappings().first()
    return dict(r) if r else None


def _current(w: Any, rules: Any, cid: int) -> bool:
    """Whether the queue trusts the client's stored row (its bound is finite)."""
    res = queue.queue(w.engine, rules, "ana", limit=50, at=NOW)
    return cid not in res.stale


def test_the_stored_score_follows_every_writer(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(open_engine(db_url))
    a = w.client("ana", stage="attempted", title="Intern")
    b = w.client("ana", stage="attempted")
    rules = load_rules(None)
    score_store.refresh_all(w.engine, rules)
    row = _row(w, a)
    assert row is not None and row["static"] == 5.0 and row["engaged_s"] is None  # home market only
    assert _current(w, rules, a)

    # activity log: the row is rescored in the same transaction (a reply: +15, engaged now)
    at = NOW - timedelta(hours=2)
    activities.log_activity(
        w.engine, rules, client=a, rep="ana@example.com", type="email", outcome="replied", at=at
    )
    row = _row(w, a)
    assert row is not None and row["static"] == 20.0 and row["engaged_s"] == at.timestamp()
    assert _current(w, rules, a)

    # a large import only drops its clients' rows (rescored later), never leaves them wrong
    monkeypatch.setattr(score_store, "REFRESH_INLINE", 0)
    activities.log_activity(
        w.engine, rules, client=b, rep="ana@example.com", type="email", outcome="clicked", at=at
    )
    assert _row(w, b) is None and not _current(w, rules, b)
    monkeypatch.setattr(score_store, "REFRESH_INLINE", 1000)

    # a writer of the client's fields stamps updated_at: the row is stale until rescored
    with write(w.engine) as conn:
        conn.execute(
            update(schema.client).where(schema.client.c.id == a).values(title="VP Sales", updated_at=NOW)
        )
    assert not _current(w, rules, a)
    # ... and the time zone refresh stamps it too
    score_store.refresh_all(w.engine, rules)
    with write(w.engine) as conn:
        conn.execute(update(schema.client).where(schema.client.c.id == a).values(timezone="Europe/Paris"))
    from leadctl.services.work import timezones

    assert timezones.refresh(w.engine)["changed"] >= 1
    assert not _current(w, rules, a)

    # `next` rescoring what it read without a current row
    always = tmp_path / "always.yaml"
    always.write_text(ALWAYS, encoding="utf-8")
    dialer.claim_next(w.engine, load_rules(always), "ana")
    row = _row(w, a)
    assert row is not None and row["static"] == 45.0  # VP +25, home market +5, replied +15
    assert _current(w, load_rules(always), a)

    # other scoring rules: nothing stored under the old ones is trusted
    other = tmp_path / "rules.yaml"
    other.write_text(
        "scoring:\n  fit:\n    - {field: title, matches: Intern, points: 50}\n", encoding="utf-8"
    )
    assert not _current(w, load_rules(other), a)


def test_a_lead_source_change_makes_the_row_stale(db_url: str) -> None:
    """The source condition reads the origin lead's source (else its bucket's), which a lead fix
    or a bucket edit changes without touching the client: compared live."""
    from sqlalchemy import insert

    w = world(open_engine(db_url))
    cid = w.client("ana", stage="attempted")
    L, B = schema.lead, schema.bucket
    with write(w.engine) as conn:
        camp = w.campaign["C"]
        bucket_id = conn.execute(
            insert(B)
            .values(name="b", label="B", campaign_id=camp, source="referral", created_at=NOW, updated_at=NOW)
            .returning(B.c.id)  # fmt: skip
        ).scalar_one()
        lead_id = conn.execute(
            insert(L)
            .values(
                bucket_id=bucket_id,
                campaign_id=camp,
                row_hash="h",
                reasons=[],
                registered_at=NOW,
                custom={},
                raw={},
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(L.c.id)  # fmt: skip
        ).scalar_one()
        conn.execute(update(schema.client).where(schema.client.c.id == cid).values(origin_lead_id=lead_id))
    rules = load_rules(None)
    score_store.refresh_all(w.engine, rules)
    assert _current(w, rules, cid)
    assert _row(w, cid)["source"] == "referral"  # type: ignore[index]  # the bucket's
    with write(w.engine) as conn:
        conn.execute(update(L).where(L.c.id == lead_id).values(source="trade show"))
    assert not _current(w, rules, cid)  # a lead fix
    score_store.refresh_all(w.engine, rules)
    assert _current(w, rules, cid)
    with write(w.engine) as conn:
        conn.execute(update(L).where(L.c.id == lead_id).values(source=None))
    assert not _current(w, rules, cid)  # back to the bucket's source


def test_count_conditions_that_may_lose_points_disable_the_bound(tmp_path: Path) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("scoring:\n  behaviour:\n    - {field: calls, at_most: 2, points: 5}\n", encoding="utf-8")
    assert score_store.usable(load_rules(None))
    assert not score_store.usable(load_rules(f))  # fewer calls at an earlier --at: more points
