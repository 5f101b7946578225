"""leadctl lists: fixed lists follow the latest relevant activity; custom lists keep the rep's
own clients with listed/unlisted events; disqualified/do-not-contact leave every list."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from freezegun import freeze_time
from sqlalchemy import insert, select

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import AssignmentRule, EventKind
from tests.commands.leads_fixtures import NOW, T0, Seeded, seed_leads
from tests.conftest import Leadctl

ANA = "ana@example.com"


def _world(leadctl: Leadctl) -> tuple[Seeded, dict[str, int], Any]:
    engine = leadctl.engine()
    s = seed_leads(engine)
    camp = s.campaign["Outbound Q1"]
    ids = {"maria": s.client["maria"]}
    with write(engine) as conn:
        for key in ("bo", "cy", "di"):
            ids[key] = int(
                conn.execute(
                    insert(schema.client).values(
                        campaign_id=camp,
                        first_name=key.title(),
                        last_name="Test",
                        email=f"{key}@corp.com",
                        custom={},
                        created_at=T0,
                        updated_at=T0,
                    )  # fmt: skip
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        ledger.start(
            conn,
            [NewAssignment(cid, s.rep["ana"], camp, AssignmentRule.RANK) for cid in ids.values()]
            + [NewAssignment(s.client["olu"], s.rep["ben"], s.campaign["Inbound"], AssignmentRule.RANK)],
            actor="cron",
            at=T0,
        )
    return s, ids, engine


def _log(leadctl: Leadctl, client: int, typ: str, outcome: str, at: str) -> None:
    leadctl(
        "activity",
        "log",
        "--client",
        str(client),
        "--rep",
        ANA,
        "--type",
        typ,
        "--outcome",
        outcome,
        "--at",
        at,
    )


def _counts(leadctl: Leadctl) -> dict[str, int]:
    return {r["list"]: r["clients"] for r in leadctl.json("lists", "--rep", ANA)}  # type: ignore[union-attr]


def _members(leadctl: Leadctl, name: str) -> list[int]:
    return [r["client_id"] for r in leadctl.json("lists", "show", name, "--rep", ANA)]  # type: ignore[union-attr]


def test_fixed_lists_follow_the_latest_activity(leadctl: Leadctl) -> None:
    s, c, engine = _world(leadctl)
    with freeze_time(NOW):
        _log(leadctl, c["maria"], "call", "no_answer", "2026-03-10T10:00")
        _log(leadctl, c["bo"], "meeting", "booked", "2026-03-10T11:00")
        _log(leadctl, c["cy"], "disposition", "nurture", "2026-03-11T10:00")
        _log(leadctl, c["cy"], "email", "replied", "2026-03-11T11:00")
        _log(leadctl, c["cy"], "disposition", "feedback", "2026-03-11T12:00")  # latest disposition now
        _log(leadctl, c["di"], "intent", "inbound", "2026-03-12T10:00")
        assert _counts(leadctl) == {
            "Missed Calls": 2,
            "No Shows & Cancels": 0,
            "Nurture": 0,  # the feedback disposition came after the nurture one
            "Booked Meetings": 1,
            "Feedback Received": 1,
            "Email Responses": 1,
        }
        assert _members(leadctl, "missed-calls") == [c["di"], c["maria"]]  # latest first
        _log(leadctl, c["maria"], "call", "conversation", "2026-03-13T10:00")  # reached: off the list
        _log(leadctl, c["bo"], "meeting", "no_show", "2026-03-13T11:00")
        _log(
            leadctl, c["cy"], "disposition", "callback", "2026-03-13T12:00"
        )  # a nurture outcome in the rules
        _log(leadctl, c["di"], "disposition", "disqualified", "2026-03-13T13:00")  # leaves every list
        after = _counts(leadctl)
    assert after["Missed Calls"] == 0 and after["Booked Meetings"] == 0
    assert after["No Shows & Cancels"] == 1 and after["Nurture"] == 1
    shown = leadctl.json("lists", "show", "No Shows & Cancels", "--rep", ANA)
    assert shown == [  # type: ignore[comparison-overlap]
        {
            "client_id": c["bo"], "name": "Bo Test", "email": "bo@corp.com", "company": None, "stage": "engaged",
            "last": "meeting no_show", "at": "2026-03-13T11:00:00+00:00", "meeting_at": None, "callback_at": None,
        }
    ]  # fmt: skip
    table = leadctl("lists", "show", "nurture", "--rep", ANA)
    assert "Cy Test" in table.stdout and "the latest disposition is one of nurture.outcomes" in table.stderr
    assert leadctl.json("lists", "--rep", "ben@example.com")[0]["clients"] == 0  # type: ignore[index]


def test_custom_lists_create_add_remove_delete(leadctl: Leadctl) -> None:
    s, c, engine = _world(leadctl)
    created = leadctl.json("lists", "create", "Call Friday", "--rep", ANA)
    assert created["list"] == "Call Friday"  # type: ignore[index]
    dup = leadctl("lists", "create", "call friday", "--rep", ANA, ok=False)
    assert dup.exit_code == 1 and "already has a list 'call friday'" in dup.stderr
    fixed = leadctl("lists", "create", "missed calls", "--rep", ANA, ok=False)
    assert "is a fixed list" in fixed.stderr
    added = leadctl.json("lists", "add", "Call Friday", str(c["maria"]), str(c["bo"]), "--rep", ANA)
    assert (added["added"], added["already_members"]) == (2, 0)  # type: ignore[index]
    again = leadctl.json("lists", "add", "call friday", str(c["bo"]), str(c["cy"]), "--rep", ANA)
    assert (again["added"], again["already_members"]) == (1, 1)  # type: ignore[index]
    theirs = leadctl(
        "lists", "add", "Call Friday", str(c["di"]), str(s.client["olu"]), "--rep", ANA, ok=False
    )
    assert theirs.exit_code == 1 and f"client {s.client['olu']}: not assigned to {ANA}" in theirs.stderr
    assert _members(leadctl, "Call Friday") == [c["maria"], c["bo"], c["cy"]]  # di was not added either
    missing = leadctl("lists", "add", "Nope", str(c["di"]), "--rep", ANA, ok=False)
    assert "no custom list 'Nope'" in missing.stderr
    assert leadctl("lists", "add", "Call Friday", "x", "--rep", ANA, ok=False).exit_code == 2

    _log(leadctl, c["cy"], "disposition", "do_not_contact", "2026-03-13T13:00")  # hidden from now on
    out = leadctl("lists", "show", "Call Friday", "--rep", ANA, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [int(r["client_id"]) for r in rows] == [c["maria"], c["bo"]]
    assert "1 member(s) not shown" in out.stderr
    assert _counts(leadctl)["Call Friday"] == 2

    removed = leadctl.json("lists", "remove", "Call Friday", str(c["bo"]), str(c["di"]), "--rep", ANA)
    assert (removed["removed"], removed["not_members"]) == (1, 1)  # type: ignore[index]
    gone = leadctl.json("lists", "delete", "Call Friday", "--rep", ANA)
    assert gone["members"] == 2  # type: ignore[index]
    assert "Call Friday" not in _counts(leadctl)
    E = schema.lead_event
    with read(engine) as conn:
        events = conn.execute(
            select(E.c.client_id, E.c.kind, E.c.data["list"].as_string())
            .where(E.c.kind.in_([EventKind.LISTED, EventKind.UNLISTED]))
            .order_by(E.c.id)
        ).all()
        left = conn.execute(select(schema.custom_list_member)).all()
    assert [(cid, k) for cid, k, _ in events] == [
        (c["maria"], "listed"),
        (c["bo"], "listed"),
        (c["cy"], "listed"),
        (c["bo"], "unlisted"),
        (c["maria"], "unlisted"),  # the delete, by client id
        (c["cy"], "unlisted"),
    ]
    assert {name for _, _, name in events} == {"Call Friday"} and left == []
    assert json.loads(leadctl("lists", "--rep", ANA, "--format", "json").stdout)[0]["type"] == "fixed"
    assert leadctl("lists", ok=False).exit_code == 2
