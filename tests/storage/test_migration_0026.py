"""Migration 0026 (``touch_gap`` and ``meeting_booking``, what ``metrics reps`` reads for its
median touch gap and hold rate) runs both ways on a populated database: the upgrade fills both
tables exactly as the live writers keep them (ties, a touch in another campaign, bookings held
later or not), the downgrade drops them and leaves the activities, and head equals the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadctl.services.work import bookings, touches
from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.storage.migration_rows import NOW, add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

ACTS = [  # (client, campaign, type, outcome, at, meeting_at)
    (1, 1, "call", "no_answer", "2026-11-01 09:00:00", None),
    (1, 1, "email", "sent", "2026-11-01 09:30:00.500000", None),
    (1, 1, "call", "conversation", "2026-11-01 09:30:00.500000", None),  # a tie in time
    (1, 2, "call", "no_answer", "2026-11-01 11:00:00", None),  # another campaign's chain
    (1, 1, "call", "voicemail", "2026-11-02 08:15:00", None),
    (2, 1, "email", "sent", "2026-11-01 07:00:00", None),
    (2, 1, "meeting", "booked", "2026-11-01 07:05:00", "2026-11-03 10:00:00"),
    (2, 1, "meeting", "held_unqualified", "2026-11-03 10:30:00", None),
    (2, 1, "meeting", "booked", "2026-11-04 07:05:00", None),  # nothing held after it
    (2, 1, "call", "no_answer", "2026-11-04 09:00:00", None),
]


def _tables(engine: object) -> set[str]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return set(inspect(conn).get_table_names())


def test_0026_fills_the_touch_gaps_and_bookings_and_drops_them(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0025")
    with engine.begin() as conn:
        add_campaign(conn)
        conn.execute(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (2, 'D', true, '{NOW}', '{NOW}')"
            )
        )
        add_rep(conn)
        add_clients(conn, 1, 2)
        for i, (cid, camp, typ, outcome, at, meeting_at) in enumerate(ACTS):
            meeting = f"'{meeting_at}'" if meeting_at else "NULL"
            conn.execute(
                text(
                    "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
                    f"meeting_at, verified_dial, source, actor, created_at) VALUES ('a{i}', {cid}, 1, {camp}, "
                    f"'{typ}', '{outcome}', '{at}', {meeting}, true, 'log', 't', '{NOW}')"
                )
            )
    assert "touch_gap" not in _tables(engine)
    migrate.upgrade(engine, "0026")
    with engine.connect() as conn:
        gaps = touches.stored(conn)
        assert gaps == touches.from_scratch(conn)
        assert sorted((r[1], r[-1]) for r in gaps) == [  # (kind, whole seconds)
            (0, 0),  # the tie: the conversation right after the e-mail
            (0, 1800),  # 09:00 -> 09:30:00.5, whole seconds
            (0, 266400),  # client 2: the e-mail, the call three days and two hours later
            (1, 5400),  # 09:30 -> 11:00 in the other campaign (no previous touch there)
            (1, 76500),  # 11:00 -> 08:15 the next day, any campaign
            (2, 81900),  # 09:30 -> 08:15 the next day, in campaign 1
        ]
        held = {(r[0], r[-1]) for r in bookings.stored(conn)}
        assert bookings.stored(conn) == bookings.from_scratch(conn)
    assert sorted(h for _, h in held) == [False, True]
    migrate.downgrade(engine, "0025")
    assert not {"touch_gap", "meeting_booking"} & _tables(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity")).scalar() == len(ACTS)
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert touches.stored(conn) == touches.from_scratch(conn)
    assert _autogenerate_diff(db_url) == []
    engine.dispose()
