"""Migration 0017 (``client_score``, the queue's stored static score) runs both ways on a
populated database."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff


def test_0017_client_score_down_and_up(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, stage="attempted", manager_id=1)
    migrate.upgrade(engine, "0017")
    with engine.begin() as conn:  # starts empty: every client is read unbounded until rescored
        assert conn.execute(text("SELECT count(*) FROM client_score")).scalar_one() == 0
        conn.execute(
            text(
                "INSERT INTO client_score (client_id, rules, static, engaged_s, intent_s, client_updated_at, source) "
                f"VALUES (1, 'abc', 15.0, NULL, NULL, '{NOW}', 'web')"
            )
        )
    migrate.downgrade(engine, "0015")
    with engine.connect() as conn:
        assert "client_score" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM client")).scalar_one() == 1
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM client_score")).scalar_one() == 0
    assert _autogenerate_diff(db_url) == []
