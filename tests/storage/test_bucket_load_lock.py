"""Deactivating a bucket and loading into it serialise on the bucket (issue 7 item 8).

A real second connection plays the load in progress: it holds the bucket's load lock and
has inserted a lead, not yet committed. Deactivation must wait for it and then count that
lead; a load that waited for a deactivation must re-check and refuse.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update

from leadctl.services.admin import buckets
from leadctl.storage import engine as engine_mod
from leadctl.storage import locks, schema
from leadctl.storage.types import utcnow
from tests.commands.leads_fixtures import seed_leads
from tests.conftest import Leadctl


def _in_thread(fn: Any, *args: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn(*args))
        except Exception as exc:  # handed to the test
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_deactivation_waits_for_a_load_in_progress_and_counts_its_leads(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    seeded = seed_leads(engine)
    bucket_id = seeded.bucket["webinar"]
    before = buckets.show(engine, "webinar")["leads"]
    loader = engine_mod.create(db_url)
    with engine_mod.write(loader) as conn:
        locks.bucket_load_lock(conn, bucket_id)
        now = utcnow()
        conn.execute(
            insert(schema.lead).values(
                bucket_id=bucket_id,
                campaign_id=seeded.campaign["Outbound Q1"],
                row_hash="in-flight",
                status="new",
                reasons=[],
                registered_at=now,
                custom={},
                raw={},
                created_at=now,
                updated_at=now,
            )
        )
        t, out = _in_thread(buckets.set_active, engine_mod.create(db_url), "webinar", False)
        time.sleep(0.8)
        assert out == [], "deactivation finished while a load into the bucket was in progress"
    t.join(20)
    assert len(out) == 1 and not isinstance(out[0], Exception), out
    assert out[0]["active"] is False
    assert out[0]["leads"] == before + 1  # the load's lead is counted, not "0 kept"


def test_a_load_that_waited_for_a_deactivation_refuses(db_url: str, tmp_path: Path) -> None:
    leadctl = Leadctl(db_url)
    leadctl("campaign", "create", "C")
    leadctl("bucket", "create", "web", "--campaign", "C")
    csv = tmp_path / "leads.csv"
    csv.write_text("email,first_name\nana@example.com,Ana\n", encoding="utf-8")
    engine = engine_mod.open_engine(db_url)
    with engine_mod.write(engine_mod.create(db_url)) as conn:  # a deactivation in progress
        bucket_id = conn.execute(text("SELECT id FROM bucket WHERE name = 'web'")).scalar_one()
        locks.bucket_load_lock(conn, bucket_id)
        conn.execute(update(schema.bucket).where(schema.bucket.c.id == bucket_id).values(active=False))
        t, out = _in_thread(lambda: leadctl("load", str(csv), "--bucket", "web", ok=False))
        time.sleep(0.8)
    t.join(30)
    result = out[0]
    assert result.exit_code == 1, result.stdout
    assert "deactivated and accepts no new leads" in result.stderr
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM lead")).scalar() == 0
