"""Migration 0011 (sla_escalation) upgrades and downgrades a populated database, both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign


def test_0011_up_and_down_on_a_populated_database(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0007")
    with engine.begin() as conn:
        add_campaign(conn)
        conn.execute(
            text(
                "INSERT INTO client (id, campaign_id, custom, created_at, updated_at, stage) "
                f"VALUES (1, 1, '{{}}', '{NOW}', '{NOW}', 'untouched')"
            )
        )
    migrate.upgrade(engine, "0011")
    row = (
        "INSERT INTO sla_escalation (client_id, sla, level, deadline, action, share, run, actor, fired_at) "
        f"VALUES (1, 'first_contact', 'warn', '{NOW}', 'notify', 0.8, 'r1', 'cron', '{NOW}')"
    )
    with engine.begin() as conn:
        conn.execute(text(row))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the same level and deadline again
        conn.execute(text(row.replace("'r1'", "'r2'")))
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        assert "sla_escalation" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM client")).scalar() == 1
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        assert conn.execute(text("SELECT count(*) FROM sla_escalation")).scalar() == 0
