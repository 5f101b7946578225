"""migrate.schema_status: the one decision about a database's schema, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from leadctl.errors import SchemaError
from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate


def _status(url: str) -> migrate.SchemaStatus:
    with engine_mod.create(url).connect() as conn:
        return migrate.schema_status(conn)


def test_every_state_of_a_schema(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    assert _status(db_url) == migrate.SchemaStatus(None, "empty")
    assert _status(db_url).problem is None
    migrate.upgrade(engine, "0001")
    older = _status(db_url)
    assert (older.revision, older.state) == ("0001", "older")
    assert older.problem is not None and "run 'leadctl db upgrade'" in older.problem
    migrate.upgrade(engine, "head")
    assert _status(db_url) == migrate.SchemaStatus(migrate.HEAD, "current")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = _status(db_url)
    assert (newer.state, newer.revision) == ("newer", "9999")
    assert "newer than this leadctl" in (newer.problem or "")
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{migrate.HEAD}'"))
    migrate.downgrade(engine, "base")
    assert _status(db_url) == migrate.SchemaStatus(None, "base")


def test_foreign_tables(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something (x INTEGER)"))
    assert _status(db_url).state == "foreign"
    with pytest.raises(SchemaError, match="no leadctl schema revision"):
        migrate.ensure_schema(engine)


def test_ensure_schema_sets_up_an_empty_database_and_says_so(db_url: str) -> None:
    status = migrate.ensure_schema(engine_mod.create(db_url))
    assert status == migrate.SchemaStatus(migrate.HEAD, "current")
    assert _status(db_url).state == "current"
