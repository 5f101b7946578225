"""Real export files load without a mapping file; the mapping is previewed; dates and zones; TSV quotes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.commands.test_load import leads, loads
from tests.conftest import Leadctl

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Job Title,Company Name,"
    "State/Region,Country/Region,Create Date,Lead Source,Annual Revenue,Number of Employees,"
    "Website URL,LinkedIn URL,Street Address\n"
    "5101,Ana,Silva,ana@acme.example,(206) 312-4659,(312) 658-8552,CFO,Acme,WA,United States,"
    "2025-03-01 09:30,Webinar,5000000,250,acme.example,https://linkedin.com/in/ana,1 Main St\n"
)
SALESFORCE = (
    "Lead ID,First Name,Last Name,Title,Company / Account,Email,Phone,Mobile,Lead Source,Created Date,"
    "Street,City,State/Province,Zip/Postal Code,Country,No. of Employees\n"
    "00Q5e00001,Ben,Ode,VP Sales,Bluewater,ben@bluewater.example,(206) 312-4600,312.658.8500,Partner,"
    "3/2/2025 10:15 AM,2 Side St,Chicago,IL,60601,US,51-200\n"
)


@pytest.fixture
def web(leadctl: Leadctl) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    return leadctl


def test_a_hubspot_export_maps_without_a_mapping_file(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text(HUBSPOT)
    summary = web.json("load", str(path), "--bucket", "web")
    assert summary["loaded"] == 1 and summary["warnings"] == []
    [lead] = leads(web)
    assert lead["external_id"] == "5101"
    assert lead["mobile_phone"] == "+13126588552"  # E.164, not a custom field
    assert lead["business_phone"] == "+12063124659"
    assert (lead["state"], lead["country"], lead["source"]) == ("WA", "United States", "Webinar")
    assert lead["registered_at"] == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)  # not the load time
    assert (lead["revenue"], lead["headcount"], lead["website"]) == ("5000000", "250", "acme.example")
    assert lead["linkedin_url"] == "https://linkedin.com/in/ana"
    assert lead["custom"] == {"Street Address": "1 Main St"}  # no lead field: kept as custom


def test_a_salesforce_report_maps_without_a_mapping_file(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "sf.csv"
    path.write_text(SALESFORCE)
    web.json("load", str(path), "--bucket", "web")
    [lead] = leads(web)
    assert (lead["external_id"], lead["company"], lead["state"], lead["headcount"]) == (
        "00Q5e00001",
        "Bluewater",
        "IL",
        "51-200",
    )
    assert lead["mobile_phone"] == "+13126588500"
    assert lead["registered_at"] == datetime(2025, 3, 2, 10, 15, tzinfo=UTC)
    assert lead["custom"] == {"Street": "2 Side St", "Zip/Postal Code": "60601"}


def test_dry_run_previews_the_mapping_with_a_sample_each(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text(HUBSPOT)
    result = web("load", str(path), "--bucket", "web", "--dry-run")
    lines = [ln.split() for ln in result.stdout.splitlines()]
    assert ["Mobile", "Phone", "Number", "mobile_phone", "(312)", "658-8552"] in lines
    assert ["Create", "Date", "registered_at", "2025-03-01", "09:30"] in lines
    assert ["Street", "Address", "custom", "1", "Main", "St"] in lines
    summary = web.json("load", str(path), "--bucket", "web", "--dry-run")
    assert {"column": "State/Region", "field": "state", "how": "built-in", "sample": "WA"} in summary[
        "mapping"
    ]
    assert leads(web) == []


def test_naive_dates_are_read_in_the_given_zone_and_it_is_stated(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text(HUBSPOT)
    summary = web.json("load", str(path), "--bucket", "web", "--timezone", "America/New_York")
    assert summary["timezone"] == "America/New_York"
    [lead] = leads(web)
    assert lead["registered_at"] == datetime(2025, 3, 1, 14, 30, tzinfo=UTC)  # 09:30 EST
    assert loads(web)[0]["mapping"]["timezone"] == "America/New_York"
    bad = web("load", str(path), "--bucket", "web", "--timezone", "Mars/Olympus", ok=False)
    assert (
        bad.exit_code == 2
        and "Invalid value for '--timezone': unknown time zone 'Mars/Olympus'" in bad.stderr
    )


def test_dates_in_the_rules_zone_and_offsets_stay_exact(web: Leadctl, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("dates:\n  input_timezone: Europe/Berlin\n")
    path = tmp_path / "x.csv"
    path.write_text(
        "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone,Created Date\n"
        "A,Ana,S,a@x.example,CFO,X,(206) 312-4659,2025-07-01 12:00\n"
        "B,Bo,T,b@x.example,CFO,X,(206) 312-4658,2025-07-01T12:00:00Z\n"
    )
    web.rules = str(rules)
    assert web.json("load", str(path), "--bucket", "web")["timezone"] == "Europe/Berlin"
    got = {r["external_id"]: r["registered_at"] for r in leads(web)}
    assert got == {"A": datetime(2025, 7, 1, 10, 0, tzinfo=UTC), "B": datetime(2025, 7, 1, 12, 0, tzinfo=UTC)}


def _dated(tmp_path: Path) -> Path:
    path = tmp_path / "dated.csv"
    path.write_text(
        "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone,Created Date\n"
        "OLD,Ana,S,a@x.example,CFO,X,(206) 312-4659,1900-01-01\n"
        "FUT,Bo,T,b@x.example,CFO,X,(206) 312-4658,2999-01-01\n"
        "OK,Cy,U,c@x.example,CFO,X,(206) 312-4657,2025-01-01\n"
    )
    return path


def test_too_old_and_future_dates_are_rejected_per_row_by_default(web: Leadctl, tmp_path: Path) -> None:
    summary = web.json("load", str(_dated(tmp_path)), "--bucket", "web")
    assert summary["rejected_by_reason"] == {
        "registered_at: before 2000-01-01": 1,
        "registered_at: in the future": 1,
    }
    assert {r["external_id"]: r["status"] for r in leads(web)} == {
        "OLD": "rejected",
        "FUT": "rejected",
        "OK": "new",
    }


def test_suspicious_dates_only_warn_when_the_rules_say_so(web: Leadctl, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("dates:\n  out_of_range: warn\n")
    web.rules = str(rules)
    result = web("load", str(_dated(tmp_path)), "--bucket", "web")
    assert "2 rows with a suspicious registration date" in result.stderr
    assert "line 2 (registered_at: before 2000-01-01), line 3 (registered_at: in the future)" in result.stderr
    assert {r["status"] for r in leads(web)} == {"new"}


def test_tsv_fields_with_literal_quotes_are_read_as_written(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_text(
        "First Name\tLast Name\tEmail\tJob Title\tCompany\tPhone\n"
        '"Ada "The Countess""\tLovelace\tada@x.example\tCTO\tAE\t(206) 312-4659\n'
    )
    result = web("load", str(path), "--bucket", "web")
    assert "read every field of the file literally" in result.stderr
    [lead] = leads(web)
    assert lead["first_name"] == '"Ada "The Countess""' and lead["status"] == "new"
