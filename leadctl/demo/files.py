"""The shape of generated leads (:class:`FakeLead`, their fields and header spellings) and the
files the generator writes: leads as CSV, TSV or JSON lines, and the truth for ``dedupe evaluate``."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from leadctl.rules.schema import LEAD_FIELDS
from leadctl.vocab import LeadStatus

# The lead fields a generated row carries (all but affiliate_id, which comes from the bucket).
FIELDS: tuple[str, ...] = tuple(f for f in LEAD_FIELDS if f != "affiliate_id")

# Human header spellings used by ``write_file(..., messy_headers=True)``.
MESSY_HEADERS: dict[str, str] = {
    "external_id": "Lead ID",
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "E-mail",
    "title": "Job Title",
    "business_phone": "Business Phone",
    "mobile_phone": "Mobile",
    "linkedin_url": "LinkedIn URL",
    "company": "Company Name",
    "website": "Website",
    "headcount": "Employees",
    "revenue": "Annual Revenue",
    "industry": "Industry",
    "city": "City",
    "state": "State/Province",
    "country": "Country",
    "source": "Lead Source",
    "registered_at": "Created Date",
}

CUSTOM_COLUMNS: tuple[str, ...] = (
    "Last Visited Pricing Page",
    "Notes",
    "UTM Campaign",
    "Preferred Contact Time",
)


class RowKind(StrEnum):
    """What a generated row is: a person's first row, a later row of theirs, or a bad row."""

    ORIGINAL = "original"
    DUPLICATE = LeadStatus.DUPLICATE.value  # what processing should make of the row
    INVALID = "invalid"


@dataclass(frozen=True)
class FakeLead:
    record: dict[str, str]
    entity_id: str
    kind: RowKind


def _custom_values(r: random.Random, column: str, lead: FakeLead) -> str:
    if column == "Last Visited Pricing Page":
        if r.random() < 0.4:
            return ""
        return lead.record["registered_at"][:10] if r.random() < 0.5 else f"{r.randrange(1, 60)} days ago"
    if column == "Notes":
        return r.choice(
            (
                "",
                "",
                "",
                "Asked for a demo",
                "Call after 3pm",
                "Met at booth 12",
                "Wants pricing, ext. 204",
                "Budget approved Q3",
                'Said "not now"',
            )
        )
    if column == "UTM Campaign":
        return r.choice(("", "spring_promo", "brand_search", "retargeting-q2", "webinar_followup"))
    return r.choice(("", "Morning", "Afternoon", "Evening", "Any time"))


def write_file(
    path: Path,
    leads: Sequence[FakeLead],
    fmt: str = "csv",
    *,
    messy_headers: bool = False,
    custom_columns: bool = True,
    seed: int = 0,
) -> None:
    """Write leads as csv, tsv or jsonl (one JSON object per line), UTF-8."""
    if fmt not in ("csv", "tsv", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}: expected csv, tsv or jsonl")
    r = random.Random(seed)
    extra: list[str] = []
    if custom_columns:
        extra = r.sample(CUSTOM_COLUMNS, r.choice((1, 2)))
        if "Last Visited Pricing Page" not in extra and r.random() < 0.5:
            extra[0] = "Last Visited Pricing Page"
    names = [MESSY_HEADERS[f] if messy_headers else f for f in FIELDS]
    header = names + extra
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            dumps = json.dumps
            for lead in leads:
                rec = lead.record
                obj = {name: rec.get(f, "") for name, f in zip(names, FIELDS, strict=True)}
                for col in extra:
                    obj[col] = _custom_values(r, col, lead)
                fh.write(dumps(obj, ensure_ascii=False))
                fh.write("\n")
            return
        writer = csv.writer(fh, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerow(header)
        rows = []
        for lead in leads:
            rec = lead.record
            row = [rec.get(f, "") for f in FIELDS]
            for col in extra:
                row.append(_custom_values(r, col, lead))
            rows.append(row)
            if len(rows) >= 10000:
                writer.writerows(rows)
                rows.clear()
        writer.writerows(rows)


def write_truth(path: Path, leads: Sequence[FakeLead]) -> None:
    """The labelled truth for ``dedupe evaluate``: CSV ``external_id,entity_id``."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["external_id", "entity_id"])
        writer.writerows([lead.record["external_id"], lead.entity_id] for lead in leads)
