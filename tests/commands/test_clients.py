"""leadctl clients list|show on SQLite and PostgreSQL: filters, stable fields, one query a page,
merged clients hidden, history and timeline in show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, update

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.vocab import AssignmentEnd, AssignmentRule, Stage
from tests.commands.leads_fixtures import T0, Seeded, seed_leads
from tests.conftest import Leadctl


def _seed(leadctl: Leadctl) -> tuple[Seeded, Any]:
    engine = leadctl.engine()
    s = seed_leads(engine)
    with write(engine) as conn:
        ledger.start(
            conn,
            [NewAssignment(s.client["maria"], s.rep["ana"], s.campaign["Outbound Q1"], AssignmentRule.RANK)],
            actor="cron",
            at=T0,
        )
    return s, engine


def test_list_fields_and_filters(leadctl: Leadctl) -> None:
    s, _engine = _seed(leadctl)
    rows = leadctl.json("clients", "list")
    assert [r["id"] for r in rows] == [s.client["maria"], s.client["olu"]]
    maria = rows[0]
    assert list(maria) == [
        "id",
        "campaign",
        "rep",
        "assigned_at",
        "stage",
        "first_name",
        "last_name",
        "email",
        "business_phone",
        "mobile_phone",
        "timezone",
        "company",
        "lead_ids",
        "created_at",
    ]
    assert (maria["campaign"], maria["rep"], maria["stage"]) == (
        "Outbound Q1",
        "ana@example.com",
        "untouched",
    )
    assert maria["assigned_at"].startswith("2026-03-01T09:00:00")
    assert maria["lead_ids"] == [s.lead["maria"]]  # maria_dup only points at it (duplicate_of)
    assert rows[1]["rep"] is None and rows[1]["lead_ids"] == [s.lead["olu"]]

    def ids(*args: str) -> list[int]:
        return [r["id"] for r in leadctl.json("clients", "list", *args)]  # type: ignore[union-attr]

    assert ids("--unassigned") == [s.client["olu"]]
    assert ids("--rep", "ana@example.com") == [s.client["maria"]]
    assert ids("--rep", "ben@example.com") == []
    assert ids("--campaign", "Inbound") == [s.client["olu"]]
    assert ids("--bucket", "webinar") == [s.client["maria"]]
    assert ids("--search", "GARCIA") == [s.client["maria"]]
    assert ids("--search", "umbrella") == [s.client["olu"]]
    assert ids("--stage", "untouched") == [s.client["maria"], s.client["olu"]]
    assert ids("--stage", "engaged,appointment") == []
    table = leadctl("clients", "list").stdout
    assert "Maria Garcia" in table and "ana@example.com" in table


def test_paging_counts_and_bad_input(leadctl: Leadctl) -> None:
    s, _ = _seed(leadctl)
    result = leadctl("clients", "list", "--limit", "1", "--format", "json")
    assert "showing clients 1-1 of 2" in result.stderr
    second = leadctl.json("clients", "list", "--limit", "1", "--offset", "1")
    assert [r["id"] for r in second] == [s.client["olu"]]  # type: ignore[index]
    bad = leadctl("clients", "list", "--stage", "hot", ok=False)
    assert bad.exit_code == 1
    assert bad.stderr.strip().startswith("Error: stage 'hot' is not one of untouched")
    both = leadctl("clients", "list", "--rep", "ana@example.com", "--unassigned", ok=False)
    assert both.exit_code == 2
    missing = leadctl("clients", "list", "--campaign", "Nope", ok=False)
    assert missing.exit_code == 1 and "no campaign 'Nope'" in missing.stderr


def test_merged_clients_are_hidden(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    with write(engine) as conn:
        conn.execute(
            update(schema.client)
            .where(schema.client.c.id == s.client["olu"])
            .values(merged_into_id=s.client["maria"])
        )
    assert [r["id"] for r in leadctl.json("clients", "list")] == [s.client["maria"]]  # type: ignore[union-attr]
    shown = leadctl("clients", "show", str(s.client["olu"]), ok=False)
    assert shown.exit_code == 1
    assert f"was merged into client {s.client['maria']}" in shown.stderr


def test_one_query_per_page(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    from leadctl.services.work import clients

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = clients.list_clients(engine, limit=0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(page.rows) == 2
    assert len(statements) == 1, statements


def test_show_has_assignments_activities_and_timeline(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    maria = s.client["maria"]
    with write(engine) as conn:
        ledger.end(conn, [maria], AssignmentEnd.REASSIGNED, actor="ops", at=T0)
        ledger.start(
            conn,
            [NewAssignment(maria, s.rep["ben"], s.campaign["Outbound Q1"], AssignmentRule.MANUAL)],
            actor="ops",
            at=T0,
        )
        conn.execute(
            insert(schema.activity).values(
                activity_key="A-1",
                client_id=maria,
                rep_id=s.rep["ben"],
                campaign_id=s.campaign["Outbound Q1"],
                type="call",
                outcome="no_answer",
                at=T0,
                verified_dial=True,
                source="log",
                actor="ben",
                created_at=T0,
            )
        )
    shown = leadctl.json("clients", "show", f"client:{maria}")
    assert isinstance(shown, dict)
    assert shown["rep"] == "ben@example.com" and shown["stage"] == Stage.UNTOUCHED
    assert [(a["rep"], a["rule"], a["ended_reason"]) for a in shown["assignments"]] == [
        ("ana@example.com", "rank", "reassigned"),
        ("ben@example.com", "manual", None),
    ]
    assert [(a["type"], a["outcome"], a["rep"]) for a in shown["activities"]] == [
        ("call", "no_answer", "ben@example.com")
    ]
    assert [e["kind"] for e in shown["timeline"]] == ["assigned", "unassigned", "assigned"]
    table = leadctl("clients", "show", str(maria)).stdout
    assert "Assignments" in table and "Activities" in table and "no_answer" in table
    nope = leadctl("clients", "show", "abc", ok=False)
    assert nope.exit_code == 1 and "no client 'abc'" in nope.stderr
