"""Issue 7 "Done when": a storm of real leadctl processes at once — loads, process, reprocess,
`leads fix`, `dedupe scan --apply` and `dedupe undo` — leaves a consistent database.

Afterwards (and after one final `process`): no person has two active clients, every lead's
status agrees with its links, every link points to an active client, no active client is an
orphan, no lead is left `new`, and every command exited 0 or with a one-line error.

The fake leads arrive as daily exports do (three files in registration order, one loaded twice).
Two people were split on purpose before the storm (processed under strict rules), so that
`dedupe scan --apply` has real merges to make and `dedupe undo` real merges to undo; whether
they end merged or split depends on which ran last, so only their consistency is checked.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadctl.demo import fakedata
from leadctl.storage import schema
from leadctl.storage.engine import open_engine

LEADCTL = [sys.executable, "-c", "import sys; from leadctl.cli import main; sys.exit(main())"]
SECONDS = 25  # how long the storm blows; each worker starts its last command before then


class Runner:
    """Runs leadctl commands as real processes and keeps every result for the final check."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.results: list[tuple[list[str], int, str]] = []
        self.lock = threading.Lock()

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LEADCTL_ACTOR": "storm", "LEADCTL_BUSY_TIMEOUT_MS": "15000"}
        p = subprocess.run(
            [*LEADCTL, "--db", self.db_url, *args], capture_output=True, text=True, env=env, timeout=180
        )
        with self.lock:
            self.results.append((list(args), p.returncode, p.stderr))
        return p

    def json(self, *args: str) -> Any:
        p = self(*args, "--format", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None


def _files(tmp_path: Path) -> tuple[list[Path], dict[str, str], dict[str, str]]:
    leads = fakedata.generate(450, seed=77, dup_rate=0.3, invalid_rate=0.05)
    truth = {p.record["external_id"]: p.entity_id for p in leads}
    emails = {p.record["external_id"]: p.record["email"] for p in leads}
    paths = []
    for i in range(3):
        path = tmp_path / f"part{i}.csv"
        fakedata.write_file(path, leads[i * 150 : (i + 1) * 150], messy_headers=True, seed=i)
        paths.append(path)
    return paths, truth, emails


SPLIT = (
    "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone,Mobile,Lead ID\n"
    "Ana,Silva,ana.silva@acme.com,VP Sales,Acme Inc,(415) 555-2671,,SEED-A1\n"
    "ana,SILVA,ana@acme-corp.com,VP of Sales,ACME,415.555.2671,,SEED-A2\n"
    "Robert,Stone,rob.stone@globex.com,CFO,Globex LLC,(212) 555-0143,,SEED-B1\n"
    "Bob,Stone,bob.stone@globex.com,Chief Financial Officer,Globex,,+1 646 555 0178,SEED-B2\n"
)
SEEDS = {"SEED-A1": "seed-ana", "SEED-A2": "seed-ana", "SEED-B1": "seed-bob", "SEED-B2": "seed-bob"}


def _split_people(run: Runner, tmp_path: Path) -> None:
    path, strict = tmp_path / "split.csv", tmp_path / "strict.yaml"
    path.write_text(SPLIT, encoding="utf-8")
    strict.write_text("duplicates:\n  threshold: 0.99\n  exact_keys: []\n", encoding="utf-8")
    assert run("bucket", "create", "seed", "--campaign", "C").returncode == 0
    assert run("load", str(path), "--bucket", "seed").returncode == 0
    assert run("--rules", str(strict), "process").returncode == 0


def _lead_ids(db_url: str) -> list[tuple[int, str, str]]:
    L = schema.lead
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(L.c.id, L.c.external_id, L.c.status))]  # type: ignore[misc]
    finally:
        engine.dispose()


def _storm(run: Runner, paths: list[Path], emails: dict[str, str]) -> None:
    stop_at = time.monotonic() + SECONDS
    rng = random.Random(11)

    def loader() -> None:
        for path, bucket in ((paths[0], "web"), (paths[1], "partner"), (paths[2], "web"), (paths[0], "web")):
            run("load", str(path), "--bucket", bucket)

    def processor() -> None:
        while time.monotonic() < stop_at:
            run("process", "--batch-size", str(rng.choice((17, 60, 5000))))

    def reprocessor() -> None:
        while time.monotonic() < stop_at:
            bucket = rng.choice(("web", "partner"))
            statuses = rng.choice(("rejected,duplicate,new", "new,rejected,duplicate,processed"))
            run(
                "reprocess",
                "--bucket",
                bucket,
                "--status",
                statuses,
                "--batch-size",
                str(rng.choice((9, 5000))),
            )

    def fixer() -> None:
        broken: list[tuple[int, str]] = []
        while time.monotonic() < stop_at:
            leads = [(i, e, s) for i, e, s in _lead_ids(run.db_url) if e in emails]
            origins = [(i, e) for i, e, s in leads if s == "processed"]
            valid = [(i, e) for i, e, s in leads if s in ("processed", "duplicate")]
            if broken and (not origins or rng.random() < 0.5):
                lead_id, ext = broken.pop()
                run("leads", "fix", str(lead_id), "--set", f"email={emails[ext]}")  # back to valid
                run("reprocess", "--lead", str(lead_id))
            elif origins and rng.random() < 0.5:
                lead_id, ext = rng.choice(origins)
                run("leads", "fix", str(lead_id), "--set", "email=")  # rejected now: its client may retire
                broken.append((lead_id, ext))
            elif valid:
                lead_id, _ext = rng.choice(valid)
                run("leads", "fix", str(lead_id), "--set", f"title=Storm {rng.randrange(100)}")
            else:
                time.sleep(0.3)

    def deduper() -> None:
        while time.monotonic() < stop_at:
            run("dedupe", "scan", "--apply")
            history = run.json("dedupe", "history") or []
            open_merges = [h["merge_id"] for h in history if h["undone_at"] is None]
            if open_merges:
                run("dedupe", "undo", str(rng.choice(open_merges)))

    workers = [threading.Thread(target=f) for f in (loader, processor, reprocessor, fixer, deduper)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _check(db_url: str, truth: dict[str, str]) -> None:
    L, C = schema.lead, schema.client
    engine = open_engine(db_url)
    with engine.connect() as conn:
        leads = conn.execute(
            select(L.c.id, L.c.external_id, L.c.status, L.c.client_id, L.c.duplicate_of_client_id)
        ).all()
        clients = {
            r.id: r
            for r in conn.execute(select(C.c.id, C.c.merged_into_id, C.c.retired_at, C.c.origin_lead_id))
        }
    engine.dispose()
    active = {cid for cid, c in clients.items() if c.merged_into_id is None and c.retired_at is None}
    clients_of: dict[str, set[int]] = defaultdict(set)
    linked: set[int] = set()
    for lead_id, ext, status, cid, dup in leads:
        assert status != "new", f"lead {lead_id} stuck new"
        if status == "rejected":
            assert cid is None and dup is None, (lead_id, status, cid, dup)
        elif status == "duplicate":
            assert cid is not None and dup == cid, (lead_id, status, cid, dup)
        else:
            assert cid is not None and dup is None, (lead_id, status, cid, dup)
        if cid is not None:
            assert cid in active, f"lead {lead_id} links to client {cid}, which is not active"
            clients_of[truth[ext]].add(cid)
            linked.add(cid)
    split = {
        person: ids for person, ids in clients_of.items() if len(ids) > 1 and not person.startswith("seed-")
    }
    assert split == {}, f"{len(split)} people have more than one active client: {list(split.items())[:3]}"
    assert active - linked == set(), "active clients without any lead (orphans)"


def _one_line_errors(results: list[tuple[list[str], int, str]]) -> None:
    assert results
    for args, code, err in results:
        if code == 0:
            continue
        lines = [line for line in err.strip().splitlines() if line.strip()]
        assert code == 1 and lines and lines[-1].startswith("Error: "), (args, code, err)
        assert "Traceback" not in err, (args, err)
        assert len([line for line in lines if line.startswith("Error:")]) == 1, (args, err)


def test_storm_of_concurrent_commands_leaves_a_consistent_database(db_url: str, tmp_path: Path) -> None:
    run = Runner(db_url)
    paths, truth, emails = _files(tmp_path)
    for args in (("campaign", "create", "C"), ("bucket", "create", "web", "--campaign", "C")):
        assert run(*args).returncode == 0
    assert run("bucket", "create", "partner", "--campaign", "C").returncode == 0
    _split_people(run, tmp_path)
    started = time.monotonic()
    _storm(run, paths, emails)
    assert run("process").returncode == 0
    took = time.monotonic() - started
    _one_line_errors(run.results)
    _check(db_url, {**truth, **SEEDS})
    kinds = {
        args[0] if args[0] != "dedupe" else f"dedupe {args[1]}" for args, code, _ in run.results if code == 0
    }
    assert {"load", "process", "reprocess", "leads", "dedupe scan", "dedupe undo"} <= kinds, kinds
    assert took < 120, f"the storm took {took:.0f} s"
