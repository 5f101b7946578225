"""leadctl process / reprocess / leads fix: leads become clients, duplicates or rejections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Leadctl

HEADER = "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone,Mobile,Lead ID\n"
ANA = "Ana,Silva,ana.silva@acme.com,VP Sales,Acme Inc,(415) 555-2671,,A-1\n"
# The same person again: nickname-free but a different e-mail and formatting, same phone.
ANA_AGAIN = "ana,SILVA,ana@acme-corp.com,VP of Sales,ACME,415.555.2671,,A-2\n"
BOB = "Robert,Stone,rob.stone@globex.com,CFO,Globex LLC,(212) 555-0143,,B-1\n"
BOB_NICK = "Bob,Stone,bob.stone@globex.com,Chief Financial Officer,Globex,,+1 646 555 0178,B-2\n"
BAD = "Cara,Diaz,not-an-email,Buyer,Initech,(312) 555-0199,,C-1\n"


def _setup(
    leadctl: Leadctl, tmp_path: Path, rows: str, bucket: str = "web", campaign: str = "Outbound"
) -> Path:
    if not any(c["name"] == campaign for c in leadctl.json("campaign", "list")):
        leadctl("campaign", "create", campaign)
    if not any(r["email"] == "mia@example.com" for r in leadctl.json("rep", "list")):
        leadctl("rep", "add", "mia@example.com", "--name", "Mia Park", "--role", "manager")
    leadctl(
        "bucket",
        "create",
        bucket,
        "--campaign",
        campaign,
        "--manager",
        "mia@example.com",
        "--affiliate-id",
        f"AFF-{bucket}",
        "--label",
        f"{bucket.title()} Leads",
    )
    path = tmp_path / f"{bucket}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    leadctl("load", str(path), "--bucket", bucket)
    return path


def _leads(leadctl: Leadctl) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in leadctl.json("leads", "list", "--limit", "0")}


def test_process_creates_clients_duplicates_and_rejections(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA + ANA_AGAIN + BOB + BAD)
    summary = json.loads(leadctl("process", "--format", "json").stdout)
    assert (summary["processed"], summary["duplicate"], summary["rejected"]) == (
        2,
        1,
        0,
    )  # BAD rejected at load
    leads = _leads(leadctl)
    assert leads["A-1"]["status"] == "processed"
    assert leads["A-2"]["status"] == "duplicate"  # two rows of one person in one file: one client
    assert leads["A-2"]["client_id"] == leads["A-1"]["client_id"]
    assert leads["A-2"]["duplicate_of"] == f"client:{leads['A-1']['client_id']}"
    assert leads["B-1"]["client_id"] not in (None, leads["A-1"]["client_id"])
    assert leads["C-1"]["status"] == "rejected" and leads["C-1"]["client_id"] is None
    assert leads["A-1"]["manager"] == "mia@example.com"  # routing: the bucket's default manager


def test_client_inherits_campaign_manager_label_affiliate_and_timeline(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    _setup(leadctl, tmp_path, ANA + ANA_AGAIN)
    leadctl("process")
    from sqlalchemy import select

    from leadctl.storage import schema

    with leadctl.engine().connect() as conn:
        client = conn.execute(select(schema.client)).mappings().one()
        campaign_id = conn.execute(select(schema.campaign.c.id)).scalar_one()
    assert client["campaign_id"] == campaign_id
    assert client["bucket_label"] == "Web Leads"
    assert client["affiliate_id"] == "AFF-web"
    assert client["email"] == "ana.silva@acme.com"
    assert client["business_phone"] == "+14155552671"
    leads = _leads(leadctl)
    shown = leadctl.json("leads", "show", str(leads["A-2"]["id"]))
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds == ["loaded", "duplicate"]
    dup = shown["timeline"][1]["data"]
    assert dup["rule"] == "exact:phone" and dup["score"] == 1.0 and dup["client_id"] == client["id"]


def test_duplicates_across_buckets_and_campaign_scope(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA, bucket="web", campaign="Outbound")
    _setup(leadctl, tmp_path, ANA_AGAIN, bucket="partner", campaign="Inbound")
    leadctl("process")
    leads = _leads(leadctl)
    assert leads["A-2"]["status"] == "duplicate"  # default scope: one client per person, database-wide

    rules = tmp_path / "rules.yaml"
    rules.write_text("duplicates:\n  scope: campaign\n", encoding="utf-8")
    leadctl.rules = str(rules)
    leadctl("reprocess", "--bucket", "partner", "--status", "duplicate")
    leads = _leads(leadctl)
    assert leads["A-2"]["status"] == "processed"  # per-campaign scope: a client of its own campaign
    assert leads["A-2"]["client_id"] != leads["A-1"]["client_id"]


def test_fuzzy_match_on_nickname_and_company_suffix(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, BOB + BOB_NICK)
    leadctl("process")
    leads = _leads(leadctl)
    assert leads["B-2"]["status"] == "duplicate"
    shown = leadctl.json("leads", "show", str(leads["B-2"]["id"]))
    event = shown["timeline"][-1]["data"]
    assert event["rule"] == "fuzzy" and 0.8 <= event["score"] < 1.0
    assert event["fields"]["name"] >= 0.9


def test_dry_run_changes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA + ANA_AGAIN + BOB)
    summary = json.loads(leadctl("process", "--dry-run", "--format", "json").stdout)
    assert (summary["processed"], summary["duplicate"], summary["dry_run"]) == (2, 1, True)
    assert {r["status"] for r in _leads(leadctl).values()} == {"new"}
    assert leadctl.json("leads", "list", "--status", "processed") == []


def test_limit_and_scope_by_bucket(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA + BOB, bucket="web")
    _setup(leadctl, tmp_path, "Dan,Moss,dan@initech.com,CTO,Initech,(312) 555-0101,,D-1\n", bucket="partner")
    leadctl("process", "--bucket", "partner")
    assert {k: v["status"] for k, v in _leads(leadctl).items()} == {
        "A-1": "new",
        "B-1": "new",
        "D-1": "processed",
    }
    leadctl("process", "--limit", "1")
    assert sorted(v["status"] for v in _leads(leadctl).values()) == ["new", "processed", "processed"]


def test_reprocess_after_fix_and_twice_changes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA + BAD)
    leadctl("process")
    bad = _leads(leadctl)["C-1"]
    assert bad["reasons"] == ["email: not a valid address"]
    fixed = leadctl.json("leads", "fix", str(bad["id"]), "--set", "email=Cara.Diaz@Initech.com")
    assert fixed == [{"field": "email", "before": "not-an-email", "after": "cara.diaz@initech.com"}]
    first = json.loads(leadctl("reprocess", "--lead", str(bad["id"]), "--format", "json").stdout)
    assert first["processed"] == 1
    lead = _leads(leadctl)["C-1"]
    assert lead["status"] == "processed" and lead["client_id"] is not None and lead["reasons"] == []
    shown = leadctl.json("leads", "show", str(bad["id"]))
    assert [e["kind"] for e in shown["timeline"]] == ["loaded", "fixed", "reprocessed"]
    assert shown["timeline"][1]["data"]["before"] == {"email": "not-an-email"}  # original kept
    assert shown["timeline"][2]["data"]["before"]["status"] == "rejected"
    assert shown["raw"]["E-mail"] == "not-an-email"

    clients_before = len({v["client_id"] for v in _leads(leadctl).values()})
    second = json.loads(
        leadctl(
            "reprocess", "--bucket", "web", "--status", "new,rejected,duplicate,processed", "--format", "json"
        ).stdout
    )
    assert (second["processed"], second["duplicate"], second["rejected"]) == (0, 0, 0)
    assert second["unchanged"] == 2
    assert len({v["client_id"] for v in _leads(leadctl).values()}) == clients_before  # never a second client
    assert len(leadctl.json("leads", "show", str(bad["id"]))["timeline"]) == 3


def test_reprocess_never_bypasses_duplicate_detection(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA + "Ana,Silva,ana.silva@acme.com,,Acme Inc,(415) 555-2671,,A-3\n")
    leadctl("process")
    leads = _leads(leadctl)
    assert leads["A-3"]["status"] == "rejected"  # title missing
    leadctl("leads", "fix", str(leads["A-3"]["id"]), "--set", "title=VP Sales")
    leadctl("reprocess", "--bucket", "web")
    leads = _leads(leadctl)
    assert leads["A-3"]["status"] == "duplicate"
    assert leads["A-3"]["client_id"] == leads["A-1"]["client_id"]


def test_fix_rejects_unknown_field_with_hint(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA)
    lead_id = str(_leads(leadctl)["A-1"]["id"])
    result = leadctl("leads", "fix", lead_id, "--set", "emial=x@y.com", ok=False)
    assert result.exit_code == 2  # a usage error (issue 6 item 6)
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--set': emial: not a lead field (did you mean 'email'?)"
    )


@pytest.mark.parametrize("statuses", ["bogus", "new,nope"])
def test_reprocess_rejects_unknown_status(leadctl: Leadctl, statuses: str) -> None:
    result = leadctl("reprocess", "--lead", "1", "--status", statuses, ok=False)
    assert result.exit_code == 2


def test_unreadable_registration_date_stays_a_reason_until_fixed(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    path = tmp_path / "dates.csv"
    path.write_text(
        "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone,Created Date\n"
        "Ana,Silva,ana@acme.com,VP Sales,Acme,(415) 555-2671,someday soon\n",
        encoding="utf-8",
    )
    leadctl("load", str(path), "--bucket", "web")
    lead = leadctl.json("leads", "list")[0]
    assert lead["reasons"] == ["registered_at: not a date"]
    leadctl("reprocess", "--bucket", "web")
    assert leadctl.json("leads", "list")[0]["status"] == "rejected"  # the load time is no registration date
    leadctl("leads", "fix", str(lead["id"]), "--set", "registered_at=2026-11-02T09:30:00Z")
    leadctl("reprocess", "--bucket", "web")
    fixed = leadctl.json("leads", "list")[0]
    assert fixed["status"] == "processed"
    assert fixed["registered_at"] == "2026-11-02T09:30:00+00:00"


def test_reprocessing_processed_leads_applies_changed_duplicate_rules_to_old_clients(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    _setup(leadctl, tmp_path, ANA, bucket="web")  # external id A-1
    leadctl("process")
    rules = tmp_path / "rules.yaml"
    rules.write_text("duplicates:\n  exact_keys: [email, phone, external_id]\n", encoding="utf-8")
    leadctl.rules = str(rules)
    # The same CRM id arrives with nothing else in common.
    _setup(leadctl, tmp_path, "Zed,Quill,zq@other.org,Buyer,Other Co,(312) 555-0101,,A-1\n", bucket="crm")
    before = json.loads(leadctl("process", "--dry-run", "--format", "json").stdout)
    assert (before["processed"], before["duplicate"]) == (1, 0)  # the old client has no external-id key

    leadctl("reprocess", "--bucket", "web", "--status", "processed")  # rewrites the old client's keys
    leadctl("process")
    crm = leadctl.json("leads", "list", "--bucket", "crm")[0]
    web = leadctl.json("leads", "list", "--bucket", "web")[0]
    assert crm["status"] == "duplicate"
    assert crm["client_id"] == web["client_id"]
    assert crm["duplicate_of"] == f"client:{web['client_id']}"
