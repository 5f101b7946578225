"""Bad configuration is one line naming the file and key, or the (masked) URL (issue 7 item 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadctl.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "unexpected" not in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def config_dir(isolated_home: Path) -> Path:
    d = isolated_home / "config" / "leadctl"
    d.mkdir(parents=True)
    return d


# ---------------------------------------------------------------- rules files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("duplicates:\n  threshold: !!python/name:os.system\n", "line 2: duplicates.threshold: YAML tag"),
        ("duplicates: !!python/object/apply:os.system [ls]\n", "line 1: duplicates: YAML tag"),
        ("phones:\n  default_region: !custom US\n", "line 2: phones.default_region: YAML tag"),
        ("duplicates:\n  threshold: .nan\n", "line 2: duplicates.threshold: expected"),
        ("duplicates:\n  threshold: .inf\n", "line 2: duplicates.threshold: expected"),
    ],
)
def test_bad_rules_values_are_refused_by_validate_and_by_every_command(
    tmp_path: Path, text: str, expected: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    db = str(tmp_path / "x.db")
    for args in (["rules", "validate", str(rules)], ["--rules", str(rules), "process"]):
        err = one_line_error(run("--db", db, *args))
        assert f"{rules} {expected}" in err


def test_a_non_finite_number_in_any_float_setting_is_refused() -> None:
    from leadctl.errors import ConfigError
    from leadctl.rules.loader import parse_text

    for value in (".nan", "-.inf", ".Inf"):
        with pytest.raises(ConfigError, match="expected"):
            parse_text(f"duplicates:\n  threshold: {value}\n", "r.yaml")


def test_a_binary_rules_file_is_one_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(b"\xff\xfe\x00\x01binary\x00")
    err = one_line_error(run("--db", str(tmp_path / "x.db"), "rules", "validate", str(rules)))
    assert str(rules) in err and "not UTF-8" in err


def test_a_directory_in_place_of_rules_yaml_is_refused(config_dir: Path, tmp_path: Path) -> None:
    (config_dir / "rules.yaml").mkdir()
    err = one_line_error(run("--db", str(tmp_path / "x.db"), "rules", "show"))
    assert f"{config_dir / 'rules.yaml'}: " in err and "directory" in err


def test_a_directory_named_by_leadctl_rules_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEADCTL_RULES", str(tmp_path))
    err = one_line_error(run("--db", str(tmp_path / "x.db"), "process"))
    assert f"{tmp_path}: " in err and "directory" in err


# ---------------------------------------------------------------- config.yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("database_url: 42\n", "database_url: expected a database URL (text), got 42"),
        ("rules: [x]\n", "rules: expected a file path (text), got ['x']"),
        ("format: xml\n", "format: expected one of table, json, jsonl, csv, got 'xml'"),
        ("database_url: ''\n", "database_url: expected a database URL (text), got ''"),
        ("database_url: !!python/name:os.system\n", "line 1: not valid YAML"),
        ("- a\n- b\n", "expected a mapping of database_url, rules, format"),
        ("datbase_url: x\n", "unknown key 'datbase_url'"),
    ],
)
def test_bad_config_values_name_the_file_and_key(config_dir: Path, text: str, expected: str) -> None:
    (config_dir / "config.yaml").write_text(text, encoding="utf-8")
    err = one_line_error(run("leads", "list"))
    assert f"{config_dir / 'config.yaml'}" in err and expected in err


def test_a_binary_config_file_is_one_line(config_dir: Path) -> None:
    (config_dir / "config.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    err = one_line_error(run("leads", "list"))
    assert f"{config_dir / 'config.yaml'}: not UTF-8" in err


def test_a_directory_in_place_of_config_yaml_is_refused(config_dir: Path) -> None:
    (config_dir / "config.yaml").mkdir()
    err = one_line_error(run("leads", "list"))
    assert f"{config_dir / 'config.yaml'}: " in err and "directory" in err


# ---------------------------------------------------------------- database URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://sales:s3cret@db.internal:abc/leads", "port"),
        ("postgresql://sales:s3cret@db.internal:99999/leads", "port"),
        ("postgresql+psycopg2://sales:s3cret@db.internal/leads", "driver 'psycopg2'"),
        ("postgresql+asyncpg://sales:s3cret@db.internal/leads", "driver 'asyncpg'"),
        ("sqlite+aiosqlite:///x.db", "driver 'aiosqlite'"),
        ("postgresql://sales:s3cret@db.internal:abc", "port"),
    ],
)
def test_bad_database_urls_are_one_line_and_masked(url: str, expected: str) -> None:
    err = one_line_error(run("--db", url, "leads", "list"))
    assert expected in err
    assert "s3cret" not in err
    if "sales" in url:
        assert "sales:***@db.internal" in err


def test_a_bad_url_in_the_config_file_is_masked_and_named(config_dir: Path) -> None:
    (config_dir / "config.yaml").write_text(
        "database_url: postgresql+psycopg2://sales:p@ss@db/leads\n", encoding="utf-8"
    )
    err = one_line_error(run("leads", "list"))
    assert "p@ss" not in err and "ss@db" not in err and "driver 'psycopg2'" in err


def test_rules_read_the_same_with_either_yaml_composer(monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml (when PyYAML has it) and the pure-Python composer give the same rules, values and
    types alike (ints, floats, booleans, dates, times as text), for the defaults and every example."""
    import yaml

    from leadctl.rules import loader

    examples = Path(__file__).resolve().parent.parent / "examples"
    files = [Path(loader.__file__).with_name("default.yaml"), *sorted(examples.rglob("*.yaml"))]
    assert len(files) > 3
    fast = {str(f): loader.parse_text(f.read_text(encoding="utf-8"), str(f)) for f in files}
    monkeypatch.setattr(loader, "_LOADER", yaml.SafeLoader)
    for f in files:
        slow = loader.parse_text(f.read_text(encoding="utf-8"), str(f))
        assert slow == fast[str(f)]
        assert repr(slow) == repr(fast[str(f)])  # same types, not only equal values
