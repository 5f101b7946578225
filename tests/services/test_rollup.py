"""Ranking's activity rollup (rep_activity_day) stays equal to the activities it sums, through
every writer — ``activity log``, ``activity import`` (re-imports, recycle dispositions), the
demo's bulk insert — and ranking reads the same numbers from it as from ``activity`` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from leadctl.rules import load_rules
from leadctl.services.assign import ranking, rollup
from leadctl.services.work import activities, activity_import
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, read, write
from tests.services.assign_factory import World

ACT, RD = schema.activity, schema.rep_activity_day
NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)  # a Thursday


def _truth(conn: Any) -> dict[tuple[int, int, str], tuple[Any, ...]]:
    """The rollup's numbers computed from ``activity`` directly, per (rep, campaign, UTC day)."""
    out: dict[tuple[int, int, str], list[Any]] = {}
    for rep, camp, typ, outcome, at, dur in conn.execute(
        select(ACT.c.rep_id, ACT.c.campaign_id, ACT.c.type, ACT.c.outcome, ACT.c.at, ACT.c.duration_s)
    ):
        if rep is None:
            continue
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        k = (rep, camp, at.astimezone(UTC).date().isoformat())
        d = out.setdefault(k, [0, 0, 0, 0, 0, 0, at])
        d[0] += 1
        d[1] += dur or 0
        d[2] += typ == "call"
        d[3] += outcome == "conversation"
        d[4] += outcome == "booked"
        d[5] += outcome == "held_qualified"
        d[6] = max(d[6], at)
    return {k: tuple(v[:6]) + (v[6].isoformat(),) for k, v in out.items()}


def _rolled(conn: Any) -> dict[tuple[int, int, str], tuple[Any, ...]]:
    """The rollup as readers see it (the sum of a key's rows)."""
    q = select(
        RD.c.rep_id,
        RD.c.campaign_id,
        RD.c.day,
        *(func.sum(RD.c[c]) for c in rollup.SUMS),
        func.max(RD.c.last_at),
    ).group_by(RD.c.rep_id, RD.c.campaign_id, RD.c.day)
    out = {}
    for row in conn.execute(q):
        day = row[2] if isinstance(row[2], str) else row[2].isoformat()
        last = row[-1] if not isinstance(row[-1], str) else datetime.fromisoformat(row[-1])
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        out[(row[0], row[1], day)] = tuple(int(v) for v in row[3:-1]) + (last.isoformat(),)
    return out


def _world(db_url: str) -> tuple[World, list[int]]:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_campaign("Other")
    w.add_rep("ana", campaigns=["C", "Other"])
    w.add_rep("ben", campaigns=["C"])
    return w, w.add_clients("C", 4)


@pytest.mark.parametrize("chunk_rows", [20_000, 3])
def test_log_and_import_keep_the_rollup_equal_to_the_activities(
    db_url: str, tmp_path: Path, chunk_rows: int
) -> None:
    """Logged calls (the max-th unanswered: its recycle disposition is rolled up too), an import
    (with a recycle of its own) spanning two UTC days and two campaigns, and its re-import (adds
    nothing); in one chunk and in many (an import rolls up all its chunks' rows at its end)."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("queue:\n  max_attempts: 2\n  after_max_attempts: nurture\n", encoding="utf-8")
    rules = load_rules(rules_file)
    w, cl = _world(db_url)
    with freeze_time(NOW):
        for h in (30, 20):
            activities.log_activity(w.engine, rules, client=cl[0], rep="ana@example.com", type="call",
                                    outcome="no_answer", at=NOW - timedelta(hours=h), verified_dial=True)  # fmt: skip
        activities.log_activity(w.engine, rules, client=cl[1], rep="ben@example.com", type="meeting",
                                outcome="held_qualified", at=NOW - timedelta(days=40))  # fmt: skip
        csv = tmp_path / "dialer.csv"
        lines = ["activity_id,at,rep,client_id,type,outcome,duration_s"]
        for i in range(12):
            at = (NOW - timedelta(hours=3 * i)).isoformat()
            outcome = ("conversation", "no_answer", "voicemail")[i % 3]
            lines.append(
                f"d{i},{at},{'ana' if i % 2 else 'ben'}@example.com,{cl[2 + i % 2]},call,{outcome},{10 * i}"
            )
        lines.append(f"m1,{NOW.isoformat()},ana@example.com,{cl[3]},meeting,booked,")
        csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        first = activity_import.import_file(w.engine, rules, str(csv), chunk_rows=chunk_rows)
        again = activity_import.import_file(w.engine, rules, str(csv), chunk_rows=chunk_rows)
    assert (first.imported, first.rejected, again.imported) == (13, 0, 0), first.rejections
    with read(w.engine) as conn:
        truth = _truth(conn)
        recycled = conn.execute(select(func.count()).where(ACT.c.activity_key.like("recycle:%"))).scalar_one()
        assert recycled == 2  # one by `activity log`, one inside the import
        rows_per_key = conn.execute(
            select(func.count()).select_from(RD).group_by(RD.c.rep_id, RD.c.campaign_id, RD.c.day)
        ).scalars()
        assert set(rows_per_key) == {1}  # compacted: one row per (rep, campaign, day)
        assert _rolled(conn) == truth
    days = {k[2] for k in truth}
    assert len(days) >= 3  # the import spans UTC midnights, the meeting is 40 days back


def test_add_twice_sums_and_rebuild_recomputes(db_url: str) -> None:
    """Two writers' deltas for one key add up (readers sum the rows) and compaction merges them;
    rebuild (bulk writers) gives the same table from scratch."""
    w, cl = _world(db_url)
    t = NOW - timedelta(hours=2)
    w.add_activities([dict(client_id=cl[0], rep_id=w.rep["ana"], type="call", outcome="conversation", at=t,
                           duration_s=90)])  # fmt: skip
    w.add_activities([dict(client_id=cl[1], rep_id=w.rep["ana"], type="call", outcome="no_answer",
                           at=t + timedelta(minutes=5))])  # fmt: skip
    with read(w.engine) as conn:
        assert conn.execute(select(func.count()).select_from(RD)).scalar_one() == 1
        before = _rolled(conn)
        assert before == _truth(conn)
    (key,) = before
    assert before[key][:4] == (2, 90, 2, 1)
    with write(w.engine) as conn:
        rollup.rebuild(conn)
    with read(w.engine) as conn:
        assert _rolled(conn) == before


def test_ranking_numbers_from_the_rollup_match_the_activities(db_url: str) -> None:
    """raw_numbers (window, elsewhere, all-time qualified) and last_active read from the rollup
    equal what the activity table says for the same whole-day window."""
    w, cl = _world(db_url)
    ana, ben = w.rep["ana"], w.rep["ben"]
    camp, other = w.campaign["C"], w.campaign["Other"]
    rows: list[dict[str, Any]] = [
        dict(client_id=cl[0], rep_id=ana, type="call", outcome="conversation", at=NOW - timedelta(days=1), duration_s=60),
        dict(client_id=cl[0], rep_id=ana, type="meeting", outcome="booked", at=NOW - timedelta(days=2)),
        dict(client_id=cl[1], rep_id=ana, type="call", outcome="no_answer", at=NOW - timedelta(days=3), campaign_id=other),
        dict(client_id=cl[2], rep_id=ben, type="meeting", outcome="held_qualified", at=NOW - timedelta(days=45)),
        dict(client_id=cl[2], rep_id=ben, type="meeting", outcome="held_qualified", at=NOW - timedelta(days=4)),
        dict(client_id=cl[3], rep_id=None, type="call", outcome="conversation", at=NOW - timedelta(days=1)),
    ]  # fmt: skip
    w.add_activities(rows)
    since = ranking.window_start(NOW, 30)
    assert since.isoformat() == "2026-02-10"
    with read(w.engine) as conn:
        raw = ranking.raw_numbers(conn, camp, [ana, ben], since)
        # since falls on ben's day, an hour after his activity: the day's row must not count
        last = ranking.last_active(conn, camp, [ana, ben], NOW - timedelta(days=4, hours=-1))
        earlier = ranking.last_active(conn, camp, [ana, ben], NOW - timedelta(days=4, hours=1))
    assert raw[ana]["acts_here"] == 2 and raw[ana]["acts_elsewhere"] == 1
    got = [raw[ana][k] for k in ("calls", "conversations", "booked", "talk_s")]
    assert got == [1, 1, 1, 60]
    assert raw[ana]["last_here"] == NOW - timedelta(days=1)
    assert raw[ben]["held_qualified"] == 1 and raw[ben]["qualified_all_time"] == 2
    assert last == {ana: NOW - timedelta(days=1)}
    assert earlier == {ana: NOW - timedelta(days=1), ben: NOW - timedelta(days=4)}


def test_postgres_writers_of_one_key_never_wait_on_each_other(pg_url: str) -> None:
    """Two open transactions roll up activities of the same rep and day: the second neither
    waits for the first (it appends; the compaction try-lock is taken, so it leaves its delta)
    nor loses anything — after both commit, readers sum both, and the next add compacts."""
    w, cl = _world(pg_url)
    t = NOW - timedelta(hours=1)

    def insert_one(conn: Any, client: int, key: str) -> int:
        row = dict(activity_key=key, client_id=client, rep_id=w.rep["ana"], campaign_id=w.campaign["C"],
                   type="call", outcome="conversation", at=t, verified_dial=True, duration_s=30,
                   source="test", actor="test", created_at=t)  # fmt: skip
        return int(conn.execute(ACT.insert().values(**row).returning(ACT.c.id)).scalar_one())

    with w.engine.connect() as one, w.engine.connect() as two, one.begin(), two.begin():
        two.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        rollup.add(one, [insert_one(one, cl[0], "x1")])
        rollup.add(two, [insert_one(two, cl[1], "x2")])  # would raise on a 2 s lock wait
    with read(w.engine) as conn:
        assert conn.execute(select(func.count()).select_from(RD)).scalar_one() == 2  # two deltas
        assert _rolled(conn) == _truth(conn)
    w.add_activities([dict(client_id=cl[2], rep_id=w.rep["ana"], type="call", outcome="no_answer", at=t)])
    with read(w.engine) as conn:
        assert conn.execute(select(func.count()).select_from(RD)).scalar_one() == 1  # compacted
        ((_, (acts, talk, calls, convs, *_)),) = _rolled(conn).items()
        assert (acts, talk, calls, convs) == (3, 60, 3, 2)
        assert _rolled(conn) == _truth(conn)
