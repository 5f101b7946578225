"""`leadctl assign`, `topup`, `reassign`, `rep away`, `rep leave` on both backends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time
from sqlalchemy import func, select, update

from leadctl.storage import schema
from leadctl.storage.engine import write
from tests.conftest import Leadctl
from tests.services.assign_factory import T0, World

NOW = T0 + timedelta(days=14)  # Monday 2026-03-16


def _world(leadctl: Leadctl) -> World:
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_rep("star", campaigns=["Outbound"], capacity=100)
    w.add_rep("okay", campaigns=["Outbound"], capacity=100)
    w.add_rep("idle", campaigns=["Outbound"], capacity=100)
    w.add_rep("off", campaigns=["Outbound"], active=False)
    w.add_clients("Outbound", 100)
    acts = []
    for i in range(40):
        acts.append(
            dict(
                client_id=w.clients[i],
                rep_id=w.rep["star"],
                type="call",
                outcome="conversation",
                at=NOW - timedelta(days=1, minutes=i),
                duration_s=300,
            )
        )
    for i in range(5):
        acts.append(
            dict(
                client_id=w.clients[i],
                rep_id=w.rep["star"],
                type="meeting",
                outcome="held_qualified",
                at=NOW - timedelta(days=2, minutes=i),
            )
        )
    for i in range(20):
        acts.append(
            dict(
                client_id=w.clients[50 + i],
                rep_id=w.rep["okay"],
                type="call",
                outcome="no_answer",
                at=NOW - timedelta(days=2, minutes=i),
                duration_s=30,
            )
        )
    # one client called an hour ago: cooldown
    acts.append(
        dict(
            client_id=w.clients[99],
            rep_id=w.rep["okay"],
            type="call",
            outcome="voicemail",
            at=NOW - timedelta(hours=1),
        )
    )
    w.add_activities(acts)
    with write(w.engine) as conn:
        conn.execute(
            update(schema.client).where(schema.client.c.id == w.clients[98]).values(stage="do_not_contact")
        )
    return w


def test_assign_ranks_keeps_pool_explains_and_is_reproducible(leadctl: Leadctl) -> None:
    w = _world(leadctl)
    with freeze_time(NOW):
        a = leadctl.json(
            "assign", "--campaign", "Outbound", "--dry-run", "--explain", "--seed", "7", "--format", "json"
        )
        b = leadctl.json(
            "assign", "--campaign", "Outbound", "--dry-run", "--explain", "--seed", "7", "--format", "json"
        )
        assert a == b  # reproducible
        run = leadctl.json("assign", "--campaign", "Outbound", "--explain", "--seed", "7", "--format", "json")
    res = run["campaigns"][0]  # type: ignore[index]
    assert res["candidates"] == 100
    assert res["not_assigned"]["held in the shared pool"] == 10
    assert res["not_assigned"]["in cooldown"] == 1
    assert res["not_assigned"]["stage do_not_contact (never handed out)"] == 1
    assert res["assigned"] == 88
    got = {r["rep"]: r["received"] for r in res["reps"]}
    assert got["star@example.com"] > got["okay@example.com"] > got["idle@example.com"] > 0
    assert [r["rep"] for r in res["reps"]][0] == "star@example.com"
    assert {"rep": "off@example.com", "reason": "inactive (deactivated)"} in res["skipped_reps"]
    why = {c["client_id"]: c["why"] for c in res["clients"]}
    assert why[w.clients[99]].startswith("in cooldown after a call until")
    with w.engine.connect() as conn:
        A = schema.assignment
        rows = conn.execute(select(A.c.rule, A.c.reason, A.c.run_id).where(A.c.ended_at.is_(None))).all()
        assert len(rows) == 88 and {r.rule for r in rows} == {"rank"}
        assert set(rows[0].reason["components"]) >= {"recency", "hold_rate", "leads_available"}
        assert conn.execute(select(schema.assign_run.c.seed)).scalar_one() == 7
    with freeze_time(NOW):  # nothing new: the next run leaves the pool alone
        again = leadctl.json("assign", "--campaign", "Outbound", "--format", "json")
    assert again["campaigns"][0]["assigned"] == 0  # type: ignore[index]
    one = leadctl.json("assign", "--dry-run", "--explain", "--rep", "idle@example.com", "--format", "json")
    assert [r["rep"] for r in one["campaigns"][0]["reps"]] == ["idle@example.com"]  # type: ignore[index]


def test_explain_for_one_rep_is_that_reps_rows_of_the_full_explanation(leadctl: Leadctl) -> None:
    """`assign --explain --rep R` (its own fast path) lists exactly the clients the full
    explanation of the same run (same data, rules and seed) gives R, with the same reason."""
    _world(leadctl)
    args = ("assign", "--campaign", "Outbound", "--dry-run", "--explain", "--seed", "3", "--format", "json")
    with freeze_time(NOW):
        full = leadctl.json(*args)["campaigns"][0]  # type: ignore[index]
        one = leadctl.json(*args, "--rep", "star@example.com")["campaigns"][0]  # type: ignore[index]
    star = [c for c in full["clients"] if c["rep"] == "star@example.com"]
    assert star and one["clients"] == star
    assert one["assigned"] == full["assigned"] and one["not_assigned"] == full["not_assigned"]
    assert [r["rep"] for r in one["reps"]] == ["star@example.com"]


def test_capacity_caps_the_top_rep_and_the_rest_goes_down_the_ranking(leadctl: Leadctl) -> None:
    """A rep whose quota exceeds their headroom gets exactly their headroom; what they could not
    take goes to the next reps in rank order (pass 2), and what nobody can take is explained."""
    w = _world(leadctl)
    with write(w.engine) as conn:
        conn.execute(update(schema.rep).where(schema.rep.c.id == w.rep["star"]).values(capacity=3))
        conn.execute(update(schema.rep).where(schema.rep.c.id == w.rep["idle"]).values(capacity=40))
    with freeze_time(NOW):
        res = leadctl.json("assign", "--campaign", "Outbound", "--seed", "5", "--format", "json")
    out = res["campaigns"][0]  # type: ignore[index]
    got = {r["rep"]: r["received"] for r in out["reps"]}
    assert got["star@example.com"] == 3  # its headroom, though ranked first
    assert got["okay@example.com"] + got["idle@example.com"] == out["assigned"] - 3
    assert got["idle@example.com"] <= 40 and out["assigned"] == 88  # the rest fits under okay + idle
    with w.engine.connect() as conn:
        A = schema.assignment
        held: dict[int, int] = dict(
            conn.execute(  # type: ignore[arg-type]
                select(A.c.rep_id, func.count()).where(A.c.ended_at.is_(None)).group_by(A.c.rep_id)
            ).all()
        )
    assert held[w.rep["star"]] == 3 and sum(held.values()) == 88


def test_assign_edge_configurations_are_clear_errors(leadctl: Leadctl, tmp_path: Path) -> None:
    w = World(leadctl.engine())
    w.add_campaign("Empty")
    w.add_clients("Empty", 3)
    r = leadctl("assign", "--campaign", "Empty", ok=False)
    assert r.exit_code == 1 and "has no approved rep" in r.stderr
    w.add_rep("zero", campaigns=["Empty"], capacity=0)
    r = leadctl("assign", "--campaign", "Empty", ok=False)
    assert "every eligible rep has capacity 0" in r.stderr
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "assignment:\n  weights: {"
        + ", ".join(
            f"{f}: 0"
            for f in (
                "time_on_campaign",
                "recency",
                "other_campaigns",
                "leads_held",
                "call_to_conversation",
                "conversation_to_booked",
                "hold_rate",
                "qualified_meetings",
                "leads_available",
            )
        )
        + "}\n",
        encoding="utf-8",
    )
    leadctl.rules = str(rules)
    r = leadctl("assign", "--campaign", "Empty", ok=False)
    assert "all nine ranking weights are 0" in r.stderr
    leadctl.rules = None
    w.add_campaign("Far")
    w.add_rep("west", campaigns=["Far"], territories=["US-CA"])
    w.add_clients("Far", 2, country="DE")
    r = leadctl("assign", "--campaign", "Far", ok=False)
    assert "territory covers any of its" in r.stderr
    # From cron (every campaign) one campaign's problem is reported and never blocks the others.
    w.add_campaign("Fine")
    w.add_rep("ok", campaigns=["Fine"])
    w.add_clients("Fine", 10)
    out = leadctl.json("assign", "--format", "json")
    by_name = {c["campaign"]: c for c in out["campaigns"]}  # type: ignore[index]
    assert "capacity 0" in by_name["Empty"]["error"] and "territory" in by_name["Far"]["error"]
    assert by_name["Fine"]["assigned"] == 9 and by_name["Fine"]["error"] is None


def test_topup_takes_from_inactive_reps_never_appointments_nurture_reserved(leadctl: Leadctl) -> None:
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_rep("me", campaigns=["Outbound"])
    w.add_rep("gone", campaigns=["Outbound"])
    w.add_rep("busy", campaigns=["Outbound"])
    gone = w.add_clients("Outbound", 12)
    busy = w.add_clients("Outbound", 5)
    leadctl("reassign", "--to", "gone@example.com", *[a for c in gone for a in ("--client", str(c))])
    leadctl("reassign", "--to", "busy@example.com", *[a for c in busy for a in ("--client", str(c))])
    with write(w.engine) as conn:
        conn.execute(update(schema.client).where(schema.client.c.id == gone[0]).values(stage="appointment"))
    w.add_activities(
        [
            dict(
                client_id=gone[1],
                rep_id=w.rep["gone"],
                type="disposition",
                outcome="nurture",
                at=NOW - timedelta(days=10),
            ),
            dict(
                client_id=busy[0],
                rep_id=w.rep["busy"],
                type="call",
                outcome="no_answer",
                at=NOW - timedelta(days=1),
            ),
        ]
    )
    with freeze_time(NOW):
        out = leadctl.json("topup", "--rep", "me@example.com", "--target", "200", "--format", "json")
    moved = out["moved"]  # type: ignore[index]
    assert {m["from_rep"] for m in moved} == {"gone@example.com"}  # busy was active: keeps theirs
    assert len(moved) == 8  # 80% of the 10 movable (one appointment, one nurture reserved)
    ids = {m["client_id"] for m in moved}
    assert gone[0] not in ids and gone[1] not in ids
    assert out["reason"].startswith("campaign crowded")  # type: ignore[index]
    with freeze_time(NOW):
        out = leadctl.json("topup", "--rep", "me@example.com", "--target", "8", "--format", "json")
    assert out["moved"] == [] and "already holds 8" in out["reason"]  # type: ignore[index]


def test_topup_stops_at_the_first_donor_that_covers_the_need(leadctl: Leadctl) -> None:
    """Donors are read in rank order only until the need is met: one donor with enough movable
    clients gives them all; the next donor is neither listed nor touched."""
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_rep("me", campaigns=["Outbound"])
    for rep in ("gone1", "gone2"):
        w.add_rep(rep, campaigns=["Outbound"])
        held = w.add_clients("Outbound", 10)
        leadctl("reassign", "--to", f"{rep}@example.com", *[a for c in held for a in ("--client", str(c))])
    with freeze_time(NOW):
        out = leadctl.json("topup", "--rep", "me@example.com", "--target", "5", "--format", "json")
    donors = out["donors"]  # type: ignore[index]
    assert len(donors) == 1 and donors[0]["movable"] == 10 and donors[0]["taken"] == 5
    assert {m["from_rep"] for m in out["moved"]} == {donors[0]["rep"]}  # type: ignore[index]
    assert len(out["moved"]) == 5 and out["reason"].startswith("topped up to 5")  # type: ignore[index]


def test_reassign_away_and_leave(leadctl: Leadctl, tmp_path: Path) -> None:
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_rep("ana", campaigns=["Outbound"])
    w.add_rep("ben", campaigns=["Outbound"])
    ids = w.add_clients("Outbound", 4)
    f = tmp_path / "ids.txt"
    f.write_text("client_id\n" + "\n".join(map(str, ids)) + "\n", encoding="utf-8")
    leadctl("reassign", "--to", "ana@example.com", "--ids-from", str(f), "--reason", "start")
    out = leadctl.json(
        "reassign", "--to", "ben@example.com", "--from", "ana@example.com", "--dry-run", "--format", "json"
    )
    assert len(out["moved"]) == 4 and out["dry_run"]  # type: ignore[index]
    leadctl("reassign", "--to", "ben@example.com", "--client", str(ids[0]))
    bad = leadctl("reassign", "--to", "ben@example.com", "--client", "999999", ok=False)
    assert bad.exit_code == 1 and "no client 999999" in bad.stderr
    with freeze_time(NOW):
        leadctl("rep", "away", "ben@example.com", "--from", "2026-03-15", "--until", "2026-03-20")
        res = leadctl.json("assign", "--dry-run", "--format", "json")
    skipped = res["campaigns"][0]["skipped_reps"]  # type: ignore[index]
    assert skipped[0]["rep"] == "ben@example.com" and skipped[0]["reason"].startswith("away until")
    prev = leadctl.json("rep", "leave", "ana@example.com", "--dry-run", "--format", "json")
    assert prev["open_clients"] == 3  # type: ignore[index]
    leadctl("rep", "leave", "ana@example.com")
    with w.engine.connect() as conn:
        A = schema.assignment
        rows = conn.execute(select(A.c.client_id, A.c.rule, A.c.ended_reason).order_by(A.c.id)).all()
    assert [r.rule for r in rows].count("manual") == 5
    assert sorted(r.ended_reason or "" for r in rows) == [
        "",
        "reassigned",
        "rep_left",
        "rep_left",
        "rep_left",
    ]
    assert json.loads(leadctl("rep", "show", "ana@example.com", "--format", "json").stdout)["active"] is False
