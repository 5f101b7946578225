"""leadctl leads list / show: filters, saved per-bucket view, formats, pagination, timeline."""

from __future__ import annotations

import csv
import io
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from leadctl.storage import schema
from tests.commands.leads_fixtures import NOW, Seeded, seed_leads
from tests.conftest import Leadctl

# The contract other tools rely on: exact names, exact order.
STABLE_FIELDS = [
    "id",
    "external_id",
    "bucket",
    "campaign",
    "status",
    "reasons",
    "manager",
    "client_id",
    "duplicate_of",
    "first_name",
    "last_name",
    "email",
    "business_phone",
    "mobile_phone",
    "timezone",
    "company",
    "registered_at",
    "custom",
]
SHOW_FIELDS = [
    *STABLE_FIELDS,
    "title",
    "linkedin_url",
    "website",
    "headcount",
    "revenue",
    "industry",
    "city",
    "state",
    "country",
    "source",
    "affiliate_id",
    "line_no",
    "load_id",
    "raw",
    "timeline",
    "match_score",
    "match_rule",
]


@pytest.fixture
def seeded(leadctl: Leadctl) -> Seeded:
    engine = leadctl.engine()
    try:
        return seed_leads(engine)
    finally:
        engine.dispose()


def ids(leadctl: Leadctl, *args: str) -> list[int]:
    rows = leadctl.json("leads", "list", "--limit", "0", *args)
    assert isinstance(rows, list)
    return [r["id"] for r in rows]


def saved_view(leadctl: Leadctl, bucket_id: int) -> bool:
    engine = leadctl.engine()
    try:
        with engine.connect() as conn:
            value = conn.execute(
                select(schema.bucket.c.view_unassigned_only).where(schema.bucket.c.id == bucket_id)
            ).scalar_one()
            return bool(value)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- fields and formats


def test_json_rows_carry_the_stable_fields_in_order(leadctl: Leadctl, seeded: Seeded) -> None:
    rows = leadctl.json("leads", "list")
    assert isinstance(rows, list)
    assert [r["id"] for r in rows] == seeded.ids(
        "maria", "john", "jane", "anna", "maria_dup", "jon_dup", "peter", "li", "olu"
    )  # default sort: id
    assert all(list(r) == STABLE_FIELDS for r in rows)
    by_id = {r["id"]: r for r in rows}
    maria = by_id[seeded.lead["maria"]]
    assert maria["bucket"] == "webinar"
    assert maria["campaign"] == "Outbound Q1"
    assert maria["status"] == "processed"
    assert maria["manager"] == "ana@example.com"
    assert maria["client_id"] == seeded.client["maria"]
    assert maria["registered_at"] == "2026-03-19T15:00:00+00:00"
    assert maria["custom"] == {"last_visit": "pricing page on 2026-03-18", "webinar": "Pipeline 101"}
    assert maria["reasons"] == []
    assert maria["external_id"] == "W-1001"
    assert maria["timezone"] == "America/Los_Angeles"
    assert by_id[seeded.lead["maria_dup"]]["duplicate_of"] == f"client:{seeded.client['maria']}"
    assert by_id[seeded.lead["jon_dup"]]["duplicate_of"] == f"lead:{seeded.lead['john']}"
    assert by_id[seeded.lead["john"]]["duplicate_of"] is None
    assert by_id[seeded.lead["john"]]["manager"] is None
    assert by_id[seeded.lead["jane"]]["reasons"] == [
        "email: 'jane@' is not an e-mail address",
        "business_phone: '123' is not a phone number",
    ]
    assert by_id[seeded.lead["olu"]]["campaign"] == "Inbound"


def test_jsonl_is_one_object_per_line_with_the_same_fields(leadctl: Leadctl, seeded: Seeded) -> None:
    result = leadctl("leads", "list", "--bucket", "affiliates", "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert all(list(o) == STABLE_FIELDS for o in objects)
    assert [o["id"] for o in objects] == seeded.ids("maria_dup", "jon_dup", "peter")
    assert result.stderr == ""


def test_csv_has_the_stable_header_and_is_safe_in_spreadsheets(leadctl: Leadctl, seeded: Seeded) -> None:
    result = leadctl("leads", "list", "--bucket", "webinar", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == STABLE_FIELDS
    by_id = {int(r[0]): dict(zip(STABLE_FIELDS, r, strict=True)) for r in rows[1:]}
    john = by_id[seeded.lead["john"]]
    # A formula in a field is neutralised; a phone number with a leading + is left alone.
    assert john["company"] == '\'=HYPERLINK("http://evil.example","Globex")'
    assert john["business_phone"] == "+14155550100"
    # Custom fields are one JSON object per cell: the formula is inert text inside it.
    assert not john["custom"].startswith(("=", "+", "-", "@"))
    assert json.loads(john["custom"]) == {
        "note": '=HYPERLINK("http://evil.example","click me")',
        "score": "+5",
    }
    assert not any(cell.startswith("=") for row in rows for cell in row)
    maria = by_id[seeded.lead["maria"]]
    assert maria["registered_at"] == "2026-03-19T15:00:00+00:00"
    assert maria["manager"] == "ana@example.com"
    assert maria["duplicate_of"] == ""


def test_table_shows_a_readable_subset(leadctl: Leadctl, seeded: Seeded) -> None:
    result = leadctl("leads", "list", "--format", "table")
    header = result.stdout.splitlines()[0].split()
    assert header == [
        "id",
        "status",
        "name",
        "email",
        "company",
        "bucket",
        "detail",
        "manager",
        "registered_at",
    ]
    maria_line = next(
        line for line in result.stdout.splitlines() if line.startswith(f"{seeded.lead['maria']} ")
    )
    assert "Maria Garcia" in maria_line
    assert "ana@example.com" in maria_line
    assert "webinar" in maria_line
    assert "custom" not in result.stdout
    assert result.stderr == ""  # nothing truncated, nothing to say


def test_empty_database_says_so_and_json_is_an_empty_list(leadctl: Leadctl) -> None:
    result = leadctl("leads", "list")
    assert result.stdout == ""
    assert result.stderr.strip() == "No leads match."
    assert leadctl.json("leads", "list") == []


# ---------------------------------------------------------------- filters


def test_filter_by_bucket_campaign_and_manager_by_name_or_id(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--bucket", "webinar") == seeded.ids("maria", "john", "jane", "anna")
    assert ids(leadctl, "--bucket", str(seeded.bucket["landing"])) == seeded.ids("li", "olu")
    assert ids(leadctl, "--bucket", "WEBINAR") == ids(leadctl, "--bucket", "webinar")
    assert ids(leadctl, "--campaign", "inbound") == seeded.ids("li", "olu")
    assert ids(leadctl, "--campaign", str(seeded.campaign["Outbound Q1"])) == seeded.ids(
        "maria", "john", "jane", "anna", "maria_dup", "jon_dup", "peter"
    )
    assert ids(leadctl, "--manager", "ana@example.com") == seeded.ids("maria", "anna", "jon_dup")
    assert ids(leadctl, "--manager", "Ben Ode") == seeded.ids("peter", "olu")
    assert ids(leadctl, "--manager", str(seeded.rep["ben"])) == seeded.ids("peter", "olu")


def test_status_is_repeatable_and_comma_separated(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--status", "new") == seeded.ids("john", "anna", "peter", "li")
    both = seeded.ids("maria", "jane", "maria_dup", "jon_dup", "olu")
    assert ids(leadctl, "--status", "processed,duplicate,rejected") == both
    assert ids(leadctl, "--status", "processed", "--status", "duplicate, rejected") == both
    assert ids(leadctl, "--status", "Rejected") == seeded.ids("jane")


def test_filters_combine(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--bucket", "webinar", "--status", "new") == seeded.ids("john", "anna")
    assert ids(
        leadctl, "--bucket", "webinar", "--status", "new", "--manager", "ana@example.com"
    ) == seeded.ids("anna")
    assert ids(leadctl, "--campaign", "Outbound Q1", "--status", "duplicate", "--unassigned") == seeded.ids(
        "maria_dup"
    )
    assert ids(
        leadctl, "--campaign", "Outbound Q1", "--search", "smith", "--status", "duplicate"
    ) == seeded.ids("jon_dup")
    assert ids(leadctl, "--bucket", "landing", "--manager", "ana@example.com") == []


def test_unassigned_means_no_manager(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--unassigned") == seeded.ids("john", "jane", "maria_dup", "li")
    assert len(ids(leadctl, "--all-managers")) == 9


def test_manager_and_unassigned_contradict(leadctl: Leadctl, seeded: Seeded) -> None:
    result = leadctl("leads", "list", "--manager", "ana@example.com", "--unassigned", ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        "Error: --manager and --unassigned contradict each other"
    )
    assert result.stdout == ""


def test_since_and_until_on_registration_date(leadctl: Leadctl, seeded: Seeded) -> None:
    # A bare --until date means the end of that day: Li registered at 23:30 on the 14th.
    assert ids(leadctl, "--until", "2026-03-14") == seeded.ids("john", "jane", "jon_dup", "li")
    assert ids(leadctl, "--since", "2026-03-15", "--until", "2026-03-18") == seeded.ids(
        "anna", "peter", "olu"
    )
    assert ids(leadctl, "--since", "2026-03-19T15:00") == seeded.ids("maria", "maria_dup")
    assert ids(leadctl, "--since", "2026-03-19T15:00:01Z") == seeded.ids("maria_dup")
    assert ids(leadctl, "--since", "03/20/2026") == seeded.ids("maria_dup")


def test_relative_since_uses_today(leadctl: Leadctl, seeded: Seeded) -> None:
    with freeze_time(NOW):
        assert ids(leadctl, "--since", "7d") == seeded.ids("maria", "anna", "maria_dup", "peter", "li", "olu")
        assert ids(leadctl, "--since", "today") == seeded.ids("maria_dup")
        assert ids(leadctl, "--since", "yesterday", "--until", "yesterday") == seeded.ids("maria")


def test_bad_dates_are_one_line_errors(leadctl: Leadctl, seeded: Seeded) -> None:
    # A bad option value is a usage error (exit 2, Click's usage message; issue 6 item 6).
    bad = leadctl("leads", "list", "--since", "last tuesday", ok=False)
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--since': 'last tuesday' is not a date or time (try 2026-03-14 or 2026-03-14T09:30)"
    )
    backwards = leadctl("leads", "list", "--since", "2026-03-20", "--until", "2026-03-01", ok=False)
    assert backwards.exit_code == 2
    assert "--since" in backwards.stderr and "is after --until" in backwards.stderr


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("maria.garcia@acme.com", ["maria", "maria_dup"]),  # e-mail, any case
        ("MARIA.GARCIA@ACME", ["maria", "maria_dup"]),
        ("@globex", ["john", "jon_dup"]),
        ("garcia", ["maria", "maria_dup"]),  # last name
        ("peter", ["peter"]),  # first name
        ("maria garcia", ["maria", "maria_dup"]),  # "first last"
        ("  Jon   SMITH ", ["jon_dup"]),
        ("w-1003", ["jane"]),  # external id
        ("%", []),  # wildcards are literal
        ("_", []),
        ("nobody", []),
    ],
)
def test_search_email_id_or_name_case_insensitive(
    leadctl: Leadctl, seeded: Seeded, text: str, keys: list[str]
) -> None:
    assert ids(leadctl, "--search", text) == seeded.ids(*keys)


def test_search_by_lead_id(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--search", str(seeded.lead["peter"])) == seeded.ids("peter")


def test_unknown_status_bucket_campaign_rep_and_sort_are_one_line_errors(
    leadctl: Leadctl, seeded: Seeded
) -> None:
    cases = [
        (["--bucket", "Nope"], "Error: no bucket 'Nope' (give its name or id; see 'leadctl bucket list')"),
        (["--bucket", "999"], "Error: no bucket '999' (give its name or id; see 'leadctl bucket list')"),
        (
            ["--campaign", "Nope"],
            "Error: no campaign 'Nope' (give its name or id; see 'leadctl campaign list')",
        ),
        (
            ["--manager", "zed@example.com"],
            "Error: no rep 'zed@example.com' (give its name or id; see 'leadctl rep list')",
        ),
    ]
    for args, expected in cases:
        result = leadctl("leads", "list", *args, ok=False)
        assert result.exit_code == 1, args
        assert result.stderr.splitlines() == [expected]
        assert result.stdout == ""
    # A bad option value is a usage error (exit 2, Click's usage message; issue 6 item 6).
    status = leadctl("leads", "list", "--status", "new,won", ok=False)
    assert status.exit_code == 2 and status.stdout == ""
    assert status.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--status': 'won' is not one of new, processed, duplicate, rejected"
    )
    sort = leadctl("leads", "list", "--sort", "raw", ok=False)
    assert sort.exit_code == 2
    assert sort.stderr.splitlines()[-1].startswith(
        "Error: Invalid value for '--sort': 'raw' is not sortable (choose from id, "
    )


# ---------------------------------------------------------------- saved view (seed 2)


def test_only_unassigned_is_remembered_per_bucket(leadctl: Leadctl, seeded: Seeded) -> None:
    webinar, affiliates = seeded.bucket["webinar"], seeded.bucket["affiliates"]
    # Default: off, everything in the bucket, no notice.
    default = leadctl("leads", "list", "--bucket", "webinar", "--format", "json")
    assert len(json.loads(default.stdout)) == 4
    assert default.stderr == ""

    saved = leadctl("leads", "list", "--bucket", "webinar", "--unassigned", "--save-view", "--format", "json")
    assert [r["id"] for r in json.loads(saved.stdout)] == seeded.ids("john", "jane")
    assert saved.stderr.strip() == "saved view for bucket webinar: only unassigned leads"
    assert saved_view(leadctl, webinar) is True
    assert saved_view(leadctl, affiliates) is False  # each bucket keeps its own choice

    # Next time the bucket's choice applies, and says so.
    again = leadctl("leads", "list", "--bucket", "webinar", "--format", "json")
    assert [r["id"] for r in json.loads(again.stdout)] == seeded.ids("john", "jane")
    assert again.stderr.strip() == (
        "showing only unassigned leads (saved view for bucket webinar; --all-managers to see all)"
    )
    assert ids(leadctl, "--bucket", "affiliates") == seeded.ids("maria_dup", "jon_dup", "peter")
    assert len(ids(leadctl)) == 9  # without --bucket no saved view applies

    # --all-managers overrides once without changing what is saved; an explicit manager wins too.
    assert ids(leadctl, "--bucket", "webinar", "--all-managers") == seeded.ids(
        "maria", "john", "jane", "anna"
    )
    assert ids(leadctl, "--bucket", "webinar", "--manager", "ana@example.com") == seeded.ids("maria", "anna")
    assert saved_view(leadctl, webinar) is True
    # --save-view without a choice keeps what is saved (even when --manager hides it for this run).
    keep = leadctl("leads", "list", "--bucket", "webinar", "--manager", "ana@example.com", "--save-view")
    assert "saved view for bucket webinar: only unassigned leads" in keep.stderr
    assert saved_view(leadctl, webinar) is True

    off = leadctl("leads", "list", "--bucket", str(webinar), "--all-managers", "--save-view")
    assert "saved view for bucket webinar: all leads" in off.stderr
    assert saved_view(leadctl, webinar) is False
    quiet = leadctl("leads", "list", "--bucket", "webinar", "--format", "json")
    assert len(json.loads(quiet.stdout)) == 4
    assert quiet.stderr == ""


def test_save_view_needs_a_bucket_and_a_failed_command_saves_nothing(
    leadctl: Leadctl, seeded: Seeded
) -> None:
    no_bucket = leadctl("leads", "list", "--unassigned", "--save-view", ok=False)
    assert no_bucket.exit_code == 2
    assert no_bucket.stderr.splitlines()[-1].startswith("Error: --save-view needs --bucket")
    failed = leadctl(
        "leads", "list", "--bucket", "webinar", "--unassigned", "--save-view", "--campaign", "Nope", ok=False
    )
    assert failed.exit_code == 1
    assert "no campaign 'Nope'" in failed.stderr
    assert saved_view(leadctl, seeded.bucket["webinar"]) is False


# ---------------------------------------------------------------- pagination and sort


def test_limit_offset_and_the_truncation_notice(leadctl: Leadctl, seeded: Seeded) -> None:
    all_ids = ids(leadctl)
    first = leadctl("leads", "list", "--limit", "3", "--format", "json")
    assert [r["id"] for r in json.loads(first.stdout)] == all_ids[:3]
    assert first.stderr.strip() == "showing 3 of 9 leads (use --limit/--offset)"
    second = leadctl("leads", "list", "--limit", "3", "--offset", "3", "--format", "json")
    assert [r["id"] for r in json.loads(second.stdout)] == all_ids[3:6]
    assert second.stderr.strip() == "showing leads 4-6 of 9 (use --limit/--offset)"
    last = leadctl("leads", "list", "--limit", "3", "--offset", "8", "--format", "json")
    assert [r["id"] for r in json.loads(last.stdout)] == all_ids[8:]
    past = leadctl("leads", "list", "--offset", "20", "--format", "json")
    assert json.loads(past.stdout) == []
    assert "past the end" in past.stderr
    exact = leadctl("leads", "list", "--limit", "9", "--format", "json")
    assert len(json.loads(exact.stdout)) == 9
    assert exact.stderr == ""
    table = leadctl("leads", "list", "--limit", "2", "--status", "new")
    assert table.stderr.strip() == "showing 2 of 4 leads (use --limit/--offset)"
    assert len(table.stdout.splitlines()) == 4  # header, rule, two rows


def test_tables_page_by_50_tools_get_every_row_unless_limit(leadctl: Leadctl, seeded: Seeded) -> None:
    from leadctl.storage.engine import write

    engine = leadctl.engine()
    try:
        with write(engine) as conn:
            template = dict(
                conn.execute(select(schema.lead).where(schema.lead.c.id == seeded.lead["li"]))
                .mappings()
                .one()
            )
            del template["id"]
            for n in range(60):
                conn.execute(schema.lead.insert().values({**template, "row_hash": f"extra{n:035d}"}))
    finally:
        engine.dispose()
    table = leadctl("leads", "list")
    assert len(table.stdout.splitlines()) == 2 + 50
    assert table.stderr.strip() == "showing 50 of 69 leads (use --limit/--offset)"
    assert len(json.loads(leadctl("leads", "list", "--format", "json").stdout)) == 69  # tools: every row
    for fmt, lines in (("jsonl", 69), ("csv", 1 + 69)):
        out = leadctl("leads", "list", "--format", fmt)
        assert len(out.stdout.splitlines()) == lines and out.stderr == ""
    limited = leadctl("leads", "list", "--format", "json", "--limit", "50")
    assert len(json.loads(limited.stdout)) == 50
    assert limited.stderr.strip() == "showing 50 of 69 leads (use --limit/--offset)"
    everything = leadctl("leads", "list", "--limit", "0", "--format", "json")
    assert len(json.loads(everything.stdout)) == 69
    assert everything.stderr == ""
    negative = leadctl("leads", "list", "--limit", "-1", ok=False)
    assert negative.exit_code == 2


def test_sort_ascending_descending_and_by_name_columns(leadctl: Leadctl, seeded: Seeded) -> None:
    assert ids(leadctl, "--sort", "-id") == list(reversed(ids(leadctl)))
    assert ids(leadctl, "--sort", "-registered_at") == seeded.ids(
        "maria_dup", "maria", "peter", "anna", "olu", "li", "jon_dup", "john", "jane"
    )
    assert ids(leadctl, "--sort", "registered_at", "--bucket", "webinar") == seeded.ids(
        "jane", "john", "anna", "maria"
    )
    # Ties are broken by id (in the same direction), so pages never overlap.
    assert ids(leadctl, "--sort", "bucket") == seeded.ids(
        "maria_dup", "jon_dup", "peter", "li", "olu", "maria", "john", "jane", "anna"
    )
    assert ids(leadctl, "--sort", "-status") == seeded.ids(
        "jane", "olu", "maria", "li", "peter", "anna", "john", "jon_dup", "maria_dup"
    )
    # Leads without a manager come last whichever the direction.
    assert ids(leadctl, "--sort", "manager")[-4:] == seeded.ids("john", "jane", "maria_dup", "li")
    assert ids(leadctl, "--sort", "-manager")[-4:] == seeded.ids("li", "maria_dup", "jane", "john")
    paged = [
        r["id"]
        for offset in (0, 3, 6)
        for r in leadctl.json(
            "leads", "list", "--sort", "-registered_at", "--limit", "3", "--offset", str(offset)
        )
    ]
    assert paged == ids(leadctl, "--sort", "-registered_at")


def test_help_lists_every_sortable_field() -> None:
    from leadctl.commands.leads import SORTABLE
    from leadctl.services.intake.leads import SORT_FIELDS

    assert SORTABLE.split(", ") == list(SORT_FIELDS)


# ---------------------------------------------------------------- show


def test_show_json_has_every_field_and_the_timeline_in_time_order(leadctl: Leadctl, seeded: Seeded) -> None:
    lead = leadctl.json("leads", "show", str(seeded.lead["maria"]))
    assert isinstance(lead, dict)
    assert list(lead) == SHOW_FIELDS
    listed = leadctl.json("leads", "list", "--search", "W-1001")[0]
    assert {k: lead[k] for k in STABLE_FIELDS} == listed
    assert lead["title"] == "VP Sales"
    assert lead["linkedin_url"] == "https://www.linkedin.com/in/mariagarcia"
    assert lead["country"] == "US"
    assert lead["source"] == "webinar"
    assert lead["line_no"] == 2
    assert lead["load_id"] == seeded.load["webinar"]
    assert lead["raw"] == {"Email": "maria.garcia@acme.com", "First": "Maria", "Last": "Garcia"}
    assert [(e["at"], e["kind"], e["actor"]) for e in lead["timeline"]] == [
        ("2026-03-19T15:01:10+00:00", "loaded", "alice"),
        ("2026-03-19T15:05:00+00:00", "processed", "alice"),
        ("2026-03-20T10:00:00+00:00", "reprocessed", "tester"),
    ]
    assert all(list(e) == ["at", "kind", "actor", "data"] for e in lead["timeline"])
    assert lead["timeline"][0]["data"] == {
        "file": "webinar-march.csv",
        "line": 2,
        "load_id": seeded.load["webinar"],
    }
    assert lead["timeline"][2]["data"] == {"reason": "rules changed", "status": "processed"}


def test_show_duplicate_and_a_lead_without_a_load(leadctl: Leadctl, seeded: Seeded) -> None:
    dup = leadctl.json("leads", "show", str(seeded.lead["maria_dup"]))
    assert isinstance(dup, dict)
    assert dup["duplicate_of"] == f"client:{seeded.client['maria']}"
    assert dup["affiliate_id"] == "AFF-7"
    assert [e["kind"] for e in dup["timeline"]] == ["loaded", "duplicate"]
    li = leadctl.json("leads", "show", str(seeded.lead["li"]))
    assert isinstance(li, dict)
    assert li["load_id"] is None
    assert li["timeline"] == [
        {"at": "2026-03-14T23:31:00+00:00", "kind": "loaded", "actor": None, "data": {}}
    ]


def test_show_table_has_sections(leadctl: Leadctl, seeded: Seeded) -> None:
    out = leadctl("leads", "show", str(seeded.lead["jane"])).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["id", str(seeded.lead["jane"])]
    assert any(line.split() == ["status", "rejected"] for line in lines)
    assert "Custom fields: none" in lines
    assert lines.index("Reasons") < lines.index("Timeline")
    assert "email: 'jane@' is not an e-mail address" in out
    assert "Source row (line 4)" in lines
    assert "webinar-march.csv" in out
    processed = leadctl("leads", "show", str(seeded.lead["maria"])).stdout.splitlines()
    assert "Custom fields" in processed
    assert "Reasons" not in processed
    timeline = processed[processed.index("Timeline") :]
    kinds = [line.split()[1] for line in timeline[3:]]
    assert kinds == ["loaded", "processed", "reprocessed"]


def test_show_csv_is_one_row(leadctl: Leadctl, seeded: Seeded) -> None:
    rows = list(
        csv.reader(io.StringIO(leadctl("leads", "show", str(seeded.lead["john"]), "--format", "csv").stdout))
    )
    assert rows[0] == SHOW_FIELDS
    assert len(rows) == 2
    assert rows[1][SHOW_FIELDS.index("company")].startswith("'=")


def test_show_accepts_the_duplicate_of_spelling(leadctl: Leadctl, seeded: Seeded) -> None:
    dup = leadctl.json("leads", "show", str(seeded.lead["jon_dup"]))
    assert isinstance(dup, dict)
    original = leadctl.json("leads", "show", dup["duplicate_of"])
    assert isinstance(original, dict)
    assert original["id"] == seeded.lead["john"]


def test_help_has_examples(leadctl: Leadctl) -> None:
    for args in (["leads"], ["leads", "list"], ["leads", "show"]):
        result = leadctl(*args, "--help")
        assert "Example:" in result.stdout
    assert "--unassigned / --all-managers" in leadctl("leads", "list", "--help").stdout


@pytest.mark.parametrize("ref", ["999", "abc", "lead:999"])
def test_show_unknown_lead_is_not_found(leadctl: Leadctl, seeded: Seeded, ref: str) -> None:
    result = leadctl("leads", "show", ref, ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"Error: no lead '{ref}'")


def test_list_and_show_never_import_the_orm(leadctl_sqlite: Leadctl) -> None:
    """Start-up budget: the browse path is Core only (sqlalchemy.orm alone costs ~60 ms) and a
    SQLite listing never loads the PostgreSQL dialect (~15% of ``import sqlalchemy``)."""
    import subprocess
    import sys

    engine = leadctl_sqlite.engine()
    try:
        seed_leads(engine)
    finally:
        engine.dispose()
    script = (
        "import sys, contextlib, io\n"
        "from leadctl.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['--db', {leadctl_sqlite.db_url!r}, 'leads', 'list', '--limit', '1', '--format', 'json']) == 0\n"
        f"    assert main(['--db', {leadctl_sqlite.db_url!r}, 'leads', 'show', '1', '--format', 'json']) == 0\n"
        "heavy = ('sqlalchemy.orm', 'sqlalchemy.dialects.postgresql', 'alembic', 'tabulate', 'yaml')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
