"""leadctl bucket …: create, list, show, edit, deactivate, activate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadctl.storage import schema
from leadctl.storage.models import Bucket
from tests.conftest import Leadctl


@pytest.fixture
def setup(leadctl: Leadctl) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("campaign", "create", "Inbound")
    leadctl("rep", "add", "ana@example.com", "--name", "Ana Silva")
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    return leadctl


def insert_leads(leadctl: Leadctl, bucket: str, statuses: list[str]) -> list[int]:
    """Leads as the loader stores them: campaign and manager copied from the bucket on arrival."""
    engine = leadctl.engine()
    now = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        b = conn.execute(select(schema.bucket).where(schema.bucket.c.name == bucket)).one()
        ids = []
        for i, status in enumerate(statuses):
            row_hash = uuid.uuid4().hex  # a distinct source row each time
            ids.append(
                conn.execute(
                    insert(schema.lead)
                    .values(
                        bucket_id=b.id,
                        campaign_id=b.campaign_id,
                        manager_id=b.manager_id,
                        row_hash=row_hash,
                        status=status,
                        reasons=[],
                        email=f"lead{i}@example.org",
                        registered_at=now,
                        custom={},
                        raw={},
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(schema.lead.c.id)
                ).scalar_one()
            )
    engine.dispose()
    return ids


def test_create_list_show(setup: Leadctl) -> None:
    leadctl = setup
    created = leadctl.json(
        "bucket",
        "create",
        "web-pricing",
        "--campaign",
        "Outbound",
        "--manager",
        "ana@example.com",
        "--source",
        "landing-page",
        "--label",
        "Pricing page",
    )
    assert (
        created["name"],
        created["label"],
        created["campaign"],
        created["manager"],
        created["source"],
    ) == (
        "web-pricing",
        "Pricing page",
        "Outbound",
        "ana@example.com",
        "landing-page",
    )
    assert created["active"] is True and created["leads"] == 0
    leadctl("bucket", "create", "acme-aff", "--campaign", "inbound", "--affiliate-id", "AFF-042")
    rows = leadctl.json("bucket", "list")
    assert [(r["name"], r["label"], r["campaign"], r["affiliate_id"]) for r in rows] == [
        ("acme-aff", "acme-aff", "Inbound", "AFF-042"),  # the label defaults to the name
        ("web-pricing", "Pricing page", "Outbound", None),
    ]
    by_id = leadctl.json("bucket", "show", str(created["id"]))
    by_name = leadctl.json("bucket", "show", "WEB-PRICING")  # names are case-insensitive
    assert by_id == by_name
    assert by_id["created_at"].endswith("+00:00")
    table = leadctl("bucket", "list").stdout
    assert table.splitlines()[0].split() == [
        "id",
        "name",
        "label",
        "campaign",
        "manager",
        "affiliate_id",
        "source",
        "active",
        "new",
        "processed",
        "duplicate",
        "rejected",
        "leads",
    ]


def test_lead_counts_by_status_in_list_and_show(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("bucket", "create", "a", "--campaign", "Outbound")
    leadctl("bucket", "create", "b", "--campaign", "Outbound")
    leadctl("bucket", "create", "empty", "--campaign", "Inbound")
    insert_leads(leadctl, "a", ["new", "new", "processed", "duplicate", "rejected", "rejected", "rejected"])
    insert_leads(leadctl, "b", ["processed"])
    counts = {
        r["name"]: (r["new"], r["processed"], r["duplicate"], r["rejected"], r["leads"])
        for r in leadctl.json("bucket", "list")
    }
    assert counts == {"a": (2, 1, 1, 3, 7), "b": (0, 1, 0, 0, 1), "empty": (0, 0, 0, 0, 0)}
    shown = leadctl.json("bucket", "show", "a")
    assert (shown["new"], shown["processed"], shown["duplicate"], shown["rejected"], shown["leads"]) == (
        2,
        1,
        1,
        3,
        7,
    )


def test_name_is_unique_and_not_only_digits(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    taken = leadctl("bucket", "create", "WEB", "--campaign", "Inbound", ok=False)
    assert taken.exit_code == 1
    assert taken.stderr.strip() == "Error: bucket 'WEB' already exists"
    digits = leadctl("bucket", "create", "42", "--campaign", "Outbound", ok=False)
    assert digits.exit_code == 1 and "must not be only digits" in digits.stderr
    assert [r["name"] for r in leadctl.json("bucket", "list", "--all")] == ["web"]


def test_unknown_campaign_or_manager_is_one_line_and_creates_nothing(setup: Leadctl) -> None:
    leadctl = setup
    no_campaign = leadctl("bucket", "create", "web", "--campaign", "Nope", ok=False)
    assert no_campaign.exit_code == 1
    assert no_campaign.stderr.strip().splitlines() == [
        "Error: no campaign 'Nope' (give its name or id; see 'leadctl campaign list')"
    ]
    no_rep = leadctl(
        "bucket", "create", "web", "--campaign", "Outbound", "--manager", "zed@example.com", ok=False
    )
    assert no_rep.exit_code == 1 and "no rep 'zed@example.com'" in no_rep.stderr
    missing_option = leadctl("bucket", "create", "web", ok=False)
    assert missing_option.exit_code == 2 and "--campaign" in missing_option.stderr
    assert leadctl.json("bucket", "list", "--all") == []


def test_deactivated_rep_cannot_become_manager(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("rep", "deactivate", "ben@example.com")
    result = leadctl(
        "bucket", "create", "web", "--campaign", "Outbound", "--manager", "ben@example.com", ok=False
    )
    assert result.exit_code == 1
    assert "rep ben@example.com is deactivated" in result.stderr


def test_edit_changes_the_bucket_but_never_leads_already_in_it(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("bucket", "create", "web", "--campaign", "Outbound", "--manager", "ana@example.com")
    before = insert_leads(leadctl, "web", ["new", "processed"])
    edit = leadctl(
        "bucket",
        "edit",
        "web",
        "--campaign",
        "Inbound",
        "--manager",
        "ben@example.com",
        "--label",
        "Web 2027",
        "--affiliate-id",
        "AFF-1",
        "--source",
        "api",
        "--format",
        "json",
    )
    assert "existing leads keep their campaign and manager" in edit.stderr
    shown = leadctl.json("bucket", "show", "web")
    assert (shown["campaign"], shown["manager"], shown["label"], shown["affiliate_id"], shown["source"]) == (
        "Inbound",
        "ben@example.com",
        "Web 2027",
        "AFF-1",
        "api",
    )
    after = insert_leads(leadctl, "web", ["new"])
    engine = leadctl.engine()
    with engine.connect() as conn:
        ids = {r.name: r.id for r in conn.execute(select(schema.campaign.c.name, schema.campaign.c.id))}
        reps = {r.email: r.id for r in conn.execute(select(schema.rep.c.email, schema.rep.c.id))}
        leads = {r.id: (r.campaign_id, r.manager_id) for r in conn.execute(select(schema.lead))}
    engine.dispose()
    for lead_id in before:
        assert leads[lead_id] == (ids["Outbound"], reps["ana@example.com"])
    assert leads[after[0]] == (ids["Inbound"], reps["ben@example.com"])
    # '' clears optional fields
    leadctl("bucket", "edit", "web", "--manager", "", "--affiliate-id", "", "--source", "")
    cleared = leadctl.json("bucket", "show", "web")
    assert (cleared["manager"], cleared["affiliate_id"], cleared["source"]) == (None, None, None)


def test_rename_and_nothing_changed(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    leadctl("bucket", "create", "api", "--campaign", "Outbound")
    clash = leadctl("bucket", "edit", "web", "--name", "API", ok=False)
    assert clash.exit_code == 1 and "bucket 'API' already exists" in clash.stderr
    leadctl("bucket", "edit", "web", "--name", "website")
    assert [r["name"] for r in leadctl.json("bucket", "list")] == ["api", "website"]
    same = leadctl("bucket", "edit", "website", "--label", "web")  # the label stays what it was
    assert "nothing changed" in same.stderr


def test_deactivate_hides_from_list_keeps_history_and_activate_restores(setup: Leadctl) -> None:
    leadctl = setup
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    leadctl("bucket", "create", "api", "--campaign", "Outbound")
    insert_leads(leadctl, "web", ["processed", "duplicate"])
    off = leadctl("bucket", "deactivate", "web", "--format", "json")
    assert "accepts no new leads; its 2 leads are kept" in off.stderr
    assert [r["name"] for r in leadctl.json("bucket", "list")] == ["api"]
    everything = {r["name"]: r for r in leadctl.json("bucket", "list", "--all")}
    assert everything["web"]["active"] is False
    assert (everything["web"]["processed"], everything["web"]["duplicate"]) == (1, 1)
    shown = leadctl.json("bucket", "show", "web")
    assert shown["active"] is False and shown["deactivated_at"] is not None
    again = leadctl("bucket", "deactivate", "web")
    assert "already deactivated" in again.stderr
    leadctl("bucket", "activate", "web")
    shown = leadctl.json("bucket", "show", "web")
    assert shown["active"] is True and shown["deactivated_at"] is None
    assert [r["name"] for r in leadctl.json("bucket", "list")] == ["api", "web"]


def test_unknown_bucket(setup: Leadctl) -> None:
    result = setup("bucket", "show", "nope", ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "Error: no bucket 'nope' (give its name or id; see 'leadctl bucket list')"


def test_list_is_empty_with_a_hint(leadctl: Leadctl) -> None:
    result = leadctl("bucket", "list")
    assert result.stdout == ""
    assert "leadctl bucket create" in result.stderr
    assert leadctl.json("bucket", "list") == []


def test_a_deactivated_bucket_is_refused_for_new_leads(setup: Leadctl) -> None:
    from leadctl.errors import ConflictError
    from leadctl.services.admin.lookup import get_bucket, require_active_bucket
    from leadctl.storage.session import read_session

    def get_active_bucket(s: Session, ref: str) -> Bucket:  # the loader's check (loading._bucket)
        return require_active_bucket(get_bucket(s, ref))

    setup("bucket", "create", "web", "--campaign", "Outbound")
    setup("bucket", "deactivate", "web")
    engine = setup.engine()
    with (
        read_session(engine) as s,
        pytest.raises(ConflictError, match="activate it with 'leadctl bucket activate web'"),
    ):
        get_active_bucket(s, "web")
    setup("bucket", "activate", "web")
    with read_session(engine) as s:
        assert get_active_bucket(s, "web").name == "web"
    engine.dispose()
