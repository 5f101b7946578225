"""Migration 0023 (the index of ``metrics reps``' touch pass) runs both ways on a populated
database, and the schema at head equals the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

NAME = "ix_activity_rep_id_client_id_at"


def test_0023_adds_the_touch_index_over_existing_activities_and_drops_it(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0022")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2)
        for i, (cid, typ, outcome) in enumerate(((1, "call", "conversation"), (2, "email", "sent")), 1):
            conn.execute(
                text(
                    "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
                    f"verified_dial, source, actor, created_at) VALUES ('a{i}', {cid}, 1, 1, '{typ}', "
                    f"'{outcome}', '{NOW}', true, 'log', 't', '{NOW}')"
                )
            )

    def indexes() -> dict[str, list[str | None]]:
        with engine.connect() as conn:
            return {i["name"]: list(i["column_names"]) for i in inspect(conn).get_indexes("activity")}  # type: ignore[misc]

    assert NAME not in indexes()
    migrate.upgrade(engine, "0023")
    assert indexes()[NAME] == ["rep_id", "client_id", "at", "id", "type"]
    migrate.downgrade(engine, "0022")
    assert NAME not in indexes()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT activity_key FROM activity ORDER BY id")).scalars().all() == [
            "a1",
            "a2",
        ]
    migrate.upgrade(engine, "head")
    assert NAME in indexes()
    assert _autogenerate_diff(db_url) == []
