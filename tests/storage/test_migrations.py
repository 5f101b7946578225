"""The schema: models and migrations agree, migrations run both ways, revision checks are cheap and right."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from leadctl.errors import SchemaError
from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate, models, schema


def _autogenerate_diff(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = engine_mod.open_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return list(compare_metadata(ctx, schema.metadata))


def test_migrations_match_the_models(db_url: str) -> None:
    """Alembic autogenerate finds no difference between head and the models."""
    assert _autogenerate_diff(db_url) == []


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)  # a new empty database is migrated on first use
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
    migrate.downgrade(engine, "base")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        assert migrate.current_revision(conn) is None
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        assert {
            "lead",
            "client",
            "lead_event",
            "campaign",
            "bucket",
            "rep",
            "campaign_rep",
            "load",
            "match_key",
            "merge",
        } <= set(inspect(conn).get_table_names())
    assert _autogenerate_diff(db_url) == []


def test_head_constant_is_the_newest_migration() -> None:
    """Normal commands compare against migrate.HEAD instead of importing Alembic."""
    assert migrate.script_head() == migrate.HEAD
    assert migrate.HEAD in migrate.known_revisions()


def test_migrations_ship_inside_the_package() -> None:
    import leadctl.migrations

    folder = Path(leadctl.migrations.__file__).parent
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    assert any((folder / "versions").glob("0001_*.py"))


def test_older_database_is_never_upgraded_silently(sqlite_url: str) -> None:
    engine = engine_mod.open_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaError, match="newer than this leadctl"):
        engine_mod.open_engine(sqlite_url)


def test_foreign_tables_without_revision_are_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE something (x INTEGER)").connection.commit()
    with pytest.raises(SchemaError, match="no leadctl schema revision"):
        engine_mod.open_engine(f"sqlite:///{path}")


def test_every_column_has_a_typed_model_attribute() -> None:
    """models.py maps typed classes onto schema.py tables; the two never drift apart."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for mapper in models.Base.registry.mappers:
        cls = mapper.class_
        table = mapper.local_table
        annotations: dict[str, object] = {}
        for klass in reversed(cls.__mro__):
            annotations.update(getattr(klass, "__annotations__", {}))
        missing = [c.name for c in table.columns if c.name not in annotations]
        assert missing == [], f"{cls.__name__} lacks annotations for {missing}"


def test_database_at_previous_revision_asks_for_upgrade(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0001")
    with pytest.raises(
        SchemaError, match=r"at revision 0001, this leadctl needs .*: run 'leadctl db upgrade'"
    ):
        engine_mod.open_engine(db_url)
    migrate.upgrade(engine, "head")
    engine_mod.open_engine(db_url)  # now fine


def test_0004_gives_existing_clients_their_leads_external_id(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0003")
    now = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO bucket (id, name, label, campaign_id, active, view_unassigned_only, created_at, updated_at) VALUES (1, 'b', 'b', 1, true, false, '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO client (id, campaign_id, origin_lead_id, custom, created_at, updated_at) VALUES (1, 1, 1, '{{}}', '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO lead (id, bucket_id, campaign_id, row_hash, external_id, status, reasons, client_id, registered_at, custom, raw, created_at, updated_at) VALUES (1, 1, 1, 'h', 'CRM-42', 'processed', '[]', 1, '{now}', '{{}}', '{{}}', '{now}', '{now}')"
            )
        )
    migrate.upgrade(engine, "0004")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT external_id FROM client WHERE id = 1")).scalar() == "CRM-42"


def test_0014_retired_clients_down_and_up_on_a_populated_database(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    now = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{now}', '{now}')"
            )
        )
        for cid, retired in ((1, "NULL"), (2, f"'{now}'")):
            conn.execute(
                text(
                    "INSERT INTO client (id, campaign_id, origin_lead_id, custom, created_at, updated_at, stage, retired_at) "
                    f"VALUES ({cid}, 1, {cid}, '{{}}', '{now}', '{now}', 'untouched', {retired})"
                )
            )
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        assert "retired_at" not in {c["name"] for c in inspect(conn).get_columns("client")}
        assert conn.execute(text("SELECT count(*) FROM client")).scalar() == 2
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM client WHERE retired_at IS NULL")).scalar() == 2
    assert _autogenerate_diff(db_url) == []


def test_0008_adds_the_ranking_index_over_existing_activities_and_drops_it(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0007")
    now = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO client (id, campaign_id, custom, created_at, updated_at) VALUES (1, 1, '{{}}', '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO activity (activity_key, client_id, campaign_id, type, outcome, at, verified_dial, "
                f"source, actor, created_at) VALUES ('a1', 1, 1, 'call', 'conversation', '{now}', true, 'log', 't', '{now}')"
            )
        )

    def indexes() -> set[str]:
        with engine.connect() as conn:
            return {i["name"] for i in inspect(conn).get_indexes("activity")}  # type: ignore[misc]

    assert "ix_activity_rank" not in indexes()
    migrate.upgrade(engine, "0008")
    assert "ix_activity_rank" in indexes()
    migrate.downgrade(engine, "0007")
    assert "ix_activity_rank" not in indexes()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT activity_key FROM activity")).scalars().all() == ["a1"]
    migrate.upgrade(engine, "head")
    assert "ix_activity_rank" in indexes()


def test_0012_match_model_up_and_down_on_a_populated_database(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "head")
    now = "2026-12-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO match_model (trained_at, actor, signature, records, pairs, params, summary) "
                f"VALUES ('{now}', 'ops', 'name:name', 10, 4, '{{\"prior\": -3, \"fields\": []}}', '{{}}')"
            )
        )
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        assert "match_model" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT name FROM campaign")).scalar_one() == "C"
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM match_model")).scalar_one() == 0


def test_0010_backfills_timezone_sources_and_downgrades_with_data(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0007")
    now = "2026-11-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{now}', '{now}')"
            )
        )
        for cid, tz in ((1, "'America/Chicago'"), (2, "NULL")):
            conn.execute(
                text(
                    "INSERT INTO client (id, campaign_id, timezone, custom, created_at, updated_at, stage) "
                    f"VALUES ({cid}, 1, {tz}, '{{}}', '{now}', '{now}', 'untouched')"
                )
            )
    migrate.upgrade(engine, "0010")
    with engine.begin() as conn:
        got = conn.execute(text("SELECT id, timezone, timezone_source FROM client ORDER BY id")).all()
        assert [tuple(r) for r in got] == [(1, "America/Chicago", "phone"), (2, None, "default")]
        conn.execute(
            text(
                "INSERT INTO rep (id, email, name, role, skills, territories, active, created_at, updated_at) "
                f"VALUES (1, 'r@x.com', 'R', 'setter', '[]', '[]', true, '{now}', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO client_lease (client_id, rep_id, claimed_at, lease_until) VALUES (1, 1, '{now}', '{now}')"
            )
        )
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        assert "client_lease" not in inspect(conn).get_table_names()
        assert "timezone_source" not in {c["name"] for c in inspect(conn).get_columns("client")}
        assert conn.execute(text("SELECT timezone FROM client WHERE id = 1")).scalar() == "America/Chicago"
    migrate.upgrade(engine, "head")
