"""leadctl info: version, masked database URL, schema revision, rules file, data directory, counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from leadctl import __version__
from leadctl.cli import cli
from leadctl.storage import migrate
from tests.commands.test_bucket import insert_leads
from tests.conftest import Leadctl


def test_info_counts_and_settings(leadctl: Leadctl, isolated_home: Path) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("campaign", "create", "Old")
    leadctl("campaign", "edit", "Old", "--inactive")
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    leadctl("rep", "add", "ben@example.com", "--name", "Ben")
    leadctl("rep", "deactivate", "ben@example.com")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    leadctl("bucket", "create", "api", "--campaign", "Outbound")
    insert_leads(leadctl, "web", ["new", "new", "processed", "duplicate", "rejected"])
    insert_leads(leadctl, "api", ["processed"])
    info = leadctl.json("info")
    assert info["version"] == __version__
    assert (info["schema_revision"], info["schema_head"], info["schema_status"]) == (
        migrate.HEAD,
        migrate.HEAD,
        "up to date",
    )
    assert info["database_backend"] in ("sqlite", "postgresql")
    assert info["rules_file"] == "built-in defaults" and info["rules_status"] == "ok"
    assert info["data_dir"] == str(isolated_home / "data" / "leadctl")
    counts = {
        k: info[k]
        for k in (
            "campaigns",
            "campaigns_active",
            "buckets",
            "buckets_active",
            "reps",
            "reps_active",
            "leads",
            "leads_new",
            "leads_processed",
            "leads_duplicate",
            "leads_rejected",
        )
    }
    assert counts == {
        "campaigns": 2,
        "campaigns_active": 1,
        "buckets": 2,
        "buckets_active": 2,
        "reps": 2,
        "reps_active": 1,
        "leads": 6,
        "leads_new": 2,
        "leads_processed": 2,
        "leads_duplicate": 1,
        "leads_rejected": 1,
    }


def test_info_table_is_key_value(leadctl: Leadctl) -> None:
    out = leadctl("info").stdout
    pairs = dict(line.split(None, 1) for line in out.splitlines() if len(line.split(None, 1)) == 2)
    assert pairs["version"] == __version__
    assert pairs["schema_revision"] == migrate.HEAD
    assert pairs["leads"] == "0"


def test_info_shows_the_rules_file_in_use_and_whether_it_is_valid(leadctl: Leadctl, tmp_path: Path) -> None:
    rules = tmp_path / "team.yaml"
    rules.write_text("phones:\n  default_region: XX\n", encoding="utf-8")
    leadctl.rules = str(rules)
    info = leadctl.json("info")  # an invalid rules file does not stop info: it reports it
    assert info["rules_file"] == str(rules)
    assert info["rules_status"].startswith(f"invalid: {rules} line 2: phones.default_region")


def test_info_on_an_out_of_date_database_reports_instead_of_failing(leadctl: Leadctl) -> None:
    leadctl("db", "upgrade", "0001")
    info = leadctl.json("info")
    assert info["schema_revision"] == "0001"
    assert info["schema_status"].endswith("run 'leadctl db upgrade'")
    assert "leads" not in info  # no counts from a schema this leadctl does not know


def test_info_masks_the_password_even_when_the_database_is_unreachable() -> None:
    url = "postgresql://leadctl:s3cret-pw@127.0.0.1:1/leads"
    result = CliRunner().invoke(cli, ["--db", url, "info", "--format", "json"])
    assert result.exit_code == 1, (
        result.output
    )  # unreachable: the record, then a non-zero exit (issue 7 item 17)
    assert "s3cret-pw" not in result.output
    import json

    info = json.loads(result.stdout)
    assert info["database_url"] == "postgresql+psycopg://leadctl:***@127.0.0.1:1/leads"
    assert info["schema_status"].startswith("cannot open the database:")
    assert info["version"] == __version__


def test_info_creates_a_new_database_like_any_first_use(sqlite_url: str) -> None:
    info = Leadctl(sqlite_url).json("info")
    assert info["schema_revision"] == migrate.HEAD
    assert info["campaigns"] == 0


def test_info_exits_non_zero_when_the_database_is_unreachable() -> None:
    url = "postgresql://leadctl@127.0.0.1:1/leads"
    result = CliRunner().invoke(cli, ["--db", url, "info"])
    assert result.exit_code == 1
    assert "database_reachable" in result.stdout  # the record is still shown, for diagnosis
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot open the database:")


SECRET_URLS = [
    # ?password= and ?sslpassword= query parameters
    (
        "postgresql://leadctl@127.0.0.1:1/leads?password=qs3cret-x&sslpassword=ssl-s3cret-y",
        ["qs3cret-x", "ssl-s3cret-y"],
    ),
    # a password with an unencoded @: a parser stopping at the first @ takes its tail for the host
    ("postgresql://leadctl:p4ss@w0rd-tail@127.0.0.1:1/leads", ["p4ss", "w0rd-tail"]),
]


@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["plain", "verbose"])
@pytest.mark.parametrize("command", [["info"], ["info", "--format", "json"], ["leads", "list"], ["process"]])
@pytest.mark.parametrize(("url", "secrets"), SECRET_URLS, ids=["query", "at-in-password"])
def test_secrets_are_masked_in_every_message(
    url: str, secrets: list[str], command: list[str], verbose: list[str]
) -> None:
    result = CliRunner().invoke(cli, [*verbose, "--db", url, *command])
    assert result.exit_code == 1
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr, (secret, result.output)
    assert "***" in result.stdout + result.stderr or "cannot connect" in result.stderr
