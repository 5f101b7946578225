"""leadctl db upgrade / downgrade / current / history, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.conftest import Leadctl


def revision(db_url: str) -> str | None:
    engine = engine_mod.create(db_url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def test_upgrade_on_an_up_to_date_database_says_so(db_url: str) -> None:
    leadctl = Leadctl(db_url)
    first = leadctl("db", "upgrade")  # a brand-new database: migrated to head
    assert f"to {migrate.HEAD}" in first.stderr
    again = leadctl("db", "upgrade")
    assert (
        again.stderr.strip() == f"The database is already at revision {migrate.HEAD} (head): nothing to do."
    )
    assert again.stdout == ""


def test_downgrade_then_normal_commands_ask_for_upgrade_then_upgrade_round_trip(db_url: str) -> None:
    leadctl = Leadctl(db_url)
    leadctl("campaign", "create", "Outbound")  # the first use migrates the new database
    assert revision(db_url) == migrate.HEAD
    down = leadctl("db", "downgrade", "--yes", "--", "-1")  # one step down, whatever the revision names
    previous = revision(db_url)
    assert previous is not None and previous != migrate.HEAD
    assert f"from {migrate.HEAD} to {previous}" in down.stderr

    refused = leadctl("campaign", "list", ok=False)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"Error: the database schema is at revision {previous}, this leadctl needs {migrate.HEAD}: "
        "run 'leadctl db upgrade'"
    ]
    current = leadctl.json("db", "current")
    assert current == {
        "revision": previous,
        "head": migrate.HEAD,
        "status": "behind: run 'leadctl db upgrade'",
    }

    up = leadctl("db", "upgrade")
    assert f"from {previous} to {migrate.HEAD}" in up.stderr
    assert [c["name"] for c in leadctl.json("campaign", "list")] == ["Outbound"]  # data survived
    assert leadctl.json("db", "current")["status"] == "up to date"


def test_downgrade_to_base_drops_everything_and_upgrade_recreates(db_url: str) -> None:
    leadctl = Leadctl(db_url)
    leadctl("campaign", "create", "Outbound")
    leadctl("db", "downgrade", "base", "--yes")
    engine = engine_mod.create(db_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    refused = leadctl("rep", "list", ok=False)
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith("run 'leadctl db upgrade'")
    assert len(refused.stderr.strip().splitlines()) == 1
    leadctl("db", "upgrade")
    assert leadctl.json("campaign", "list") == []


def test_upgrade_to_a_named_revision(db_url: str) -> None:
    leadctl = Leadctl(db_url)
    leadctl("db", "upgrade", "0001")
    assert revision(db_url) == "0001"
    assert leadctl("campaign", "list", ok=False).exit_code == 1
    leadctl("db", "upgrade", migrate.HEAD)
    assert revision(db_url) == migrate.HEAD


def test_downgrade_needs_a_revision_and_confirmation(sqlite_url: str) -> None:
    leadctl = Leadctl(sqlite_url)
    leadctl("db", "upgrade")
    no_rev = leadctl("db", "downgrade", ok=False)
    assert no_rev.exit_code == 2
    assert "Missing argument 'REV'" in no_rev.stderr
    unconfirmed = leadctl("db", "downgrade", "base", ok=False)  # stdin is not a terminal here
    assert unconfirmed.exit_code == 1
    assert "add --yes to confirm" in unconfirmed.stderr
    assert revision(sqlite_url) == migrate.HEAD  # nothing happened


def test_unknown_revision_is_one_line(sqlite_url: str) -> None:
    leadctl = Leadctl(sqlite_url)
    result = leadctl("db", "upgrade", "zzz", ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: revision 'zzz':")
    assert "leadctl db history" in lines[0]


def test_current_and_history(db_url: str) -> None:
    leadctl = Leadctl(db_url)
    fresh = leadctl.json("db", "current")  # db commands do not migrate a new database by themselves
    assert fresh["revision"] is None and fresh["head"] == migrate.HEAD
    leadctl("db", "upgrade")
    assert leadctl.json("db", "current") == {
        "revision": migrate.HEAD,
        "head": migrate.HEAD,
        "status": "up to date",
    }
    history = leadctl.json("db", "history")
    assert (
        history[0]["revision"] == migrate.HEAD
        and history[0]["current"] is True
        and history[0]["head"] is True
    )
    assert history[-1]["revision"] == "0001" and history[-1]["down_revision"] is None
    assert {h["revision"] for h in history} == migrate.known_revisions()
    assert all(h["message"] for h in history)
    table = leadctl("db", "history").stdout
    assert table.splitlines()[0].split() == ["revision", "down_revision", "message", "current", "head"]


def test_db_commands_work_on_an_out_of_date_database(sqlite_url: str) -> None:
    """The schema check every other command does is skipped by db commands (else no way out)."""
    leadctl = Leadctl(sqlite_url)
    leadctl("db", "upgrade", "0001")
    assert leadctl.json("db", "current")["revision"] == "0001"
    assert leadctl.json("db", "history")[-1]["current"] is True
    leadctl("db", "upgrade")
    assert revision(sqlite_url) == migrate.HEAD
