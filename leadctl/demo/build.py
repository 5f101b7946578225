"""A realistic demo database, built through the same services the real commands use.

Campaigns, reps (roles, skills, territories), approvals and intake buckets are created
with the admin services; generated lead files (CSV with messy headers, TSV, JSON Lines —
with invalid rows and duplicates across buckets) are written to disk and loaded with the
loader; then intake processing runs. A database that already holds data is refused
unless ``force`` is given, so fake leads never mix into a real team's data.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadctl.config import make_private_dir, open_private
from leadctl.demo import fakedata
from leadctl.errors import ConflictError
from leadctl.rules import Rules
from leadctl.services.admin import buckets, campaigns, reps
from leadctl.services.intake import loading, processing
from leadctl.storage import schema

CAMPAIGNS = (
    ("Outbound Mid-Market US", "Appointment setting into US mid-market sales leaders"),
    ("Inbound Website", "Demo requests and content downloads from the website"),
    ("UK Expansion", "New-market push into UK and Canadian accounts"),
)
REPS = (
    (
        "maya.chen@northwind.io",
        "Maya Chen",
        "manager",
        ["enterprise"],
        ["US-West"],
        50,
        "America/Los_Angeles",
    ),
    (
        "diego.ramos@northwind.io",
        "Diego Ramos",
        "setter",
        ["saas", "spanish"],
        ["US-West", "US-South"],
        300,
        "America/Denver",
    ),
    ("priya.nair@northwind.io", "Priya Nair", "setter", ["healthcare"], ["US-East"], 300, "America/New_York"),
    (
        "tom.becker@northwind.io",
        "Tom Becker",
        "closer",
        ["manufacturing"],
        ["US-Central"],
        120,
        "America/Chicago",
    ),
    (
        "aisha.bello@northwind.io",
        "Aisha Bello",
        "closer",
        ["fintech", "enterprise"],
        ["US-East"],
        120,
        "America/New_York",
    ),
    ("oliver.hughes@northwind.io", "Oliver Hughes", "setter", ["saas"], ["UK"], 250, "Europe/London"),
    (
        "chloe.martin@northwind.io",
        "Chloe Martin",
        "closer",
        ["retail", "french"],
        ["CA", "UK"],
        100,
        "America/Toronto",
    ),
    ("sam.okafor@northwind.io", "Sam Okafor", "manager", ["inbound"], ["US"], 40, "America/New_York"),
)
APPROVALS = {
    "Outbound Mid-Market US": [0, 1, 2, 3, 4],
    "Inbound Website": [7, 1, 2, 4],
    "UK Expansion": [5, 6, 0],
}
# name, campaign, manager index, affiliate id, source, label, file name, file format, share of leads
BUCKETS = (
    (
        "affiliate-leadgenix",
        "Outbound Mid-Market US",
        0,
        "AFF-2231",
        "affiliate",
        "LeadGenix Partners",
        "leadgenix-export.csv",
        "csv",
        0.30,
    ),
    (
        "list-zoominfo-q4",
        "Outbound Mid-Market US",
        3,
        None,
        "list purchase",
        "ZoomInfo Q4 List",
        "zoominfo-q4.tsv",
        "tsv",
        0.25,
    ),
    (
        "web-demo-requests",
        "Inbound Website",
        7,
        None,
        "landing page",
        "Website Demo Requests",
        "web-demo-requests.csv",
        "csv",
        0.20,
    ),
    (
        "api-hubspot-forms",
        "Inbound Website",
        7,
        "HS-API",
        "api",
        "HubSpot Forms API",
        "hubspot-webhook.jsonl",
        "jsonl",
        0.10,
    ),
    ("uk-events-2026", "UK Expansion", 5, None, "event", "UK Events 2026", "uk-events.csv", "csv", 0.15),
)


@dataclass
class DemoResult:
    directory: Path
    files: list[dict[str, Any]] = field(default_factory=list)
    processing: dict[str, Any] = field(default_factory=dict)
    duplicates: list[dict[str, Any]] = field(default_factory=list)


def has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        for table in (schema.campaign, schema.rep, schema.bucket, schema.lead):
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                return True
    return False


def build(
    engine: Engine,
    rules: Rules,
    directory: Path,
    *,
    leads: int = 2000,
    seed: int = 42,
    force: bool = False,
    say: Callable[[str], None] = lambda _m: None,
    where: str = "the database",
) -> DemoResult:
    if has_data(engine) and not force:
        raise ConflictError(
            "this database already holds data; the demo never mixes fake leads into real data "
            "(use --db sqlite:///demo.db for a separate demo database, or --force)"
        )
    say(f"Building the demo in {where} …")
    # Every file first: a directory that cannot be written then fails before the database
    # holds anything (a half-built demo would make the next run refuse "already holds data").
    generated = fakedata.generate(leads, seed=seed, dup_rate=0.12, invalid_rate=0.04)
    make_private_dir(directory)
    planned: list[tuple[str, Path, str]] = []
    start = 0
    for i, (bucket, *_rest, filename, fmt, share) in enumerate(BUCKETS):
        count = len(generated) - start if i == len(BUCKETS) - 1 else round(len(generated) * share)
        part = generated[start : start + count]
        start += count
        path = directory / filename
        _private_file(path)
        fakedata.write_file(path, part, fmt, messy_headers=fmt != "jsonl", seed=seed + i)
        planned.append((bucket, path, fmt))
    _private_file(directory / "truth.csv")
    fakedata.write_truth(directory / "truth.csv", generated)

    result = DemoResult(directory)
    existing_campaigns = {c["name"] for c in campaigns.list_campaigns(engine)}
    for name, description in CAMPAIGNS:
        if name not in existing_campaigns:
            campaigns.create(engine, name, description)
    existing_reps = {r["email"] for r in reps.list_reps(engine, include_inactive=True)}
    for email, name, role, skills, territories, capacity, tz in REPS:
        if email not in existing_reps:
            reps.add(engine, email, name, role, skills, territories, capacity, tz)
    for campaign, indexes in APPROVALS.items():
        campaigns.approve(engine, campaign, [REPS[i][0] for i in indexes])
    existing_buckets = {b["name"] for b in buckets.list_buckets(engine, include_inactive=True)}
    for name, campaign, manager, affiliate, source, label, *_ in BUCKETS:
        if name not in existing_buckets:
            buckets.create(engine, name, campaign, REPS[manager][0], affiliate, source, label)
    say(f"Created {len(CAMPAIGNS)} campaigns, {len(REPS)} reps and {len(BUCKETS)} intake buckets.")

    for bucket, path, fmt in planned:
        summary = loading.load_file(engine, rules, str(path), bucket)
        result.files.append({"bucket": bucket, "file": str(path), "format": fmt, **summary.as_dict()})
        say(f"Loaded {path.name} into {bucket}: {summary.loaded} leads, {summary.rejected} rejected.")
    processed = processing.process(engine, rules)
    result.processing = processed.as_dict()
    say(
        f"Processed {processed.selected} leads: {processed.processed} clients, {processed.duplicate} duplicates."
    )
    result.duplicates = _duplicate_examples(engine)
    return result


def _private_file(path: Path) -> None:
    """Create (or truncate) ``path`` as 0600 before the generator writes it: fake or not, a
    lead file holds names, e-mails and phone numbers, never readable by other local users."""
    os.close(open_private(path))


def _duplicate_examples(engine: Engine, n: int = 5) -> list[dict[str, Any]]:
    L, C, B = schema.lead, schema.client, schema.bucket
    q = (
        select(
            L.c.id,
            L.c.first_name,
            L.c.last_name,
            L.c.email,
            B.c.name.label("bucket"),
            L.c.match_rule,
            L.c.match_score,
            C.c.id.label("client_id"),
            C.c.first_name.label("client_first"),
            C.c.last_name.label("client_last"),
            C.c.email.label("client_email"),
        )
        .join(B, B.c.id == L.c.bucket_id)
        .join(C, C.c.id == L.c.duplicate_of_client_id)
        .where(L.c.status == "duplicate")
        .order_by(L.c.match_score, L.c.id)
        .limit(n)
    )
    with engine.connect() as conn:
        return [
            {
                "lead": r.id,
                "lead_name": f"{r.first_name or ''} {r.last_name or ''}".strip(),
                "lead_email": r.email,
                "bucket": r.bucket,
                "client": r.client_id,
                "client_name": f"{r.client_first or ''} {r.client_last or ''}".strip(),
                "client_email": r.client_email,
                "rule": r.match_rule,
                "score": r.match_score,
            }
            for r in conn.execute(q)
        ]
