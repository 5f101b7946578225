"""Migration 0022 (assignment rule ``inherited``, end reason ``merge_undone``) runs both ways on
a populated database."""

from __future__ import annotations

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import exc, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff


def _previous() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.migrations_dir()))
    down = ScriptDirectory.from_config(cfg).get_revision("0022").down_revision
    assert isinstance(down, str)
    return down


def _assignment(conn: object, aid: int, client_id: int, rule: str, end: str | None) -> None:
    ended = f"'{NOW}', '{end}', 't'" if end else "NULL, NULL, NULL"
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO assignment (id, client_id, rep_id, campaign_id, rule, reason, actor, started_at, "
            f"ended_at, ended_reason, ended_by) VALUES ({aid}, {client_id}, 1, 1, '{rule}', '{{}}', 't', "
            f"'{NOW}', {ended})"
        )
    )


def test_0022_inherited_assignments_down_and_up(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    before = _previous()
    migrate.upgrade(engine, before)
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2)
        # Recycled at the last attempt (recorded as returned_to_pool) and returned for another cause.
        _assignment(conn, 5, 1, "rank", "returned_to_pool")
        _assignment(conn, 6, 2, "rank", "returned_to_pool")
        for cid, data in ((1, '{"rep_id": 1, "reason": "returned_to_pool", "cause": "max_attempts"}'),
                          (2, '{"rep_id": 1, "reason": "returned_to_pool", "retired": true}')):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO lead_event (client_id, at, kind, actor, data) "
                    f"VALUES ({cid}, '{NOW}', 'unassigned', 't', '{data}')"
                )
            )
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # not allowed before 0022
        _assignment(conn, 9, 1, "inherited", None)
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        _assignment(conn, 9, 1, "rank", "merge_undone")
    migrate.upgrade(engine, "0022")
    with engine.connect() as conn:
        ends = conn.execute(text("SELECT id, ended_reason FROM assignment ORDER BY id")).all()
    assert [tuple(r) for r in ends] == [(5, "max_attempts"), (6, "returned_to_pool")]
    with engine.begin() as conn:
        _assignment(conn, 1, 1, "inherited", "merge_undone")
        _assignment(conn, 2, 1, "restored", None)
        _assignment(conn, 3, 2, "inherited", None)
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # still one active per client
        _assignment(conn, 4, 2, "rank", None)
    migrate.downgrade(engine, before)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, rule, ended_reason FROM assignment ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (1, "manual", "reassigned"),
        (2, "restored", None),
        (3, "manual", None),
        (5, "rank", "returned_to_pool"),
        (6, "rank", "returned_to_pool"),
    ]
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # the index survived both rebuilds
        _assignment(conn, 4, 2, "rank", None)
    migrate.upgrade(engine, "head")
    with engine.begin() as conn:
        conn.execute(text("UPDATE assignment SET rule = 'inherited' WHERE id = 3"))
    assert _autogenerate_diff(db_url) == []
