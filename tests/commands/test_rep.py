"""leadctl rep …: add, list, show, edit, deactivate."""

from __future__ import annotations

import pytest

from tests.conftest import Leadctl


def test_add_list_show(leadctl: Leadctl) -> None:
    added = leadctl.json(
        "rep",
        "add",
        "Ana@Example.com",
        "--name",
        "Ana Silva",
        "--role",
        "closer",
        "--skill",
        "spanish",
        "--skill",
        "enterprise",
        "--territory",
        "US-West",
        "--capacity",
        "300",
        "--timezone",
        "America/Los_Angeles",
    )
    assert added["email"] == "ana@example.com"  # stored lower-case
    assert (added["role"], added["skills"], added["territories"], added["capacity"], added["timezone"]) == (
        "closer",
        ["spanish", "enterprise"],
        ["US-West"],
        300,
        "America/Los_Angeles",
    )
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    rows = leadctl.json("rep", "list")
    assert [(r["email"], r["role"], r["active"]) for r in rows] == [
        ("ana@example.com", "closer", True),
        ("ben@example.com", "setter", True),  # the default role
    ]
    by_email = leadctl.json("rep", "show", "ANA@example.com")
    assert (
        by_email == leadctl.json("rep", "show", str(added["id"])) == leadctl.json("rep", "show", "Ana Silva")
    )
    table = leadctl("rep", "list").stdout
    assert "spanish, enterprise" in table


def test_email_is_unique_regardless_of_case(leadctl: Leadctl) -> None:
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    result = leadctl("rep", "add", "ANA@EXAMPLE.COM", "--name", "Ana again", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: rep ana@example.com already exists"
    assert len(leadctl.json("rep", "list", "--all")) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["not-an-email", "--name", "X"], 1, "Error: EMAIL 'not-an-email': not an e-mail address"),
        (["x@example", "--name", "X"], 1, "Error: EMAIL 'x@example': not an e-mail address"),
        (
            ["x@example.com", "--name", "X", "--timezone", "Mars/Base"],
            2,
            "Error: Invalid value for '--timezone': unknown time zone 'Mars/Base'",
        ),
        (["x@example.com", "--name", "X", "--capacity", "-1"], 2, "Error: Invalid value for '--capacity'"),
        (["x@example.com", "--name", "X", "--capacity", "lots"], 2, "Error: Invalid value for '--capacity'"),
        (["x@example.com", "--name", "X", "--role", "boss"], 2, "Error: Invalid value for '--role'"),
        (["x@example.com", "--name", " "], 2, "Error: Invalid value for '--name': must not be empty"),
        (["x@example.com"], 2, "Error: Missing option '--name'"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_and_adds_nothing(
    leadctl_sqlite: Leadctl, args: list[str], code: int, message: str
) -> None:
    result = leadctl_sqlite("rep", "add", *args, ok=False)
    assert result.exit_code == code
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith(message), result.stderr
    assert leadctl_sqlite.json("rep", "list", "--all") == []


def test_capacity_zero_is_allowed_and_role_is_case_insensitive(leadctl_sqlite: Leadctl) -> None:
    rep = leadctl_sqlite.json(
        "rep", "add", "x@example.com", "--name", "X", "--capacity", "0", "--role", "Manager"
    )
    assert (rep["capacity"], rep["role"]) == (0, "manager")


def test_edit_skills_territories_and_fields(leadctl: Leadctl) -> None:
    leadctl(
        "rep",
        "add",
        "ana@example.com",
        "--name",
        "Ana",
        "--skill",
        "spanish",
        "--territory",
        "US-West",
        "--capacity",
        "100",
    )
    edited = leadctl.json(
        "rep",
        "edit",
        "ana@example.com",
        "--name",
        "Ana Silva",
        "--role",
        "manager",
        "--add-skill",
        "german",
        "--remove-skill",
        "SPANISH",
        "--add-territory",
        "EMEA",
        "--remove-territory",
        "us-west",
        "--capacity",
        "50",
        "--timezone",
        "Europe/Berlin",
    )
    assert (
        edited["name"],
        edited["role"],
        edited["skills"],
        edited["territories"],
        edited["capacity"],
        edited["timezone"],
    ) == ("Ana Silva", "manager", ["german"], ["EMEA"], 50, "Europe/Berlin")
    assert sorted(edited["changed"]) == ["capacity", "name", "role", "skills", "territories", "timezone"]
    # adding a skill already held (any case) changes nothing
    same = leadctl("rep", "edit", "ana@example.com", "--add-skill", "German")
    assert "nothing changed" in same.stderr
    cleared = leadctl.json("rep", "edit", "ana@example.com", "--no-capacity", "--timezone", "")
    assert (cleared["capacity"], cleared["timezone"]) == (None, None)
    missing = leadctl("rep", "edit", "ana@example.com", "--remove-skill", "french", ok=False)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "Error: skills: rep ana@example.com has no 'french' (has: german)"
    bad_tz = leadctl("rep", "edit", "ana@example.com", "--timezone", "Nowhere/City", ok=False)
    assert (
        bad_tz.exit_code == 2
        and "Invalid value for '--timezone': unknown time zone 'Nowhere/City'" in bad_tz.stderr
    )
    assert leadctl.json("rep", "show", "ana@example.com")["skills"] == ["german"]


def test_change_email_keeps_it_unique(leadctl: Leadctl) -> None:
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    leadctl("rep", "add", "ben@example.com", "--name", "Ben")
    clash = leadctl("rep", "edit", "ana@example.com", "--email", "Ben@example.com", ok=False)
    assert clash.exit_code == 1 and "rep ben@example.com already exists" in clash.stderr
    leadctl("rep", "edit", "ana@example.com", "--email", "ana.silva@example.com")
    assert [r["email"] for r in leadctl.json("rep", "list")] == ["ana.silva@example.com", "ben@example.com"]


def test_deactivate_hides_keeps_history_and_edit_active_restores(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    leadctl("rep", "add", "ben@example.com", "--name", "Ben")
    leadctl("campaign", "approve", "Outbound", "ben@example.com")
    leadctl("bucket", "create", "web", "--campaign", "Outbound", "--manager", "ben@example.com")
    off = leadctl("rep", "deactivate", "ben@example.com")
    assert "Rep ben@example.com deactivated" in off.stderr
    assert "still the default manager of active bucket web" in off.stderr
    assert [r["email"] for r in leadctl.json("rep", "list")] == ["ana@example.com"]
    everyone = {r["email"]: r for r in leadctl.json("rep", "list", "--all")}
    assert everyone["ben@example.com"]["active"] is False
    assert everyone["ben@example.com"]["campaigns"] == 1  # the approval is kept
    shown = leadctl.json("rep", "show", "ben@example.com")
    assert shown["deactivated_at"] is not None
    assert [c["name"] for c in shown["campaign_approvals"]] == ["Outbound"]
    # a deactivated rep cannot be approved again until reactivated
    refused = leadctl("campaign", "approve", "Outbound", "ben@example.com", ok=False)
    assert (
        refused.exit_code == 1 and "reactivate with 'leadctl rep activate ben@example.com'" in refused.stderr
    )
    # adding the same e-mail again points at reactivation
    again = leadctl("rep", "add", "ben@example.com", "--name", "Ben", ok=False)
    assert "reactivate with 'leadctl rep activate ben@example.com'" in again.stderr
    leadctl("rep", "edit", "ben@example.com", "--active")
    shown = leadctl.json("rep", "show", "ben@example.com")
    assert shown["active"] is True and shown["deactivated_at"] is None
    assert [r["email"] for r in leadctl.json("rep", "list")] == ["ana@example.com", "ben@example.com"]


def test_show_lists_campaigns_and_managed_buckets(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("campaign", "create", "Inbound")
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    leadctl("campaign", "approve", "Outbound", "ana@example.com")
    leadctl("campaign", "approve", "Inbound", "ana@example.com")
    leadctl("campaign", "revoke", "Inbound", "ana@example.com")
    leadctl("bucket", "create", "web", "--campaign", "Outbound", "--manager", "ana@example.com")
    leadctl("bucket", "create", "aff", "--campaign", "Inbound", "--manager", "ana@example.com")
    shown = leadctl.json("rep", "show", "ana@example.com")
    assert [(c["name"], c["revoked_at"] is None) for c in shown["campaign_approvals"]] == [
        ("Outbound", True),
        ("Inbound", False),  # revoked approvals stay as history, after the current ones
    ]
    assert [(b["name"], b["campaign"]) for b in shown["managed_buckets"]] == [
        ("aff", "Inbound"),
        ("web", "Outbound"),
    ]
    assert (shown["campaigns"], shown["buckets"]) == (1, 2)
    table = leadctl("rep", "show", "ana@example.com").stdout
    assert "Campaigns" in table and "Buckets managed" in table and "Outbound" in table


def test_unknown_rep(leadctl: Leadctl) -> None:
    result = leadctl("rep", "show", "zed@example.com", ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        == "Error: no rep 'zed@example.com' (give its name or id; see 'leadctl rep list')"
    )
