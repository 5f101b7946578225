"""Migration 0016 (``client_fact``) backfills the facts of a populated database set-based and
runs both ways."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, inspect, text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

ACTS = [  # id, client, type, outcome, at (minutes after NOW)
    (1, 1, "call", "no_answer", 5),
    (2, 1, "call", "conversation", 9),
    (3, 1, "email", "sent", 30),
    (4, 1, "call", "no_answer", 1),
    (5, 2, "meeting", "booked", 3),
    (6, 2, "email", "replied", 7),
]


def _at(minutes: int) -> str:
    return f"2026-11-01 10:{minutes:02d}:00"


def test_0016_backfills_client_facts_down_and_up(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0015")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, 3)
        for aid, cid, typ, outcome, minutes in ACTS:
            conn.execute(
                text(
                    "INSERT INTO activity (id, activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
                    f"verified_dial, source, actor, created_at) VALUES ({aid}, 'k{aid}', {cid}, 1, 1, '{typ}', "
                    f"'{outcome}', '{_at(minutes)}', false, 'log', 't', '{NOW}')"
                )
            )
    migrate.upgrade(engine, "0016")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT client_id, first_call_at, first_conversation_at, calls, last_touch_at, last_activity_id "
                "FROM client_fact ORDER BY client_id"
            )
        ).all()
    got = [
        (r[0], *(str(v)[:16] if v is not None else None for v in r[1:3]), r[3], str(r[4])[:16], r[5])
        for r in rows
    ]
    assert got == [
        (1, "2026-11-01 10:01", "2026-11-01 10:09", 3, "2026-11-01 10:30", 4),
        (2, None, None, 0, "2026-11-01 10:07", 6),  # an e-mail touches, a meeting does not
    ]  # client 3 has no activity: no row
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:  # calls without a first call
        conn.execute(text("INSERT INTO client_fact (client_id, calls, last_activity_id) VALUES (3, 2, 6)"))
    migrate.downgrade(engine, "0015")
    with engine.connect() as conn:
        assert "client_fact" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM activity")).scalar_one() == len(ACTS)
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM client_fact")).scalar_one() == 2
    assert _autogenerate_diff(db_url) == []
