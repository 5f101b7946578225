"""leadctl dedupe: cluster reports, reversible merges, evaluation against a labelled file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadctl.storage import schema
from tests.commands.test_process import ANA, ANA_AGAIN, BOB, BOB_NICK, HEADER, _leads, _setup
from tests.conftest import Leadctl

STRICT = "duplicates:\n  threshold: 0.99\n  exact_keys: []\n"


def _clients(leadctl: Leadctl) -> dict[int, dict[str, object]]:
    with leadctl.engine().connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(select(schema.client)).mappings()}


def _split_clients(leadctl: Leadctl, tmp_path: Path) -> None:
    """Process with strict rules so each duplicate became a client of its own."""
    strict = tmp_path / "strict.yaml"
    strict.write_text(STRICT, encoding="utf-8")
    _setup(leadctl, tmp_path, ANA + ANA_AGAIN + BOB + BOB_NICK)
    leadctl.rules = str(strict)
    leadctl("process")
    leadctl.rules = None
    assert len(_clients(leadctl)) == 4


def test_scan_reports_clusters_without_changing_anything(leadctl: Leadctl, tmp_path: Path) -> None:
    _split_clients(leadctl, tmp_path)
    before = _clients(leadctl)
    clusters = leadctl.json("dedupe", "scan", "--explain")
    assert len(clusters) == 2
    by_email = {c["members"][0]["email"]: c for c in clusters}
    ana = by_email["ana.silva@acme.com"]
    assert [m["survivor"] for m in ana["members"]] == [True, False]
    assert ana["rules"] == ["exact:phone"]
    assert "phone" in ana["matched_fields"]
    bob = next(c for c in clusters if c is not ana)
    assert bob["rules"] == ["fuzzy"] and bob["links"][0]["fields"]["name"] >= 0.9
    assert _clients(leadctl) == before
    assert leadctl.json("dedupe", "scan", "--threshold", "1.0") != clusters  # threshold override


def test_apply_merges_and_undo_restores_everything(leadctl: Leadctl, tmp_path: Path) -> None:
    _split_clients(leadctl, tmp_path)
    leads_before = _leads(leadctl)
    clients_before = _clients(leadctl)
    result = leadctl("dedupe", "scan", "--apply")
    assert "Merged 2 clusters: merge ids" in result.stderr
    leads = _leads(leadctl)
    assert leads["A-1"]["client_id"] == leads["A-2"]["client_id"]
    assert leads["B-1"]["client_id"] == leads["B-2"]["client_id"]
    clients = _clients(leadctl)
    merged = [c for c in clients.values() if c["merged_into_id"] is not None]
    assert len(merged) == 2 and len(clients) == 4  # nothing deleted
    survivor = clients[leads["B-1"]["client_id"]]  # type: ignore[index]
    assert survivor["mobile_phone"] == "+16465550178"  # empty field filled from the merged client
    assert leadctl.json("dedupe", "scan") == []  # nothing left to merge
    shown = leadctl.json("leads", "show", str(leads["A-2"]["id"]))
    assert shown["timeline"][-1]["kind"] == "merged"
    assert shown["timeline"][-1]["data"]["to_client"] == leads["A-1"]["client_id"]

    history = leadctl.json("dedupe", "history")
    assert [h["undone_at"] for h in history] == [None, None]
    for h in history:
        leadctl("dedupe", "undo", str(h["merge_id"]))
    assert _leads(leadctl) == leads_before
    after = _clients(leadctl)
    for cid, c in clients_before.items():
        assert {k: v for k, v in after[cid].items() if k != "updated_at"} == {
            k: v for k, v in c.items() if k != "updated_at"
        }
    again = leadctl("dedupe", "undo", str(history[0]["merge_id"]), ok=False)
    assert again.exit_code == 1 and "already undone" in again.stderr
    assert len(leadctl.json("dedupe", "scan")) == 2  # the clusters are back


def _assignments(leadctl: Leadctl) -> list[dict[str, Any]]:
    A = schema.assignment
    with leadctl.engine().connect() as conn:
        return [dict(r) for r in conn.execute(select(A).order_by(A.c.id)).mappings()]


def _client_events(leadctl: Leadctl, client_id: int) -> list[dict[str, Any]]:
    E = schema.lead_event
    with leadctl.engine().connect() as conn:
        q = select(E.c.kind, E.c.data).where(E.c.client_id == client_id).order_by(E.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def test_a_merge_ends_the_merged_clients_assignment_and_undo_restarts_it(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """One person is never kept by two reps: the merged-away client's rep lets go (ended
    ``merged``, on its timeline); undo gives it back to that same rep (rule ``restored``)."""
    _split_clients(leadctl, tmp_path)
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    leadctl("campaign", "approve", "Outbound", "ben@example.com")
    leads = _leads(leadctl)
    # A-2's client goes to Ben: the two halves of Ana are held by two reps.
    leadctl("reassign", "--to", "ben@example.com", "--client", str(leads["A-2"]["client_id"]))
    leads_before = _leads(leadctl)
    assert leads_before["A-2"]["manager"] == "ben@example.com"
    held_before = {a["client_id"]: a["rep_id"] for a in _assignments(leadctl) if a["ended_at"] is None}
    assert len(held_before) == 4

    leadctl("dedupe", "scan", "--apply")
    clients = _clients(leadctl)
    merged = {cid for cid, c in clients.items() if c["merged_into_id"] is not None}
    assert len(merged) == 2
    active = {a["client_id"]: a for a in _assignments(leadctl) if a["ended_at"] is None}
    assert set(active) == set(clients) - merged  # one rep per person
    ended = [a for a in _assignments(leadctl) if a["ended_reason"] == "merged"]
    assert sorted(a["client_id"] for a in ended) == sorted(merged)
    assert {(a["client_id"], a["rep_id"]) for a in ended} == {(c, held_before[c]) for c in merged}
    after = _leads(leadctl)
    for ext in ("A-1", "A-2", "B-1", "B-2"):  # every lead shows its survivor's rep
        assert after[ext]["client_id"] not in merged
        assert after[ext]["manager"] == "mia@example.com"
    for cid in merged:
        assert clients[cid]["manager_id"] is None
        unassigned = [e for e in _client_events(leadctl, cid) if e["kind"] == "unassigned"]
        assert unassigned[-1]["data"]["reason"] == "merged"
        assert unassigned[-1]["data"]["into_client"] == clients[cid]["merged_into_id"]

    for h in leadctl.json("dedupe", "history"):
        leadctl("dedupe", "undo", str(h["merge_id"]))
    assert _leads(leadctl) == leads_before  # managers included
    active = {a["client_id"]: a for a in _assignments(leadctl) if a["ended_at"] is None}
    assert {cid: a["rep_id"] for cid, a in active.items()} == held_before
    for cid in merged:
        assert active[cid]["rule"] == "restored"
        assert active[cid]["reason"]["merge_id"] in [h["merge_id"] for h in leadctl.json("dedupe", "history")]
        shown = leadctl.json("clients", "show", str(cid))
        assert shown["assignments"][-1]["rule"] == "restored"
        assert shown["assignments"][-2]["ended_reason"] == "merged"
        assigned = [e for e in _client_events(leadctl, cid) if e["kind"] == "assigned"]
        assert assigned[-1]["data"]["rule"] == "restored"


def test_undo_restarts_only_what_the_merge_ended(leadctl: Leadctl, tmp_path: Path) -> None:
    """A merged client that had no rep gets none back; a rep who left since gets nothing back."""
    _split_clients(leadctl, tmp_path)
    leads = _leads(leadctl)
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    leadctl("campaign", "approve", "Outbound", "ben@example.com")
    leadctl("reassign", "--to", "ben@example.com", "--client", str(leads["A-2"]["client_id"]))
    with leadctl.engine().begin() as conn:  # B-2's client: nobody holds it
        conn.execute(
            schema.assignment.update()
            .where(schema.assignment.c.client_id == leads["B-2"]["client_id"])
            .values(ended_at=schema.assignment.c.started_at, ended_reason="returned_to_pool", ended_by="t")
        )
    leadctl("dedupe", "scan", "--apply")
    leadctl("rep", "leave", "ben@example.com")
    for h in leadctl.json("dedupe", "history"):
        result = leadctl.json("dedupe", "undo", str(h["merge_id"]))
        assert result["assignments_restored"] == []
        if leads["A-2"]["client_id"] in result["restored_clients"]:
            assert result["assignments_not_restored"] == [
                {"client_id": leads["A-2"]["client_id"], "rep": "ben@example.com", "why": "rep inactive"}
            ]
        else:
            assert result["assignments_not_restored"] == []
    active = {a["client_id"] for a in _assignments(leadctl) if a["ended_at"] is None}
    assert leads["A-2"]["client_id"] not in active and leads["B-2"]["client_id"] not in active


def test_a_survivor_without_a_rep_keeps_the_merged_clients_rep_and_undo_gives_it_back(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    """The rep working the merged-away half keeps the person: a survivor nobody held inherits
    that assignment (rule ``inherited``), so cron's next ``assign`` does not hand the person to
    someone else; undo ends the inherited one (``merge_undone``) and restarts the original."""
    _split_clients(leadctl, tmp_path)
    leads = _leads(leadctl)
    leadctl("rep", "add", "ben@example.com", "--name", "Ben Ode")
    leadctl("campaign", "approve", "Outbound", "ben@example.com")
    survivor, other = leads["A-1"]["client_id"], leads["A-2"]["client_id"]
    leadctl("reassign", "--to", "ben@example.com", "--client", str(other))
    with leadctl.engine().begin() as conn:  # the survivor's assignment ended: nobody holds it
        conn.execute(
            schema.assignment.update()
            .where(schema.assignment.c.client_id == survivor)
            .values(ended_at=schema.assignment.c.started_at, ended_reason="returned_to_pool", ended_by="t")
        )
        conn.execute(schema.client.update().where(schema.client.c.id == survivor).values(manager_id=None))
    ben = next(
        a["rep_id"] for a in _assignments(leadctl) if a["client_id"] == other and a["ended_at"] is None
    )

    leadctl("dedupe", "scan", "--apply")
    active = {a["client_id"]: a for a in _assignments(leadctl) if a["ended_at"] is None}
    assert other not in active
    assert active[survivor]["rep_id"] == ben and active[survivor]["rule"] == "inherited"
    assert active[survivor]["reason"]["from_client"] == other
    after = _leads(leadctl)
    assert after["A-1"]["manager"] == after["A-2"]["manager"] == "ben@example.com"
    assigned = [e for e in _client_events(leadctl, survivor) if e["kind"] == "assigned"]
    assert assigned[-1]["data"]["rule"] == "inherited"
    shown = leadctl.json("clients", "show", str(survivor))
    assert shown["assignments"][-1]["rule"] == "inherited"

    merge_id = next(h["merge_id"] for h in leadctl.json("dedupe", "history") if h["survivor_id"] == survivor)
    result = leadctl.json("dedupe", "undo", str(merge_id))
    assert result["assignments_restored"] == [{"client_id": other, "rep": "ben@example.com"}]
    active = {a["client_id"]: a for a in _assignments(leadctl) if a["ended_at"] is None}
    assert survivor not in active  # back to nobody, as before the merge
    assert active[other]["rep_id"] == ben and active[other]["rule"] == "restored"
    inherited = [a for a in _assignments(leadctl) if a["rule"] == "inherited"]
    assert [a["ended_reason"] for a in inherited] == ["merge_undone"]
    again = _leads(leadctl)
    assert again["A-1"]["manager"] is None and again["A-2"]["manager"] == "ben@example.com"


def test_undo_unknown_merge(leadctl: Leadctl) -> None:
    result = leadctl("dedupe", "undo", "99", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: no merge 99 (see 'leadctl dedupe history')"


def test_evaluate_against_labelled_file(leadctl: Leadctl, tmp_path: Path) -> None:
    from leadctl.demo import fakedata

    leads = fakedata.generate(400, seed=11, dup_rate=0.15)
    data = tmp_path / "gen.csv"
    truth = tmp_path / "truth.csv"
    fakedata.write_file(data, leads, messy_headers=True)
    fakedata.write_truth(truth, leads)
    leadctl("campaign", "create", "C")
    leadctl("bucket", "create", "gen", "--campaign", "C")
    leadctl("load", str(data), "--bucket", "gen")
    leadctl("process")
    report = json.loads(leadctl("dedupe", "evaluate", str(truth), "--format", "json").stdout)
    assert report["labelled_rows"] == 400 and report["leads_found"] == 400
    stored = report["stored_outcome"]
    assert stored["tp"] + stored["fn"] > 0
    assert stored["f1"] >= 0.95
    by_threshold = {r["threshold"]: r for r in report["sweep"]}
    # The sweep at the configured threshold agrees with what process stored.
    assert by_threshold[0.8]["f1"] == stored["f1"]
    assert by_threshold[0.5]["recall"] >= by_threshold[0.95]["recall"]


def test_evaluate_bad_truth_file(leadctl: Leadctl, tmp_path: Path) -> None:
    bad = tmp_path / "truth.csv"
    bad.write_text("id,person\n1,2\n", encoding="utf-8")
    result = leadctl("dedupe", "evaluate", str(bad), ok=False)
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: {bad} line 1: expected columns external_id and entity_id, got id, person"
    )


# ---------------------------------------------------------------- integrity under merges (issue 7)

ROB = "Robert,Stone,rob.stone@globex.com,CFO,Globex LLC,(212) 555-0143,(917) 555-0101,B-1\n"
ROB_NICK = "Bob,Stone,bob.stone@globex.com,CFO,Globex,(646) 555-0178,(917) 555-0102,B-2\n"
# The merged client's person again, after a job change: only the e-mail identifies him.
ROB_LATER = "Bob,Stone,bob.stone@globex.com,Partner,Stone Ventures,(303) 555-0110,,B-3\n"


def _merged_pair(leadctl: Leadctl, tmp_path: Path) -> tuple[int, int]:
    """Two clients of one person (strict rules), merged by the default rules: (survivor, merged)."""
    strict = tmp_path / "strict.yaml"
    strict.write_text(STRICT, encoding="utf-8")
    _setup(leadctl, tmp_path, ROB + ROB_NICK)
    leadctl.rules = str(strict)
    leadctl("process")
    leadctl.rules = None
    leadctl("dedupe", "scan", "--apply")
    merged = [c for c in _clients(leadctl).values() if c["merged_into_id"] is not None]
    assert len(merged) == 1
    return int(merged[0]["merged_into_id"]), int(merged[0]["id"])  # type: ignore[call-overload]


def _consistent(leadctl: Leadctl) -> None:
    """Every lead's status agrees with its links."""
    L = schema.lead
    with leadctl.engine().connect() as conn:
        rows = conn.execute(select(L.c.external_id, L.c.status, L.c.client_id, L.c.duplicate_of_client_id))
        leads = {r.external_id: dict(r._mapping) for r in rows}
    for ext, lead in leads.items():
        status, cid, dup = lead["status"], lead["client_id"], lead["duplicate_of_client_id"]
        if status == "rejected" or status == "new":
            assert cid is None and dup is None, (ext, lead)
        elif status == "duplicate":
            assert cid is not None and dup == cid, (ext, lead)
        else:
            assert status == "processed" and cid is not None and dup is None, (ext, lead)


def test_a_merged_clients_exact_keys_keep_matching_to_the_survivor(leadctl: Leadctl, tmp_path: Path) -> None:
    survivor, merged = _merged_pair(leadctl, tmp_path)
    _setup(leadctl, tmp_path, ROB_LATER, bucket="late")
    summary = json.loads(leadctl("process", "--format", "json").stdout)
    assert summary["clients_created"] == 0
    later = _leads(leadctl)["B-3"]
    assert later["status"] == "duplicate" and later["client_id"] == survivor
    with leadctl.engine().connect() as conn:
        rule = conn.execute(
            select(schema.lead.c.match_rule).where(schema.lead.c.external_id == "B-3")
        ).scalar_one()
    assert rule == "exact:email"
    # Undone, the merged client's keys are its own again.
    history = leadctl.json("dedupe", "history")
    leadctl("dedupe", "undo", str(history[0]["merge_id"]))
    _setup(leadctl, tmp_path, ROB_LATER.replace("B-3", "B-4"), bucket="later")
    leadctl("process")
    assert _leads(leadctl)["B-4"]["client_id"] == merged
    _consistent(leadctl)


def test_reprocessing_the_origin_lead_of_a_merged_client_creates_no_client(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    survivor, _merged = _merged_pair(leadctl, tmp_path)
    before = _leads(leadctl)
    origin = next(lead for lead in before.values() if lead["external_id"] == "B-2")
    assert origin["client_id"] == survivor
    summary = json.loads(
        leadctl("reprocess", "--lead", str(origin["id"]), "--status", "processed", "--format", "json").stdout
    )
    assert summary["clients_created"] == 0
    assert _leads(leadctl) == before
    assert len(_clients(leadctl)) == 2


def test_undo_never_leaves_a_status_inconsistent_with_its_links(leadctl: Leadctl, tmp_path: Path) -> None:
    survivor, merged = _merged_pair(leadctl, tmp_path)
    origin = _leads(leadctl)["B-2"]
    # After the merge, the merged client's origin lead is fixed into a rejection.
    leadctl("leads", "fix", str(origin["id"]), "--set", "email=")
    leadctl("reprocess", "--lead", str(origin["id"]), "--status", "processed")
    assert _leads(leadctl)["B-2"]["status"] == "rejected"
    history = leadctl.json("dedupe", "history")
    result = leadctl.json("dedupe", "undo", str(history[0]["merge_id"]))
    assert result["leads_kept"] == [origin["id"]]  # type: ignore[index]
    leads = _leads(leadctl)
    _consistent(leadctl)
    assert leads["B-2"]["status"] == "rejected" and leads["B-2"]["client_id"] is None
    assert leads["B-1"]["client_id"] == survivor


# Two share a phone (W-1, W-2), two share an e-mail (W-2, W-3); W-3 is somebody else by name.
TRIO = (
    "Dana,Reyes,dana@initech.com,Buyer,Initech,(312) 555-0101,,W-1\n"
    "Dana,Reyes,d.reyes@initech.com,Buyer,Initech,(312) 555-0101,,W-2\n"
    "Sam,Ortiz,d.reyes@initech.com,Buyer,Initech,(312) 555-0177,,W-3\n"
)


def test_reprocess_is_a_fixed_point(leadctl: Leadctl, tmp_path: Path) -> None:
    _setup(leadctl, tmp_path, TRIO)
    leadctl("process")
    first = _leads(leadctl)
    assert first["W-2"]["status"] == "duplicate"
    leadctl("leads", "fix", str(first["W-3"]["id"]), "--set", "title=CTO")
    fixed = _leads(leadctl)
    for _ in range(2):
        summary = json.loads(leadctl("reprocess", "--bucket", "web", "--format", "json").stdout)
        assert summary["unchanged"] == summary["selected"], summary
        assert _leads(leadctl) == fixed


def test_reprocess_does_not_depend_on_visiting_order(leadctl: Leadctl, tmp_path: Path) -> None:
    """A duplicate visited before the lead that creates a better client in the same run ends up
    where a second run would put it."""
    # W-2 is a fuzzy duplicate of W-1 (same name and company, other e-mail and phone).
    # exact_key_mode decide: W-3's e-mail makes it W-2's duplicate whatever its name.
    decide = tmp_path / "decide.yaml"
    decide.write_text("duplicates:\n  exact_key_mode: decide\n", encoding="utf-8")
    leadctl.rules = str(decide)
    rows = (
        "Dana,Reyes,dana@initech.com,Buyer,Initech,(312) 555-0101,,W-1\n"
        "Dana,Reyes,d.reyes@initech.com,Buyer,Initech,(312) 555-0166,,W-2\n"
    )
    _setup(leadctl, tmp_path, rows)
    leadctl("process")
    w1 = _leads(leadctl)["W-1"]
    assert _leads(leadctl)["W-2"]["client_id"] == w1["client_id"]
    # W-3 (somebody else by name) is rejected at load, then fixed to W-2's e-mail: the next
    # reprocess visits W-2 first and only then makes W-3 a client that W-2 matches exactly.
    path = tmp_path / "late.csv"
    path.write_text(HEADER + "Sam,Ortiz,not-an-email,Buyer,Initech,(312) 555-0177,,W-3\n", encoding="utf-8")
    leadctl("load", str(path), "--bucket", "web")
    leadctl("leads", "fix", str(_leads(leadctl)["W-3"]["id"]), "--set", "email=d.reyes@initech.com")
    leadctl("reprocess", "--bucket", "web")
    once = _leads(leadctl)
    assert once["W-3"]["status"] == "processed"
    assert once["W-2"]["client_id"] == once["W-3"]["client_id"]
    summary = json.loads(leadctl("reprocess", "--bucket", "web", "--format", "json").stdout)
    assert summary["unchanged"] == summary["selected"], summary
    assert _leads(leadctl) == once
    _consistent(leadctl)


LONG_SITE = "https://www." + "a" * 230 + ".com"


@pytest.fixture
def leadctl_pg(pg_url: str) -> Leadctl:
    return Leadctl(pg_url)


def test_postgresql_keys_of_any_length(leadctl_pg: Leadctl, tmp_path: Path) -> None:
    long_mail = "x" * 220 + "@initech.com"
    rows = (
        f"Dana,Reyes,{long_mail},Buyer,Initech,(312) 555-0101,,W-1\n"
        f"Ana,Silva,ana@example.com,Buyer,{'Acme ' * 45}Inc,(415) 555-0102,,W-2\n"
        "Bob,Stone,bob@globex.com,CFO,Globex,(212) 555-0103,,W-3\n"
        f"Dana,Reyes,{long_mail},Buyer,Initech,(312) 555-0199,,W-4\n"
    )
    _setup(leadctl_pg, tmp_path, rows)
    with leadctl_pg.engine().begin() as conn:
        conn.execute(schema.lead.update().where(schema.lead.c.external_id == "W-3").values(website=LONG_SITE))
    leadctl_pg("process")
    leads = _leads(leadctl_pg)
    assert {ext: lead["status"] for ext, lead in leads.items()} == {
        "W-1": "processed",
        "W-2": "processed",
        "W-3": "processed",
        "W-4": "duplicate",
    }
    assert leads["W-4"]["client_id"] == leads["W-1"]["client_id"]  # the hashed e-mail key matches


def test_postgresql_one_bad_lead_never_holds_back_a_batch(leadctl_pg: Leadctl, tmp_path: Path) -> None:
    from sqlalchemy import text

    rows = "".join(
        f"P{i},Person,p{i}@example{i}.com,Buyer,Company {i},(312) 555-01{i:02d},,X-{i}\n" for i in range(10)
    )
    _setup(leadctl_pg, tmp_path, rows)
    # A value the database refuses when its client is written (a real PostgreSQL error).
    with leadctl_pg.engine().begin() as conn:
        conn.execute(text("ALTER TABLE client ADD CONSTRAINT refuse_p3 CHECK (email <> 'p3@example3.com')"))
    leadctl_pg("process")
    leads = _leads(leadctl_pg)
    assert leads["X-3"]["status"] == "rejected"
    assert any("could not be stored" in r for r in leads["X-3"]["reasons"])  # type: ignore[union-attr,attr-defined]
    assert all(lead["status"] == "processed" for ext, lead in leads.items() if ext != "X-3")
    _consistent(leadctl_pg)


ANA_THIRD = "Ana,Silva,ana.silva@acme.com,VP Sales,Acme,(415) 555-2671,,A-3\n"


def _proposed(leadctl: Leadctl, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Ana split in two clients; a third lead of hers matches both: process proposes the merge."""
    _split_clients(leadctl, tmp_path)
    path = tmp_path / "third.csv"
    path.write_text(HEADER + ANA_THIRD, encoding="utf-8")
    leadctl("load", str(path), "--bucket", "web")
    leadctl("process")
    return _leads(leadctl)


def test_process_proposes_merging_clients_linked_through_a_new_lead(leadctl: Leadctl, tmp_path: Path) -> None:
    leads = _proposed(leadctl, tmp_path)
    a1, a2 = leads["A-1"]["client_id"], leads["A-2"]["client_id"]
    assert a1 != a2  # process merged nothing by itself
    assert leads["A-3"]["status"] == "duplicate" and leads["A-3"]["client_id"] in (a1, a2)
    proposals = leadctl.json("dedupe", "proposals")
    assert len(proposals) == 1
    p = proposals[0]
    assert p["status"] == "open" and p["lead_id"] == leads["A-3"]["id"]
    assert p["client_ids"][0] == leads["A-3"]["client_id"] and sorted(p["client_ids"]) == sorted([a1, a2])
    assert "Ana Silva" in p["clients"]
    leadctl("reprocess", "--bucket", "web", "--status", "duplicate")  # never proposed twice
    assert len(leadctl.json("dedupe", "proposals", "--all")) == 1
    scan = leadctl("dedupe", "scan")
    assert "1 merge proposal from process awaits a decision" in scan.stderr

    before = _leads(leadctl)
    done = leadctl.json("dedupe", "apply", str(p["proposal_id"]))
    assert done[0]["status"] == "applied" and sorted(
        [done[0]["survivor_id"], *done[0]["merged_ids"]]
    ) == sorted([a1, a2])
    after = _leads(leadctl)
    assert after["A-1"]["client_id"] == after["A-2"]["client_id"] == after["A-3"]["client_id"]
    assert leadctl.json("dedupe", "proposals") == []
    shown = leadctl.json("dedupe", "proposals", "--all")[0]
    assert shown["status"] == "applied" and shown["merge_id"] == done[0]["merge_id"]
    again = leadctl("dedupe", "apply", str(p["proposal_id"]), ok=False)
    assert again.exit_code == 1 and "is applied already" in again.stderr
    leadctl("dedupe", "undo", str(done[0]["merge_id"]))  # reversible, as every merge
    assert _leads(leadctl) == before


def test_rejected_proposals_keep_clients_apart(leadctl: Leadctl, tmp_path: Path) -> None:
    leads = _proposed(leadctl, tmp_path)
    [p] = leadctl.json("dedupe", "proposals")
    assert leadctl.json("dedupe", "reject", str(p["proposal_id"]))[0]["status"] == "rejected"
    assert leadctl.json("dedupe", "proposals") == []
    leadctl("reprocess", "--bucket", "web", "--status", "duplicate")
    assert leadctl.json("dedupe", "proposals") == []  # a rejected set is not proposed again
    assert "No open merge proposals." in leadctl("dedupe", "apply", "--all").stderr
    assert _leads(leadctl)["A-1"]["client_id"] != _leads(leadctl)["A-2"]["client_id"]
    assert leadctl("dedupe", "apply", ok=False).exit_code == 2
    missing = leadctl("dedupe", "reject", "99", ok=False)
    assert missing.exit_code == 1 and "no merge proposal 99" in missing.stderr
    del leads


def test_a_proposal_whose_clients_were_merged_meanwhile_is_superseded(
    leadctl: Leadctl, tmp_path: Path
) -> None:
    _proposed(leadctl, tmp_path)
    [p] = leadctl.json("dedupe", "proposals")
    leadctl("dedupe", "scan", "--apply")  # merges Ana's two clients (and Bob's) on its own
    done = leadctl.json("dedupe", "apply", "--all")
    assert done == [{"proposal_id": p["proposal_id"], "status": "superseded", "merge_id": None}]
