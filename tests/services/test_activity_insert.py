"""The one insertion point of activities returns the ids of the rows it inserted (the stages hook)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leadctl.services.work import activities
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from tests.services.assign_factory import T0, World


def _row(key: str, client: int, rep: int, campaign: int, at: object) -> tuple[object, ...]:
    return (
        key,
        client,
        rep,
        campaign,
        "call",
        "conversation",
        T0,
        True,
        60,
        None,
        None,
        None,
        "test",
        "t",
        at,
    )


def test_insert_returns_only_the_ids_it_inserted(db_url: str) -> None:
    w = World(open_engine(db_url))
    camp = w.add_campaign("Outbound")
    rep = w.add_rep("ana", campaigns=["Outbound"])
    a, b = w.add_clients("Outbound", 2)
    first_at, second_at = T0, T0 + timedelta(minutes=1)
    with write(w.engine) as conn:
        first = activities.insert_activities(
            conn,
            [_row("k1", a, rep, camp, first_at), _row("k2", b, rep, camp, first_at)],
            at=first_at,
            actor="t",
        )
    with write(w.engine) as conn:
        again = activities.insert_activities(
            conn,
            [
                _row("k2", b, rep, camp, second_at),
                _row("k3", a, rep, camp, second_at),
                _row("k3", a, rep, camp, second_at),
            ],
            at=second_at,
            actor="t",
        )
        stored = dict(conn.execute(select(schema.activity.c.activity_key, schema.activity.c.id)).all())
    assert sorted(first) == sorted([stored["k1"], stored["k2"]])
    assert again == [stored["k3"]]  # k2 was there already; k3 repeated is inserted once
    with write(w.engine) as conn:
        assert (
            activities.insert_activities(conn, [_row("k1", a, rep, camp, second_at)], at=second_at, actor="t")
            == []
        )
        assert activities.insert_activities(conn, [], at=second_at, actor="t") == []
