"""Migration 0024 (the funnel level moves from the trigger-kept ``client_funnel`` into
``client_fact.funnel_level``) runs both ways on a populated database: the upgrade carries every
client's level over (adding the facts of a client only the trigger knew), leaves no trigger
behind; the downgrade restores the table with its levels and a working trigger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff


def _act(conn: Any, key: str, cid: int, typ: str, outcome: str) -> None:
    conn.execute(
        text(
            "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
            f"verified_dial, source, actor, created_at) VALUES ('{key}', {cid}, 1, 1, '{typ}', "
            f"'{outcome}', '{NOW}', false, 't', 't', '{NOW}')"
        )
    )


def _rows(engine: Any, sql: str) -> dict[int, Any]:
    with engine.connect() as conn:
        return {int(r[0]): tuple(r[1:]) if len(r) > 2 else r[1] for r in conn.execute(text(sql))}


def test_0024_moves_the_funnel_level_into_client_fact_and_back(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, 3, 4, 5)
        _act(conn, "a", 1, "call", "no_answer")
        _act(conn, "b", 1, "meeting", "held_qualified")
        _act(conn, "c", 2, "disposition", "nurture")
        _act(conn, "d", 3, "call", "conversation")
    migrate.upgrade(engine, "0023")  # 0016 backfills client_fact, 0019 client_funnel
    with engine.begin() as conn:
        _act(conn, "e", 4, "email", "sent")  # the trigger sees it, client_fact does not
    assert _rows(engine, "SELECT client_id, level FROM client_funnel") == {1: 5, 3: 2, 4: 1}

    migrate.upgrade(engine, "0024")
    facts = "SELECT client_id, funnel_level, calls, last_touch_at IS NOT NULL FROM client_fact"
    got = {cid: (lvl, calls, bool(touch)) for cid, (lvl, calls, touch) in _rows(engine, facts).items()}
    assert got == {1: (5, 1, True), 2: (0, 0, False), 3: (2, 1, True), 4: (1, 0, True)}
    with engine.connect() as conn:
        assert "client_funnel" not in inspect(conn).get_table_names()
    with engine.begin() as conn:
        _act(conn, "f", 5, "meeting", "booked")  # no trigger left behind writing to a dropped table
        cid = conn.execute(text("SELECT client_id FROM activity WHERE activity_key = 'f'")).scalar_one()
    assert cid == 5

    migrate.downgrade(engine, "0023")
    with engine.connect() as conn:
        assert "funnel_level" not in {c["name"] for c in inspect(conn).get_columns("client_fact")}
    # every client at a step, from the activities (client 5's raw row included)
    assert _rows(engine, "SELECT client_id, level FROM client_funnel") == {1: 5, 3: 2, 4: 1, 5: 3}
    with engine.begin() as conn:
        _act(conn, "g", 2, "call", "conversation")  # the restored trigger keeps the table again
    assert _rows(engine, "SELECT client_id, level FROM client_funnel") == {1: 5, 2: 2, 3: 2, 4: 1, 5: 3}

    migrate.upgrade(engine, "head")
    assert _rows(engine, "SELECT client_id, funnel_level FROM client_fact WHERE funnel_level > 0") == {
        1: 5,
        2: 2,
        3: 2,
        4: 1,
        5: 3,
    }
    assert _autogenerate_diff(db_url) == []
    engine.dispose()
