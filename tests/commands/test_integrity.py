"""Issue 7 (items 4–6) and issue 8 ("which lead becomes the client"): reprocess is a fixed point
across batches, fixes reach clients, orphan clients retire, the earliest registered lead wins."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadctl.demo import fakedata
from leadctl.storage import schema
from tests.commands.test_dedupe import TRIO, _consistent, _merged_pair
from tests.commands.test_process import ANA, HEADER, _leads, _setup
from tests.conftest import Leadctl

ALL = "new,rejected,duplicate,processed"


def _links(leadctl: Leadctl) -> dict[str, tuple[str, str | None]]:
    """external id -> (status, external id of the lead that created its client)."""
    L, C = schema.lead, schema.client
    with leadctl.engine().connect() as conn:
        origin = {cid: lid for cid, lid in conn.execute(select(C.c.id, C.c.origin_lead_id))}
        rows = conn.execute(select(L.c.id, L.c.external_id, L.c.status, L.c.client_id)).all()
    ext = {lid: e for lid, e, _s, _c in rows}
    return {e: (s, ext.get(origin.get(c)) if c is not None else None) for _lid, e, s, c in rows}


def _summary(leadctl: Leadctl, *args: str) -> dict[str, Any]:
    return dict(json.loads(leadctl(*args, "--format", "json").stdout))


# ------------------------------------------------------------------ item 4 across batches


def test_trio_is_a_fixed_point_with_one_lead_per_batch(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, TRIO)
    leadctl("process", "--batch-size", "1")
    first = _leads(leadctl)
    assert first["W-2"]["status"] == "duplicate"
    leadctl("leads", "fix", str(first["W-3"]["id"]), "--set", "title=CTO")
    fixed = _leads(leadctl)
    for size in ("1", "2", "5000"):
        summary = _summary(leadctl, "reprocess", "--bucket", "web", "--status", ALL, "--batch-size", size)
        assert summary["unchanged"] == summary["selected"] == 3, summary
        assert _leads(leadctl) == fixed


def test_a_better_client_created_in_a_later_batch_is_found_in_the_same_run(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """W-2 is a fuzzy duplicate of W-1; W-3, fixed to W-2's e-mail, becomes a client in the next
    batch: W-2 must move to it in this run, not in the next one."""
    # exact_key_mode decide: W-3's e-mail makes W-2 its duplicate whatever the names (by default
    # a shared e-mail with names that disagree is evidence, not a verdict: issue 12).
    decide = tmp_path / "decide.yaml"
    decide.write_text("duplicates:\n  exact_key_mode: decide\n", encoding="utf-8")
    leadctl.rules = str(decide)
    rows = (
        "Dana,Reyes,dana@initech.com,Buyer,Initech,(312) 555-0101,,W-1\n"
        "Dana,Reyes,d.reyes@initech.com,Buyer,Initech,(312) 555-0166,,W-2\n"
    )
    _setup(leadctl, tmp_path, rows)
    leadctl("process")
    path = tmp_path / "late.csv"
    path.write_text(HEADER + "Sam,Ortiz,not-an-email,Buyer,Initech,(312) 555-0177,,W-3\n", encoding="utf-8")
    leadctl("load", str(path), "--bucket", "web")
    leadctl("leads", "fix", str(_leads(leadctl)["W-3"]["id"]), "--set", "email=d.reyes@initech.com")
    first = _summary(leadctl, "reprocess", "--bucket", "web", "--batch-size", "1")
    assert first["selected"] == 2 and first["processed"] == 1 and first["duplicate"] == 1, first
    once = _leads(leadctl)
    assert once["W-2"]["client_id"] == once["W-3"]["client_id"]
    assert once["W-2"]["duplicate_of"] == f"client:{once['W-3']['client_id']}"
    again = _summary(leadctl, "reprocess", "--bucket", "web", "--batch-size", "1")
    assert again["unchanged"] == again["selected"], again
    assert _leads(leadctl) == once
    _consistent(leadctl)


def _random_file(tmp_path: Path, n: int, seed: int) -> Path:
    """Fake leads with duplicates and invalid rows, written in shuffled order (the file's order
    is not the registration order)."""
    leads = fakedata.generate(n, seed=seed, dup_rate=0.35, invalid_rate=0.1, hard_rate=0.3)
    random.Random(seed).shuffle(leads)
    path = tmp_path / f"random-{seed}.csv"
    fakedata.write_file(path, leads, messy_headers=True)
    return path


def _prepare(leadctl: Leadctl, path: Path) -> None:
    leadctl("campaign", "create", "C")
    leadctl("bucket", "create", "web", "--campaign", "C")
    leadctl("load", str(path), "--bucket", "web")


def test_random_leads_give_the_same_links_whatever_the_batch_size(leadctl: Leadctl, tmp_path: Path) -> None:
    path = _random_file(tmp_path, 240, seed=7)
    reference = Leadctl(f"sqlite:///{tmp_path / 'reference.db'}")
    _prepare(reference, path)
    reference("process")
    expected = _links(reference)
    assert {s for s, _ in expected.values()} == {"processed", "duplicate", "rejected"}

    _prepare(leadctl, path)
    leadctl("process", "--batch-size", "7")
    assert _links(leadctl) == expected
    for size in ("1", "13", "5000"):
        summary = _summary(leadctl, "reprocess", "--bucket", "web", "--status", ALL, "--batch-size", size)
        assert summary["unchanged"] == summary["selected"] == 240, summary
    assert _links(leadctl) == expected
    _consistent(leadctl)


# ------------------------------------------------------------------ item 7 (issue 8): the earliest registered


def test_the_earliest_registered_lead_of_a_person_becomes_the_client(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    leadctl("campaign", "create", "C")
    leadctl("bucket", "create", "web", "--campaign", "C", "--affiliate-id", "AFF-WEB")
    path = tmp_path / "two.csv"
    path.write_text(
        "First Name,Last Name,E-mail,Job Title,Company Name,Business Phone,Lead ID,Created Date,Affiliate\n"
        "Ana,Silva,ana@acme.com,VP Sales,Acme,(415) 555-2671,LATE,2026-11-20T10:00:00Z,AFF-LATE\n"
        "Ana,Silva,ana@acme.com,VP Sales,Acme,(415) 555-2671,EARLY,2026-11-02T09:00:00Z,AFF-EARLY\n",
        encoding="utf-8",
    )
    leadctl("load", str(path), "--bucket", "web")
    for size in ("1", "5000"):
        dry = _summary(leadctl, "process", "--dry-run", "--batch-size", size)
        assert (dry["processed"], dry["duplicate"]) == (1, 1)
    leadctl("process", "--batch-size", "1")
    leads = _leads(leadctl)
    assert leads["EARLY"]["status"] == "processed"
    assert leads["LATE"]["status"] == "duplicate"
    assert leads["LATE"]["client_id"] == leads["EARLY"]["client_id"]
    client = leadctl.json("clients", "show", str(leads["EARLY"]["client_id"]))
    assert client["affiliate_id"] == "AFF-EARLY"


# ------------------------------------------------------------------ item 5: a fix reaches the client


def _client_row(leadctl: Leadctl, client_id: int) -> dict[str, Any]:
    with leadctl.engine().connect() as conn:
        row = conn.execute(select(schema.client).where(schema.client.c.id == client_id)).mappings().one()
    return dict(row)


def _client_events(leadctl: Leadctl, client_id: int) -> list[dict[str, Any]]:
    E = schema.lead_event
    with leadctl.engine().connect() as conn:
        q = select(E.c.kind, E.c.data).where(E.c.client_id == client_id).order_by(E.c.id)
        return [{"kind": k, "data": d} for k, d in conn.execute(q)]


def test_a_fixed_identity_flows_to_the_client_and_its_keys(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA)
    leadctl("process")
    ana = _leads(leadctl)["A-1"]
    result = leadctl("leads", "fix", str(ana["id"]), "--set", "email=ana@newcorp.com")
    assert "reprocessed with the fix: it is processed now" in result.stderr
    leadctl("leads", "fix", str(ana["id"]), "--set", "business_phone=(617) 555-0123")
    client = _client_row(leadctl, ana["client_id"])
    assert (client["email"], client["business_phone"]) == ("ana@newcorp.com", "+16175550123")
    updated = [e for e in _client_events(leadctl, ana["client_id"]) if e["kind"] == "client_updated"]
    assert updated[0]["data"] == {
        "lead_id": ana["id"],
        "before": {"email": "ana.silva@acme.com"},
        "after": {"email": "ana@newcorp.com"},
    }
    # A reprocess has nothing left to do, and a later row with the new e-mail and phone joins.
    summary = _summary(leadctl, "reprocess", "--lead", str(ana["id"]), "--status", "processed")
    assert summary["unchanged"] == 1
    _setup(
        leadctl, tmp_path, "Ana,Silva,ana@newcorp.com,VP Sales,NewCorp,(617) 555-0123,,A-9\n", bucket="late"
    )
    assert _summary(leadctl, "process")["clients_created"] == 0
    assert _leads(leadctl)["A-9"]["client_id"] == ana["client_id"]
    _consistent(leadctl)


def test_a_fixed_duplicate_is_matched_again(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, TRIO)
    leadctl("process")
    leads = _leads(leadctl)
    assert leads["W-2"]["client_id"] == leads["W-1"]["client_id"]
    # W-2 was somebody else all along: with its own e-mail and phone it becomes a client.
    leadctl(
        "leads",
        "fix",
        str(leads["W-2"]["id"]),
        "--set",
        "email=kim@umbrella.com",
        "--set",
        "business_phone=(503) 555-0190",
        "--set",
        "first_name=Kim",
        "--set",
        "last_name=Lee",
        "--set",
        "company=Umbrella",
    )
    after = _leads(leadctl)["W-2"]
    assert after["status"] == "processed" and after["client_id"] not in {
        leads["W-1"]["client_id"],
        leads["W-3"]["client_id"],
    }
    assert _client_row(leadctl, leads["W-1"]["client_id"])["email"] == "dana@initech.com"  # untouched
    _consistent(leadctl)


# ------------------------------------------------------------------ item 6: orphan clients retire


def test_a_client_whose_only_lead_is_rejected_retires(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, ANA)
    leadctl("process")
    ana = _leads(leadctl)["A-1"]
    cid = ana["client_id"]
    assert leadctl.json("clients", "list", "--limit", "0")[0]["rep"] == "mia@example.com"
    result = leadctl("leads", "fix", str(ana["id"]), "--set", "email=")
    assert "it is rejected now" in result.stderr
    assert _leads(leadctl)["A-1"]["status"] == "rejected"
    assert leadctl.json("clients", "list", "--limit", "0") == []
    client = _client_row(leadctl, cid)
    assert client["retired_at"] is not None and client["manager_id"] is None
    kinds = [e["kind"] for e in _client_events(leadctl, cid)]
    assert kinds[-2:] == ["unassigned", "retired"]
    with leadctl.engine().connect() as conn:
        keys = conn.execute(select(schema.match_key).where(schema.match_key.c.client_id == cid)).all()
    assert keys == []
    # Fixed back, the lead takes its own client back instead of making another ...
    leadctl("leads", "fix", str(ana["id"]), "--set", "email=ana.silva@acme.com")
    summary = _summary(leadctl, "reprocess", "--lead", str(ana["id"]))
    assert summary["clients_created"] == 0 and summary["processed"] == 1
    assert _leads(leadctl)["A-1"]["client_id"] == cid
    assert _client_row(leadctl, cid)["retired_at"] is None
    assert [e["kind"] for e in _client_events(leadctl, cid)][-1] == "client_updated"
    # ... but a retired client absorbs nothing: the person arriving again is a new client, and
    # the first lead, fixed back once more, joins that one (never two clients for one person).
    leadctl("leads", "fix", str(ana["id"]), "--set", "email=")
    _setup(
        leadctl, tmp_path, "Ana,Silva,ana.silva@acme.com,VP Sales,Acme Inc,(415) 555-2671,,A-2\n", bucket="b2"
    )
    leadctl("process")
    again = _leads(leadctl)["A-2"]
    assert again["status"] == "processed" and again["client_id"] != cid
    leadctl("leads", "fix", str(ana["id"]), "--set", "email=ana.silva@acme.com")
    leadctl("reprocess", "--lead", str(ana["id"]))
    back = _leads(leadctl)["A-1"]
    assert back["status"] == "duplicate" and back["client_id"] == again["client_id"]
    assert _client_row(leadctl, cid)["retired_at"] is not None
    _consistent(leadctl)


def test_a_client_keeps_its_duplicates_when_its_origin_lead_is_rejected(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    _setup(leadctl, tmp_path, TRIO)
    leadctl("process")
    leads = _leads(leadctl)
    cid = leads["W-1"]["client_id"]
    leadctl("leads", "fix", str(leads["W-1"]["id"]), "--set", "email=")
    now = _leads(leadctl)
    assert now["W-1"]["status"] == "rejected" and now["W-1"]["client_id"] is None
    assert now["W-2"]["client_id"] == cid and now["W-2"]["status"] == "duplicate"
    assert _client_row(leadctl, cid)["retired_at"] is None
    assert cid in {c["id"] for c in leadctl.json("clients", "list", "--limit", "0")}
    summary = _summary(leadctl, "reprocess", "--bucket", "web", "--status", ALL)
    assert summary["unchanged"] == summary["selected"], summary
    # Once its last duplicate moves away too, it retires.
    leadctl(
        "leads", "fix", str(leads["W-2"]["id"]), "--set", "business_phone=(503) 555-0190", "--set", "email="
    )
    assert _client_row(leadctl, cid)["retired_at"] is not None
    _consistent(leadctl)


def test_undo_retires_a_client_it_gives_back_no_lead(leadctl: Leadctl, tmp_path: Path) -> None:
    _survivor, merged = _merged_pair(leadctl, tmp_path)
    origin = _leads(leadctl)["B-2"]
    leadctl("leads", "fix", str(origin["id"]), "--set", "email=")  # rejected since the merge
    history = leadctl.json("dedupe", "history")
    leadctl("dedupe", "undo", str(history[0]["merge_id"]))
    assert _client_row(leadctl, merged)["retired_at"] is not None
    assert merged not in {c["id"] for c in leadctl.json("clients", "list", "--limit", "0")}
    _consistent(leadctl)
