"""The stored funnel level (``client_fact.funnel_level``, migration 0024; ``client_funnel`` and
its trigger before) follows every writer of activities and equals a from-scratch computation;
``metrics funnel`` gives what a pass over every activity gives — read from the stored levels,
and from the activities when a writer bypassed ``facts.fold`` — on random data, on both
backends."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun import freeze_time
from sqlalchemy import func, insert, select, text

from leadctl.services.metrics import rollup
from leadctl.services.metrics.common import Scope
from leadctl.services.metrics.funnel import STEPS, funnel
from leadctl.services.work import facts
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import OUTCOMES_BY_TYPE, LeadStatus
from tests.conftest import Leadctl
from tests.report.world import NOW, at, build

ACT, C, L, A = schema.activity, schema.client, schema.lead, schema.assignment


def _check(engine: Any) -> dict[int, int]:
    with read(engine) as conn:
        stored, scratch = rollup.stored(conn), rollup.from_scratch(conn)
    assert stored == scratch
    return stored


def _reference_funnel(engine: Any, scope: Scope) -> dict[str, int]:
    """The funnel counted in Python from every lead, activity and assignment row."""
    with read(engine) as conn:
        levels: dict[int, int] = {}
        for cid, lvl in conn.execute(select(ACT.c.client_id, rollup.level_of())):
            levels[cid] = max(levels.get(cid, 0), int(lvl))
        ever = {cid for (cid,) in conn.execute(select(A.c.client_id))}
        leads = conn.execute(select(L.c.client_id, L.c.status, L.c.created_at)).all()
    counts = Counter[str]()
    for cid, status, created in leads:
        if (scope.since and created < scope.since) or (scope.until and created > scope.until):
            continue
        counts["leads"] += 1
        if status != LeadStatus.PROCESSED:
            continue
        counts["processed"] += 1
        level = levels.get(cid, 0)
        counts["assigned"] += level > 0 or cid in ever
        for n, step in enumerate(STEPS[3:], start=1):
            counts[step] += level >= n
    return {s: counts[s] for s in STEPS}


@freeze_time(NOW)
def test_rollup_follows_activity_log_import_and_raw_inserts(leadctl: Leadctl, tmp_path: Path) -> None:
    w = build(leadctl.db_url)
    engine = w.engine
    before = _check(engine)  # the fixture's raw INSERTs, then facts.rebuild (as the demo's bulk load)
    assert before[w.ids["C1"]] == rollup.QUALIFIED and w.ids["C7"] not in before
    c7, c6 = w.ids["C7"], w.ids["C6"]
    log = ["activity", "log", "--client", str(c7), "--rep", "ana@example.com"]
    leadctl(*log, "--type", "disposition", "--outcome", "nurture", "--at", "2026-03-14T10:00")
    assert c7 not in _check(engine)  # a disposition is no funnel step
    leadctl(*log, "--type", "call", "--outcome", "no_answer", "--at", "2026-03-14T11:00")
    assert _check(engine)[c7] == rollup.CONTACTED
    leadctl(*log, "--type", "meeting", "--outcome", "booked", "--at", "2026-03-14T12:00")
    assert _check(engine)[c7] == rollup.BOOKED
    leadctl(*log, "--type", "call", "--outcome", "conversation", "--at", "2026-03-14T13:00")
    assert _check(engine)[c7] == rollup.BOOKED  # never lowered by a lesser step later
    path = tmp_path / "dialer.csv"
    path.write_text(
        "Activity ID,At,Rep,Client ID,Type,Outcome\n"
        f"i-1,2026-03-14T14:00:00Z,cat@example.com,{c6},call,conversation\n"
        f"i-2,2026-03-14T15:00:00Z,cat@example.com,{c6},meeting,held_unqualified\n"
        f"i-3,2026-03-14T16:00:00Z,ana@example.com,{c7},meeting,held_qualified\n",
        encoding="utf-8",
    )
    leadctl("activity", "import", str(path))
    after = _check(engine)
    assert (after[c6], after[c7]) == (rollup.HELD, rollup.QUALIFIED)
    leadctl("activity", "import", str(path))  # a re-import adds nothing and changes nothing
    assert _check(engine) == after
    with write(engine) as conn:
        facts.rebuild(conn)  # the set-based rebuild agrees with the folds
    assert _check(engine) == after


def test_rollup_and_funnel_equal_a_from_scratch_computation_on_random_data(db_url: str) -> None:
    rng = random.Random(11)
    w = build(db_url)
    engine = w.engine
    with read(engine) as conn:
        clients = [cid for (cid,) in conn.execute(select(C.c.id))]
        reps = [w.ids["ana"], w.ids["ben"], w.ids["cat"]]
        campaign = w.ids["Outbound"]
    kinds = [(t, o) for t, outcomes in OUTCOMES_BY_TYPE.items() for o in outcomes]
    n = 0
    for batch in range(6):  # several statements, each with many rows and repeated clients
        rows = []
        for _ in range(rng.randint(1, 40)):
            n += 1
            t, o = rng.choice(kinds)
            when = at(2, 9) + timedelta(minutes=rng.randint(0, 20000))
            rows.append(
                dict(
                    activity_key=f"r{batch}-{n}",
                    client_id=rng.choice(clients),
                    rep_id=rng.choice(reps),
                    campaign_id=campaign,
                    type=t.value,
                    outcome=o.value,
                    at=when,
                    verified_dial=False,
                    source="random",
                    actor="test",
                    created_at=when,
                )
            )
        with write(engine) as conn:
            if batch % 2:
                conn.execute(insert(ACT), rows)  # executemany / insertmanyvalues
            else:
                conn.execute(insert(ACT).values(rows))  # one multi-row INSERT statement
        scopes = (Scope(), Scope(since=at(3, 0)), Scope(until=at(4, 0)))
        with read(engine) as conn:
            assert not facts.folded(conn)  # raw inserts bypass fold: the funnel reads the activities
        for scope in scopes:
            assert funnel(engine, scope) == [_reference_funnel(engine, scope)]
        with write(engine) as conn:
            if batch % 3:  # fold them in (what insert_activities does), or rebuild (a bulk writer)
                new = conn.execute(
                    select(ACT.c.id).where(ACT.c.source == "random", ACT.c.activity_key.like(f"r{batch}-%"))
                )
                facts.fold(conn, [i for (i,) in new])
            else:
                facts.rebuild(conn)
        _check(engine)
        for scope in scopes:  # now from the stored levels
            assert funnel(engine, scope) == [_reference_funnel(engine, scope)]


def test_rollup_is_backfilled_by_the_migration_and_removed_by_its_downgrade(db_url: str) -> None:
    from leadctl.storage import engine as engine_mod
    from leadctl.storage import migrate
    from tests.storage.migration_rows import NOW as T0
    from tests.storage.migration_rows import add_campaign, add_clients, add_rep
    from tests.storage.test_migrations import _autogenerate_diff

    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0015")

    def act(conn: Any, key: str, cid: int, typ: str, outcome: str) -> None:
        conn.execute(
            text(
                "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
                f"verified_dial, source, actor, created_at) VALUES ('{key}', {cid}, 1, 1, '{typ}', "
                f"'{outcome}', '{T0}', false, 't', 't', '{T0}')"
            )
        )

    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, 3)
        act(conn, "a", 1, "call", "no_answer")
        act(conn, "b", 1, "meeting", "held_qualified")
        act(conn, "c", 1, "call", "conversation")
        act(conn, "d", 2, "disposition", "nurture")

    def trigger_kept() -> dict[int, int]:
        with engine.connect() as conn:
            return {
                int(c): int(n) for c, n in conn.execute(text("SELECT client_id, level FROM client_funnel"))
            }

    migrate.upgrade(engine, "0019")
    assert trigger_kept() == {1: 5}
    with engine.begin() as conn:
        act(conn, "e", 2, "call", "conversation")
    assert trigger_kept() == {1: 5, 2: 2}
    migrate.downgrade(engine, "0015")
    with engine.begin() as conn:
        act(conn, "f", 3, "email", "sent")  # no trigger left behind at 0015
        assert conn.execute(select(func.count()).select_from(ACT)).scalar_one() == 6
    migrate.upgrade(engine, "head")  # 0019 rebuilds from every activity, 0024 carries it over
    assert _check(engine) == {1: 5, 2: 2, 3: 1}
    assert _autogenerate_diff(db_url) == []
    engine.dispose()


def test_funnel_follows_reassign_merge_and_undo(leadctl: Leadctl, tmp_path: Path) -> None:
    """Leads re-pointed by a merge count their survivor's furthest step; undo puts it back;
    a reassignment moves ``--by rep`` — always what a count over every row gives."""
    from tests.commands.test_dedupe import _split_clients
    from tests.commands.test_process import _leads

    _split_clients(leadctl, tmp_path)
    engine = leadctl.engine()
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    leadctl("campaign", "approve", "Outbound", "ben@example.com")
    leads = _leads(leadctl)
    a1, a2 = leads["A-1"]["client_id"], leads["A-2"]["client_id"]
    log = ["activity", "log", "--rep", "mia@example.com", "--at", "2026-03-14T10:00"]
    leadctl(*log, "--client", str(a2), "--type", "meeting", "--outcome", "held_qualified")
    leadctl(*log, "--client", str(a1), "--type", "call", "--outcome", "no_answer")

    def same() -> dict[str, int]:
        _check(engine)
        (got,) = funnel(engine, Scope())
        assert got == _reference_funnel(engine, Scope())
        return got

    start = same()
    by_rep = {r["rep"]: r["leads"] for r in funnel(engine, Scope(), "rep")}
    leadctl("reassign", "--to", "ben@example.com", "--client", str(a2))
    moved = {r["rep"]: r["leads"] for r in funnel(engine, Scope(), "rep")}
    assert moved["ben@example.com"] == by_rep.get("ben@example.com", 0) + 1
    assert same() == start
    leadctl("dedupe", "scan", "--apply")
    merged = same()
    survivor = _leads(leadctl)["A-1"]["client_id"]
    assert _leads(leadctl)["A-2"]["client_id"] == survivor
    # both of Ana's leads now count the survivor's furthest step: both qualified, or neither
    assert merged["qualified"] == start["qualified"] - 1 + (2 if survivor == a2 else 0)
    for h in leadctl.json("dedupe", "history"):
        leadctl("dedupe", "undo", str(h["merge_id"]))
    assert same() == start
