"""Migration 0018 (ranking's activity rollup) fills ``rep_activity_day`` from the activities
already stored, and the downgrade drops it, on a populated database."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

ACTS = [  # (key, rep, type, outcome, at, duration)
    ("a1", "1", "call", "conversation", "2026-11-01 10:00:00", "60"),
    ("a2", "1", "call", "no_answer", "2026-11-01 23:59:59", "NULL"),
    ("a3", "1", "meeting", "booked", "2026-11-02 00:00:00", "NULL"),
    ("a4", "1", "meeting", "held_qualified", "2026-11-02 08:00:00", "1800"),
    ("a5", "NULL", "call", "conversation", "2026-11-02 09:00:00", "30"),  # no rep: not ranked
]


def test_0018_backfills_the_rollup_and_downgrades(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1)
        for key, rep, typ, outcome, at, dur in ACTS:
            conn.execute(
                text(
                    "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
                    f"verified_dial, duration_s, source, actor, created_at) VALUES ('{key}', 1, {rep}, 1, "
                    f"'{typ}', '{outcome}', '{at}', false, {dur}, 'log', 't', '{NOW}')"
                )
            )
    migrate.upgrade(engine, "0018")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT rep_id, campaign_id, day, acts, talk_s, calls, conversations, booked, held_qualified "
                "FROM rep_activity_day ORDER BY day"
            )
        ).all()
    got = [(r[0], r[1], str(r[2]), *r[3:]) for r in rows]
    # UTC days split at midnight; the rep-less activity is left out
    assert got == [(1, 1, "2026-11-01", 2, 60, 2, 1, 0, 0), (1, 1, "2026-11-02", 2, 1800, 0, 0, 1, 1)]
    migrate.downgrade(engine, "0015")
    with engine.connect() as conn:
        assert "rep_activity_day" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM activity")).scalar_one() == len(ACTS)
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sum(acts) FROM rep_activity_day")).scalar_one() == 4
    assert _autogenerate_diff(db_url) == []
