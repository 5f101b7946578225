"""The correction round trip: export rejected leads as CSV, edit, import-fixes onto the same leads."""

from __future__ import annotations

import csv
import io
import json
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


def test_strict_a_row_naming_no_lead_changes_nothing(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("id,last_name\n2,Ode\n999,Nobody\n")
    before = leads(web)
    result = web("leads", "import-fixes", str(path), "--strict", ok=False)
    assert result.exit_code == 1 and f"{path} line 3: id: no lead 999" in result.stderr
    assert leads(web) == before


def test_bad_rows_are_rejected_with_line_and_field_and_the_rest_applied(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "id,last_name,registered_at,custom\n"
        "2,Ode,,\n"  # registered_at empty: a lead always has one
        "999,Nobody,2026-01-01,\n"
        "x7,Bad,2026-01-01,\n"
        "1,Silva-Ode,2026-01-02,not json\n"
        "1,Silva-Ode,someday,\n"
        "2,Ode,2026-01-03,\n"
        "1,Silva,2026-01-02T00:00:00Z,2,3\n"
    )
    result = web("leads", "import-fixes", str(path), "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["fixed"], summary["rejected"]) == (7, 1, 6)
    assert [(r["line"], r["field"]) for r in summary["rejections"]] == [
        (2, "registered_at"),
        (3, "id"),
        (4, "id"),
        (5, "custom"),
        (6, "registered_at"),
        (8, "row"),
    ]
    assert f"rejected: {path} line 3: id: no lead 999" in result.stderr
    assert f"rejected: {path} line 4: id: 'x7' is not a lead id (a number)" in result.stderr
    by_id = {r["id"]: r for r in leads(web)}
    assert by_id[2]["last_name"] == "Ode" and by_id[2]["registered_at"].day == 3
    assert by_id[1]["last_name"] == "Silva"  # every row for lead 1 was rejected
    table = web("leads", "import-fixes", str(path))
    assert "7 rows; fixed 0 leads, 1 unchanged, 6 rejected" in table.stderr


def _fail_updates_of_lead(lc: Leadctl, lead_id: int) -> None:
    """A real database trigger that refuses to update one lead: a failure half-way through a file."""
    engine = lc.engine()
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(
                    f"CREATE TRIGGER boom BEFORE UPDATE ON lead WHEN NEW.id = {lead_id} "
                    "BEGIN SELECT RAISE(ABORT, 'boom'); END"
                )
            else:
                conn.exec_driver_sql(
                    "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.id = {lead_id} THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
                conn.exec_driver_sql(
                    "CREATE TRIGGER boom BEFORE UPDATE ON lead FOR EACH ROW EXECUTE FUNCTION boom()"
                )
    finally:
        engine.dispose()


def test_the_file_is_one_transaction_a_failure_half_way_changes_nothing(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("id,title\n1,CEO\n2,CTO\n")
    before = leads(web)
    _fail_updates_of_lead(web, 2)
    result = web("leads", "import-fixes", str(path), ok=False)
    assert result.exit_code == 1
    assert leads(web) == before  # lead 1's fix (applied first) was rolled back with the rest
    assert [e["kind"] for e in web.json("leads", "show", "1")["timeline"]].count("fixed") == 0
