"""Everyday admin niceties: rules init, --quiet, the config file in info and in errors, table details."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from leadctl.rules.loader import DEFAULT_FILE
from tests.conftest import Leadctl


def test_rules_init_writes_the_commented_defaults_and_keeps_an_existing_file(
    leadctl_sqlite: Leadctl, isolated_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "team.yaml"
    result = leadctl_sqlite("rules", "init", str(target))
    assert target.read_text() == DEFAULT_FILE.read_text() and "# " in target.read_text()
    assert f"leadctl rules validate {target}" in result.stderr
    leadctl_sqlite("rules", "validate", str(target))
    again = leadctl_sqlite("rules", "init", str(target), ok=False)
    assert again.exit_code == 1 and "exists already; add --force" in again.stderr
    leadctl_sqlite("rules", "init", str(target), "--force")
    leadctl_sqlite("rules", "init")  # default: the user's rules file
    assert (isolated_home / "config" / "leadctl" / "rules.yaml").read_text() == DEFAULT_FILE.read_text()
    assert yaml.safe_load(leadctl_sqlite("rules", "init", "-").stdout)["dates"]["input_timezone"] == "UTC"


def test_quiet_silences_notes_but_not_data_or_errors(leadctl_sqlite: Leadctl) -> None:
    noisy = leadctl_sqlite("leads", "list")
    assert noisy.stderr.strip() == "No leads match."
    quiet = leadctl_sqlite("--quiet", "leads", "list")
    assert quiet.stderr == "" and quiet.exit_code == 0
    error = leadctl_sqlite("-q", "leads", "show", "999", ok=False)
    assert error.exit_code == 1 and "no lead '999'" in error.stderr


def test_info_shows_the_config_file_and_a_bad_rules_path_names_it(
    leadctl_sqlite: Leadctl, isolated_home: Path
) -> None:
    cfg = isolated_home / "config" / "leadctl" / "config.yaml"
    assert leadctl_sqlite.json("info")["config_file"] == f"{cfg} (none)"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("rules: /nowhere/rules.yaml\n")
    from leadctl import config

    config._config_values.cache_clear()
    assert leadctl_sqlite.json("info")["config_file"] == str(cfg)
    result = leadctl_sqlite("leads", "fix", "1", "--set", "email=a@b.example", ok=False)
    assert result.exit_code == 1
    assert (
        f"/nowhere/rules.yaml: rules file not found (named by 'rules:' in the config file {cfg})"
        in result.stderr
    )


def test_a_bad_display_zone_names_the_config_file(leadctl_sqlite: Leadctl, isolated_home: Path) -> None:
    cfg = isolated_home / "config" / "leadctl" / "config.yaml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("display_timezone: Mars/Base\n")
    from leadctl import config

    config._config_values.cache_clear()
    result = leadctl_sqlite("campaign", "create", "C", ok=False)  # refused before anything is written
    assert result.exit_code == 1
    assert f"{cfg}: display_timezone: unknown time zone 'Mars/Base'" in result.stderr
    cfg.write_text("display_timezone: Europe/Berlin\n")
    config._config_values.cache_clear()
    assert leadctl_sqlite.json("campaign", "list") == []


@pytest.fixture
def web(leadctl: Leadctl) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    return leadctl


def test_the_rejected_table_shows_reasons_and_duplicates_what_they_duplicate(
    web: Leadctl, tmp_path: Path
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone\n"
        "A1,Ana,Silva,ana@x.example,CFO,X,(206) 312-4659\n"
        "A2,Bo,,bo@x.example,CFO,X,(206) 312-4658\n"
    )
    web("load", str(path), "--bucket", "web")
    path.write_text(
        "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone\nA3,Ana,Silva,ana@x.example,CFO,X,(206) 312-4659\n"
    )
    web("process")
    web("load", str(path), "--bucket", "web")
    web("process")
    rejected = web("leads", "list", "--status", "rejected", "--columns", "id,detail").stdout
    assert "last_name: missing" in rejected
    dup = web("leads", "list", "--status", "duplicate", "--columns", "id,detail").stdout
    assert "client:1 (1.00)" in dup
