"""Connection settings: SQLite pragmas, URL handling, password masking, transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from leadctl.errors import ConfigError
from leadctl.storage import engine as engine_mod
from leadctl.storage import schema
from leadctl.storage.types import utcnow


def test_sqlite_pragmas_for_concurrent_use(sqlite_url: str) -> None:
    engine = engine_mod.open_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (conn.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_mask_url_hides_password() -> None:
    masked = engine_mod.mask_url("postgresql://sales:s3cret@db.internal:5432/leads")
    assert "s3cret" not in masked
    assert masked == "postgresql+psycopg://sales:***@db.internal:5432/leads"


def test_bare_path_means_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = engine_mod.normalise_url(str(tmp_path / "x.db"))
    assert url.get_backend_name() == "sqlite"


def test_unsupported_database_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        engine_mod.normalise_url("mysql://root@localhost/x")


def test_failed_write_leaves_database_unchanged(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    now = utcnow()
    with pytest.raises(RuntimeError), engine_mod.write(engine) as conn:
        conn.execute(schema.campaign.insert().values(name="A", active=True, created_at=now, updated_at=now))
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM campaign")).scalar() == 0


def test_times_come_back_utc_aware(db_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    engine = engine_mod.open_engine(db_url)
    local = datetime(2026, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    with engine_mod.write(engine) as conn:
        conn.execute(
            schema.campaign.insert().values(name="A", active=True, created_at=local, updated_at=local)
        )
    with engine.connect() as conn:
        stored = conn.execute(schema.campaign.select()).mappings().one()["created_at"]
    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert stored.hour == 14


def test_partial_indexes_keep_their_where_on_postgresql(db_url: str) -> None:
    """The one-active-assignment, active-suppression, max-attempts and shared-pool indexes are
    partial on both backends:
    the PostgreSQL WHERE is given when a PostgreSQL engine is made (not declared in the tables,
    so SQLite commands never import the PostgreSQL dialect)."""
    from sqlalchemy.schema import CreateIndex

    engine = engine_mod.open_engine(db_url)
    try:
        partial = {
            str(ix.name): str(CreateIndex(ix).compile(dialect=engine.dialect))
            for table in schema.metadata.tables.values()
            for ix in table.indexes
            if ix.dialect_options["sqlite"]["where"] is not None
        }
    finally:
        engine.dispose()
    assert partial.keys() == {
        "ux_assignment_active_client",
        "ux_suppression_active_kind_value",
        "ix_assignment_max_attempts",
        "ix_client_pool_stage_created_at",
    }
    assert partial["ix_assignment_max_attempts"].endswith("WHERE ended_reason = 'max_attempts'")
    assert partial["ux_assignment_active_client"].endswith("WHERE ended_at IS NULL")
    assert partial["ux_suppression_active_kind_value"].endswith("WHERE removed_at IS NULL")
    assert partial["ix_client_pool_stage_created_at"].endswith(
        "WHERE manager_id IS NULL AND merged_into_id IS NULL"
    )
