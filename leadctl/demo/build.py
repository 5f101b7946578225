"""A realistic demo database, built through the same services the real commands use.

Campaigns, reps (roles, skills, territories), approvals and intake buckets are created
with the admin services; generated lead files (CSV with messy headers, TSV, JSON Lines —
with invalid rows and duplicates across buckets) are written to disk and loaded with the
loader; then intake processing runs. A database that already holds data is refused
unless ``force`` is given, so fake leads never mix into a real team's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadctl.config import make_private_dir, open_private
from leadctl.demo import fakedata
from leadctl.errors import ConflictError
from leadctl.reporting import SILENT, Reporter
from leadctl.rules import Rules
from leadctl.services.admin import buckets, campaigns, reps
from leadctl.services.intake import loading, processing
from leadctl.services.work import queue as work_queue  # queue (issue 10)
from leadctl.services.work import stages
from leadctl.storage import schema
from leadctl.vocab import LeadStatus

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
    assignment: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None  # the HTML report the demo ends with


def demo_rep() -> str:
    """The rep whose queue the demo shows (and its "try next" lines name)."""
    return REPS[2][0]


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
    report: Reporter = SILENT,
    where: str = "the database",
) -> DemoResult:
    empty = not has_data(engine)
    if not empty and not force:
        raise ConflictError(
            "this database already holds data; the demo never mixes fake leads into real data "
            "(use --db sqlite:///demo.db for a separate demo database, or --force)"
        )
    try:
        return _build(engine, rules, directory, leads=leads, seed=seed, report=report, where=where)
    except BaseException:
        if empty:  # a failed demo leaves the empty database it found: it can simply run again
            _wipe(engine)
        raise


def _wipe(engine: Engine) -> None:
    """Delete every row (the database was empty before the demo started)."""
    from sqlalchemy import delete

    from leadctl.storage.engine import write

    with write(engine) as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(delete(table))


def _build(
    engine: Engine,
    rules: Rules,
    directory: Path,
    *,
    leads: int,
    seed: int,
    report: Reporter,
    where: str,
) -> DemoResult:
    say = report.note
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
    result.assignment = _assignment_demo(engine, rules, seed, report)
    from leadctl.services.work.sla import demo_step

    demo_step(engine, rules, report)
    result.assignment["stages"] = stages.demo_summary(engine, rules, report)
    work_queue.demo(engine, rules, demo_rep(), report)  # queue (issue 10): a rep's queue and `next`
    from leadctl.report.build import write_report
    from leadctl.services.metrics.common import Scope

    result.report = write_report(engine, rules, Scope(), directory / "report.html")
    say(f"Wrote the report (every metric, charted): {result.report}")
    return result


def _private_file(path: Path) -> None:
    """Create (or truncate) ``path`` as 0600 before the generator writes it: fake or not, a
    lead file holds names, e-mails and phone numbers, never readable by other local users."""
    os.close(open_private(path))


# Per-rep performance for the generated activity history: (share of calls that become a
# conversation, share of conversations booked, days since last active).
_PROFILES = ((0.35, 0.4, 0), (0.2, 0.25, 1), (0.1, 0.1, 2), (0.25, 0.3, 12), (0.05, 0.05, 15))


def _assignment_demo(engine: Engine, rules: Rules, seed: int, report: Reporter) -> dict[str, Any]:
    """Activity history over the last weeks (reps of varied performance, some gone quiet), then
    a campaign assignment run and a top-up, as cron and support staff would run them."""
    say = report.note
    import random
    from datetime import timedelta

    from leadctl.services.assign import campaign_run, rollup, topup
    from leadctl.storage import bulk
    from leadctl.storage.engine import write
    from leadctl.timeutil import now
    from leadctl.vocab import ActivityOutcome as O  # noqa: N814
    from leadctl.vocab import ActivityType as T  # noqa: N814

    rng = random.Random(seed)
    at = now()
    A, C = schema.assignment, schema.client
    with engine.begin() as conn:
        held = conn.execute(
            select(A.c.id, A.c.client_id, A.c.rep_id, A.c.campaign_id)
            .where(A.c.ended_at.is_(None))
            .order_by(A.c.client_id)
        ).all()
    profile = {rid: _PROFILES[i % len(_PROFILES)] for i, rid in enumerate(sorted({r for _, _, r, _ in held}))}
    rows: list[tuple[Any, ...]] = []
    captured: list[dict[str, Any]] = []
    assigned: list[dict[str, Any]] = []
    for n, (assignment_id, client_id, rep_id, campaign_id) in enumerate(held):
        conv, book, quiet = profile[rep_id]
        # The history happened: the client was captured weeks ago (before the rep went quiet),
        # assigned minutes later, first called after a speed-to-lead delay, then touched again
        # days apart — never before its capture or its assignment, never after the rep stopped.
        last = at - timedelta(days=quiet, hours=1)
        capture = last - timedelta(days=rng.uniform(1, 21))
        start = capture + timedelta(seconds=rng.uniform(30, 900))
        captured.append({"cid": client_id, "t": capture})
        assigned.append({"aid": assignment_id, "t": start})
        when = start + timedelta(seconds=rng.expovariate(1 / 5400))
        for k in range(rng.randrange(0, 4)):
            if when > last:
                break
            outcome = O.CONVERSATION if rng.random() < conv else rng.choice((O.NO_ANSWER, O.VOICEMAIL))
            rows.append(
                (
                    f"demo-{n}-{k}",
                    client_id,
                    rep_id,
                    campaign_id,
                    T.CALL.value,
                    outcome.value,
                    when,
                    True,
                    rng.randrange(20, 600),
                    "demo",
                    "demo",
                    at,
                )
            )
            if outcome is O.CONVERSATION and rng.random() < book:
                rows.append(
                    (
                        f"demo-{n}-{k}-m",
                        client_id,
                        rep_id,
                        campaign_id,
                        T.MEETING.value,
                        O.HELD_QUALIFIED.value,
                        min(when + timedelta(days=2), last),
                        False,
                        None,
                        "demo",
                        "demo",
                        at,
                    )
                )
            when += timedelta(days=rng.uniform(0.2, 4))
    cols = [
        "activity_key",
        "client_id",
        "rep_id",
        "campaign_id",
        "type",
        "outcome",
        "at",
        "verified_dial",
        "duration_s",
        "source",
        "actor",
        "created_at",
    ]
    with write(engine) as conn:
        from sqlalchemy import bindparam, update

        if captured:
            conn.execute(
                update(C).where(C.c.id == bindparam("cid")).values(created_at=bindparam("t")), captured
            )
            conn.execute(
                update(A).where(A.c.id == bindparam("aid")).values(started_at=bindparam("t")), assigned
            )
        bulk.insert_rows(conn, schema.activity, cols, rows)
        from leadctl.services.work import facts

        facts.rebuild(conn)  # the activities went in directly: their per-client facts
        rollup.rebuild(conn)  # ranking's activity rollup follows the bulk insert
        # Clients of the reps over capacity at intake wait in the pool; hand some back too.
        quiet_rep = max(profile, key=lambda r: profile[r][2]) if profile else None
        if quiet_rep is not None:
            from leadctl.services.assign import ledger
            from leadctl.vocab import AssignmentEnd

            ids = [c for _, c, r, _ in held if r == quiet_rep][::3]
            ledger.end(conn, ids, AssignmentEnd.RETURNED_TO_POOL, actor="demo", at=at)
    say(f"Logged {len(rows)} activities over the last weeks (reps of varied performance, two gone quiet).")
    out: dict[str, Any] = {"activities": len(rows), "assign": [], "topup": None}
    for res in campaign_run.run(engine, rules, None, seed=seed, actor="demo"):
        if res.error:
            say(f"assign {res.campaign}: {res.error}")
            continue
        top = ", ".join(f"{r['rep']} {r['received']}" for r in res.reps[:3])
        say(f"assign {res.campaign}: {res.assigned} of {res.candidates} unassigned clients assigned ({top}).")
        out["assign"].append(
            {"campaign": res.campaign, "assigned": res.assigned, "not_assigned": res.not_assigned}
        )
    active_rep = REPS[2][0]  # a setter approved on the first campaign, with room to spare
    if active_rep:
        t = topup.topup(engine, rules, active_rep, CAMPAIGNS[0][0], target=150, actor="demo")
        say(f"topup {active_rep}: moved {len(t['moved'])}; {t['reason']}.")
        out["topup"] = {"rep": active_rep, "moved": len(t["moved"]), "reason": t["reason"]}
    return out


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
        .where(L.c.status == LeadStatus.DUPLICATE)
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
