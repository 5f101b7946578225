"""leadctl metrics duplicates: rates per day/bucket/campaign/source and spike alerts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from freezegun import freeze_time

from leadctl.demo import fakedata
from tests.conftest import Leadctl


def _load_day(
    leadctl: Leadctl,
    tmp_path: Path,
    day: str,
    fresh: list[fakedata.FakeLead],
    repeats: list[fakedata.FakeLead],
    bucket: str = "web",
) -> None:
    """Load one day's file: new people plus people seen before (with new external ids)."""
    rows = list(fresh) + [
        replace(p, record={**p.record, "external_id": f"{p.record['external_id']}-{day}"}) for p in repeats
    ]
    path = tmp_path / f"{bucket}-{day}.csv"
    fakedata.write_file(path, rows, messy_headers=True, custom_columns=False)
    with freeze_time(f"{day} 10:00:00"):
        leadctl("load", str(path), "--bucket", bucket)
        leadctl("process")


def _people(n: int, seed: int) -> list[fakedata.FakeLead]:
    return [p for p in fakedata.generate(n, seed=seed, dup_rate=0.0) if p.kind == "original"]


def test_daily_rates_and_spike_alert(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "C")
    leadctl("bucket", "create", "web", "--campaign", "C")
    people = _people(400, seed=5)
    seen: list[fakedata.FakeLead] = []
    days = [f"2026-11-{d:02d}" for d in range(10, 16)]
    pos = 0
    for i, day in enumerate(days):
        fresh = people[pos : pos + 38]
        pos += 38
        repeats = seen[:20] if i == len(days) - 1 else seen[:2]  # the last day: 20 of 58 are duplicates
        _load_day(leadctl, tmp_path, day, fresh, repeats)
        seen += fresh
    rows = leadctl.json("metrics", "duplicates", "--by", "day")
    assert [r["day"] for r in rows] == days
    first, normal, last = rows[0], rows[3], rows[-1]
    assert (first["leads"], first["duplicates"]) == (38, 0)
    assert (normal["leads"], normal["duplicates"]) == (40, 2)
    assert normal["duplicate_rate"] == 0.05 and not normal["spike"]
    assert (last["duplicates"], last["leads"]) == (20, 58)
    assert last["spike"] is True and last["baseline_rate"] == 0.05

    plain = leadctl("metrics", "duplicates", "--since", "2026-11-10")
    assert plain.exit_code == 0
    assert "1 spike(s): worst day 2026-11-15 at 34.5% duplicates vs baseline 5.0%" in plain.stderr
    alert = leadctl("metrics", "duplicates", "--fail-on-spike", "--format", "json", ok=False)
    assert alert.exit_code == 3
    assert json.loads(alert.stdout)[-1]["spike"] is True
    quiet = leadctl("metrics", "duplicates", "--until", "2026-11-14", "--fail-on-spike", ok=False)
    assert quiet.exit_code == 0


def test_rates_by_bucket_flag_the_outlier(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "C")
    for b in ("web", "partner", "events", "list-buy"):
        leadctl("bucket", "create", b, "--campaign", "C")
    people = _people(400, seed=9)
    base = people[:100]
    _load_day(leadctl, tmp_path, "2026-11-01", base, [], bucket="web")
    pos = 100
    for b, dups in (("partner", 2), ("events", 2), ("list-buy", 25)):
        _load_day(leadctl, tmp_path, "2026-11-02", people[pos : pos + 40], base[:dups], bucket=b)
        pos += 40
    rows = {r["bucket"]: r for r in leadctl.json("metrics", "duplicates", "--by", "bucket")}
    assert rows["list-buy"]["spike"] is True
    assert not rows["partner"]["spike"] and not rows["web"]["spike"]
    assert rows["list-buy"]["duplicates"] == 25
    campaign = leadctl.json("metrics", "duplicates", "--by", "campaign")
    assert [(r["campaign"], r["leads"]) for r in campaign] == [("C", 100 + 42 + 42 + 65)]


def test_bad_option_values(leadctl: Leadctl) -> None:
    result = leadctl("metrics", "duplicates", "--since", "last tuesday", ok=False)
    assert result.exit_code == 2  # a usage error (issue 6 item 6)
    assert "Error: Invalid value for '--since': 'last tuesday' is not a date or time" in result.stderr
