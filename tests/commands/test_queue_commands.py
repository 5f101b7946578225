"""leadctl queue / next / timezones / metrics compliance through the CLI, on both backends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from leadctl.services.work import queue
from leadctl.storage import schema
from leadctl.vocab import EventKind
from tests.conftest import Leadctl
from tests.services.queue_factory import NOW, world


@pytest.fixture(autouse=True)
def _oldest_capture_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calling windows, tiers and leases here; the dynamic priority within a tier is tested in
    tests/services/test_queue.py."""
    monkeypatch.setattr(queue, "PRIORITIES", queue.by_capture)


def test_queue_and_next_commands(leadctl: Leadctl) -> None:
    w = world(leadctl.engine())
    a = w.client("ana", custom={"Preferred Contact Time": "Afternoon"})
    early = w.client("ana", zone="America/Los_Angeles", state="CA")
    with freeze_time(NOW):
        table = leadctl("queue", "--rep", "ana@example.com", "--include-blocked")
        assert "new" in table.stdout and "calling_window" in table.stdout
        assert (
            "1 of 2 clients listed; not now: 1 calling window; next callable 2026-03-04T16:00:00+00:00"
            in table.stderr
        )
        rows = leadctl.json("queue", "--rep", "ana@example.com")
        assert [r["client_id"] for r in rows] == [a]
        assert rows[0]["tier"] == "new" and rows[0]["timezone"] == "America/New_York"
        later = leadctl.json("queue", "--rep", "ana", "--at", "2026-03-04T16:30")
        assert [r["client_id"] for r in later] == [a, early]
        rec = json.loads(leadctl("next", "--rep", "ana@example.com", "--format", "json").stdout)
        assert (
            rec["client_id"] == a and rec["dial"].startswith("+1") and rec["custom"]["Preferred Contact Time"]
        )
        assert rec["local_time"] == "2026-03-04T10:00-05:00" and rec["tier"] == "new" and rec["why"]
        nothing = leadctl("next", "--rep", "ana@example.com", ok=False)
        assert nothing.exit_code == 1 and "nothing to call now" in nothing.stderr
        refused = leadctl("next", "--rep", "ana", "--client", str(early), ok=False)
        assert refused.exit_code == 1
        assert f"client {early} refused: calling_window" in refused.stderr
        assert "callable 2026-03-04T16:00:00+00:00" in refused.stderr
        bad = leadctl("queue", "--rep", "ana", "--at", "soon", ok=False)
        assert bad.exit_code == 2
        missing = leadctl("queue", "--rep", "nobody@example.com", ok=False)
        assert missing.exit_code == 1 and "no rep" in missing.stderr


def test_violations_are_recorded_at_log_and_import_and_counted(leadctl: Leadctl, tmp_path: Path) -> None:
    w = world(leadctl.engine())
    fl = w.client("ana", zone="America/New_York", state="FL")
    dnc = w.client("ana", stage="do_not_contact")
    log = ("activity", "log", "--rep", "ana@example.com", "--type", "call", "--outcome", "no_answer")
    leadctl(*log, "--client", str(fl), "--at", "2026-03-04T01:30:00Z")  # 20:30 in Florida: window
    for h in (13, 17, 21):  # 08:00-16:00, 4 h apart: fine, but the third one is the fourth call in 24 h
        leadctl(*log, "--client", str(fl), "--at", f"2026-03-04T{h}:00:00Z")
    cool = w.client("ana")  # New York: called again 1 h after a call by another rep (the 4 h cooldown)
    leadctl(*log[:3], "bo@example.com", *log[4:], "--client", str(cool), "--at", "2026-03-04T14:00:00Z")
    leadctl(*log, "--client", str(cool), "--at", "2026-03-04T15:00:00Z")
    f = tmp_path / "calls.csv"
    f.write_text(f"activity_id,at,rep,client_id,type,outcome\nx1,2026-03-04T15:00:00Z,ana@example.com,{dnc},call,conversation\n",
                 encoding="utf-8")  # fmt: skip
    leadctl("activity", "import", str(f))
    leadctl("activity", "import", str(f))  # again: nothing new, no second violation
    E = schema.lead_event
    with w.engine.connect() as conn:
        got = conn.execute(select(E.c.client_id, E.c.data).where(E.c.kind == EventKind.CALL_VIOLATION)).all()
    assert sorted((cid, d["rule"]) for cid, d in got) == sorted(
        [(fl, "calling_window"), (fl, "call_cap"), (dnc, "do_not_contact"), (cool, "cooldown")]
    )
    with freeze_time(NOW + timedelta(hours=1)):
        leadctl("next", "--rep", "ana", "--client", str(fl), ok=False)  # refused: cooldown
        rows = leadctl.json("metrics", "compliance", "--since", "2026-03-01")
        by_rep = leadctl.json("metrics", "compliance", "--since", "2026-03-01", "--by", "rep")
    counts = {r["reason"]: (r["blocked"], r["violations"]) for r in rows}
    assert counts == {
        "calling_window": (0, 1),
        "call_cap": (0, 1),
        "do_not_contact": (0, 1),
        "cooldown": (1, 1),
    }
    assert {r["rep"] for r in by_rep} == {"ana@example.com"}


def test_timezones_refresh(leadctl: Leadctl) -> None:
    w = world(leadctl.engine())
    cid = w.client("ana", zone="America/New_York", state="AZ")  # zone from an old phone; lives in Arizona
    dry = json.loads(leadctl("timezones", "--refresh", "--dry-run", "--format", "json").stdout)
    assert dry["changed"] == 1 and dry["state"] == 1
    leadctl("timezones", "--refresh")
    C = schema.client
    with w.engine.connect() as conn:
        row = conn.execute(select(C.c.timezone, C.c.timezone_source).where(C.c.id == cid)).one()
    assert tuple(row) == ("America/Phoenix", "state")
