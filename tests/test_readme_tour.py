"""The README tour works as written from a fresh database (in examples/, default SQLite file)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadctl.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def tour_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## A tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands: list[list[str]] = []
    for line in block.splitlines():
        for part in line.split("&&"):
            words = shlex.split(part, comments=True)
            if words:
                assert words[0] == "leadctl", f"the tour runs leadctl only: {part!r}"
                commands.append(words[1:])
    return commands


def test_the_tour_runs_as_written(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    monkeypatch.chdir(ROOT / "examples")
    commands = tour_commands()
    assert ["load", "acme-export.csv", "--bucket", "partner-acme"] in commands
    outputs = {}
    for argv in commands:
        result = CliRunner().invoke(cli, argv, catch_exceptions=True)
        assert result.exit_code == 0, f"leadctl {shlex.join(argv)}: {result.stdout}{result.stderr}"
        outputs[shlex.join(argv)] = result
    show = outputs["leadctl leads show 2".removeprefix("leadctl ")].stdout
    assert "ACME-2" in show and "rejected" in show
    assert "Mobile Phone Number" in outputs["load acme-export.csv --bucket partner-acme --dry-run"].stdout
    assert "acme-export.csv" in outputs["load list --bucket partner-acme"].stdout
