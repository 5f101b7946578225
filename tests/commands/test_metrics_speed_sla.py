"""`metrics speed` and `metrics sla` on both backends, with hand-checked numbers (freezegun).

Five clients of campaign C (business hours 09:00-17:00 America/New_York, EST in early March):
  c1 r1 captured Mon 09:00, call +3 min (no answer), conversation +20 min
  c2 r1 captured Mon 09:00, conversation +10 min
  c3 r2 captured Mon 16:30, first call Tue 09:30: 1,020 clock minutes, 60 business minutes
  c4 r2 captured Mon 09:00, never called (open, past the 60-minute SLA)
  c5 r2 captured Wed 09:50, not yet called (open, 10 minutes into its SLA)
Now: Wednesday 10:00 EST. Each client is assigned at capture.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import insert

from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from tests.conftest import Leadctl
from tests.services.assign_factory import World

MON = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 EST
M = timedelta(minutes=1)
NOW = "2026-03-04 15:00:00"


@pytest.fixture
def run(db_url: str) -> Leadctl:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_rep("r1", campaigns=["C"])
    w.add_rep("r2", campaigns=["C"])
    captured = [MON, MON, MON + 450 * M, MON, MON + 2 * 1440 * M + 50 * M]
    owners = ["r1", "r1", "r2", "r2", "r2"]
    ids = []
    for at, owner in zip(captured, owners, strict=True):
        (cid,) = w.add_clients("C", 1)
        ids.append(cid)
        with write(w.engine) as conn:
            conn.execute(
                schema.client.update()
                .where(schema.client.c.id == cid)
                .values(created_at=at, manager_id=w.rep[owner])
            )
            conn.execute(
                insert(schema.assignment).values(
                    client_id=cid,
                    rep_id=w.rep[owner],
                    campaign_id=w.campaign["C"],
                    rule="manual",
                    reason={},
                    actor="t",
                    started_at=at,
                )
            )
    c1, c2, c3, _c4, _c5 = ids

    def call(cid: int, at: datetime, outcome: str) -> dict[str, object]:
        return dict(client_id=cid, type="call", outcome=outcome, at=at, rep_id=w.rep["r1"])

    w.add_activities(
        [
            call(c1, MON + 3 * M, "no_answer"),
            call(c1, MON + 20 * M, "conversation"),
            call(c2, MON + 10 * M, "conversation"),
            call(c3, MON + 1470 * M, "no_answer"),  # Tuesday 09:30
        ]
    )
    return Leadctl(db_url)


@freeze_time(NOW)
def test_speed_percentiles_bands_and_open_clients(run: Leadctl) -> None:
    rows = {r["measure"]: r for r in run.json("metrics", "speed")}
    attempt = rows["to_attempt"]
    assert (attempt["campaign"], attempt["clients"], attempt["reached"], attempt["open"]) == ("C", 5, 3, 2)
    assert attempt["open_past_sla"] == 1  # c4; c5 is 10 minutes in
    assert (attempt["p50_min"], attempt["p90_min"], attempt["p95_min"]) == (10, 1020, 1020)
    assert (attempt["p50_bmin"], attempt["p90_bmin"], attempt["p95_bmin"]) == (10, 60, 60)
    assert [attempt[k] for k in ("share_0-5m", "share_5-15m", "share_15-60m", "share_60m+")] == [
        0.2,
        0.2,
        0,
        0.2,
    ]
    assert (attempt["share_24h"], attempt["share_open"]) == (0.6, 0.4)
    conv = rows["to_conversation"]
    assert (conv["reached"], conv["open"], conv["open_past_sla"], conv["p50_min"], conv["p90_min"]) == (
        2,
        3,
        2,
        10,
        20,
    )
    assert rows["rep_response"]["p50_min"] == 10 and rows["rep_response"]["open_past_sla"] == 1
    by_rep = {(r["rep"], r["measure"]): r for r in run.json("metrics", "speed", "--by", "rep")}
    assert by_rep[("r1@example.com", "to_attempt")]["p95_min"] == 10
    assert by_rep[("r2@example.com", "to_attempt")]["open"] == 2
    # scope: only clients captured since Tuesday -> c5 alone, open
    (late,) = [
        r for r in run.json("metrics", "speed", "--since", "2026-03-03") if r["measure"] == "to_attempt"
    ]
    assert (late["clients"], late["open"], late["p50_min"]) == (1, 1, None)
    assert "share_0-5m" in run("metrics", "speed", "--by", "day").stdout


@freeze_time(NOW)
def test_sla_compliance_by_rep_weekday_hour_and_fail_on_breach(run: Leadctl) -> None:
    by_rep = {r["rep"]: r for r in run.json("metrics", "sla")}
    assert by_rep["r1@example.com"] | {} == {
        "rep": "r1@example.com",
        "clients": 2,
        "met": 2,
        "breached": 0,
        "running": 0,
        "compliance": 1.0,
        "avg_business_min": 6.5,
    }
    r2 = by_rep["r2@example.com"]
    assert (r2["met"], r2["breached"], r2["running"], r2["compliance"]) == (
        1,
        1,
        1,
        0.5,
    )  # c3 met at exactly 60
    weekday = {r["weekday"]: r for r in run.json("metrics", "sla", "--by", "weekday")}
    assert weekday["Mon"]["compliance"] == 0.75 and weekday["Wed"]["compliance"] is None
    hour = {r["hour"]: r for r in run.json("metrics", "sla", "--by", "hour")}
    assert hour[9]["compliance"] == pytest.approx(2 / 3, abs=1e-4) and hour[16]["met"] == 1
    out = run("metrics", "sla", "--fail-on-breach", ok=False)
    assert out.exit_code == 3 and "1 first-contact SLA breached" in out.stderr
    assert run("metrics", "sla", "--since", "2026-03-03", "--fail-on-breach").exit_code == 0
    bad = run("metrics", "sla", "--by", "moon", ok=False)
    assert bad.exit_code == 2


@freeze_time(NOW)
def test_speed_by_rep_and_campaign_name_their_groups(db_url: str) -> None:
    """The rep and campaign groups carry the rep's e-mail and the campaign's name, a client
    with no rep is counted under (unassigned), never dropped."""
    w = World(open_engine(db_url))
    w.add_campaign("C")
    w.add_rep("r1", campaigns=["C"])
    (owned,) = w.add_clients("C", 1, manager_id=w.rep["r1"])
    (orphan,) = w.add_clients("C", 1)
    with write(w.engine) as conn:
        conn.execute(schema.client.update().values(created_at=MON))
    w.add_activities(
        [
            dict(client_id=owned, type="call", outcome="conversation", at=MON + 4 * M, rep_id=w.rep["r1"]),
            dict(client_id=orphan, type="call", outcome="no_answer", at=MON + 20 * M, rep_id=w.rep["r1"]),
        ]
    )
    run = Leadctl(db_url)
    by_rep = {(r["rep"], r["measure"]): r for r in run.json("metrics", "speed", "--by", "rep")}
    assert sorted({rep for rep, _ in by_rep}) == ["(unassigned)", "r1@example.com"]
    mine = by_rep[("r1@example.com", "to_conversation")]
    assert (mine["clients"], mine["reached"], mine["p50_min"]) == (1, 1, 4)
    orphan_row = by_rep[("(unassigned)", "to_attempt")]
    assert (orphan_row["clients"], orphan_row["reached"], orphan_row["p50_min"]) == (1, 1, 20)
    assert by_rep[("(unassigned)", "to_conversation")]["open"] == 1
    (camp,) = [r for r in run.json("metrics", "speed", "--by", "campaign") if r["measure"] == "to_attempt"]
    assert (camp["campaign"], camp["clients"], camp["reached"], camp["p95_min"]) == ("C", 2, 2, 20)
