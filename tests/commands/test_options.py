"""Option values are parsed at the edge: a bad value is a usage error (exit 2), for every type."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

import leadctl
from leadctl.commands._options import StatusList, When
from leadctl.vocab import LeadStatus
from tests.conftest import Leadctl

# (command line, the option Click names) — one bad value per parameter type, across commands.
BAD_VALUES = [
    # dates and durations
    (["leads", "list", "--since", "last tuesday"], "--since"),
    (["leads", "list", "--until", "2026-13-45"], "--until"),
    (["leads", "list", "--since", "1000000000d"], "--since"),
    (["leads", "list", "--since", "9999-12-31T23:59:59-05:00"], "--since"),
    (["metrics", "duplicates", "--since", "999999d"], "--since"),
    (["metrics", "duplicates", "--until", "soon"], "--until"),
    (["reprocess", "--lead", "1", "--since", "nope"], "--since"),
    # status lists
    (["leads", "list", "--status", "bogus"], "--status"),
    (["leads", "list", "--status", "new,won"], "--status"),
    (["reprocess", "--lead", "1", "--status", "bogus"], "--status"),
    # name-or-id references
    (["leads", "list", "--bucket", " "], "--bucket"),
    (["leads", "list", "--campaign", ""], "--campaign"),
    (["leads", "list", "--manager", " "], "--manager"),
    (["process", "--bucket", ""], "--bucket"),
    (["dedupe", "scan", "--campaign", " "], "--campaign"),
    (["bucket", "create", "web", "--campaign", " "], "--campaign"),
    (["bucket", "show", " "], "BUCKET"),
    (["load", "-", "--bucket", " "], "--bucket"),
    (["bucket", "edit", "web", "--campaign", ""], "--campaign"),
    (["campaign", "approve", "Outbound", " "], "REP..."),
    (["campaign", "show", ""], "CAMPAIGN"),
    (["rep", "show", " "], "REP"),
    # FIELD=VALUE assignments
    (["leads", "fix", "1", "--set", "email"], "--set"),
    (["leads", "fix", "1", "--set", "emial=x@example.com"], "--set"),
    (["leads", "fix", "1", "--set", "registered_at=someday"], "--set"),
    (["leads", "fix", "1", "--set", "registered_at=9999-12-31T23:59:59-05:00"], "--set"),
    # sort keys and numbers
    (["leads", "list", "--sort", "raw"], "--sort"),
    (["dedupe", "scan", "--threshold", "nan"], "--threshold"),
    (["dedupe", "scan", "--threshold", "1.5"], "--threshold"),
    # time zones, non-blank text, delimiters and encodings (issue 6 item 6: the edge, not the service)
    (["rep", "add", "x@example.com", "--name", "X", "--timezone", "Mars/Base"], "--timezone"),
    (["rep", "add", "x@example.com", "--name", "X", "--timezone", "../etc/passwd"], "--timezone"),
    (["rep", "edit", "x@example.com", "--timezone", "Nowhere/City"], "--timezone"),
    (["load", "-", "--bucket", "web", "--timezone", "Mars/Olympus"], "--timezone"),
    (["rep", "add", "x@example.com", "--name", " "], "--name"),
    (["rep", "add", "x@example.com", "--name", "X", "--skill", " "], "--skill"),
    (["rep", "edit", "x@example.com", "--add-territory", ""], "--add-territory"),
    (["rep", "edit", "x@example.com", "--name", ""], "--name"),
    (["bucket", "edit", "web", "--label", " "], "--label"),
    (["load", "-", "--bucket", "web", "--delimiter", "ab"], "--delimiter"),
    (["load", "-", "--bucket", "web", "--delimiter", '"'], "--delimiter"),
    (["load", "-", "--bucket", "web", "--encoding", "klingon"], "--encoding"),
    # input files: stdin can be the input of only one option
    (["load", "-", "--bucket", "web", "--mapping", "-"], "FILE"),
]

# Flag combinations that contradict each other: usage errors too (exit 2), found before the database.
BAD_COMBINATIONS = [
    (
        ["leads", "list", "--manager", "ana@example.com", "--unassigned"],
        "--manager and --unassigned contradict",
    ),
    (["leads", "list", "--since", "2026-03-20", "--until", "2026-03-01"], "--since (2026-03-20"),
    (["leads", "list", "--unassigned", "--save-view"], "--save-view needs --bucket"),
]


@pytest.mark.parametrize(("args", "text"), BAD_COMBINATIONS, ids=[" ".join(a) for a, _ in BAD_COMBINATIONS])
def test_contradicting_options_are_a_usage_error(leadctl_sqlite: Leadctl, args: list[str], text: str) -> None:
    result = leadctl_sqlite(*args, ok=False)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Usage: ") and lines[-1].startswith(f"Error: {text}"), result.stderr


_FLAG_IN_ERROR = re.compile(r"(?:Error|NotFound)\(\s*f?[\"']--[a-z]")


def test_service_errors_name_fields_not_flags() -> None:
    """Services raise typed errors naming the field (``role 'boss': …``); the flag is the edge's business."""
    root = Path(leadctl.__file__).parent / "services"
    offenders = [
        f"{path.relative_to(root.parent)}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _FLAG_IN_ERROR.search(line)
    ]
    assert offenders == []


def test_service_errors_name_the_field(leadctl_sqlite: Leadctl) -> None:
    from leadctl.errors import InputError
    from leadctl.services.admin import reps
    from leadctl.services.intake.fixes import parse_assignments
    from leadctl.services.intake.read import read_rows

    engine = leadctl_sqlite.engine()
    leadctl_sqlite("db", "upgrade")
    cases = [
        (lambda: reps.add(engine, "x@example.com", "X", role="boss"), "role 'boss': expected one of"),
        (lambda: reps.add(engine, "x@example.com", "X", capacity=-1), "capacity -1: must be 0 or more"),
        (lambda: reps.add(engine, "x@example.com", " "), "name: must not be empty"),
        (lambda: reps.add(engine, "x@example.com", "X", skills=[" "]), "skills: an entry must not be empty"),
        (lambda: reps.add(engine, "x@example.com", "X", timezone="Mars/Base"), "timezone 'Mars/Base'"),
        (lambda: parse_assignments(["emial=x"]), "emial: not a lead field"),
        (lambda: parse_assignments([]), "nothing to fix: give at least one field and its value"),
        (lambda: read_rows("x.csv", data=b"a\n1\n", delimiter="ab"), "delimiter 'ab'"),
        (lambda: read_rows("x.csv", data=b"a\n1\n", file_format="xml"), "file format 'xml'"),
    ]
    for call, text in cases:
        with pytest.raises(InputError) as caught:
            call()
        assert str(caught.value).startswith(text), str(caught.value)
    engine.dispose()


@pytest.mark.parametrize(("args", "option"), BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_a_bad_option_value_is_a_usage_error(leadctl_sqlite: Leadctl, args: list[str], option: str) -> None:
    result = leadctl_sqlite(*args, ok=False)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Usage: ")  # Click's usage message
    assert lines[-1].startswith(f"Error: Invalid value for '{option}'"), result.stderr


def test_reprocess_needs_a_scope_is_a_usage_error(leadctl_sqlite: Leadctl) -> None:
    result = leadctl_sqlite("reprocess", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: reprocess needs --bucket, --campaign or --lead (to say which leads)"
    )


def test_when_parses_relative_iso_and_end_of_day() -> None:
    with freeze_time("2026-03-20T12:00:00Z"):
        assert When().convert("7d", None, None) == datetime(2026, 3, 13, tzinfo=UTC)
        assert When().convert("today", None, None) == datetime(2026, 3, 20, tzinfo=UTC)
    end = When(end_of_day=True).convert("2026-03-14", None, None)
    assert (end.date().isoformat(), end.hour, end.minute) == ("2026-03-14", 23, 59)
    assert When().convert("2026-03-14T09:30:00+01:00", None, None) == datetime(2026, 3, 14, 8, 30, tzinfo=UTC)


def test_status_list_is_typed_and_deduplicated() -> None:
    assert StatusList().convert("New, duplicate,new", None, None) == (LeadStatus.NEW, LeadStatus.DUPLICATE)
