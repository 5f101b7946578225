"""leadctl dnc add|import|list|remove on SQLite and PostgreSQL: normalised values, matching
clients suppressed (stage, assignment ended, timeline), new leads screened at processing,
remove never resurrects a stage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import AssignmentRule
from tests.commands.leads_fixtures import T0, Seeded, seed_leads
from tests.conftest import Leadctl


def _seed(leadctl: Leadctl) -> tuple[Seeded, Any]:
    engine = leadctl.engine()
    s = seed_leads(engine)
    with write(engine) as conn:
        conn.execute(
            schema.client.update()
            .where(schema.client.c.id == s.client["olu"])
            .values(mobile_phone="+14155550123")
        )
        ledger.start(
            conn,
            [NewAssignment(s.client["maria"], s.rep["ana"], s.campaign["Outbound Q1"], AssignmentRule.RANK)],
            actor="cron",
            at=T0,
        )
    return s, engine


def _client(engine: Any, cid: int) -> tuple[str, list[str]]:
    with read(engine) as conn:
        stage = conn.execute(select(schema.client.c.stage).where(schema.client.c.id == cid)).scalar_one()
        E = schema.lead_event
        kinds = conn.execute(select(E.c.kind).where(E.c.client_id == cid).order_by(E.c.id)).scalars().all()
    return stage, list(kinds)


def test_add_suppresses_matching_clients(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    result = leadctl.json("dnc", "add", "--email", " Maria.Garcia@ACME.com ", "--reason", "asked by phone")
    assert isinstance(result, dict)
    assert (result["added"], result["clients_suppressed"], result["assignments_ended"]) == (1, 1, 1)
    assert result["entries"][0]["value"] == "maria.garcia@acme.com"
    stage, kinds = _client(engine, s.client["maria"])
    assert stage == "do_not_contact"
    assert kinds == ["assigned", "stage_changed", "unassigned", "suppressed"]
    with read(engine) as conn:
        assert ledger.active(conn, [s.client["maria"]]) == {}
        E = schema.lead_event
        data = conn.execute(select(E.c.data).where(E.c.kind == "suppressed")).scalar_one()
    assert data["kind"] == "email" and data["reason"] == "asked by phone"
    # the same again: reported, not repeated
    again = leadctl.json("dnc", "add", "--email", "maria.garcia@acme.com")
    assert (again["added"], again["already_listed"], again["clients_suppressed"]) == (0, 1, 0)  # type: ignore[index]
    # a phone in another spelling matches the client's mobile phone (E.164)
    by_phone = leadctl.json("dnc", "add", "--phone", "(415) 555-0123")
    assert by_phone["entries"][0]["value"] == "+14155550123"  # type: ignore[index]
    assert _client(engine, s.client["olu"])[0] == "do_not_contact"
    listed = leadctl.json("dnc", "list")
    assert [(r["kind"], r["value"]) for r in listed] == [  # type: ignore[union-attr]
        ("email", "maria.garcia@acme.com"),
        ("phone", "+14155550123"),
    ]
    assert leadctl.json("clients", "list", "--stage", "do_not_contact")  # both shown by stage
    bad = leadctl("dnc", "add", "--phone", "12", ok=False)
    assert bad.exit_code == 1 and bad.stderr.strip() == "Error: phone '12': not a phone number"
    usage = leadctl("dnc", "add", ok=False)
    assert usage.exit_code == 2


def test_remove_keeps_the_stage_and_says_so(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    leadctl("dnc", "add", "--email", "maria.garcia@acme.com")
    result = leadctl("dnc", "remove", "--email", "MARIA.GARCIA@acme.com", "--format", "json")
    row = json.loads(result.stdout)
    assert row["removed_by"] == "tester" and row["clients_still_do_not_contact"] == [s.client["maria"]]
    assert "stay do_not_contact" in result.stderr
    stage, kinds = _client(engine, s.client["maria"])
    assert stage == "do_not_contact" and kinds[-1] == "unsuppressed"
    assert leadctl.json("dnc", "list") == []
    assert len(leadctl.json("dnc", "list", "--all")) == 1  # type: ignore[arg-type]
    gone = leadctl("dnc", "remove", "--email", "maria.garcia@acme.com", ok=False)
    assert gone.exit_code == 1 and "not on the do-not-contact list" in gone.stderr


def test_import_rejects_bad_rows(leadctl: Leadctl, tmp_path: Path) -> None:
    s, engine = _seed(leadctl)
    path = tmp_path / "dnc.csv"
    path.write_text(
        "email,phone,reason\n"
        "olu@umbrella.org,,unsubscribed\n"
        ",415 555 0199,complaint\n"
        "not-an-email,,x\n"
        ",,\n"
        "OLU@umbrella.org,,twice\n",
        encoding="utf-8",
    )
    result = leadctl("dnc", "import", str(path), "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["already_listed"], summary["rejected"]) == (2, 1, 2)
    assert summary["clients_suppressed"] == 1  # olu by e-mail; no client has +14155550199
    assert f"{path} line 4: email: not an e-mail address" in result.stderr
    with read(engine) as conn:
        kept = conn.execute(select(schema.rejected_row.c.line_no, schema.rejected_row.c.command)).all()
    assert sorted(kept) == [(4, "dnc import"), (5, "dnc import")]


def test_processing_screens_new_leads(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("rep", "add", "mia@example.com", "--name", "Mia Park")
    leadctl("bucket", "create", "web", "--campaign", "Outbound", "--manager", "mia@example.com")
    leadctl("dnc", "add", "--phone", "+1 212 555 0143", "--reason", "litigator")
    path = tmp_path / "web.csv"
    path.write_text(
        "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone\n"
        "Ana,Silva,ana.silva@acme.com,VP Sales,Acme Inc,(415) 555-2671\n"
        "Robert,Stone,rob.stone@globex.com,CFO,Globex LLC,(212) 555-0143\n",
        encoding="utf-8",
    )
    leadctl("load", str(path), "--bucket", "web")
    leadctl("process")
    clients = {c["email"]: c for c in leadctl.json("clients", "list")}  # type: ignore[union-attr]
    assert clients["ana.silva@acme.com"]["stage"] == "untouched"
    bob = clients["rob.stone@globex.com"]
    assert bob["stage"] == "do_not_contact"
    leads = {r["email"]: r for r in leadctl.json("leads", "list")}  # type: ignore[union-attr]
    assert leads["ana.silva@acme.com"]["manager"] == "mia@example.com"
    assert leads["rob.stone@globex.com"]["manager"] is None  # never routed
    shown = leadctl.json("clients", "show", str(bob["id"]))
    suppressed = [e for e in shown["timeline"] if e["kind"] == "suppressed"]  # type: ignore[index]
    assert len(suppressed) == 1 and suppressed[0]["data"]["reason"] == "litigator"
