"""Stages: the transition table (table-driven), a client's journey through `activity log` on
both backends, out-of-order imports, the lost-deal rule (`stages refresh`), and `leadctl
stages` counts with the attempted-minimum warning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.services.work.stages import RULE, Step, fold
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import AssignmentRule, EventKind, Stage
from tests.commands.leads_fixtures import NOW, T0, Seeded, seed_leads
from tests.conftest import Leadctl

T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _steps(*specs: str) -> list[Step]:
    """``"call:no_answer:v"`` → a verified no-answer call; one minute apart, in order."""
    out = []
    for i, spec in enumerate(specs):
        typ, outcome, *flags = spec.split(":")
        out.append(Step(T1 + timedelta(minutes=i), i, typ, outcome, "v" in flags, f"k{i}"))
    return out


# (from-stage, activities in time order, expected stage) — written out by hand, not derived
# from stages.TRANSITIONS, so a wrong row in the table fails here.
CASES: list[tuple[str, tuple[str, ...], str]] = [
    ("untouched", ("call:no_answer",), "untouched"),  # not a verified dial
    ("untouched", ("call:no_answer:v",), "attempted"),
    ("untouched", ("call:voicemail:v",), "attempted"),
    ("untouched", ("call:wrong_number:v",), "untouched"),  # a wrong number reaches nobody
    ("attempted", ("call:no_answer:v",), "attempted"),
    ("untouched", ("call:conversation",), "engaged"),
    ("attempted", ("call:conversation",), "engaged"),
    ("appointment", ("call:conversation",), "appointment"),  # still booked
    ("attempted", ("email:opened", "email:clicked"), "attempted"),  # 2 < 3 (rules default)
    ("attempted", ("email:opened", "email:clicked", "email:opened"), "engaged"),
    ("untouched", ("email:sent",), "untouched"),
    ("untouched", ("email:replied",), "engaged"),
    ("untouched", ("meeting:booked",), "appointment"),
    ("engaged", ("meeting:confirmed",), "appointment"),
    ("appointment", ("meeting:no_show",), "engaged"),
    ("appointment", ("meeting:cancelled",), "engaged"),
    ("appointment", ("meeting:held_unqualified",), "engaged"),
    ("appointment", ("meeting:held_qualified",), "appointment"),
    ("engaged", ("meeting:booked", "meeting:no_show", "meeting:booked"), "appointment"),
    ("attempted", ("disposition:callback",), "engaged"),
    ("attempted", ("disposition:nurture",), "attempted"),
    ("engaged", ("disposition:feedback",), "engaged"),
    ("engaged", ("disposition:disqualified",), "disqualified"),
    ("appointment", ("disposition:converted",), "converted"),
    ("converted", ("call:conversation", "meeting:booked"), "converted"),  # terminal
    ("disqualified", ("meeting:booked",), "disqualified"),
    ("disqualified", ("disposition:converted",), "converted"),  # a later decision by a person
    ("converted", ("disposition:do_not_contact",), "do_not_contact"),
    ("do_not_contact", ("disposition:converted", "call:conversation"), "do_not_contact"),
    ("appointment", ("disposition:lost",), "appointment"),  # parked until the re-engage window
    ("appointment", ("disposition:lost", "rule:lost_reengage"), "engaged"),
    ("engaged", ("intent:demo_request",), "engaged"),
]


@pytest.mark.parametrize(("start", "specs", "expected"), CASES)
def test_transition_table(start: str, specs: tuple[str, ...], expected: str) -> None:
    steps = _steps(*specs)
    steps = [Step(s.at, s.order, RULE, s.outcome) if s.type == "rule" else s for s in steps]
    got = fold(
        steps, email_engagement=3, inbound=frozenset({"inbound"}), in_swimlane=True, start=Stage(start)
    )
    assert got.stage == expected


def test_inbound_moves_only_in_the_reps_swimlane() -> None:
    inbound = _steps("intent:inbound")
    kw: dict[str, Any] = {"email_engagement": 3, "inbound": frozenset({"inbound"})}
    assert fold(inbound, in_swimlane=True, **kw).stage == Stage.ENGAGED
    assert fold(inbound, in_swimlane=False, **kw).stage == Stage.UNTOUCHED
    demo = _steps("intent:demo_request")
    assert fold(demo, in_swimlane=True, **kw).stage == Stage.UNTOUCHED  # not an inbound outcome by default
    kw["inbound"] = frozenset({"inbound", "demo_request"})
    assert fold(demo, in_swimlane=True, **kw).stage == Stage.ENGAGED


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


def _log(leadctl: Leadctl, client: int, typ: str, outcome: str, at: str, *more: str) -> str:
    row = leadctl.json(
        "activity", "log", "--client", str(client), "--rep", "ana@example.com", "--type", typ, "--outcome", outcome,
        "--at", at, *more,
    )  # fmt: skip
    assert isinstance(row, dict)
    return str(row["stage"])


def _moves(engine: Any, client: int) -> list[tuple[str, str, str]]:
    E = schema.lead_event
    with read(engine) as conn:
        rows = conn.execute(
            select(E.c.data)
            .where(E.c.client_id == client, E.c.kind == EventKind.STAGE_CHANGED)
            .order_by(E.c.id)
        ).scalars()
        return [(d["from"], d["to"], d["cause"]) for d in rows]


def test_a_clients_journey_through_activity_log(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    maria = s.client["maria"]
    with freeze_time(NOW):
        journey = [
            ("call", "no_answer", "2026-03-10T10:00", [], "untouched"),
            ("call", "no_answer", "2026-03-11T10:00", ["--verified-dial"], "attempted"),
            ("call", "conversation", "2026-03-12T10:00", [], "engaged"),
            ("meeting", "booked", "2026-03-12T10:05", ["--meeting-at", "2026-03-16T15:00"], "appointment"),
            ("meeting", "no_show", "2026-03-16T15:20", [], "engaged"),
            ("meeting", "booked", "2026-03-17T09:00", ["--meeting-at", "2026-03-19T15:00"], "appointment"),
            ("disposition", "converted", "2026-03-19T16:00", [], "converted"),
            ("call", "conversation", "2026-03-20T10:00", [], "converted"),
        ]
        for typ, outcome, at, more, expected in journey:
            assert _log(leadctl, maria, typ, outcome, at, *more) == expected, (typ, outcome)
    moves = _moves(engine, maria)
    assert [(f, t) for f, t, _ in moves] == [
        ("untouched", "attempted"),
        ("attempted", "engaged"),
        ("engaged", "appointment"),
        ("appointment", "engaged"),
        ("engaged", "appointment"),
        ("appointment", "converted"),
    ]
    assert all(cause.startswith("activity:sha1:") for _, _, cause in moves)
    with read(engine) as conn:
        C = schema.client
        stage_at = conn.execute(select(C.c.stage_at).where(C.c.id == maria)).scalar_one()
    assert stage_at == datetime(2026, 3, 19, 16, 0, tzinfo=UTC)  # when the deciding activity happened
    shown = leadctl.json("clients", "show", str(maria))
    assert shown["stage"] == "converted"  # type: ignore[index]


def test_out_of_order_import_lands_in_time_order(leadctl: Leadctl, tmp_path: Path) -> None:
    s, engine = _seed(leadctl)
    maria = s.client["maria"]
    head = "activity_id,at,rep,client_id,type,outcome,verified_dial,meeting_at"
    late = tmp_path / "late.csv"
    late.write_text(
        f"{head}\nm-2,2026-03-16T15:20Z,ana@example.com,{maria},meeting,no_show,,\n", encoding="utf-8"
    )
    early = tmp_path / "early.csv"
    early.write_text(
        f"{head}\nm-1,2026-03-12T10:00Z,ana@example.com,{maria},meeting,booked,,2026-03-16T15:00Z\n"
        f"c-1,2026-03-11T10:00Z,ana@example.com,{maria},call,no_answer,true,\n",
        encoding="utf-8",
    )
    leadctl("activity", "import", str(late))  # the no-show arrives first: a missed meeting → engaged
    with read(engine) as conn:
        assert (
            conn.execute(select(schema.client.c.stage).where(schema.client.c.id == maria)).scalar()
            == "engaged"
        )
    leadctl("activity", "import", str(early))  # the earlier booking does not undo the later no-show
    leadctl("activity", "import", str(early))  # re-import: nothing changes, no event
    with read(engine) as conn:
        assert (
            conn.execute(select(schema.client.c.stage).where(schema.client.c.id == maria)).scalar()
            == "engaged"
        )
    assert _moves(engine, maria) == [("untouched", "engaged", "activity:m-2")]
    # a booking after the no-show (also imported late) is the latest fact: appointment
    later = tmp_path / "later.csv"
    later.write_text(
        f"{head}\nm-3,2026-03-18T09:00Z,ana@example.com,{maria},meeting,booked,,\n", encoding="utf-8"
    )
    leadctl("activity", "import", str(later))
    assert _moves(engine, maria)[-1] == ("engaged", "appointment", "activity:m-3")


def test_lost_deal_reengages_through_refresh_once(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    maria, olu = s.client["maria"], s.client["olu"]
    with freeze_time("2026-01-10T12:00:00Z"):
        _log(leadctl, maria, "meeting", "booked", "2026-01-05T10:00")
        _log(leadctl, maria, "disposition", "lost", "2026-01-09T10:00")
        _log(leadctl, olu, "meeting", "booked", "2025-01-05T10:00")
        _log(leadctl, olu, "disposition", "lost", "2025-01-09T10:00")  # two years before the check
    with freeze_time("2026-05-01T12:00:00Z"):  # 4 months later: too early
        assert leadctl.json("stages", "refresh")["moved"] == 0  # type: ignore[index]
    with freeze_time("2026-08-01T12:00:00Z"):  # ~7 months: re-engage (olu's deal is too old)
        assert leadctl.json("stages", "refresh") == {"examined": 1, "moved": 1}
        assert leadctl.json("stages", "refresh")["moved"] == 0  # type: ignore[index]
        # a later activity re-folds the history: the rule's event keeps the client engaged
        _log(leadctl, maria, "call", "no_answer", "2026-08-01T11:00", "--verified-dial")
    with read(engine) as conn:
        C = schema.client
        stages = dict(conn.execute(select(C.c.id, C.c.stage).where(C.c.id.in_([maria, olu]))).all())
    assert stages == {maria: "engaged", olu: "appointment"}
    assert _moves(engine, maria)[-1] == ("appointment", "engaged", "rule:lost_reengage")


def test_stages_counts_per_rep_and_warns_below_minimum(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    with write(engine) as conn:
        ledger.start(
            conn,
            [NewAssignment(s.client["olu"], s.rep["ben"], s.campaign["Inbound"], AssignmentRule.RANK)],
            actor="cron",
            at=T0,
        )
        conn.execute(
            update(schema.client).where(schema.client.c.id == s.client["olu"]).values(stage=Stage.ATTEMPTED)
        )
    result = leadctl("stages", "--format", "json")
    rows = {r["rep"]: r for r in json.loads(result.stdout)}
    assert rows["ana@example.com"]["untouched"] == 1 and rows["ana@example.com"]["total"] == 1
    assert rows["ben@example.com"]["attempted"] == 1
    assert rows["ana@example.com"]["below_minimum"] is True  # setter: 0 attempted < 100
    assert rows["ben@example.com"]["attempted_minimum"] == 50
    assert "ana@example.com holds 0 attempted clients, below the minimum of 100 for a setter" in result.stderr
    one = leadctl.json("stages", "--campaign", "Inbound")
    assert {r["rep"]: r["total"] for r in one} == {"ben@example.com": 1}  # type: ignore[union-attr]
    table = leadctl("stages", "--rep", "ben@example.com").stdout
    assert "BELOW MIN" in table and "ana@" not in table
    bad = leadctl("stages", "--rep", "nobody@example.com", ok=False)
    assert bad.exit_code == 1 and "no rep 'nobody@example.com'" in bad.stderr
