"""Two leadctl processes at once (cron + a person) never give one person two clients."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from leadctl.demo import fakedata
from leadctl.storage import schema
from leadctl.storage.engine import open_engine

LEADCTL = [sys.executable, "-c", "import sys; from leadctl.cli import main; sys.exit(main())"]


def _start(db_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LEADCTL, "--db", db_url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEADCTL_ACTOR": "cron"},
    )


def _run(db_url: str, *args: str) -> None:
    p = _start(db_url, *args)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err


def _check_one_client_per_person(db_url: str, truth: dict[str, str]) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        leads = conn.execute(
            select(schema.lead.c.external_id, schema.lead.c.status, schema.lead.c.client_id)
        ).all()
        n_clients = conn.execute(select(schema.client.c.id)).all()
    assert all(status != "new" for _, status, _ in leads)
    clients_of: dict[str, set[int]] = defaultdict(set)
    for ext, _status, client_id in leads:
        if client_id is not None:
            clients_of[truth[ext]].add(client_id)
    split = {entity: ids for entity, ids in clients_of.items() if len(ids) > 1}
    assert split == {}, f"{len(split)} people got more than one client"
    processed = sum(1 for _, status, _ in leads if status == "processed")
    assert processed == len(n_clients)


def _prepare(db_url: str, tmp_path: Path, n: int) -> tuple[Path, dict[str, str]]:
    leads = fakedata.generate(n, seed=21, dup_rate=0.2)
    path = tmp_path / "leads.csv"
    fakedata.write_file(path, leads, messy_headers=True)
    truth = {p.record["external_id"]: p.entity_id for p in leads}
    _run(db_url, "campaign", "create", "C")
    _run(db_url, "bucket", "create", "web", "--campaign", "C")
    return path, truth


def test_two_process_runs_at_once(db_url: str, tmp_path: Path) -> None:
    path, truth = _prepare(db_url, tmp_path, 3000)
    _run(db_url, "load", str(path), "--bucket", "web")
    runs = [_start(db_url, "process"), _start(db_url, "process")]
    for p in runs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    _check_one_client_per_person(db_url, truth)


def test_process_while_loading(db_url: str, tmp_path: Path) -> None:
    path, truth = _prepare(db_url, tmp_path, 3000)
    load = _start(db_url, "load", str(path), "--bucket", "web")
    cron = [_start(db_url, "process") for _ in range(2)]
    for p in [load, *cron]:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    _run(db_url, "process")  # the next cron tick picks up whatever arrived meanwhile
    _check_one_client_per_person(db_url, truth)


def test_postgresql_a_fix_committed_during_a_process_batch_is_never_overwritten(
    pg_url: str, tmp_path: Path
) -> None:
    """Issue 7 item 7: the batch has read the lead; a fix to an invalid e-mail lands before the
    batch writes. The fix waits for the batch, then rejects the lead: never a processed lead with
    the fixed (invalid) e-mail and a client made from the old values."""
    import time

    from sqlalchemy import text

    _path, _truth = _prepare(pg_url, tmp_path, 0)
    rows = tmp_path / "two.csv"
    rows.write_text(
        "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone,Lead ID\n"
        "Ana,Silva,ana@acme.com,VP Sales,Acme,(415) 555-2671,A-1\n"
        "Bob,Stone,bob@globex.com,CFO,Globex,(212) 555-0143,B-1\n",
        encoding="utf-8",
    )
    _run(pg_url, "load", str(rows), "--bucket", "web")
    engine = open_engine(pg_url)
    with engine.connect() as conn:
        lead_id = conn.execute(
            select(schema.lead.c.id).where(schema.lead.c.external_id == "A-1")
        ).scalar_one()
    env = {**os.environ, "LEADCTL_ACTOR": "cron", "LEADCTL_TEST_PAUSE_AFTER_READ": "3"}
    batch = subprocess.Popen(
        [*LEADCTL, "--db", pg_url, "process"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Wait until the batch holds the intake lock (it reads its leads right after taking it).
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while not conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 714082101 AND granted"
            )
        ).scalar():
            assert time.monotonic() < deadline, "process never took the intake lock"
            time.sleep(0.05)
    time.sleep(0.5)
    fix = _start(pg_url, "leads", "fix", str(lead_id), "--set", "email=not-an-email")
    for p in (batch, fix):
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    L, C = schema.lead, schema.client
    with engine.connect() as conn:
        lead = conn.execute(select(L).where(L.c.id == lead_id)).mappings().one()
        client = conn.execute(select(C).where(C.c.origin_lead_id == lead_id)).mappings().one()
    assert lead["email"] == "not-an-email"
    assert lead["status"] == "rejected" and lead["client_id"] is None
    assert lead["reasons"] == ["email: not a valid address"]
    assert client["retired_at"] is not None  # made from the old values, then left without leads
    engine.dispose()
