"""leadctl activity log|import on SQLite and PostgreSQL: outcomes fit types, leads resolve to
clients, bad rows rejected with file/line/reason and kept, re-import adds nothing, terminal
dispositions take the client out of every list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from freezegun import freeze_time
from sqlalchemy import func, select

from leadctl.services.assign import ledger
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import AssignmentRule
from tests.commands.leads_fixtures import NOW, T0, Seeded, seed_leads
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


def _count(engine: Any, table: Any) -> int:
    with read(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_log_by_client_and_by_lead(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    with freeze_time(NOW):
        row = leadctl.json(
            "activity",
            "log",
            "--client",
            str(s.client["maria"]),
            "--rep",
            "ana@example.com",
            "--type",
            "call",
            "--outcome",
            "no_answer",
            "--verified-dial",
            "--duration",
            "35",
        )
    assert isinstance(row, dict)
    assert (row["client_id"], row["type"], row["outcome"], row["verified_dial"], row["duration_s"]) == (
        s.client["maria"],
        "call",
        "no_answer",
        True,
        35,
    )
    assert row["at"].startswith("2026-03-20T12:00:00") and row["recorded"] is True
    by_lead = leadctl.json(
        "activity",
        "log",
        "--lead",
        str(s.lead["olu"]),
        "--rep",
        "ben@example.com",
        "--type",
        "email",
        "--outcome",
        "replied",
        "--at",
        "2026-03-18T10:00",
    )
    assert by_lead["client_id"] == s.client["olu"]  # type: ignore[index]
    again = leadctl(
        "activity",
        "log",
        "--lead",
        str(s.lead["olu"]),
        "--rep",
        "ben@example.com",
        "--type",
        "email",
        "--outcome",
        "replied",
        "--at",
        "2026-03-18T10:00",
    )
    assert "Already recorded" in again.stderr
    assert _count(engine, schema.activity) == 2


def test_log_errors_name_the_field(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    base = ["activity", "log", "--rep", "ana@example.com", "--type", "call"]
    cases = [
        (
            [*base, "--client", str(s.client["maria"]), "--outcome", "booked"],
            "outcome: does not fit the type",
        ),
        (
            [*base, "--lead", str(s.lead["john"]), "--outcome", "no_answer"],
            f"lead {s.lead['john']}: the lead is not a client yet",
        ),
        ([*base, "--client", "99999", "--outcome", "no_answer"], "client 99999: no such client"),
        (
            ["activity", "log", "--rep", "zed@example.com", "--type", "call", "--outcome", "voicemail"]
            + ["--client", str(s.client["maria"])],
            "no rep 'zed@example.com'",
        ),
    ]
    for args, text in cases:
        result = leadctl(*args, ok=False)
        assert result.exit_code == 1, result.stderr
        assert result.stderr.startswith("Error: ") and text in result.stderr, result.stderr
    usage = leadctl(*base, "--outcome", "no_answer", ok=False)
    assert usage.exit_code == 2 and "exactly one of --client ID or --lead ID" in usage.stderr
    assert _count(engine, schema.activity) == 0


def _csv(tmp_path: Path, s: Seeded) -> Path:
    maria, olu = s.client["maria"], s.client["olu"]
    lines = [
        "Activity ID,At,Rep,Client ID,Lead ID,Email,Type,Outcome,Verified Dial,Duration,Note,Extra",
        f"c-1,2026-03-19T10:00:00Z,ana@example.com,{maria},,,call,no_answer,true,20,,x",
        f"c-2,2026-03-19T11:00:00Z,ana@example.com,,{s.lead['maria']},,call,conversation,yes,300,good talk,",
        ",2026-03-19T12:00:00Z,ben@example.com,,,OLU@umbrella.org,email,opened,,,,",
        f"c-4,2026-03-19T13:00:00Z,ana@example.com,{maria},,,call,booked,,,,",  # outcome misfit
        f"c-5,yesterday-ish,ana@example.com,{maria},,,call,no_answer,,,,",  # bad time
        f"c-6,2026-03-19T13:00:00Z,ana@example.com,,{s.lead['john']},,call,no_answer,,,,",  # not a client
        "c-7,2026-03-19T13:00:00Z,ana@example.com,,,nobody@example.com,call,no_answer,,,,",
        f"c-8,2026-03-19T13:00:00Z,ana@example.com,{olu},,,fax,sent,,,,",
        f"c-9,2026-03-19T14:00:00Z,ben@example.com,{olu},,,disposition,do-not-contact,,,asked us to stop,",
        f"c-10,2026-03-19T15:00:00Z,ana@example.com,{maria},,,disposition,disqualified,,,,",
    ]
    path = tmp_path / "dialer.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_rejects_bad_rows_keeps_them_and_is_idempotent(leadctl: Leadctl, tmp_path: Path) -> None:
    s, engine = _seed(leadctl)
    path = _csv(tmp_path, s)
    result = leadctl("activity", "import", str(path), "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["rows_read"], summary["imported"], summary["already_imported"], summary["rejected"]) == (
        10,
        5,
        0,
        5,
    )
    assert summary["rejected_by_reason"] == {
        "outcome: does not fit the type": 1,
        "at: not a date/time": 1,
        "lead_id: the lead is not a client yet (process it first)": 1,
        "email: no client has this e-mail": 1,
        "type: not one of call, email, meeting, disposition": 1,
    }
    assert summary["ignored_columns"] == ["Extra"]
    assert summary["stages_changed"] == 2 and summary["assignments_ended"] == 1
    assert f"rejected: {path} line 5: outcome: does not fit the type" in result.stderr
    assert f"{path} line 7: lead_id: the lead is not a client yet" in result.stderr
    with read(engine) as conn:
        rej = schema.rejected_row
        kept = conn.execute(select(rej.c.line_no, rej.c.raw, rej.c.reasons).order_by(rej.c.line_no)).all()
        assert [k.line_no for k in kept] == [5, 6, 7, 8, 9]
        assert kept[0].raw["Activity ID"] == "c-4"
        C = schema.client
        stages = dict(conn.execute(select(C.c.id, C.c.stage)).all())
        assert stages == {s.client["maria"]: "disqualified", s.client["olu"]: "do_not_contact"}
        assert ledger.active(conn, [s.client["maria"]]) == {}
        E = schema.lead_event
        changed = conn.execute(
            select(E.c.client_id, E.c.data).where(E.c.kind == "stage_changed").order_by(E.c.client_id)
        ).all()
        assert [(c.client_id, c.data["to"], c.data["cause"]) for c in changed] == [
            (s.client["maria"], "disqualified", "activity:c-10"),
            (s.client["olu"], "do_not_contact", "activity:c-9"),
        ]
        A = schema.activity
        by_email = conn.execute(select(A.c.client_id, A.c.activity_key).where(A.c.type == "email")).one()
        assert by_email.client_id == s.client["olu"] and by_email.activity_key.startswith("sha1:")
        lead_row = conn.execute(select(A.c.client_id).where(A.c.activity_key == "c-2")).scalar_one()
        assert lead_row == s.client["maria"]

    again = json.loads(leadctl("activity", "import", str(path), "--format", "json").stdout)
    assert (again["imported"], again["already_imported"], again["rejected"]) == (0, 5, 5)
    assert again["stages_changed"] == 0
    assert _count(engine, schema.activity) == 5
    table = leadctl("activity", "import", str(path)).stdout
    assert "already imported" in table


def test_import_jsonl_from_stdin_and_ambiguous_email(leadctl: Leadctl) -> None:
    s, engine = _seed(leadctl)
    with write(engine) as conn:  # a second client with olu's e-mail: e-mail no longer identifies one
        conn.execute(
            schema.client.insert().values(
                campaign_id=s.campaign["Inbound"],
                email="olu@umbrella.org",
                custom={},
                created_at=T0,
                updated_at=T0,
            )
        )
    rows = [
        {
            "activity_id": 1,
            "at": "2026-03-19T10:00:00+01:00",
            "client_id": s.client["maria"],
            "type": "meeting",
        }
        | {"outcome": "held_qualified", "rep": s.rep["ana"], "meeting_at": "2026-03-19T09:00:00Z"},
        {"at": "2026-03-19T10:00:00Z", "email": "olu@umbrella.org", "type": "call", "outcome": "voicemail"},
        [1, 2],
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    summary = json.loads(leadctl("activity", "import", "-", "--format", "json", input=text).stdout)
    assert (summary["imported"], summary["rejected"]) == (1, 2)
    assert summary["rejected_by_reason"] == {
        "email: several clients have this e-mail": 1,
        "row: not a JSON object": 1,
    }
    with read(engine) as conn:
        A = schema.activity
        row = conn.execute(select(A.c.activity_key, A.c.at, A.c.rep_id, A.c.meeting_at)).one()
        assert row.activity_key == "1" and row.rep_id == s.rep["ana"]
        assert row.at.isoformat() == "2026-03-19T09:00:00+00:00"


def test_a_broken_file_changes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    s, engine = _seed(leadctl)
    path = tmp_path / "bad.csv"
    path.write_text("at,type,result\n2026-03-19,call,no_answer\n", encoding="utf-8")
    result = leadctl("activity", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {path} line 1: missing column(s) client_id | lead_id | email"
    missing = leadctl("activity", "import", str(tmp_path / "nope.csv"), ok=False)
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    assert _count(engine, schema.activity) == 0 and _count(engine, schema.rejected_row) == 0


def test_the_command_lists_the_vocabulary_types() -> None:
    from leadctl.commands.activity import TYPES
    from leadctl.vocab import ActivityType, values

    assert values(ActivityType) == TYPES


def test_import_judges_each_call_against_the_whole_file_and_earlier_imports(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """Cap and cooldown count the person's calls from this file (a late row too) and from an
    earlier import; older calls than 24 h (or the cooldown) count for nothing; a re-import
    judges nothing again."""
    from leadctl.vocab import EventKind
    from tests.services.queue_factory import world

    w = world(leadctl.engine())
    fl = w.client("ana", zone="America/New_York", state="FL")  # at most 3 calls in 24 h, 4 h cooldown
    head = "activity_id,at,rep,client_id,type,outcome\n"
    first = tmp_path / "first.csv"
    first.write_text(head + f"a,2026-03-03T09:00:00Z,bo@example.com,{fl},call,no_answer\n"
                     f"b,2026-03-04T13:00:00Z,bo@example.com,{fl},call,no_answer\n", encoding="utf-8")  # fmt: skip
    leadctl("activity", "import", str(first))
    calls = ("17:00", "21:00", "21:30", "09:00")  # 09:00 arrives late; then 01:30 the next day
    rows = [f"c{i},2026-03-04T{t}:00Z,ana@example.com,{fl},call,no_answer" for i, t in enumerate(calls)]
    rows.append(f"c4,2026-03-05T01:30:00Z,ana@example.com,{fl},call,no_answer")
    second = tmp_path / "second.csv"
    second.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    leadctl("activity", "import", str(second))
    leadctl("activity", "import", str(second))  # again: nothing new, nothing judged twice
    E, A = schema.lead_event, schema.activity
    with read(leadctl.engine()) as conn:
        keys = dict(conn.execute(select(A.c.id, A.c.activity_key)).all())
        got = conn.execute(select(E.c.data).where(E.c.kind == EventKind.CALL_VIOLATION)).scalars().all()
    assert sorted((keys[d["activity_id"]], d["rule"]) for d in got) == [
        ("a", "calling_window"),  # 04:00 in Florida
        ("c1", "call_cap"),  # 09:00 (late), 13:00 (first file) and 17:00 in the 24 h before it
        ("c2", "cooldown"),  # 30 min after c1
        ("c3", "calling_window"),  # 04:00 in Florida; nothing before it within 24 h but 'a' 24 h ago
        ("c4", "call_cap"),  # five calls in the 24 h before; c2 exactly 4 h before: no cooldown
    ]


def test_import_of_inbound_contacts_moves_only_clients_in_their_reps_swimlane(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """The stage machine's swimlane condition read from the database: an inbound contact makes
    a client engaged when its rep's territories cover it (or the rep has none), not otherwise."""
    from sqlalchemy import update

    from tests.services.queue_factory import world

    w = world(leadctl.engine())
    with write(w.engine) as conn:
        conn.execute(
            update(schema.rep).where(schema.rep.c.email == "ana@example.com").values(territories=["NY"])
        )
    inside, outside, anywhere = (
        w.client("ana", state="NY"),
        w.client("ana", state="FL"),
        w.client("bo", state="FL"),
    )
    f = tmp_path / "inbound.csv"
    f.write_text(
        "activity_id,at,rep,client_id,type,outcome\n"
        + "".join(
            f"i{c},2026-03-04T15:00:00Z,ana@example.com,{c},intent,inbound\n"
            for c in (inside, outside, anywhere)
        ),
        encoding="utf-8",
    )
    leadctl("activity", "import", str(f))
    C = schema.client
    with read(w.engine) as conn:
        stages = dict(
            conn.execute(select(C.c.id, C.c.stage).where(C.c.id.in_([inside, outside, anywhere]))).all()
        )
    assert stages == {inside: "engaged", outside: "untouched", anywhere: "engaged"}
