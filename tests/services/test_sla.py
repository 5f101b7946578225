"""SLAs on both backends: first-contact and follow-up deadlines in business time, time away,
overrides, escalation that fires each level once per deadline, urgency, and the commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import func, insert, literal, select, update

from leadctl.rules import Rules, load_rules
from leadctl.services.assign.calendar import clock_from_rules
from leadctl.services.work import sla, sla_explain
from leadctl.services.work.business_sql import business_days, open_days
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from leadctl.vocab import AssignmentRule, EventKind
from tests.conftest import Leadctl
from tests.services.assign_factory import World

FRI_1630 = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)  # Friday 16:30 EST, before the DST weekend
MON_0900 = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT
H = timedelta(hours=1)
M = timedelta(minutes=1)


def captured_by(w: World, ids: list[int], rep: str, at: datetime) -> None:
    """Clients ``ids`` captured at ``at`` and assigned to ``rep`` then."""
    with write(w.engine) as conn:
        conn.execute(
            update(schema.client)
            .where(schema.client.c.id.in_(ids))
            .values(created_at=at, manager_id=w.rep[rep])
        )
        conn.execute(
            insert(schema.assignment),
            [
                dict(
                    client_id=c,
                    rep_id=w.rep[rep],
                    campaign_id=w.campaign["C"],
                    rule="manual",
                    reason={},
                    actor="t",
                    started_at=at,
                )
                for c in ids
            ],
        )


def world(url: str, n: int = 3, captured: datetime = FRI_1630) -> World:
    w = World(open_engine(url))
    w.add_campaign("C")
    w.add_rep("r1", campaigns=["C"])
    w.add_rep("r2", campaigns=["C"])
    captured_by(w, w.add_clients("C", n), "r1", captured)
    return w


def call(w: World, client: int, at: datetime, outcome: str = "no_answer") -> dict[str, object]:
    return dict(client_id=client, type="call", outcome=outcome, at=at, rep_id=w.rep["r1"])


def by_client(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["client_id"]: r for r in rows}


def test_first_contact_deadline_skips_the_weekend(db_url: str) -> None:
    w = world(db_url)
    a, b, c = w.clients
    w.add_activities([call(w, a, FRI_1630 + 20 * M)])  # met
    rules = load_rules(None)
    # Friday 16:55: 25 business minutes of 60 gone: running, not listed
    assert sla.check(w.engine, rules, at=FRI_1630 + 25 * M).rows == []
    # Monday 09:20 EDT: 30 min Friday + 20 min Monday = 50/60 -> about to breach
    rows = by_client(sla.check(w.engine, rules, at=MON_0900 + 20 * M).rows)
    assert set(rows) == {b, c}
    assert rows[b]["status"] == "at_risk" and rows[b]["share"] == pytest.approx(50 / 60, abs=1e-4)
    assert rows[b]["deadline"] == MON_0900 + 30 * M
    # Monday 09:45: breached, 75 of 60 minutes
    res = sla.check(w.engine, rules, at=MON_0900 + 45 * M)
    assert (res.breached, res.at_risk) == (2, 0)
    assert by_client(res.rows)[c]["share"] == pytest.approx(1.25)


def test_follow_up_cadence_max_attempts_and_terminal_stages(db_url: str) -> None:
    w = world(db_url, n=3, captured=MON_0900)
    a, b, c = w.clients
    w.add_activities(
        [call(w, a, MON_0900 + H)]
    )  # attempt 1 at 10:00 -> next touch within 1 business day (8 h)
    w.add_activities([call(w, b, MON_0900 + i * M) for i in range(6)])  # six attempts: no more follow-up SLA
    with write(w.engine) as conn:
        conn.execute(update(schema.client).where(schema.client.c.id == c).values(stage="disqualified"))
    rules = load_rules(None)
    tue_1200 = MON_0900 + 27 * H  # Tuesday 12:00: 7 h Monday + 3 h Tuesday = 10 h of 8
    rows = by_client(sla.check(w.engine, rules, at=tue_1200).rows)
    assert set(rows) == {a}
    assert rows[a]["sla"] == "follow_up" and rows[a]["calls"] == 1
    assert rows[a]["elapsed_h"] == 10 and rows[a]["allowed_h"] == 8
    assert rows[a]["deadline"] == MON_0900 + 25 * H  # Tuesday 10:00
    # an e-mail is a touch: the cadence restarts from it
    w.add_activities([dict(client_id=a, type="email", outcome="sent", at=tue_1200 - H, rep_id=w.rep["r1"])])
    assert sla.check(w.engine, rules, at=tue_1200).rows == []


def test_time_away_shifts_the_due_moment(db_url: str) -> None:
    w = world(db_url, n=1, captured=MON_0900)
    with write(w.engine) as conn:  # r1 away Monday 09:30-11:30 (2 business hours)
        conn.execute(
            insert(schema.rep_away).values(
                rep_id=w.rep["r1"],
                starts_at=MON_0900 + 30 * M,
                ends_at=MON_0900 + 150 * M,
                created_at=MON_0900,
                created_by="t",
            )
        )
    rules = load_rules(None)
    # 12:00: 3 h since capture, 2 h away -> 60 of 60 minutes: breached exactly at its due moment
    (row,) = sla.check(w.engine, rules, at=MON_0900 + 3 * H).rows
    assert row["share"] == 1.0 and row["deadline"] == MON_0900 + 3 * H
    assert sla.check(w.engine, rules, at=MON_0900 + 2 * H).rows == []  # 30 min counted
    explained = sla_explain.explain(w.engine, rules, w.clients[0], at=MON_0900 + 3 * H)
    assert explained["skipped_away_h"] == 2 and explained["deadline"] == MON_0900 + 3 * H


def test_an_old_time_away_before_every_open_sla_changes_nothing(db_url: str) -> None:
    """A rep's vacation long before any client still waiting (here two years back, before the
    business-day table of the check starts) overlaps no SLA: the check, escalation's state
    and explain count no time away, exactly as without it."""
    w = world(db_url, n=1, captured=MON_0900)
    rules = load_rules(None)
    at = MON_0900 + 3 * H  # 3 business hours since capture: breached, 180 of 60 minutes
    (plain,) = sla.check(w.engine, rules, at=at).rows
    with write(w.engine) as conn:
        conn.execute(
            insert(schema.rep_away).values(
                rep_id=w.rep["r1"],
                starts_at=MON_0900 - timedelta(days=730),
                ends_at=MON_0900 - timedelta(days=716),
                created_at=MON_0900 - timedelta(days=731),
                created_by="t",
            )
        )
    (row,) = sla.check(w.engine, rules, at=at).rows
    assert row["share"] == plain["share"] == 3.0
    assert row["deadline"] == plain["deadline"] == MON_0900 + H
    explained = sla_explain.explain(w.engine, rules, w.clients[0], at=at)
    assert explained["skipped_away_h"] == 0 and explained["deadline"] == MON_0900 + H


def test_bucket_override_and_from_capture(db_url: str, tmp_path: Path) -> None:
    w = world(db_url, n=2, captured=FRI_1630)
    with write(w.engine) as conn:
        conn.execute(
            update(schema.client).where(schema.client.c.id == w.clients[0]).values(bucket_label="vip")
        )
    path = tmp_path / "rules.yaml"
    path.write_text(
        "sla:\n  first_contact:\n    by_bucket: {vip: 10}\nbusiness_hours:\n  after_hours: from_capture\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    rows = by_client(sla.check(w.engine, rules, at=FRI_1630 + 50 * M).rows)
    assert rows[w.clients[0]]["status"] == "breached" and rows[w.clients[0]]["share"] == 5.0
    assert rows[w.clients[1]]["status"] == "at_risk"  # 50 of 60 clock minutes, Friday evening counts


def _escalations(w: World) -> list[tuple[int, str, str]]:
    E = schema.sla_escalation
    with w.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(E.c.client_id, E.c.level, E.c.action).order_by(E.c.id))]  # type: ignore[misc]


def test_escalation_fires_each_level_once_per_deadline(db_url: str) -> None:
    w = world(db_url, n=2, captured=MON_0900)
    a, b = w.clients
    rules: Rules = load_rules(None)
    first = sla.check(w.engine, rules, at=MON_0900 + 50 * M, escalate=True)
    assert first.fired == 2 and _escalations(w) == [
        (a, "warn", "raise_priority"),
        (b, "warn", "raise_priority"),
    ]
    again = sla.check(w.engine, rules, at=MON_0900 + 55 * M, escalate=True)
    assert again.fired == 0 and len(_escalations(w)) == 2  # cron again: nothing new
    late = sla.check(w.engine, rules, at=MON_0900 + 100 * M, escalate=True)  # 167%: manager and reassign
    assert late.fired == 4 and late.reassigned == 2
    assert {r["rep"] for r in late.rows} == {"r2@example.com"}
    sla.check(w.engine, rules, at=MON_0900 + 200 * M, escalate=True)
    assert len(_escalations(w)) == 6
    A, E = schema.assignment, schema.lead_event
    with w.engine.connect() as conn:
        active = dict(conn.execute(select(A.c.client_id, A.c.rule).where(A.c.ended_at.is_(None))).all())
        assert active == {a: AssignmentRule.ESCALATION, b: AssignmentRule.ESCALATION}
        events = conn.execute(select(E.c.data).where(E.c.kind == EventKind.ESCALATED)).scalars().all()
        managers = conn.execute(
            select(func.count()).where(schema.client.c.manager_id == w.rep["r2"])
        ).scalar()
    assert len(events) == 6 and managers == 2
    moved = [e for e in events if e["action"] == "reassign"]
    assert {e["to_rep_id"] for e in moved} == {w.rep["r2"]} and all(
        e["sla"] == "first_contact" for e in moved
    )
    # a contact after the breach ends the first-contact SLA; the follow-up SLA has its own deadline
    w.add_activities([call(w, a, MON_0900 + 201 * M)])
    assert a not in by_client(sla.check(w.engine, rules, at=MON_0900 + 202 * M).rows)


def test_urgency_is_the_share_of_the_open_sla(db_url: str) -> None:
    w = world(db_url, n=3, captured=MON_0900)
    a, b, c = w.clients
    w.add_activities([call(w, a, MON_0900 + 30 * M)])
    rules = load_rules(None)
    with w.engine.connect() as conn:
        got = sla.urgency(conn, rules, [a, b, c], MON_0900 + 90 * M)
    assert got == {a: pytest.approx(60 / 480), b: 1.5, c: 1.5}


def test_urgencies_over_batches_equal_urgency_per_batch(db_url: str) -> None:
    """The queue asks for urgency in up to three batches within one call: one day table and
    statement serve them all, grown when a later batch was captured earlier (with the rep's
    time away before everything), with the same shares as one call each."""
    w = world(db_url, n=2, captured=MON_0900)
    recent, old = w.clients
    with write(w.engine) as conn:
        conn.execute(
            update(schema.client)
            .where(schema.client.c.id == old)
            .values(created_at=MON_0900 - timedelta(days=40))
        )
    w.add_activities([call(w, recent, MON_0900 + 30 * M)])
    w.add_clients("C", 1)
    third = w.clients[-1]
    captured_by(w, [third], "r1", MON_0900 - timedelta(days=3))
    with write(w.engine) as conn:  # away long before anything was captured
        conn.execute(
            insert(schema.rep_away).values(
                rep_id=w.rep["r1"],
                starts_at=MON_0900 - timedelta(days=90),
                ends_at=MON_0900 - timedelta(days=89),
                created_at=MON_0900,
                created_by="t",
            )
        )
    rules = load_rules(None)
    at = MON_0900 + 90 * M
    with w.engine.connect() as conn:
        each = [sla.urgency(conn, rules, batch, at) for batch in ([recent], [old, recent], [third])]
        with sla.urgencies(conn, rules, at) as of:
            shared = [of(batch) for batch in ([recent], [old, recent], [third])]
    assert shared == each
    assert each[0] == {recent: pytest.approx(60 / 480)} and each[1][old] > 1.5 and each[2][third] > 1


@freeze_time("2026-03-09 14:30:00")  # Monday 10:30 EDT
def test_commands_check_fail_on_breach_and_explain(db_url: str) -> None:
    w = world(db_url, n=2, captured=FRI_1630)
    run = Leadctl(db_url)
    out = run("sla", "check", "--fail-on-breach", "--format", "json", ok=False)
    assert out.exit_code == 3
    rows = json.loads(out.stdout)
    assert [r["status"] for r in rows] == ["breached", "breached"] and rows[0]["share"] == 2.0
    assert "2 breached, 0 about to breach" in out.stderr
    assert run("sla", "check", "--campaign", "C").exit_code == 0
    explained = run.json("sla", "explain", str(w.clients[0]))
    assert explained["skipped_nights_h"] == 16 and explained["skipped_weekends_h"] == 47
    assert explained["deadline"].startswith("2026-03-09T13:30:00")
    table = run("sla", "explain", str(w.clients[0])).stdout
    assert "skipped_weekends_h" in table and "47" in table
    missing = run("sla", "explain", "999", ok=False)
    assert missing.exit_code == 1 and "client 999" in missing.stderr
    assert run("sla", "check", "--rep", "nobody@example.com", ok=False).exit_code == 1


def test_deadlines_in_sql_are_the_clocks_to_the_second(db_url: str, tmp_path: Path) -> None:
    """``B⁻¹`` in SQL (the open-day table) is ``BusinessClock.moment`` for every kind of
    moment: a day's opening and close, either side of them, across a weekend, the DST change
    (8 March 2026), a holiday (Good Friday is not one; a company holiday is) and past the end."""
    path = tmp_path / "rules.yaml"
    path.write_text("calendar:\n  company_holidays: ['2026-03-11']\n", encoding="utf-8")
    clock = clock_from_rules(load_rules(path))
    start, end = FRI_1630 - 3 * 24 * H, FRI_1630 + 10 * 24 * H
    engine = open_engine(db_url)
    with (
        write(engine) as conn,
        business_days(conn, clock, start, end),
        open_days(conn, clock, start, end) as od,
    ):
        rows = clock.day_rows(start, end)
        probes = sorted(
            {
                b + d
                for r in rows
                for b in (r.cum, r.cum + r.close - r.open, r.cum + 3600)
                for d in (-1, 0, 1)
                if 0 <= b + d <= od.last
            }
        )
        past = od.last + 1
        got = [conn.execute(select(od.moment(literal(b)))).scalar() for b in [*probes, past]]
    want = [int(clock.moment(b).timestamp()) for b in probes]
    assert got[:-1] == want and got[-1] is None  # past the table: NULL, Python computes it


def test_deadline_past_the_day_table_is_computed_in_python(db_url: str, tmp_path: Path) -> None:
    """A 200-business-day follow-up step at 75% has its deadline ~70 days ahead, past the
    table's 45-day horizon: the row still carries the clock's deadline."""
    w = world(db_url, n=1, captured=MON_0900 - 300 * 24 * H)
    (a,) = w.clients
    called = MON_0900 - 235 * 24 * H  # ~160 of 200 business days ago
    w.add_activities([call(w, a, called)])
    path = tmp_path / "rules.yaml"
    path.write_text("sla:\n  follow_up:\n    steps_business_days: [200]\n", encoding="utf-8")
    rules = load_rules(path)
    (row,) = sla.check(w.engine, rules, at=MON_0900).rows
    clock = clock_from_rules(rules)
    assert row["status"] == "at_risk" and row["deadline"] > MON_0900 + 45 * 24 * H
    assert row["deadline"] == clock.add_business_time(called, 200 * 8 * 3600).end


def test_check_table_limit_counts_by_sla_and_message_plurals(db_url: str) -> None:
    w = world(db_url, n=3, captured=FRI_1630)
    a, b, c = w.clients
    w.add_activities([call(w, a, FRI_1630 + 10 * M)])  # follow-up due 8 business hours later
    run = Leadctl(db_url)
    with freeze_time("2026-03-09 19:00:00"):  # Monday 15:00 EDT: a at 380 of 480 min, b and c 6.5x
        out = run("sla", "check", "--limit", "1", "--columns", "client_id,share")
        assert len(out.stdout.splitlines()) == 3 and str(b) in out.stdout.splitlines()[2]
        assert "2 more clients not shown (most overdue first): use --limit 0 or --format jsonl" in out.stderr
        assert "2 breached, 1 about to breach" in out.stderr
        assert "(first_contact: 2 breached, 0 about to; follow_up: 0 breached, 1 about to)" in out.stderr
        rows = run.json("sla", "check", "--format", "json")  # tools get every client
        assert [r["client_id"] for r in rows] == [b, c, a]
        assert [r["share"] for r in rows] == [6.5, 6.5, round(380 / 480, 4)]
        esc = run("sla", "check", "--escalate", "--limit", "2", "--format", "jsonl")
        assert len(esc.stdout.splitlines()) == 2 and "1 more client not shown" in esc.stderr
        assert "7 escalations fired, 2 clients reassigned" in esc.stderr
        again = run("sla", "check", "--escalate", "--format", "jsonl")
        assert "0 escalations fired, 0 clients reassigned" in again.stderr
    with freeze_time("2026-03-09 20:50:00"):  # 16:50: a past its deadline, b and c all fired
        late = run("sla", "check", "--escalate", "--fail-on-breach", ok=False)
        assert late.exit_code == 3 and "1 escalation fired, 0 clients reassigned" in late.stderr
