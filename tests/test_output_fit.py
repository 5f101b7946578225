"""Tables fit the terminal, --columns chooses, times show in the display zone, long values wrap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
import pytest
from click.testing import CliRunner

from leadctl.output import format_option, render, render_record

ROWS: list[dict[str, Any]] = [
    {
        "id": i,
        "email": f"person.number{i}@a-rather-long-domain-name.example",
        "company": "Consolidated Widgets and Sprockets International",
        "note": "x" * 50,
        "at": datetime(2026, 3, 14, 9, 30, 15, 123456, tzinfo=UTC),
    }
    for i in (1, 2)
]


@click.command()
@format_option
def listing(fmt: str) -> None:
    render(ROWS, fmt, ["id", "email", "company", "note", "at"])


@click.command()
@format_option
def record(fmt: str) -> None:
    render_record({"id": 1, "note": "word " * 40}, fmt)


def run(cmd: click.Command, *args: str, columns: int | None = None, **env: str) -> Any:
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return CliRunner().invoke(cmd, list(args), env=env)


def test_a_table_fits_an_80_column_terminal_with_ellipses_and_fewer_columns() -> None:
    result = run(listing, columns=80)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" in result.stdout
    assert lines[0].split()[0] == "id"
    wide = run(listing, columns=400)
    assert "…" not in wide.stdout and "person.number1@a-rather-long-domain-name.example" in wide.stdout


def test_a_very_narrow_terminal_leaves_columns_out_and_says_which() -> None:
    result = run(listing, columns=40)
    assert max(len(line) for line in result.stdout.splitlines()) <= 40
    assert "not shown to fit the terminal" in result.stderr and "at" in result.stderr


def test_columns_chooses_and_orders_in_every_format() -> None:
    table = run(listing, "--columns", "email,id", columns=200)
    assert table.stdout.splitlines()[0].split() == ["email", "id"]
    csv_out = run(listing, "--columns", "id,at", "--format", "csv")
    assert csv_out.stdout.splitlines() == [
        "id,at",
        "1,2026-03-14T09:30:15.123456+00:00",  # csv and json keep full UTC
        "2,2026-03-14T09:30:15.123456+00:00",
    ]
    bad = run(listing, "--columns", "emial")
    assert bad.exit_code == 2 and "no column 'emial' (did you mean 'email'?)" in bad.stderr


def test_table_times_are_in_the_display_zone_to_the_second(monkeypatch: pytest.MonkeyPatch) -> None:
    utc = run(listing, "--columns", "id,at", columns=200)
    assert "2026-03-14T09:30:15+00:00" in utc.stdout and ".123456" not in utc.stdout
    ny = run(listing, "--columns", "id,at", columns=200, LEADCTL_DISPLAY_TIMEZONE="America/New_York")
    assert "2026-03-14T05:30:15-04:00" in ny.stdout
    js = run(listing, "--format", "json", LEADCTL_DISPLAY_TIMEZONE="America/New_York")
    assert "2026-03-14T09:30:15.123456+00:00" in js.stdout  # JSON stays UTC


def test_a_record_wraps_long_values_instead_of_cutting_them() -> None:
    result = run(record, columns=60)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "".join(lines).count("word") == 40


def test_piped_output_without_columns_is_not_fitted() -> None:
    result = CliRunner().invoke(listing, [], env={"COLUMNS": ""})
    assert "person.number1@a-rather-long-domain-name.example" in result.stdout
