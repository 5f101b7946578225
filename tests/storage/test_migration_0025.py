"""Migration 0025 (``metrics speed`` stored: ``client_speed``, ``speed_hist``, the dirty log and
its triggers) runs both ways on a populated database: the upgrade leaves the stored tables
empty and unfilled (the rules are not known to a migration) with triggers that log every
watched change, the first ``metrics speed`` fills them; the downgrade drops the tables and
triggers, so writers work as before, and upgrading again works."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from leadctl.rules import load_rules
from leadctl.services.metrics.speed import speed_rows
from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

TABLES = {"client_speed", "speed_hist", "client_speed_dirty", "client_speed_state"}


def _act(conn: Any, key: str, cid: int) -> None:
    conn.execute(
        text(
            "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
            f"verified_dial, source, actor, created_at) VALUES ('{key}', {cid}, 1, 1, 'call', "
            f"'conversation', '{NOW}', false, 't', 't', '{NOW}')"
        )
    )


def _logged(engine: Any) -> list[int]:
    with engine.connect() as conn:
        return sorted(int(r[0]) for r in conn.execute(text("SELECT client_id FROM client_speed_dirty")))


def test_0025_adds_the_stored_speed_with_its_triggers_and_removes_them(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0024")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, 3, manager_id=1)
        _act(conn, "a", 1)
    migrate.upgrade(engine, "0025")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
        assert conn.execute(text("SELECT rules, horizon FROM client_speed_state")).all() == [(None, 0)]
        assert conn.execute(text("SELECT count(*) FROM client_speed")).scalar() == 0
    assert _logged(engine) == []
    with engine.begin() as conn:  # each watched table logs its client
        add_clients(conn, 4)
        conn.execute(text("UPDATE client SET bucket_label = 'hot' WHERE id = 2"))
        conn.execute(text("UPDATE client SET custom = '{}' WHERE id = 3"))  # not watched: no entry
        conn.execute(
            text(
                "INSERT INTO assignment (client_id, rep_id, campaign_id, rule, reason, actor, started_at) "
                f"VALUES (3, 1, 1, 'manual', '{{}}', 't', '{NOW}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO client_fact (client_id, first_call_at, first_conversation_at, calls, "
                f"last_touch_at, last_activity_id, funnel_level) VALUES (2, '{NOW}', NULL, 1, '{NOW}', 1, 1)"
            )
        )
    assert _logged(engine) == [2, 2, 3, 4]

    migrate.upgrade(engine, "head")  # the service below reads head's columns (0028 adds some)
    rules = load_rules(None)
    rows = {r["rep"]: r for r in speed_rows(engine, by="rep", rules=rules) if r["measure"] == "to_attempt"}
    assert {k: (r["clients"], r["reached"]) for k, r in rows.items()} == {
        "ana@example.com": (3, 1),  # client 2's stored fact (client 1's raw call was never folded)
        "(unassigned)": (1, 0),
    }
    with engine.connect() as conn:  # filled and the log taken
        assert conn.execute(text("SELECT count(*) FROM client_speed")).scalar() == 4
        assert conn.execute(text("SELECT rules FROM client_speed_state")).scalar() is not None
    assert _logged(engine) == []

    migrate.downgrade(engine, "0024")
    with engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    with engine.begin() as conn:  # no trigger left behind writing to a dropped table
        add_clients(conn, 5)
        conn.execute(text("UPDATE client SET manager_id = 1 WHERE id = 5"))
        conn.execute(text("DELETE FROM client_fact WHERE client_id = 2"))
    migrate.upgrade(engine, "head")
    assert _autogenerate_diff(db_url) == []
    engine.dispose()
