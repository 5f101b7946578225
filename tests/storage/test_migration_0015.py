"""Migration 0015 (assignment rule ``restored``) runs both ways on a populated database."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff


def _assignment(conn: object, aid: int, client_id: int, rule: str, ended: bool) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO assignment (id, client_id, rep_id, campaign_id, rule, reason, actor, started_at, "
            "ended_at, ended_reason, ended_by) VALUES "
            f"({aid}, {client_id}, 1, 1, '{rule}', '{{}}', 't', '{NOW}', "
            + (f"'{NOW}', 'merged', 't')" if ended else "NULL, NULL, NULL)")
        )
    )


def test_0015_restored_assignments_down_and_up(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0014")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2)
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # not allowed before 0015
        _assignment(conn, 9, 1, "restored", ended=False)
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        _assignment(conn, 1, 1, "bucket_manager", ended=True)
        _assignment(conn, 2, 1, "restored", ended=False)
        _assignment(conn, 3, 2, "rank", ended=False)
        conn.execute(
            text(
                "INSERT INTO merge_proposal (clients_key, client_ids, scores, status, actor, created_at) "
                f"VALUES ('1,2', '[1, 2]', '{{\"1\": 0.9, \"2\": 0.8}}', 'open', 't', '{NOW}')"
            )
        )
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # one proposal per set of clients
        conn.execute(
            text(
                "INSERT INTO merge_proposal (clients_key, client_ids, scores, status, actor, created_at) "
                f"VALUES ('1,2', '[2, 1]', '{{}}', 'open', 't', '{NOW}')"
            )
        )
    migrate.downgrade(engine, "0014")
    with engine.connect() as conn:
        assert "merge_proposal" not in inspect(conn).get_table_names()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, rule, ended_at IS NULL FROM assignment ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "bucket_manager", False), (2, "manual", True), (3, "rank", True)]
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE assignment SET rule = 'restored' WHERE id = 2"))
    migrate.upgrade(engine, "head")
    with engine.begin() as conn:
        conn.execute(text("UPDATE assignment SET rule = 'restored' WHERE id = 2"))
        assert conn.execute(text("SELECT count(*) FROM merge_proposal")).scalar_one() == 0
    assert _autogenerate_diff(db_url) == []
