"""Running the intake pipeline over many leads: batches, their order and locks, dry runs.

Batches follow registration order (``registered_at``, then id) with a keyset, so each lead is
visited once even though the run changes statuses, and the earliest registered lead of a person
is always met first. Each batch is one write transaction under the intake lock, and its leads
are locked (``FOR UPDATE`` on PostgreSQL, SQLite's write lock covers it) from the read to the
commit: a correction committed meanwhile waits, and is never overwritten by a decision taken on
the old values. After the last batch, the duplicates a later batch may have given a better
client are checked again (``Pipeline.fix_up``), which makes the result a fixed point.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine

from leadctl.reporting import Reporter
from leadctl.rules import Rules
from leadctl.services.admin.common import actor
from leadctl.services.intake.outcome import ProcessSummary
from leadctl.services.intake.processing import LEAD_COLUMNS, Pipeline
from leadctl.storage import schema
from leadctl.storage.bulk import gc_paused, rows_as_dicts
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
from leadctl.storage.sqlfunc import refresh_statistics

L = schema.lead
# Tests only: seconds to sleep between reading a batch and writing it (a fix lands meanwhile).
PAUSE_ENV = "LEADCTL_TEST_PAUSE_AFTER_READ"


class _Rollback(Exception):
    """Raised to roll back a dry run after computing everything."""


def run(
    engine: Engine,
    rules: Rules,
    filters: list[Any],
    *,
    limit: int | None,
    dry_run: bool,
    batch_size: int,
    reprocess: bool,
    report: Reporter,
) -> ProcessSummary:
    # the matcher's plan, scored by the stored model that fits these rules (dedupe train)
    from leadctl.services.dedupe.model import plan_for

    with engine.connect() as conn:
        config = plan_for(conn, rules.duplicates, report=report, leads=and_(*filters))
    summary = ProcessSummary(dry_run=dry_run)
    pipeline = Pipeline(rules, config, summary, reprocess=reprocess, who=actor())
    last: tuple[datetime, int] | None = None  # (registered_at, id) of the last lead visited
    remaining = limit
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    analyzed_at = -1  # clients created when the planner statistics were last refreshed

    def one_batch(conn: Connection) -> bool:
        nonlocal last, remaining, analyzed_at
        intake_lock(conn)
        size = batch_size if remaining is None else min(batch_size, remaining)
        if size <= 0:
            return False
        where = and_(*filters)
        if last is not None:
            at, lid = last
            where = and_(where, or_(L.c.registered_at > at, and_(L.c.registered_at == at, L.c.id > lid)))
        q = select(*LEAD_COLUMNS).where(where).order_by(L.c.registered_at, L.c.id).limit(size)
        # Locked until this batch commits (PostgreSQL; SQLite's write lock already covers it).
        leads = rows_as_dicts(conn.execute(q.with_for_update(of=L)))
        if not leads:
            return False
        if pause:
            time.sleep(pause)
        # A backlog (e.g. right after a big load): make sure the planner knows the tables' sizes,
        # and again whenever this run has grown them a lot. A small cron tick skips this.
        if analyzed_at < 0 and len(leads) == batch_size:
            refresh_statistics(conn, "lead", "client", "match_key")
            analyzed_at = summary.clients_created
        elif analyzed_at >= 0 and summary.clients_created >= max(2 * analyzed_at, analyzed_at + 5000):
            refresh_statistics(conn, "client", "match_key")
            analyzed_at = summary.clients_created
        last = (leads[-1]["registered_at"], leads[-1]["id"])
        if remaining is not None:
            remaining -= len(leads)
        with gc_paused():  # a batch is ~100k small objects without cycles: collected once, after it
            pipeline.run_batch_guarded(conn, leads)
        summary.batches += 1
        report.batch(len(leads))
        return True

    if dry_run:
        # Everything in one transaction that is rolled back: later batches see earlier ones.
        try:
            with write(engine) as conn:
                while one_batch(conn):
                    pass
                while pipeline.flagged:
                    pipeline.fix_up(conn, batch_size)
                raise _Rollback
        except _Rollback:
            pass
        return summary
    while True:
        with write(engine) as conn:
            if not one_batch(conn):
                break
    while pipeline.flagged:
        with write(engine) as conn:
            intake_lock(conn)
            pipeline.fix_up(conn, batch_size)
    return summary


def after_fix(
    conn: Connection, rules: Rules, lead_id: int, before: dict[str, Any], after: dict[str, Any]
) -> ProcessSummary:
    """Reprocess one corrected lead inside the fix's transaction (the caller holds the intake
    lock): its corrected identity reaches the client it created (``client_sync.flow_fix``), a
    duplicate is matched again, a lead the fix made invalid is rejected."""
    summary = ProcessSummary()
    from leadctl.services.dedupe.model import plan_for

    pipeline = Pipeline(rules, plan_for(conn, rules.duplicates), summary, reprocess=True, who=actor())
    pipeline.flows[lead_id] = (before, after)
    q = select(*LEAD_COLUMNS).where(L.c.id == lead_id).with_for_update(of=L)
    pipeline.run_batch_guarded(conn, rows_as_dicts(conn.execute(q)))
    while pipeline.flagged:
        pipeline.fix_up(conn, 1000)
    return summary
