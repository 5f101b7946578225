"""Migration 0009 (custom lists) runs both ways on a populated database, on both backends."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep


def test_0009_up_and_down_on_a_populated_database(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0007")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, stage="engaged")
    migrate.upgrade(engine, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO custom_list (id, rep_id, name, created_at, created_by) VALUES (1, 1, 'Friday', '{NOW}', 't')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO custom_list_member (list_id, client_id, added_at, added_by) VALUES (1, 1, '{NOW}', 't')"
            )
        )
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert "custom_list" not in tables and "custom_list_member" not in tables
        assert conn.execute(text("SELECT stage FROM client WHERE id = 1")).scalar() == "engaged"
        assert "ix_activity_client_id_at" in {i["name"] for i in inspect(conn).get_indexes("activity")}
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM custom_list")).scalar() == 0
        assert migrate.current_revision(conn) == migrate.HEAD
        names = {i["name"] for i in inspect(conn).get_indexes("activity")}
        assert "ix_activity_client_id_at_type_outcome" in names and "ix_activity_client_id_at" not in names
    engine.dispose()
