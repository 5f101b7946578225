"""`load list`, `load undo`, `bucket show` with its loads; `load FILE` keeps working as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.test_load import leads, loads
from tests.conftest import Leadctl

HEADER = "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone\n"


def _file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


@pytest.fixture
def web(leadctl: Leadctl) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    leadctl("bucket", "create", "api", "--campaign", "Outbound")
    return leadctl


def test_load_list_shows_the_history_with_file_who_counts_and_id(
    web: Leadctl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADCTL_ACTOR", "sam")
    a = _file(tmp_path, "a.csv", ["A1,Ana,S,a@x.example,CFO,X,(206) 312-4659", "A2,Bo,,b@x.example,CFO,X,"])
    b = _file(tmp_path, "b.csv", ["B1,Cy,U,c@x.example,CFO,X,(206) 312-4657"])
    web("load", str(a), "--bucket", "web")
    web("load", "--bucket", "api", str(b))  # options first: still the file form
    rows = web.json("load", "list")
    assert [(r["id"], r["bucket"], r["file"], r["actor"], r["loaded"], r["rejected"]) for r in rows] == [
        (2, "api", str(b), "sam", 1, 0),
        (1, "web", str(a), "sam", 1, 1),
    ]
    assert [r["id"] for r in web.json("load", "list", "--bucket", "web")] == [1]
    table = web("load", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["id", "bucket", "file"]
    shown = web("bucket", "show", "web").stdout
    assert "Loads (newest 10" in shown and "/a.csv" in shown and "/b.csv" not in shown
    assert web.json("bucket", "show", "web")["recent_loads"][0]["file"] == str(a)


def test_undo_removes_a_loads_new_and_rejected_leads_and_is_recorded(web: Leadctl, tmp_path: Path) -> None:
    a = _file(tmp_path, "a.csv", ["A1,Ana,S,a@x.example,CFO,X,(206) 312-4659", "A2,Bo,,b@x.example,CFO,X,"])
    b = _file(tmp_path, "b.csv", ["B1,Cy,U,c@x.example,CFO,X,(206) 312-4657"])
    web("load", str(a), "--bucket", "web")
    web("load", str(b), "--bucket", "web")
    dry = web.json("load", "undo", "1", "--dry-run")
    assert (dry["removed"], dry["by_status"], dry["dry_run"]) == (2, {"new": 1, "rejected": 1}, True)
    assert len(leads(web)) == 3
    result = web("load", "undo", "1")
    assert "Removed 2 leads of load 1" in result.stderr
    assert [r["external_id"] for r in leads(web)] == ["B1"]
    [first, _second] = loads(web)
    assert first["undone_at"] is not None and first["rows_undone"] == 2 and first["undone_by"] == "tester"
    again = web("load", "undo", "1", ok=False)
    assert again.exit_code == 1 and "load 1 was undone already" in again.stderr
    web("load", str(a), "--bucket", "web")  # the same file loads afresh after an undo
    assert len(leads(web)) == 3
    missing = web("load", "undo", "99", ok=False)
    assert missing.exit_code == 1 and "no load 99" in missing.stderr


def test_undo_refuses_with_the_count_once_leads_were_processed(web: Leadctl, tmp_path: Path) -> None:
    a = _file(tmp_path, "a.csv", ["A1,Ana,S,a@x.example,CFO,X,(206) 312-4659", "A2,Bo,,b@x.example,CFO,X,"])
    web("load", str(a), "--bucket", "web")
    web("process")
    before = leads(web)
    result = web("load", "undo", "1", ok=False)
    assert result.exit_code == 1
    assert "load 1: 1 processed of its 2 leads were processed already" in result.stderr
    assert leads(web) == before  # nothing changed
    assert loads(web)[0]["undone_at"] is None


def test_load_usage_errors_are_as_before(web: Leadctl) -> None:
    result = web("load", ok=False)
    assert result.exit_code == 2 and "Missing argument 'FILE'" in result.stderr
    result = web("load", "x.csv", ok=False)
    assert result.exit_code == 2 and "Missing option '--bucket'" in result.stderr
    assert "leadctl load list" in web("load", "--help").stdout
