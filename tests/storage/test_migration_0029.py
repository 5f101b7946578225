"""Migration 0029 (``client_speed.cap_hour`` / ``cap_weekday``: ``metrics sla --by hour|weekday``
from the stored counts) runs both ways on a populated database: each way the stored values are
emptied and the state unfilled (they were computed without, or with, the new columns), so the
next read recomputes every client; after the upgrade that read answers by hour and weekday from
the stored counts, the same rows as the computation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, text

from leadctl.rules import load_rules
from leadctl.services.metrics import speed_store
from leadctl.services.metrics.sla import sla_rows
from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from leadctl.storage.engine import read
from tests.storage.migration_rows import add_campaign, add_clients, add_rep
from tests.storage.test_migrations import _autogenerate_diff

SPEED = "client_speed (client_id, campaign_id, manager_id, assigned, fc_d, fc_met, fc_due, horizon)"


def _columns(conn: Any) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("client_speed")}


def _stored_rows(conn: Any) -> tuple[int, int, Any]:
    speed = conn.execute(text("SELECT count(*) FROM client_speed")).scalar()
    hist = conn.execute(text("SELECT count(*) FROM speed_hist")).scalar()
    return speed, hist, conn.execute(text("SELECT rules FROM client_speed_state")).scalar()


def _filled_at_0028(conn: Any) -> None:
    """What a refresh at 0028 leaves: a stored client, its counts, the state filled."""
    conn.execute(text(f"INSERT INTO {SPEED} VALUES (1, 1, 1, 1, 60, 1, NULL, 1)"))
    conn.execute(text("INSERT INTO speed_hist (kind, grp, m, basis, bin, n) VALUES (1, 1, 3, 0, 0, 1)"))
    conn.execute(text("UPDATE client_speed_state SET rules = 'x', horizon = 5, span_lo = 0"))


def test_0029_stores_the_local_capture_hour_and_weekday_both_ways(db_url: str) -> None:
    engine = engine_mod.create(db_url)
    migrate.upgrade(engine, "0028")
    with engine.begin() as conn:
        add_campaign(conn)
        add_rep(conn)
        add_clients(conn, 1, 2, manager_id=1, at="2026-11-02 10:00:00")  # 05:00 in New York, a Monday
        add_clients(conn, 3, at="2026-11-03 15:30:00")  # 10:30 in New York, a Tuesday
        _filled_at_0028(conn)
    migrate.upgrade(engine, "0029")
    with engine.connect() as conn:
        assert {"cap_hour", "cap_weekday"} <= _columns(conn)
        assert _stored_rows(conn) == (0, 0, None)  # recomputed on the next read

    rules = load_rules(None)
    by_hour = {r["hour"]: r["clients"] for r in sla_rows(engine, by="hour", rules=rules)}
    assert by_hour == {5: 2, 10: 1}
    assert [(r["weekday"], r["clients"]) for r in sla_rows(engine, by="weekday", rules=rules)] == [
        ("Mon", 2),
        ("Tue", 1),
    ]
    with read(engine) as conn:  # answered from the stored counts, filled by that read
        assert speed_store.stored_sla(conn, rules, "hour", datetime.now(UTC))
        assert sorted(conn.execute(text("SELECT client_id, cap_hour, cap_weekday FROM client_speed"))) == [
            (1, 5, 0),
            (2, 5, 0),
            (3, 10, 1),
        ]

    migrate.downgrade(engine, "0028")
    with engine.connect() as conn:
        assert not {"cap_hour", "cap_weekday"} & _columns(conn)
        assert _stored_rows(conn) == (0, 0, None)
    with engine.begin() as conn:  # the 0028 layout takes 0028's rows again
        _filled_at_0028(conn)
    migrate.upgrade(engine, "head")
    assert _autogenerate_diff(db_url) == []
    engine.dispose()
