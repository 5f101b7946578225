"""leadctl campaign …: create, list, show, edit, approve, revoke."""

from __future__ import annotations

from tests.conftest import Leadctl


def test_create_list_show(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Outbound Q1", "--description", "US mid-market")
    rows = leadctl.json("campaign", "list")
    assert [(r["name"], r["description"], r["buckets"], r["leads"]) for r in rows] == [
        ("Outbound Q1", "US mid-market", 0, 0)
    ]
    shown = leadctl.json("campaign", "show", "outbound q1")  # names are case-insensitive
    assert shown["id"] == rows[0]["id"]
    assert shown["created_at"].endswith("+00:00")


def test_duplicate_name_is_refused_and_nothing_changes(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Inbound")
    result = leadctl("campaign", "create", "inbound", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: campaign 'inbound' already exists"
    assert len(leadctl.json("campaign", "list")) == 1


def test_edit_by_id_and_unknown_campaign(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Old")
    cid = leadctl.json("campaign", "list")[0]["id"]
    leadctl("campaign", "edit", str(cid), "--name", "New", "--inactive")
    assert [(r["name"], r["active"]) for r in leadctl.json("campaign", "list")] == [("New", False)]
    missing = leadctl("campaign", "show", "Nope", ok=False)
    assert missing.exit_code == 1
    assert "no campaign 'Nope'" in missing.stderr
    assert missing.stdout == ""


def test_approve_and_revoke_keep_history(leadctl: Leadctl) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("rep", "add", "ana@example.com", "--name", "Ana Silva")
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    changes = leadctl.json("campaign", "approve", "Outbound", "ana@example.com", "Ben Ode")
    assert [c["change"] for c in changes] == ["approved", "approved"]
    again = leadctl.json("campaign", "approve", "Outbound", "ana@example.com")
    assert again[0]["change"] == "already approved"
    leadctl("campaign", "revoke", "Outbound", "ben@example.com")
    shown = leadctl.json("campaign", "show", "Outbound")
    reps = {r["email"]: r for r in shown["reps"]}
    assert reps["ana@example.com"]["revoked_at"] is None
    assert reps["ben@example.com"]["revoked_at"] is not None  # kept as history
    assert leadctl.json("campaign", "list")[0]["reps"] == 1
