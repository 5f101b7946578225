"""leadctl rules validate / show: no database needed, one-line errors with file, line and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from leadctl.cli import cli
from leadctl.rules.loader import defaults

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/nothing"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text("phones:\n  default_region: ca\n  allowed_regions: [US, CA]\n", encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nphones:\n  default_region: XX\n", encoding="utf-8")
    return path


def test_validate_ok_needs_no_database(good: Path, isolated_home: Path) -> None:
    result = run("--db", UNREACHABLE_DB, "rules", "validate", str(good))
    assert result.exit_code == 0
    assert f"{good}: OK" in result.output
    assert not (isolated_home / "data" / "leadctl").exists()  # no default database created either
    assert run("rules", "validate", str(good)).exit_code == 0


def test_validate_error_names_file_line_and_key(bad: Path) -> None:
    result = run("--db", UNREACHABLE_DB, "rules", "validate", str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: {bad} line 3: phones.default_region: expected a region code such as US, CA or GB, got 'XX'"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "phones:\n  default_regoin: US\n",
            "line 2: unknown key 'phones.default_regoin' (did you mean 'default_region'?)",
        ),
        (
            "validation:\n  check_email_syntax: maybe\n",
            "line 2: validation.check_email_syntax: expected true or false",
        ),
        ("phones: [unclosed\n", "line 2: not valid YAML"),
    ],
)
def test_validate_reports_the_first_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("rules", "validate", str(path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path} {message}"), lines


def test_validate_several_files_checks_each(good: Path, bad: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = run("rules", "validate", str(good), str(bad), str(missing))
    assert result.exit_code == 1
    assert f"{good}: OK" in result.stderr
    assert f"Error: {bad} line 3:" in result.stderr
    assert f"Error: {missing}: rules file not found" in result.stderr


def test_validate_without_file_is_a_usage_error() -> None:
    result = run("rules", "validate")
    assert result.exit_code == 2
    assert "Missing argument 'FILE...'" in result.stderr


def test_show_built_in_defaults_as_yaml() -> None:
    result = run("--db", UNREACHABLE_DB, "rules", "show")
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout) == defaults()
    assert result.stderr.strip() == "Rules: built-in defaults"


def test_show_merges_the_file_over_the_defaults(good: Path) -> None:
    result = run("--rules", str(good), "rules", "show", "--format", "json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["phones"] == {"default_region": "CA", "allowed_regions": ["US", "CA"]}
    assert shown["validation"] == defaults()["validation"]  # untouched keys keep their default
    assert str(good) in result.stderr


def test_show_one_key(good: Path) -> None:
    assert run("--rules", str(good), "rules", "show", "phones.default_region").stdout.strip() == "CA"
    section = run("--rules", str(good), "rules", "show", "phones", "--format", "json")
    assert json.loads(section.stdout) == {"default_region": "CA", "allowed_regions": ["US", "CA"]}
    missing = run("rules", "show", "phones.nope")
    assert missing.exit_code == 1
    assert missing.stderr.strip().splitlines()[-1].startswith("Error: no rules key 'phones.nope'")


def test_rules_file_precedence_flag_env_user_file(good: Path, tmp_path: Path, isolated_home: Path) -> None:
    user_file = isolated_home / "config" / "leadctl" / "rules.yaml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("phones:\n  default_region: GB\n", encoding="utf-8")
    env_file = tmp_path / "env.yaml"
    env_file.write_text("phones:\n  default_region: DE\n", encoding="utf-8")

    def region(*args: str, env: dict[str, str] | None = None) -> tuple[str, str]:
        result = run(*args, "rules", "show", "phones.default_region", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout.strip(), result.stderr.strip()

    assert region() == ("GB", f"Rules: {user_file} (over the built-in defaults)")
    assert region(env={"LEADCTL_RULES": str(env_file)})[0] == "DE"
    assert region("--rules", str(good), env={"LEADCTL_RULES": str(env_file)})[0] == "CA"


def test_show_with_an_invalid_rules_file_is_one_line(bad: Path) -> None:
    result = run("--rules", str(bad), "rules", "show")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: {bad} line 3: phones.default_region: expected a region code such as US, CA or GB, got 'XX'"
    ]
