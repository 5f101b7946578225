"""Option values are parsed at the edge: a bad value is a usage error (exit 2), for every type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

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
]


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
