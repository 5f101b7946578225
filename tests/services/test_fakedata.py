"""The fake lead generator: deterministic, realistic, with known duplicates and valid phones."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest

from leadctl.demo.fakedata import FIELDS, MESSY_HEADERS, generate, write_file, write_truth

REGION_OF = {
    "United States": "US",
    "US": "US",
    "USA": "US",
    "Canada": "CA",
    "CA": "CA",
    "United Kingdom": "GB",
    "UK": "GB",
    "GB": "GB",
}


@pytest.fixture(scope="module")
def leads():
    return generate(5000, seed=7, dup_rate=0.10, invalid_rate=0.03)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    a = generate(500, seed=3)
    b = generate(500, seed=3)
    c = generate(500, seed=4)
    assert a == b
    assert [x.record for x in a] != [x.record for x in c]


def test_every_row_has_all_fields_and_a_unique_external_id(leads) -> None:
    assert len(leads) == 5000
    for lead in leads:
        assert tuple(lead.record) == FIELDS
        assert all(isinstance(v, str) for v in lead.record.values())
    ids = [lead.record["external_id"] for lead in leads]
    assert len(set(ids)) == len(ids)
    assert all(len(i.split("-")[1]) >= 6 for i in ids)


def test_duplicate_and_invalid_shares_follow_the_rates(leads) -> None:
    kinds = Counter(lead.kind for lead in leads)
    assert 0.08 * 5000 < kinds["duplicate"] < 0.12 * 5000
    assert 0.02 * 5000 < kinds["invalid"] < 0.04 * 5000
    per_entity = Counter(lead.entity_id for lead in leads)
    # every duplicate shares its entity with an earlier original; invalid rows stand alone
    seen: set[str] = set()
    for lead in leads:
        if lead.kind == "duplicate":
            assert lead.entity_id in seen
        elif lead.kind == "original":
            assert lead.entity_id not in seen
            seen.add(lead.entity_id)
        else:
            assert per_entity[lead.entity_id] == 1
    assert sum(1 for c in per_entity.values() if c > 1) > 0.07 * 5000


def test_valid_rows_have_a_valid_phone_and_plausible_fields(leads) -> None:
    for lead in leads:
        if lead.kind == "invalid":
            continue
        rec = lead.record
        assert rec["business_phone"] or rec["mobile_phone"], rec
        region = REGION_OF[rec["country"]]
        for field in ("business_phone", "mobile_phone"):
            if rec[field]:
                number = phonenumbers.parse(rec[field], region)
                assert phonenumbers.is_valid_number(number), (field, rec[field], rec["city"])
                assert phonenumbers.region_code_for_number(number) == region
        assert rec["registered_at"].endswith("Z")
    originals = [lead.record for lead in leads if lead.kind == "original"]
    assert all("@" in r["email"] for r in originals)
    assert sum(1 for r in originals if not r["mobile_phone"]) > 0
    assert sum(1 for r in originals if not r["business_phone"]) > 0
    assert sum(1 for r in originals if not r["linkedin_url"]) > 0


def test_duplicates_carry_realistic_noise(leads) -> None:
    by_entity: dict[str, list[dict[str, str]]] = {}
    for lead in leads:
        if lead.kind != "invalid":
            by_entity.setdefault(lead.entity_id, []).append(lead.record)
    same_email = different_email = changed_name = 0
    for rows in by_entity.values():
        first, *dups = rows
        for dup in dups:
            if dup["email"].lower() == first["email"].lower():
                same_email += 1
            else:
                different_email += 1
            if (dup["first_name"], dup["last_name"]) != (first["first_name"], first["last_name"]):
                changed_name += 1
            assert dup["external_id"] != first["external_id"]
            assert dup["source"] != first["source"]
            assert dup["registered_at"] > first["registered_at"]
    assert same_email > 0 and different_email > 0.3 * (same_email + different_email)
    assert changed_name > 0.3 * (same_email + different_email)


def test_rows_come_in_registration_order(leads) -> None:
    times = [lead.record["registered_at"] for lead in leads]
    assert times == sorted(times)


def test_invalid_rows_have_a_problem(leads) -> None:
    for lead in leads:
        if lead.kind != "invalid":
            continue
        rec = lead.record
        problems = [
            not rec["email"]
            or "@" not in rec["email"]
            or " " in rec["email"]
            or "." not in rec["email"].split("@")[-1],
            not (rec["business_phone"] or rec["mobile_phone"]),
            any(
                rec[f] and not phonenumbers.is_valid_number(_parse_or_none(rec[f], REGION_OF[rec["country"]]))
                for f in ("business_phone", "mobile_phone")
            ),
            not rec["company"],
            not rec["title"],
            not rec["first_name"] or not rec["last_name"],
        ]
        assert any(problems), rec


def _parse_or_none(text: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return phonenumbers.PhoneNumber()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_files_read_back(tmp_path: Path, fmt: str) -> None:
    leads = generate(300, seed=11)
    path = tmp_path / f"leads.{fmt}"
    write_file(path, leads, fmt, messy_headers=True, custom_columns=True, seed=5)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ","))
    assert len(rows) == 300
    header = list(rows[0])
    assert header[: len(FIELDS)] == [MESSY_HEADERS[f] for f in FIELDS]
    extra = header[len(FIELDS) :]
    assert 1 <= len(extra) <= 2 and not set(extra) & set(MESSY_HEADERS.values())
    for row, lead in zip(rows, leads, strict=True):
        for field in FIELDS:
            assert row[MESSY_HEADERS[field]] == lead.record[field]


def test_canonical_headers_without_custom_columns(tmp_path: Path) -> None:
    leads = generate(50, seed=2)
    path = tmp_path / "leads.csv"
    write_file(path, leads, "csv", custom_columns=False)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == FIELDS
        assert [row for row in reader] == [lead.record for lead in leads]


def test_truth_file_lists_every_row(tmp_path: Path) -> None:
    leads = generate(200, seed=9)
    path = tmp_path / "truth.csv"
    write_truth(path, leads)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["external_id"], r["entity_id"]) for r in rows] == [
        (lead.record["external_id"], lead.entity_id) for lead in leads
    ]


def test_regions_can_be_restricted() -> None:
    leads = generate(300, seed=1, regions=("GB",))
    assert {REGION_OF[lead.record["country"]] for lead in leads} == {"GB"}
    with pytest.raises(ValueError, match="unsupported region"):
        generate(10, regions=("FR",))


def _digest(leads) -> str:
    h = hashlib.sha256()
    for lead in leads:
        h.update(json.dumps([lead.record, lead.entity_id, lead.kind]).encode())
        h.update(b"\n")
    return h.hexdigest()


# Computed before hard_rate existed: the demo, the tests and published benchmark figures rely on
# these exact rows, so adding options must never change the default output.
PINNED_500_S3 = "7b14f7b812777910c6258d7f68f4ef17f984e07403fc004f8d25ac08693125b0"


def test_default_rows_are_pinned_and_hard_rate_zero_changes_nothing() -> None:
    assert _digest(generate(500, seed=3, dup_rate=0.1, invalid_rate=0.04)) == PINNED_500_S3
    assert _digest(generate(500, seed=3, dup_rate=0.1, invalid_rate=0.04, hard_rate=0.0)) == PINNED_500_S3


def _keys(rec: dict[str, str]) -> set[str]:
    keys = {"".join(ch for ch in rec[f] if ch.isdigit())[-9:] for f in ("business_phone", "mobile_phone")}
    local, _, domain = rec["email"].lower().partition("@")
    if domain == "gmail.com":
        local = local.split("+", 1)[0].replace(".", "")
    return (keys - {""}) | ({f"{local}@{domain}"} if rec["email"] else set())


def test_hard_duplicates_share_no_email_or_phone_but_keep_company_and_city() -> None:
    plain = generate(4000, seed=5, dup_rate=0.15)
    hard = generate(4000, seed=5, dup_rate=0.15, hard_rate=0.5)

    def keyless(leads) -> tuple[int, int, list[tuple[dict[str, str], dict[str, str]]]]:
        rows: dict[str, list[dict[str, str]]] = {}
        dups = without = 0
        pairs = []
        for lead in leads:
            if lead.kind == "invalid":
                continue
            earlier = rows.setdefault(lead.entity_id, [])
            if lead.kind == "duplicate":
                dups += 1
                if not _keys(lead.record) & set().union(*(_keys(r) for r in earlier)):
                    without += 1
                    pairs.append((earlier[0], lead.record))
            earlier.append(lead.record)
        return dups, without, pairs

    dups0, without0, _ = keyless(plain)
    dups1, without1, pairs = keyless(hard)
    # about half the duplicates are now hard, on top of the few that never shared a key
    assert without1 / dups1 > without0 / dups0 + 0.35
    company_key = lambda c: c.lower().replace(",", "").split()[:2]  # noqa: E731
    # hard duplicates always bring an address of their own (a few ordinary ones have none)
    assert sum("@" in dup["email"] for _, dup in pairs) > 0.9 * len(pairs)
    for first, dup in pairs:
        assert dup["business_phone"] or dup["mobile_phone"]
        assert dup["source"] != first["source"]
        assert dup["city"] in (first["city"], "")
        assert company_key(dup["company"])[0] == company_key(first["company"])[0]
    names_changed = sum(
        (d["first_name"], d["last_name"], d["title"]) != (f["first_name"], f["last_name"], f["title"])
        for f, d in pairs
    )
    assert names_changed > 0.5 * len(pairs)
    with pytest.raises(ValueError, match="hard_rate"):
        generate(10, hard_rate=1.5)


def test_trap_people_share_addresses_and_names_but_not_identity() -> None:
    """Hard mode: namesakes, first-name free-mail and role mailboxes shared by different people;
    with trap_rate 0 the rows are exactly the usual ones."""
    from collections import defaultdict

    plain = generate(3000, seed=4)
    assert [x.record for x in generate(3000, seed=4, trap_rate=0.0)] == [x.record for x in plain]
    rows = generate(3000, seed=4, trap_rate=0.3)
    owners: dict[str, set[str]] = defaultdict(set)
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for x in rows:
        owners[x.record["email"].lower()].add(x.entity_id)
        names[(x.record["first_name"], x.record["last_name"])].add(x.entity_id)
    shared = [e for e, ids in owners.items() if len(ids) > 1]
    assert any(e.startswith(("info@", "sales@", "contact@")) for e in shared)
    assert any(e.endswith(("@aol.com", "@yahoo.com")) for e in shared)
    assert sum(1 for ids in names.values() if len(ids) > 1) >= 100
