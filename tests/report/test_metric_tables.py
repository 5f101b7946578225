"""`leadctl metrics funnel|reps|queue`: hand-counted numbers (tests/report/world.py) on both backends."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.conftest import Leadctl
from tests.report.world import NOW, build


@pytest.fixture
def world(leadctl: Leadctl) -> Leadctl:
    build(leadctl.db_url)
    return leadctl


def _steps(rows: list[dict[str, object]], key: str = "count") -> dict[object, object]:
    return {r["step"]: r[key] for r in rows}


@freeze_time(NOW)
def test_funnel_counts_and_rates(world: Leadctl) -> None:
    rows = world.json("metrics", "funnel", "--campaign", "Outbound")
    assert _steps(rows) == {
        "leads": 10,
        "processed": 7,
        "assigned": 6,  # C1–C5 assigned, C6 worked from the pool; C7 never touched
        "contacted": 6,
        "conversation": 4,
        "booked": 4,
        "held": 2,
        "qualified": 1,
    }
    rates = _steps(rows, "step_rate")
    assert rates["leads"] is None
    assert (rates["processed"], rates["assigned"], rates["conversation"]) == (0.7, 0.8571, 0.6667)
    assert rates["qualified"] == 0.5  # the qualification rate: qualified ÷ held
    assert _steps(rows, "overall_rate")["booked"] == 0.4  # lead → meeting
    everything = _steps(world.json("metrics", "funnel"))
    assert (everything["leads"], everything["processed"], everything["conversation"]) == (11, 8, 5)


@freeze_time(NOW)
def test_funnel_by_source_and_period(world: Leadctl) -> None:
    rows = world.json("metrics", "funnel", "--campaign", "Outbound", "--by", "source")
    by_source = {(r["source"], r["step"]): r["count"] for r in rows}
    assert by_source[("web", "leads")] == 6 and by_source[("web", "held")] == 2
    assert by_source[("purchase", "processed")] == 2 and by_source[("purchase", "contacted")] == 1
    assert by_source[("purchase", "conversation")] == 0
    late = _steps(world.json("metrics", "funnel", "--campaign", "Outbound", "--since", "2026-03-03"))
    assert (late["leads"], late["processed"], late["assigned"], late["booked"]) == (4, 2, 1, 0)
    by_week = world.json("metrics", "funnel", "--by", "week")
    assert {r["week"] for r in by_week} == {"2026-03-02"}
    by_rep = {(r["rep"], r["step"]): r["count"] for r in world.json("metrics", "funnel", "--by", "rep")}
    assert by_rep[("ana@example.com", "processed")] == 4  # C1, C2, C3 and C5 (hers now)
    assert by_rep[("ana@example.com", "leads")] == 5  # … and L6, the duplicate of C1
    assert by_rep[("(unassigned)", "leads")] == 4  # L7, L8 (pool clients), L9, L10 (no client)


@freeze_time(NOW)
def test_funnel_by_bucket_and_campaign(world: Leadctl) -> None:
    by_bucket = {
        (r["bucket"], r["step"]): r["count"] for r in world.json("metrics", "funnel", "--by", "bucket")
    }
    web = ("leads", "processed", "assigned", "conversation", "held")
    assert [by_bucket[("web", s)] for s in web] == [6, 5, 5, 4, 2]
    assert [by_bucket[("list", s)] for s in ("leads", "processed", "assigned", "contacted", "conversation")] == [
        4, 2, 1, 1, 0,
    ]  # fmt: skip
    assert [by_bucket[("other", s)] for s in ("leads", "processed", "conversation", "booked")] == [1, 1, 1, 0]
    rows = world.json("metrics", "funnel", "--by", "campaign")
    assert [r["campaign"] for r in rows if r["step"] == "leads"] == ["Other", "Outbound"]  # name order
    by_campaign = {(r["campaign"], r["step"]): r["count"] for r in rows}
    assert (by_campaign[("Outbound", "leads")], by_campaign[("Outbound", "qualified")]) == (10, 1)
    assert (by_campaign[("Other", "processed")], by_campaign[("Other", "conversation")]) == (1, 1)
    assert by_campaign[("Outbound", "booked")] == 4


@freeze_time(NOW)
def test_reps_table(world: Leadctl) -> None:
    rows = {r["rep"]: r for r in world.json("metrics", "reps", "--campaign", "Outbound")}
    ana, ben, cat = rows["ana@example.com"], rows["ben@example.com"], rows["cat@example.com"]
    assert (ana["clients_held"], ana["calls"], ana["conversations"], ana["meetings"]) == (4, 5, 2, 2)
    assert (ana["call_to_conversation"], ana["conversation_to_booked"]) == (0.4, 1.0)
    assert ana["hold_rate"] == 1.0  # C1 held; C3's meeting is still ahead and not counted
    assert ana["attempts_per_client"] == 1.67  # 5 calls on 3 clients
    assert ana["median_touch_gap_hours"] == 24.0  # gaps 24 h (C1), 48 h and 24 h (C2)
    assert ana["last_active_business_days"] == 4  # Monday 03-09 → Friday 03-13
    assert (ben["clients_held"], ben["calls"], ben["meetings"]) == (1, 2, 2)
    assert ben["hold_rate"] == 0.5  # C4 no-show; C5 held (by ana, after the handover)
    assert ben["median_touch_gap_hours"] is None and ben["last_active_business_days"] == 6
    assert (cat["calls"], cat["call_to_conversation"], cat["conversation_to_booked"]) == (1, 0.0, None)
    assert cat["last_active_business_days"] == 0
    everywhere = {r["rep"]: r for r in world.json("metrics", "reps")}["ben@example.com"]
    assert (everywhere["clients_held"], everywhere["calls"], everywhere["conversations"]) == (2, 3, 3)
    week = {
        r["rep"]: r for r in world.json("metrics", "reps", "--since", "2026-03-05", "--until", "2026-03-06")
    }
    assert week["ana@example.com"]["calls"] == 0 and week["ben@example.com"]["meetings"] == 0


@freeze_time(NOW)
def test_queue_now(world: Leadctl) -> None:
    rows = {r["rep"]: r for r in world.json("metrics", "queue", "--campaign", "Outbound")}
    assert list(rows) == ["ana@example.com", "ben@example.com", "cat@example.com", "(unassigned)"]
    ana, ben, cat, pool = rows.values()
    assert (ana["clients"], ana["attempted"], ana["engaged"], ana["appointment"]) == (3, 1, 1, 1)
    assert (ana["age_7_30d"], ana["age_0_1d"], ana["in_cooldown"]) == (3, 0, 0)
    assert (ben["clients"], ben["engaged"], cat["clients"]) == (1, 1, 0)
    assert (pool["clients"], pool["untouched"], pool["attempted"], pool["in_cooldown"]) == (2, 1, 1, 1)
    assert (pool["age_0_1d"], pool["age_7_30d"]) == (1, 1)
    assert pool["oldest_untouched_days"] == 0.2 and pool["oldest_untouched_at"].startswith("2026-03-13T08:00")
    assert (ana["stage2_minimum"], ben["stage2_minimum"], ana["below_minimum"]) == (100, 50, True)
    stages = {r["stage"]: r["clients"] for r in world.json("metrics", "queue", "--by", "stage")}
    assert stages == {"appointment": 1, "attempted": 3, "engaged": 2, "untouched": 1}


@freeze_time(NOW)
def test_queue_as_of_a_past_time(world: Leadctl) -> None:
    rows = {
        r["rep"]: r
        for r in world.json("metrics", "queue", "--campaign", "Outbound", "--as-of", "2026-03-04T12:00")
    }
    ana, ben, pool = rows["ana@example.com"], rows["ben@example.com"], rows["(unassigned)"]
    assert (ana["clients"], ana["attempted"], ana["appointment"], ana["in_cooldown"]) == (3, 1, 2, 1)
    assert (ben["clients"], ben["appointment"], ben["engaged"], ben["in_cooldown"]) == (2, 1, 1, 1)
    assert (pool["clients"], pool["untouched"], pool["oldest_untouched_days"]) == (1, 1, 1.1)
    stages = world.json(
        "metrics", "queue", "--by", "stage", "--campaign", "Outbound", "--as-of", "2026-03-04T12:00"
    )
    assert {r["stage"]: r["clients"] for r in stages} == {
        "appointment": 3,
        "attempted": 1,
        "engaged": 1,
        "untouched": 1,
    }


@freeze_time(NOW)
def test_queue_fails_below_the_stage2_minimum(world: Leadctl, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("stages:\n  attempted_minimum:\n    setter: 1\n    closer: 0\n")
    world.rules = str(rules)
    alert = world("metrics", "queue", "--campaign", "Outbound", "--fail-on-below-minimum", ok=False)
    assert alert.exit_code == 4
    assert "1 rep below the stage-2 minimum: cat@example.com (0/1)" in alert.stderr
    assert "BELOW" in alert.stdout
    world.rules = None
    ok = world("metrics", "queue", "--by", "stage", "--fail-on-below-minimum")  # only by rep is checked
    assert ok.exit_code == 0


@freeze_time(NOW)
def test_every_format_is_flat(world: Leadctl) -> None:
    for name in ("funnel", "reps", "queue"):
        rows = world.json("metrics", name)
        assert rows and all(not isinstance(v, dict | list) for r in rows for v in r.values())
        lines = world("metrics", name, "--format", "jsonl").stdout.splitlines()
        assert [json.loads(line) for line in lines] == rows
        table = list(csv.DictReader(io.StringIO(world("metrics", name, "--format", "csv").stdout)))
        assert len(table) == len(rows)
        assert world("metrics", name).stdout.strip()
    assert "70.0%" in world("metrics", "funnel", "--campaign", "Outbound").stdout  # rates as percentages


def test_bad_options_are_usage_errors(world: Leadctl) -> None:
    bad = world("metrics", "reps", "--by", "day", ok=False)
    assert bad.exit_code == 2
    missing = world("metrics", "funnel", "--campaign", "Nope", ok=False)
    assert missing.exit_code == 1 and "Nope" in missing.stderr
    assert world("metrics", "queue", "--as-of", "yesterday-ish", ok=False).exit_code == 2


@freeze_time(NOW)
def test_duplicates_and_assignment_take_the_shared_flags(world: Leadctl) -> None:
    outbound = world.json("metrics", "duplicates", "--campaign", "Outbound", "--by", "week")
    assert [(r["week"], r["leads"], r["duplicates"]) for r in outbound] == [("2026-03-02", 10, 1)]
    rows = world.json(
        "metrics", "assignment", "--since", "2026-03-01", "--until", "2026-03-04", "--campaign", "Outbound"
    )
    assert {r["rep"]: r["received"] for r in rows} == {"ana@example.com": 3, "ben@example.com": 2}
