"""Reading lead files, mapping headers, normalising and validating rows (no database)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from leadctl.demo import fakedata
from leadctl.errors import ConfigError, InputError
from leadctl.rules import Rules, load_rules
from leadctl.rules.loader import load_mapping
from leadctl.services.intake import mapping as intake_mapping
from leadctl.services.intake import normalise as intake_normalise
from leadctl.services.intake import read as intake_read
from leadctl.services.intake import rows as intake_rows
from leadctl.services.intake import validate as intake_validate

DATA = Path(__file__).resolve().parent.parent / "data"
RULES = load_rules(None)


def read(text: str | bytes, name: str = "leads.csv", **kw: object) -> intake_read.ParsedInput:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return intake_read.read_rows(name, data=data, **kw)  # type: ignore[arg-type]


def dict_rows(parsed: intake_read.ParsedInput) -> list[tuple[int, dict[str, object], str | None]]:
    return [(line, parsed.raw_dict(raw), problem) for line, raw, problem in parsed.rows]


def error(text: str | bytes, name: str = "leads.csv", **kw: object) -> str:
    with pytest.raises(InputError) as exc:
        read(text, name, **kw)
    return str(exc.value)


def rules_with(tmp_path: Path, yaml_text: str) -> Rules:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return load_rules(path)


# ------------------------------------------------------------------------------------ reading


def test_csv_rows_keep_line_numbers_and_values_as_read() -> None:
    parsed = read('Name,Notes\nAna Silva," multi\nline "\n\nBen Ode,x\n')
    assert parsed.headers == ["Name", "Notes"]
    assert dict_rows(parsed) == [
        (2, {"Name": "Ana Silva", "Notes": " multi\nline "}, None),
        (5, {"Name": "Ben Ode", "Notes": "x"}, None),  # line 4 is blank
    ]
    assert (parsed.encoding, parsed.delimiter, parsed.file_format) == ("utf-8", ",", "csv")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed_from_the_header(delimiter: str) -> None:
    text = delimiter.join(["First Name", "Company, Inc", "E-mail"]) + "\n"
    text += delimiter.join(["Ana", "Acme, Inc", "ana@acme.com"]) + "\n"
    parsed = read(text)
    assert parsed.delimiter == delimiter
    assert parsed.raw_dict(parsed.rows[0][1]) == {
        "First Name": "Ana",
        "Company, Inc": "Acme, Inc",
        "E-mail": "ana@acme.com",
    }


def test_bom_and_cp1252_fallback() -> None:
    bom = read(codecs.BOM_UTF8 + "E-mail,Name\nana@acme.com,José\n".encode())
    assert bom.headers == ["E-mail", "Name"]  # no BOM in the first header
    assert bom.encoding == "utf-8-sig"
    cp = read("E-mail,Name\nana@acme.com,José\n".encode("cp1252"), "old.csv")
    assert cp.raw_dict(cp.rows[0][1])["Name"] == "José"
    assert cp.encoding == "cp1252"
    assert cp.warnings == [
        "old.csv is not UTF-8 (line 2: byte 0xe9); read it as cp1252 — check accented names, or give --encoding"
    ]
    forced = read("Name\nJosé\n".encode("latin-1"), encoding="latin-1")
    assert forced.raw_dict(forced.rows[0][1]) == {"Name": "José"} and forced.warnings == []
    utf16 = read("Name,Notes\nJosé,x\n".encode("utf-16"))
    assert utf16.raw_dict(utf16.rows[0][1]) == {"Name": "José", "Notes": "x"}


def test_the_fixture_files_read() -> None:
    semi = intake_read.read_rows(str(DATA / "leads_semicolon_bom.csv"))
    assert (semi.delimiter, semi.encoding, len(semi.rows)) == (";", "utf-8-sig", 2)
    old = intake_read.read_rows(str(DATA / "leads_cp1252.csv"))
    assert old.encoding == "cp1252" and "Müller" in old.raw_dict(old.rows[0][1]).values()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leads.csv: the file is empty (expected a header line and rows)"),
        (b"\n\n", "leads.csv: the file is empty (expected a header line and rows)"),
        (b"Name,E-mail\n", "leads.csv line 1: only a header, no rows to load"),
        (
            b'Name,Notes\nAna,"fine"\nBen,"never closed\nCy,x\n',
            "leads.csv line 3: unclosed quote (the quoted field starting here runs to the end of the file)",
        ),
        (
            b'Name,Notes\nAna,"quoted"text\n',
            'leads.csv line 2: text after a closing quote (a quote inside a quoted field must be doubled: "")',
        ),
        (b"Name,E-mail,Name\nA,b,c\n", "leads.csv line 1: duplicate column name 'Name' (columns 1 and 3)"),
        (
            b"Name,Notes\nAna,x\x00y\n",
            "leads.csv line 2: NUL byte — a binary file, not CSV, TSV or JSON Lines",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "leads.csv line 3: NUL byte — a binary file, not CSV, TSV or JSON Lines",
        ),
        (
            b"Name;E-mail;Phone\nAna,ana@x.com,1\nBen,ben@x.com,2\n",
            "leads.csv line 2: 1 fields but the header has 3, and no row matches the header: "
            "wrong delimiter (reading with ';') or a broken header?",
        ),
    ],
)
def test_broken_files_are_one_line_errors_naming_file_and_line(content: bytes, message: str) -> None:
    assert error(content) == message


def test_a_huge_field_is_an_error_not_a_lead() -> None:
    big = b"Name,Notes\nAna,x\nBen," + b"y" * 10_000_000 + b"\n"
    assert error(big) == (
        "leads.csv line 3: a field is longer than 131,072 characters (an unclosed quote, or not a lead file)"
    )
    line = b'{"Name": "Ben", "Notes": "' + b"y" * 200_000 + b'"}\n'
    assert error(b'{"Name": "Ana"}\n' + line, "leads.jsonl") == (
        "leads.jsonl line 2: a value is longer than 131,072 characters"
    )


def test_forced_delimiter_that_the_header_does_not_use() -> None:
    assert error(b"Name,E-mail\nAna,ana@x.com\n", delimiter=";") == (
        "leads.csv line 1: the header is a single column containing ','; is the delimiter ','? (use --delimiter)"
    )
    tabbed = read(b"Name\tE-mail\nAna\tana@x.com\n", delimiter="tab")
    assert tabbed.delimiter == "\t" and tabbed.headers == ["Name", "E-mail"]


def test_forced_encoding_that_does_not_fit() -> None:
    assert (
        error("Name\nJosé\n".encode("cp1252"), encoding="utf-8")
        == "leads.csv line 2: not valid utf-8 (byte 0xe9)"
    )
    assert error(b"Name\nA\n", encoding="klingon") == (
        "encoding 'klingon': unknown encoding (try utf-8, cp1252 or latin-1)"
    )


def test_rows_with_more_or_fewer_fields_are_rejected_with_their_values_kept() -> None:
    parsed = read("A,B,C\n1,2,3\n4,5,6,7,8\n9,10\n11,12,13,,\n")
    assert dict_rows(parsed) == [
        (2, {"A": "1", "B": "2", "C": "3"}, None),
        (3, {"A": "4", "B": "5", "C": "6", "_extra": ["7", "8"]}, "row: 5 fields but the header has 3"),
        (4, {"A": "9", "B": "10"}, "row: 2 fields but the header has 3"),
        (5, {"A": "11", "B": "12", "C": "13"}, None),  # a trailing delimiter loses nothing
    ]


def test_json_lines() -> None:
    text = (
        '{"E-mail": "ana@acme.com", "Employees": 250, "Tags": ["a"]}\n\nnot json\n[1, 2]\n{"Name": "Ben"}\n'
    )
    parsed = read(text, "leads.jsonl")
    assert parsed.file_format == "jsonl"
    assert parsed.headers == ["E-mail", "Employees", "Tags", "Name"]
    assert parsed.rows == [
        (1, {"E-mail": "ana@acme.com", "Employees": 250, "Tags": ["a"]}, None),
        (3, {"_line": "not json"}, "row: not valid JSON"),
        (4, {"_line": "[1, 2]"}, "row: not a JSON object"),
        (5, {"Name": "Ben"}, None),
    ]
    assert error("a,b\n1,2\n", "leads.jsonl") == (
        "leads.jsonl line 1: not valid JSON (Expecting value); no line is a JSON object: is this JSON Lines?"
    )
    assert error('[{"a": 1}]\n', "leads.json") == (
        "leads.json line 1: a JSON array, not JSON Lines (one object per line); convert it with: jq -c '.[]' FILE"
    )


def test_format_comes_from_the_extension_or_the_option() -> None:
    assert intake_read.format_for("x.TSV", None) == "tsv"
    assert intake_read.format_for("x.ndjson", None) == "jsonl"
    assert intake_read.format_for("x.txt", None) == "csv"
    assert intake_read.format_for("-", None) == "csv"
    assert intake_read.format_for("x.csv", "jsonl") == "jsonl"
    tsv = read("Name\tNotes\nAna\ta,b\n", "x.tsv")
    assert tsv.delimiter == "\t" and tsv.raw_dict(tsv.rows[0][1]) == {"Name": "Ana", "Notes": "a,b"}


# ------------------------------------------------------------------------------------ mapping

MESSY = [
    "Lead ID", "First Name", "Last Name", "E-mail", "Job Title", "Business Phone", "Mobile",
    "LinkedIn URL", "Company Name", "Website", "Employees", "Annual Revenue", "Industry", "City",
    "State/Province", "Country", "Lead Source", "Created Date", "Last Visited Pricing Page",
]  # fmt: skip


def test_messy_headers_map_and_the_rest_stay_custom() -> None:
    m = intake_mapping.build_mapping(MESSY, RULES)
    assert m.fields == {
        "Lead ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail": "email",
        "Job Title": "title",
        "Business Phone": "business_phone",
        "Mobile": "mobile_phone",
        "LinkedIn URL": "linkedin_url",
        "Company Name": "company",
        "Website": "website",
        "Employees": "headcount",
        "Annual Revenue": "revenue",
        "Industry": "industry",
        "City": "city",
        "State/Province": "state",
        "Country": "country",
        "Lead Source": "source",
        "Created Date": "registered_at",
    }
    assert m.custom == ["Last Visited Pricing Page"]
    other = intake_mapping.build_mapping(
        ["first_name", "EMAIL", "Cell", "Work Phone", "Full Name", "Phone"], RULES
    )
    assert other.fields == {
        "first_name": "first_name",
        "EMAIL": "email",
        "Cell": "mobile_phone",
        "Work Phone": "business_phone",
    }
    assert other.custom == ["Phone", "Full Name"]  # business phone taken; first name exists
    assert other.warnings == [
        "columns 'Work Phone' and 'Phone' both map to business_phone; 'Phone' is kept as a custom field"
    ]


def test_explicit_mapping_and_rules_aliases_come_first(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, 'mapping:\n  aliases: {"Contact Person": full_name, "Tel": mobile_phone}\n')
    m = intake_mapping.build_mapping(
        ["Contact Person", "Tel", "Mail Addr", "E-mail", "Gone"],
        rules,
        {"Mail Addr": "email", "e mail": "custom", "Missing": "title"},
    )
    assert m.fields == {"Contact Person": "full_name", "Tel": "mobile_phone", "Mail Addr": "email"}
    assert m.custom == ["E-mail", "Gone"]
    assert m.warnings == ["the mapping names column 'Missing', which the file does not have"]
    assert m.origin["Tel"] == "rules" and m.origin["Mail Addr"] == "mapping file"


def test_mapping_file_is_validated_with_file_and_line(tmp_path: Path) -> None:
    assert load_mapping(DATA / "acme_mapping.yaml") == {
        "Contact": "full_name",
        "Mail Addr": "email",
        "Direct": "business_phone",
        "Notes": "custom",
    }
    bad = tmp_path / "map.yaml"
    bad.write_text("Mail Addr: email\nPhone No: emial\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_mapping(bad)
    assert str(exc.value).startswith(f"{bad} line 2: Phone No: expected one of external_id, first_name,")
    assert str(exc.value).endswith("full_name, custom, got 'emial' (did you mean 'email'?)")
    bad.write_text("- email\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 1: expected a mapping of column names to lead fields"):
        load_mapping(bad)
    bad.write_text("A: email\nA: title\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2: A: column given twice"):
        load_mapping(bad)
    with pytest.raises(ConfigError, match="mapping file not found"):
        load_mapping(tmp_path / "nope.yaml")


# ------------------------------------------------------------------------------------ normalising


def test_normalise_trims_lowercases_and_writes_phones_in_e164() -> None:
    rec = intake_normalise.normalise(
        {
            "full_name": "  Ana Maria Silva ",
            "email": " Ana.Silva@ACME.com ",
            "business_phone": "",
            "mobile_phone": " (206) 312-4659 ",
            "website": " www.Acme.com/Pricing ",
            "registered_at": "03/14/2026 9:30 AM",
            "company": "   ",
        }
    )
    assert {k: v for k, v in rec.items() if k != "_phones"} == {
        "first_name": "Ana",
        "last_name": "Maria Silva",
        "email": "ana.silva@acme.com",
        "mobile_phone": "+12063124659",
        "timezone": "America/Los_Angeles",
        "website": "www.Acme.com/Pricing",
        "registered_at": datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
    }


def test_business_phone_gives_the_time_zone_and_the_country_gives_the_region() -> None:
    rec = intake_normalise.normalise(
        {"business_phone": "020 7946 0018", "mobile_phone": "(312) 658-8552", "country": "United Kingdom"}
    )
    assert (rec["business_phone"], rec["mobile_phone"], rec["timezone"]) == (
        "+442079460018",
        "+13126588552",  # not a UK number: read in the default region instead
        "Europe/London",
    )
    kept = intake_normalise.normalise({"business_phone": "call me", "registered_at": "last tuesday"})
    assert (kept["business_phone"], kept["registered_at"]) == ("call me", "last tuesday")
    assert "timezone" not in kept


def test_full_name_splits() -> None:
    assert intake_mapping.split_name("Silva, Ana") == ("Ana", "Silva")
    assert intake_mapping.split_name("Ana") == ("Ana", None)
    assert intake_mapping.split_name("Ana  de  Souza") == ("Ana", "de  Souza")


# ------------------------------------------------------------------------------------ validating

VALID = {
    "first_name": "Ana",
    "last_name": "Silva",
    "email": "ana@acme.com",
    "title": "CFO",
    "company": "Acme",
    "business_phone": "(206) 312-4659",
}


def reasons(**changes: object) -> list[str]:
    mapped = {**VALID, **changes}
    return intake_validate.validate(
        intake_normalise.normalise({k: v for k, v in mapped.items() if v is not None}), RULES
    )


@freeze_time("2026-03-20 12:00:00")
def test_validation_reasons_are_short_and_stable() -> None:
    assert reasons() == []
    assert reasons(email=None, title=None) == ["email: missing", "title: missing"]
    assert reasons(email="ana.acme.com") == ["email: not a valid address"]
    assert reasons(email="ana@acme") == ["email: not a valid address"]
    assert reasons(email="ana@@acme.com") == ["email: not a valid address"]
    assert reasons(email="ana.@acme.com") == ["email: not a valid address"]
    assert reasons(business_phone="123") == ["business_phone: not a valid number"]
    assert reasons(business_phone="call me", mobile_phone="(312) 658-8552") == [
        "business_phone: not a valid number"
    ]
    assert reasons(business_phone=None) == ["phone: none given"]
    assert reasons(registered_at="soon") == ["registered_at: not a date"]
    assert reasons(registered_at="2026-03-22T12:00:00Z") == ["registered_at: in the future"]
    assert reasons(registered_at="2026-03-21T11:00:00Z") == []  # within a day: clocks differ
    assert reasons(company="x" * 301) == ["company: longer than 300 characters"]


def test_validation_follows_the_rules(tmp_path: Path) -> None:
    rules = rules_with(
        tmp_path,
        "phones:\n  allowed_regions: [US]\n"
        "validation:\n  required_fields: [email]\n  phone_required: both\n"
        "  check_email_syntax: false\n  reject_future_registration: false\n",
    )
    rec = intake_normalise.normalise(
        {"email": "not-an-email", "business_phone": "+44 20 7946 0018", "registered_at": "2099-01-01"}
    )
    assert intake_validate.validate(rec, rules) == [
        "mobile_phone: missing",
        "business_phone: region not allowed",
    ]
    loose = rules_with(
        tmp_path, "validation:\n  required_fields: []\n  phone_required: none\n  check_phone_numbers: false\n"
    )
    assert intake_validate.validate(intake_normalise.normalise({"business_phone": "call me"}), loose) == []


def test_validate_works_on_a_lead_read_back_from_the_database() -> None:
    stored = {
        "id": 7,
        "status": "new",
        "first_name": "Ana",
        "last_name": "Silva",
        "email": "ana@acme.com",
        "title": "CFO",
        "company": "Acme",
        "business_phone": "+12063124659",
        "mobile_phone": None,
        "timezone": "America/Los_Angeles",
        "registered_at": datetime(2026, 3, 1, tzinfo=UTC),
        "custom": {"Notes": "x"},
        "country": None,
    }
    assert intake_validate.validate(stored, RULES) == []
    assert intake_validate.validate({**stored, "business_phone": "+11234567890"}, RULES) == [
        "business_phone: not a valid number"
    ]
    assert intake_validate.validate({**stored, "email": ""}, RULES) == ["email: missing"]


# ------------------------------------------------------------------------------------ rows


def test_row_hash_ignores_layout_but_not_content() -> None:
    a = intake_rows.row_hash({"email": " ana@acme.com", "first_name": "Ana", "title": ""}, {"Notes": "x"})
    b = intake_rows.row_hash({"first_name": "Ana", "email": "ana@acme.com "}, {"Notes": "x"})
    assert a == b and len(a) == 40
    assert a != intake_rows.row_hash({"first_name": "Ana", "email": "ana@acme.com"}, {"Notes": "y"})
    assert a != intake_rows.row_hash({"first_name": "Ana", "email": "ana@acme.com"}, {})
    # Control characters in values cannot make two different rows hash alike.
    assert intake_rows.row_hash({"a": "x\x1fb\x1fy"}, {}) != intake_rows.row_hash({"a": "x", "b": "y"}, {})


def test_row_builder_equals_map_hash_normalise() -> None:
    leads = fakedata.generate(600, seed=11, invalid_rate=0.1)
    path_rows = []
    for lead in leads:
        values = [lead.record.get(f, "") for f in fakedata.FIELDS] + ["x"]
        path_rows.append(values)
    headers = [fakedata.MESSY_HEADERS[f] for f in fakedata.FIELDS] + ["Notes"]
    mapping = intake_mapping.build_mapping(headers, RULES)
    build = intake_rows.RowBuilder(mapping, "US", headers)
    for values in path_rows:
        raw = dict(zip(headers, values, strict=True))
        rec, custom, digest = build(values)
        mapped, want_custom = intake_mapping.map_row(raw, mapping)
        assert (custom, digest) == (want_custom, intake_rows.row_hash(mapped, want_custom))
        assert rec == intake_normalise.normalise(mapped)
        assert build(raw) == (rec, custom, digest)  # the same row as a dict


@freeze_time("2024-11-01 12:00:00")
@pytest.mark.parametrize(
    "rules_yaml",
    [
        "",
        "phones:\n  allowed_regions: [US, GB]\nvalidation:\n  phone_required: both\n  required_fields: [email, company]\n",
        "validation:\n  phone_required: business\n  check_email_syntax: false\n  check_phone_numbers: false\n",
        "validation:\n  phone_required: none\n  reject_future_registration: false\n  required_fields: []\n",
    ],
)
def test_fused_check_equals_validate_of_normalise(tmp_path: Path, rules_yaml: str) -> None:
    rules = rules_with(tmp_path, rules_yaml) if rules_yaml else RULES
    validator = intake_validate.validator(rules)
    headers = [fakedata.MESSY_HEADERS[f] for f in fakedata.FIELDS] + ["Notes"]
    rows = [
        [lead.record.get(f, "") for f in fakedata.FIELDS] + ["x"]
        for lead in fakedata.generate(800, seed=13, invalid_rate=0.3)
    ]
    odd = list(rows[0])
    odd[headers.index("Company Name")] = "C" * 400  # too long
    odd[headers.index("Created Date")] = "2024-11-05"  # in the future
    odd[headers.index("E-mail")] = " "
    rows.append(odd)
    # Just over the shortest limit (64), and an e-mail that lower-casing lengthens ("İ" → "i̇").
    for field, value in (("Employees", "9" * 65), ("E-mail", "İ" * 30 + "@acme.com")):
        row = list(rows[1])
        row[headers.index(field)] = value
        rows.append(row)
    several = list(rows[2])  # three fields over limits of three sizes: the reasons in field order
    for field, n in (("Company Name", 301), ("Employees", 70), ("City", 201)):
        several[headers.index(field)] = "x" * n
    rows.append(several)
    mapping = intake_mapping.build_mapping(headers, rules)
    build = intake_rows.RowBuilder(mapping, rules.phones.default_region, headers)
    now = datetime(2024, 11, 1, 12, tzinfo=UTC)
    seen_reasons = set()
    for values in rows:
        rec, custom, digest, reasons = build.checked(values, validator, now)
        want_rec, want_custom, want_digest = build(values)
        assert (custom, digest) == (want_custom, want_digest)
        assert {k: v for k, v in rec.items() if k != "_phones"} == {
            k: v for k, v in want_rec.items() if k != "_phones"
        }
        assert reasons == validator(want_rec, now)
        seen_reasons.update(reasons)
    assert len(seen_reasons) >= 4
    assert "headcount: longer than 64 characters" in seen_reasons
    assert sum("longer than" in r for r in reasons) == 3  # the last row's, as the general path gives them
