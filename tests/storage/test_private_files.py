"""Personal data stays private: data directory 0700, database and lead files 0600 (issue 7 item 20),
and a demo that cannot write its files writes nothing (item 18)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from leadctl.storage import engine as engine_mod
from tests.conftest import Leadctl
from tests.storage.test_sqlite_files import run_unprivileged


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files used to come out world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_the_default_database_and_its_directory_are_private(isolated_home: Path) -> None:
    from leadctl import config

    Leadctl(config.default_database_url())("campaign", "create", "C")
    data = isolated_home / "data"
    assert mode(data) == 0o700 and mode(data / "leadctl") == 0o700
    db = config.default_database_path()
    assert mode(db) == 0o600
    engine = engine_mod.open_engine(config.default_database_url())
    with engine.begin() as conn:  # while a connection is open, -wal and -shm exist
        conn.execute(text("UPDATE campaign SET description = 'x'"))
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
    engine.dispose()


def test_an_existing_directory_keeps_its_permissions(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    db = tmp_path / "team.db"
    engine_mod.open_engine(f"sqlite:///{db}").dispose()
    assert mode(tmp_path) == 0o755
    assert mode(db) == 0o600
    new = tmp_path / "a" / "b" / "c.db"
    engine_mod.open_engine(f"sqlite:///{new}").dispose()
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "b"), mode(new)) == (0o700, 0o700, 0o600)


def test_demo_files_are_private(leadctl_sqlite: Leadctl, tmp_path: Path) -> None:
    files = tmp_path / "demo" / "files"
    stale = tmp_path / "demo"
    leadctl_sqlite("demo", "--leads", "40", "--dir", str(files))
    assert mode(stale) == 0o700 and mode(files) == 0o700
    written = sorted(files.iterdir())
    assert len(written) == 7  # five lead files, truth.csv and the report
    assert "report.html" in {p.name for p in written}
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_demo_rewrites_an_old_world_readable_file_as_private(leadctl_sqlite: Leadctl, tmp_path: Path) -> None:
    old = tmp_path / "truth.csv"
    old.write_text("old", encoding="utf-8")
    old.chmod(0o644)
    leadctl_sqlite("demo", "--leads", "40", "--dir", str(tmp_path))
    assert mode(old) == 0o600


def _assert_empty(leadctl: Leadctl) -> None:
    for what in ("campaign", "rep", "bucket"):
        assert leadctl.json(what, "list") == [], what


def test_a_demo_that_cannot_write_a_file_writes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "zoominfo-q4.tsv").mkdir()  # the second lead file cannot be written
    failed = leadctl("demo", "--leads", "40", "--dir", str(files), ok=False)
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[-1].startswith(f"Error: {files / 'zoominfo-q4.tsv'}")
    _assert_empty(leadctl)
    (files / "zoominfo-q4.tsv").rmdir()
    leadctl("demo", "--leads", "40", "--dir", str(files))  # runs now: nothing was left behind
    assert len(leadctl.json("campaign", "list")) == 3


def test_a_demo_into_an_unwritable_directory_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "data" / "demo.db"
    files = tmp_path / "locked"
    files.mkdir()
    files.chmod(0o555)
    failed = run_unprivileged(db, "demo", "--leads", "40", "--dir", str(files))
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.splitlines()[-1].startswith(f"Error: {files}/")
    _assert_empty(Leadctl(f"sqlite:///{db}"))
    files.chmod(0o755)
    again = run_unprivileged(db, "demo", "--leads", "40", "--dir", str(files))
    assert again.returncode == 0, again.stderr
