"""The correction round trip: export rejected leads as CSV, edit, import-fixes onto the same leads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.commands.test_load import leads
from tests.conftest import Leadctl


@pytest.fixture
def web(leadctl: Leadctl, tmp_path: Path) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    path = tmp_path / "a.csv"
    path.write_text(
        "Lead ID,First Name,Last Name,Email,Job Title,Company,Phone,Plan\n"
        "A1,Ana,Silva,ana@x.example,CFO,X,(206) 312-4659,Pro\n"
        "A2,Bo,,bo@,CFO,X,(206) 312-4658,Free\n"
    )
    leadctl("load", str(path), "--bucket", "web")
    return leadctl


def test_export_edit_import_fixes_corrects_the_same_leads_and_reprocesses(
    web: Leadctl, tmp_path: Path
) -> None:
    exported = web("leads", "list", "--status", "rejected", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["external_id"] for r in rows] == ["A2"]
    rows[0]["last_name"] = "Ode"
    rows[0]["email"] = "Bo@X.example"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    fixes = tmp_path / "fixed.csv"
    fixes.write_text(buf.getvalue())
    before = {r["id"]: r for r in leads(web)}
    result = web.json("leads", "import-fixes", str(fixes), "--reprocess")
    assert result["fixed"] == 1 and result["rows"] == 1
    assert "status" in result["ignored_columns"] and "reasons" in result["ignored_columns"]
    after = {r["id"]: r for r in leads(web)}
    assert set(after) == set(before)  # no new leads
    bo = after[int(rows[0]["id"])]
    assert (bo["last_name"], bo["email"], bo["status"]) == ("Ode", "bo@x.example", "processed")
    assert bo["custom"] == {"Plan": "Free"}  # export columns never became custom fields
    timeline = web.json("leads", "show", rows[0]["id"])["timeline"]
    fixed = [e for e in timeline if e["kind"] == "fixed"]
    assert fixed and fixed[0]["data"]["before"]["last_name"] is None


def test_import_fixes_by_external_id_and_custom_json_from_stdin(web: Leadctl) -> None:
    text = 'external_id,title,custom\nA1,VP Finance,"{""Plan"": ""Enterprise""}"\n'
    web("leads", "import-fixes", "-", "--bucket", "web", input=text)
    ana = next(r for r in leads(web) if r["external_id"] == "A1")
    assert (ana["title"], ana["custom"]) == ("VP Finance", {"Plan": "Enterprise"})


def test_a_row_naming_no_lead_changes_nothing(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("id,last_name\n2,Ode\n999,Nobody\n")
    before = leads(web)
    result = web("leads", "import-fixes", str(path), ok=False)
    assert result.exit_code == 1 and f"{path} line 3: no lead 999" in result.stderr
    assert leads(web) == before
