"""Migration 0027 (the shared pool's index) runs both ways on a populated database, holds only
unassigned clients not merged away, and the schema at head equals the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

NAME = "ix_client_pool_stage_created_at"


def test_0027_adds_the_pool_index_over_existing_clients_and_drops_it(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0026")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, 3)
        conn.execute(text("UPDATE client SET manager_id = 1 WHERE id = 2"))

    def indexes() -> dict[str, list[str | None]]:
        with engine.connect() as conn:
            return {i["name"]: list(i["column_names"]) for i in inspect(conn).get_indexes("client")}  # type: ignore[misc]

    assert NAME not in indexes()
    migrate.upgrade(engine, "0027")
    assert indexes()[NAME] == ["stage", "created_at", "id"]
    with engine.connect() as conn:  # partial: only the pool's rows
        if conn.dialect.name == "sqlite":
            sql = conn.execute(text(f"SELECT sql FROM sqlite_master WHERE name = '{NAME}'")).scalar_one()
        else:
            sql = conn.execute(
                text(f"SELECT indexdef FROM pg_indexes WHERE indexname = '{NAME}'")
            ).scalar_one()
    assert "manager_id IS NULL" in sql and "merged_into_id IS NULL" in sql
    migrate.downgrade(engine, "0026")
    assert NAME not in indexes()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM client ORDER BY id")).scalars().all() == [1, 2, 3]
    migrate.upgrade(engine, "head")
    assert NAME in indexes()
    assert _autogenerate_diff(db_url) == []
