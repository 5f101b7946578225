"""The SQLite file: never in memory by accident, readable when read-only (issue 7 item 17)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadctl.errors import ConfigError
from leadctl.storage import engine as engine_mod
from tests.commands.test_bucket import insert_leads
from tests.conftest import Leadctl

LEADCTL = os.path.join(os.path.dirname(sys.executable), "leadctl")


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///file::memory:?cache=shared&uri=true"]
)
def test_an_in_memory_database_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="in-memory SQLite database keeps nothing"):
        engine_mod.create(url)
    result = Leadctl(url)("campaign", "create", "C", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: database URL sqlite:") and result.stderr.count("\n") == 1


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root ignores them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def run_unprivileged(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_unprivileged(), LEADCTL, "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(db.parent.parent)},
    )


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Path]:
    """A database with one campaign, one bucket and three leads, closed cleanly (no -wal/-shm)."""
    folder = tmp_path / "data"
    db = folder / "leads.db"
    for args in (["campaign", "create", "C"], ["bucket", "create", "web", "--campaign", "C"]):
        subprocess.run([LEADCTL, "--db", str(db), *args], check=True, capture_output=True, timeout=120)
    insert_leads(Leadctl(f"sqlite:///{db}"), "web", ["new", "new", "processed"])
    assert not Path(f"{db}-wal").exists()
    yield db
    folder.chmod(0o700)
    for p in folder.iterdir():
        p.chmod(0o600)


@pytest.mark.parametrize("what", ["file", "directory", "both"])
def test_a_read_only_database_still_lists(filled: Path, what: str) -> None:
    if what in ("file", "both"):
        filled.chmod(0o444)
    if what in ("directory", "both"):
        filled.parent.chmod(0o555)
    listed = run_unprivileged(filled, "leads", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count('"status"') == 3
    info = run_unprivileged(filled, "campaign", "list")
    assert info.returncode == 0, info.stderr
    changed = run_unprivileged(filled, "campaign", "create", "D")
    assert changed.returncode == 1
    assert changed.stderr == (
        f"Error: {filled}: the database is read-only for you (the file or its directory is not writable): "
        "listings work, changes are refused\n"
    )


def test_a_new_database_in_a_read_only_directory_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = run_unprivileged(folder / "x.db", "leads", "list")
    assert result.returncode == 1
    assert (
        result.stderr
        == f"Error: {folder / 'x.db'}: cannot create the database: the directory is not writable\n"
    )
