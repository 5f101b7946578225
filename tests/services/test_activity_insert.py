"""The one insertion point of activities returns the ids of the rows it inserted (the stages hook)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from leadctl.rules import load_rules
from leadctl.services.work import activities, activity_import
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from leadctl.vocab import EventKind, Stage
from tests.services.assign_factory import T0, World

RULES = load_rules(None)


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
            rules=RULES,
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
            rules=RULES,
        )
        stored = dict(conn.execute(select(schema.activity.c.activity_key, schema.activity.c.id)).all())
    assert sorted(first) == sorted([stored["k1"], stored["k2"]])
    assert again == [stored["k3"]]  # k2 was there already; k3 repeated is inserted once
    with write(w.engine) as conn:
        assert (
            activities.insert_activities(
                conn, [_row("k1", a, rep, camp, second_at)], at=second_at, actor="t", rules=RULES
            )
            == []
        )
        assert activities.insert_activities(conn, [], at=second_at, actor="t", rules=RULES) == []


def test_the_hooks_use_the_rules_they_are_given(db_url: str, tmp_path: Path) -> None:
    """Stages and compliance judge by the rules passed in, not by a file found elsewhere: with
    ``stages.email_engagement: 1`` one opened e-mail makes the client engaged, and with a
    calling window closed all day a call is a violation (defaults: neither)."""
    path = tmp_path / "rules.yaml"
    path.write_text(
        "stages:\n  email_engagement: 1\n"
        "calling:\n  default: {weekdays: '09:00-09:01', saturday: '09:00-09:01', sunday: '09:00-09:01'}\n"
        "  regions: {}\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    w = World(open_engine(db_url))
    camp = w.add_campaign("Outbound")
    rep = w.add_rep("ana", campaigns=["Outbound"])
    (a,) = w.add_clients("Outbound", 1)
    opened = ("e1", a, rep, camp, "email", "opened", T0, False) + (None,) * 4 + ("test", "t", T0)
    call = (
        ("c1", a, rep, camp, "call", "no_answer", T0.replace(hour=3), True) + (None,) * 4 + ("test", "t", T0)
    )
    with write(w.engine) as conn:
        activities.insert_activities(conn, [opened, call], at=T0, actor="t", rules=rules)
        stage = conn.execute(select(schema.client.c.stage).where(schema.client.c.id == a)).scalar_one()
        kinds = list(
            conn.execute(select(schema.lead_event.c.kind).where(schema.lead_event.c.client_id == a)).scalars()
        )
    assert stage == Stage.ENGAGED
    assert EventKind.CALL_VIOLATION in kinds


def test_an_import_grows_the_planner_statistics_without_waiting_for_another_analyze(
    db_url: str, tmp_path: Path
) -> None:
    """PostgreSQL: a multi-chunk import into a table the planner last saw empty analyses it as it
    grows (inside its transaction: the rows it counts are the import's own), and while another
    transaction holds the ANALYZE lock the import skips that step at once instead of waiting
    (which two importers waiting for each other's rows could turn into a deadlock)."""
    import pytest

    w = World(open_engine(db_url))
    if w.engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    w.add_campaign("Outbound")
    w.add_rep("ana", campaigns=["Outbound"])
    clients = w.add_clients("Outbound", 3)
    with write(w.engine) as conn:
        conn.exec_driver_sql("ANALYZE activity")  # the planner's figure: empty
    lines = ["activity_id,at,rep,client_id,type,outcome"]
    lines += [
        f"a{i},{(T0 + timedelta(minutes=i)).isoformat()},ana@example.com,{clients[i % 3]},call,conversation"
        for i in range(6)
    ]
    csv = tmp_path / "calls.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tuples = "SELECT reltuples FROM pg_class WHERE oid = 'activity'::regclass"
    with open_engine(db_url).connect() as other:
        holding = other.begin()
        other.exec_driver_sql("ANALYZE activity")  # its lock is held until this ends
        started = time.monotonic()
        summary = activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=2)
        waited = time.monotonic() - started
        holding.rollback()
        assert summary.imported == 6, summary.rejections
        assert waited < 20  # never waited for the lock (the engine's lock_timeout is 60 s)
    summary = activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=2)
    assert summary.already_imported == 6
    lines = ["activity_id,at,rep,client_id,type,outcome"]
    lines += [
        f"b{i},{(T0 + timedelta(hours=i)).isoformat()},ana@example.com,{clients[i % 3]},email,sent"
        for i in range(6)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert activity_import.import_file(w.engine, RULES, str(csv), chunk_rows=2).imported == 6
    with w.engine.connect() as conn:
        assert conn.exec_driver_sql(tuples).scalar_one() >= 8  # analysed while it grew: its own rows too


def test_an_imports_statements_are_driven_by_its_rows_not_by_every_stored_activity_of_a_type(
    sqlite_url: str, tmp_path: Path
) -> None:
    """SQLite, which keeps no statistics: offered ``type = 'call'`` beside the chunk's ids or
    clients, its planner drove the compliance join, the booking probes, recycling's and the
    touch gaps' look-ups from ``ix_activity_type_at_client_id`` — every stored activity of that
    type per statement, so each chunk of a big import cost in proportion to the whole table
    (a 1M-row import spent 164 s in the compliance join alone). Every statement an import
    runs is planned here, afterwards, on the same database: none reads a type's whole range."""
    import sqlite3

    from sqlalchemy import event

    w = World(open_engine(sqlite_url))
    w.add_campaign("Outbound")
    w.add_rep("ana", campaigns=["Outbound"])
    clients = w.add_clients("Outbound", 4)
    kinds = ["call,no_answer", "call,conversation", "email,sent", "meeting,booked", "meeting,held_qualified"]

    def write_csv(prefix: str, n: int) -> Path:
        lines = ["activity_id,at,rep,client_id,type,outcome"]
        lines += [
            f"{prefix}{i},{(T0 + timedelta(minutes=7 * i)).isoformat()},ana@example.com,"
            f"{clients[i % 4]},{kinds[i % 5]}"
            for i in range(n)
        ]
        path = tmp_path / f"{prefix}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    activity_import.import_file(w.engine, RULES, str(write_csv("old", 200)))  # a stored history
    seen: list[tuple[str, object]] = []

    def capture(_c: object, _cur: object, statement: str, params: object, _ctx: object, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            seen.append((statement, params))

    event.listen(w.engine, "before_cursor_execute", capture)
    try:
        assert (
            activity_import.import_file(w.engine, RULES, str(write_csv("new", 40)), chunk_rows=10).imported
            == 40
        )
    finally:
        event.remove(w.engine, "before_cursor_execute", capture)
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        plans = [raw.execute(f"EXPLAIN QUERY PLAN {s}", p).fetchall() for s, p in seen]  # type: ignore[arg-type]
    assert len(plans) > 20
    by_type = [
        s
        for (s, _p), plan in zip(seen, plans, strict=True)
        if any("ix_activity_type_at" in x[3] for x in plan)
    ]
    assert by_type == []
