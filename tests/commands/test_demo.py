"""leadctl demo: a realistic database through the real code paths, never over real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Leadctl


def test_demo_builds_everything_through_the_real_commands(leadctl: Leadctl, tmp_path: Path) -> None:
    files = tmp_path / "files"
    out = leadctl("demo", "--leads", "300", "--seed", "3", "--dir", str(files), "--format", "json")
    report = json.loads(out.stdout)
    assert {f["format"] for f in report["files"]} == {"csv", "tsv", "jsonl"}
    assert all(Path(f["file"]).is_file() for f in report["files"])
    assert sum(f["rows_read"] for f in report["files"]) == 300
    loaded = sum(f["loaded"] for f in report["files"])
    rejected = sum(f["rejected"] for f in report["files"])
    assert rejected > 0  # some invalid rows, kept as rejected leads
    assert report["processing"]["duplicate"] > 0
    assert report["processing"]["selected"] == loaded
    leads = leadctl.json("leads", "list", "--limit", "0")
    assert len(leads) == loaded + rejected
    assert {r["status"] for r in leads} == {"processed", "duplicate", "rejected"}
    assert len(leadctl.json("campaign", "list")) == 3
    assert {r["role"] for r in leadctl.json("rep", "list")} == {"setter", "closer", "manager"}
    assert (files / "truth.csv").is_file()
    assert "Processed" in out.stderr


def test_demo_refuses_a_database_with_data(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "Real team campaign")
    refused = leadctl("demo", "--leads", "50", "--dir", str(tmp_path), ok=False)
    assert refused.exit_code == 1
    assert "already holds data" in refused.stderr
    assert [c["name"] for c in leadctl.json("campaign", "list")] == ["Real team campaign"]
    leadctl("demo", "--leads", "50", "--dir", str(tmp_path), "--force")
    assert len(leadctl.json("campaign", "list")) == 4


def test_demo_uses_the_root_db_option(leadctl_sqlite: Leadctl, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'demo.db'}"
    result = Leadctl(other)("demo", "--leads", "40", "--dir", str(tmp_path / "f"))  # leadctl --db OTHER demo
    assert f"leadctl --db {other} leads show" in result.stdout
    assert leadctl_sqlite.json("campaign", "list") == []  # the global database is untouched
    gone = leadctl_sqlite("demo", "--db", other, ok=False)  # one --db: the root's
    assert gone.exit_code == 2 and "No such option '--db'" in gone.stderr


def _counts(leadctl: Leadctl) -> tuple[int, int, int, int]:
    from sqlalchemy import func, select

    from leadctl.storage import schema

    with leadctl.engine().connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (schema.campaign, schema.rep, schema.bucket, schema.lead)
        )


def test_demo_into_an_unwritable_directory_writes_nothing_and_can_run_again(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    failed = leadctl("demo", "--leads", "40", "--dir", str(blocker / "demo"), ok=False)
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in failed.stderr
    assert _counts(leadctl) == (0, 0, 0, 0)
    leadctl("demo", "--leads", "40", "--dir", str(tmp_path / "ok"))
    assert _counts(leadctl)[:3] == (3, 8, 5)


def test_a_demo_failing_half_way_leaves_the_empty_database_it_found(leadctl: Leadctl, tmp_path: Path) -> None:
    """stderr goes away (a closed pipe) after the leads are loaded: nothing stays behind."""
    from leadctl.demo import build
    from leadctl.reporting import Collect
    from leadctl.rules import load_rules

    class Closed(Collect):
        def note(self, text: str) -> None:
            if text.startswith("Loaded"):
                raise BrokenPipeError(32, "Broken pipe")

    engine = leadctl.engine()
    with pytest.raises(BrokenPipeError):
        build.build(engine, load_rules(None), tmp_path / "files", leads=40, report=Closed())
    assert _counts(leadctl) == (0, 0, 0, 0)
    leadctl("demo", "--leads", "40", "--dir", str(tmp_path / "files"))
    assert _counts(leadctl)[:3] == (3, 8, 5)


def _history(leadctl: Leadctl) -> list[tuple[object, ...]]:
    from sqlalchemy import select

    from leadctl.storage import schema

    C, A, ACT = schema.client, schema.assignment, schema.activity
    engine = leadctl.engine()
    with engine.connect() as conn:
        rows = conn.execute(
            select(ACT.c.activity_key, ACT.c.at, C.c.created_at, A.c.started_at)
            .join(C, C.c.id == ACT.c.client_id)
            .join(A, (A.c.client_id == ACT.c.client_id) & (A.c.rep_id == ACT.c.rep_id))
            .order_by(ACT.c.activity_key, A.c.started_at)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_demo_activities_come_after_their_clients_capture_and_assignment(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """Speed-to-lead is capture → first call: a history dated before the capture makes it 0."""
    leadctl("demo", "--leads", "200", "--seed", "5", "--dir", str(tmp_path / "d"), "--format", "json")
    rows = _history(leadctl)
    assert rows
    first_by_key: dict[object, tuple[object, ...]] = {}
    for r in rows:
        first_by_key.setdefault(r[0], r)  # the earliest assignment of the client to that rep
    early = [r for r in first_by_key.values() if r[1] < r[2] or r[1] < r[3]]  # type: ignore[operator]
    assert early == []
    speed = leadctl.json("metrics", "speed")
    to_attempt = next(r for r in speed if r["measure"] == "to_attempt")
    assert to_attempt["reached"] > 0
    assert to_attempt["share_0-5m"] < 1.0  # no longer every first call "immediate"


def test_demo_activity_history_is_the_same_for_a_seed(leadctl_sqlite: Leadctl, tmp_path: Path) -> None:
    from tests.conftest import Leadctl as L

    a = L(f"sqlite:///{tmp_path / 'a.db'}")
    b = L(f"sqlite:///{tmp_path / 'b.db'}")
    for one, d in ((a, "da"), (b, "db")):
        one("demo", "--leads", "150", "--seed", "9", "--dir", str(tmp_path / d), "--format", "json")

    def shape(x: L) -> list[tuple[object, ...]]:  # times relative to each client's capture
        return [(r[0], round((r[1] - r[2]).total_seconds())) for r in _history(x)]  # type: ignore[operator]

    assert shape(a) == shape(b)
