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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1-000-000-0000", "'+1-000-000-0000"),  # a spreadsheet computes 1-0-0-0
        ("-2+3", "'-2+3"),
        ("+1.5e3", "'+1.5e3"),
        ("-1-1", "'-1-1"),
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),  # no spreadsheet can parse "1 (415)" as a formula
        ("+14155550100", "+14155550100"),  # a plain number: valid E.164 stays readable
        ("-3.5", "-3.5"),
        ("+", "'+"),
        ("-", "'-"),
        ("+(1)", "'+(1)"),
    ],
)
def test_csv_neutralises_arithmetic_too(value: str, expected: str) -> None:
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


def test_jsonl_lines_follow_the_columns_whatever_the_row_order() -> None:
    """jsonl streams rows as they come: in the columns' order (copied only when a row's keys
    are in another order), a missing column as null, the rest left out."""
    rows: list[dict[str, Any]] = [
        {"a": 1, "b": datetime(2026, 3, 14, 9, 30, tzinfo=UTC)},
        {"b": "x", "a": 2},
        {"a": 3, "c": 4},
    ]

    @click.command()
    @format_option
    def cmd(fmt: str) -> None:
        render(iter(rows), fmt, ["a", "b"])

    out = CliRunner().invoke(cmd, ["--format", "jsonl"]).stdout.splitlines()
    assert out == [
        '{"a": 1, "b": "2026-03-14T09:30:00+00:00"}',
        '{"a": 2, "b": "x"}',
        '{"a": 3, "b": null}',
    ]


def test_default_format_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADCTL_FORMAT", "jsonl")
    assert json.loads(_run("").splitlines()[0])["id"] == 1


def test_table_is_for_people() -> None:
    out = _run("table")
    assert out.splitlines()[0].split()[:3] == ["id", "email", "phone"]
    assert "ana@example.com" in out


def _invoke(body: Any, fmt: str) -> Any:
    @click.command()
    @format_option
    def cmd(fmt: str) -> None:
        body(fmt)

    return CliRunner().invoke(cmd, ["--format", fmt])


def test_display_formats_tables_only() -> None:
    from leadctl.output import fixed, flag, percent

    rows: list[dict[str, Any]] = [
        {"rate": 0.125, "spike": True, "score": 0.91234},
        {"rate": None, "spike": False, "score": 1},
    ]
    display = {"rate": percent, "spike": flag("SPIKE"), "score": fixed(2)}
    table = _invoke(lambda fmt: render(rows, fmt, display=display), "table").stdout.splitlines()
    assert table[2].split() == ["12.5%", "SPIKE", "0.91"]
    assert table[3].split() == ["1"]  # blank rate and spike, an int score as it is
    raw = json.loads(_invoke(lambda fmt: render(rows, fmt, display=display), "json").stdout)
    assert raw == rows  # JSON keeps the raw values
    csv_rows = list(
        csv.DictReader(io.StringIO(_invoke(lambda fmt: render(rows, fmt, display=display), "csv").stdout))
    )
    assert csv_rows[0] == {"rate": "0.125", "spike": "true", "score": "0.91234"}


def test_sections_for_people_and_the_whole_record_for_tools() -> None:
    from leadctl.output import Section, pairs, render_sections

    record = {"id": 7, "name": "web", "custom": {"a": 1}, "events": [], "notes": [{"n": "x"}]}
    sections = (
        Section(
            "custom",
            "Custom fields",
            ["field", "value"],
            empty_title="Custom fields: none",
            rows=pairs("custom"),
        ),
        Section("events", "Events", skip_empty=True),
        Section("notes", lambda r: f"Notes of {r['name']}", ["n"], when=lambda r: r["id"] == 7),
    )
    result = _invoke(lambda fmt: render_sections(record, fmt, sections), "table")
    out = result.stdout.splitlines()
    assert out[0].split() == ["id", "7"] and out[1].split() == ["name", "web"]
    assert "custom" not in result.stdout.split("Custom fields")[0]  # section keys leave the record
    assert "Custom fields" in out and "Notes of web" in out and "Events" not in result.stdout
    assert json.loads(_invoke(lambda fmt: render_sections(record, fmt, sections), "json").stdout) == record
    empty = dict(record, custom={})
    assert "Custom fields: none" in _invoke(lambda fmt: render_sections(empty, fmt, sections), "table").stdout


def test_reporter_counts_batches_for_the_interrupt_note() -> None:
    from leadctl.output import Reporter

    assert Reporter().kept() is None
    assert Reporter(partial="the set-up is kept").kept() == "the set-up is kept."
    report = Reporter()
    report.batch(5000)
    report.batch(1200)
    note = report.kept()
    assert note is not None and note.startswith(
        "2 batch(es) (6,200 leads) finished before the interrupt are kept"
    )
