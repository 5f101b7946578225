"""The output module: formats, CSV formula safety, stable JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import click
import pytest
from click.testing import CliRunner

from leadctl.output import csv_safe, format_option, render

ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "email": "ana@example.com",
        "phone": "+14155550100",
        "note": '=HYPERLINK("http://evil")',
        "at": datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
        "custom": {"a": 1},
        "tags": ["x", "y"],
    },
    {"id": 2, "email": None, "phone": "-42", "note": "@SUM(A1)", "at": None, "custom": {}, "tags": []},
]


def _run(fmt: str, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    @click.command()
    @format_option
    def cmd(fmt: str) -> None:
        render(ROWS, fmt)

    return CliRunner().invoke(cmd, [] if fmt == "" else ["--format", fmt]).stdout


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("-42", "-42"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("plain", "plain"),
    ],
)
def test_csv_never_emits_live_formulas(value: str, expected: str) -> None:
    assert csv_safe(value) == expected


def test_csv_output(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = list(csv.DictReader(io.StringIO(_run("csv"))))
    assert rows[0]["phone"] == "+14155550100"
    assert rows[0]["note"].startswith("'=")
    assert rows[0]["at"] == "2026-03-14T09:30:00+00:00"
    assert json.loads(rows[0]["custom"]) == {"a": 1}
    assert rows[1]["email"] == ""


def test_json_and_jsonl() -> None:
    data = json.loads(_run("json"))
    assert data[0]["at"] == "2026-03-14T09:30:00+00:00"
    assert data[1]["email"] is None
    assert data[0]["note"] == '=HYPERLINK("http://evil")'  # JSON is data, not a spreadsheet
    lines = _run("jsonl").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [1, 2]


def test_default_format_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADCTL_FORMAT", "jsonl")
    assert json.loads(_run("").splitlines()[0])["id"] == 1


def test_table_is_for_people() -> None:
    out = _run("table")
    assert out.splitlines()[0].split()[:3] == ["id", "email", "phone"]
    assert "ana@example.com" in out
