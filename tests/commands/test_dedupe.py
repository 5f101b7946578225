"""leadctl dedupe: cluster reports, reversible merges, evaluation against a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from leadctl.storage import schema
from tests.commands.test_process import ANA, ANA_AGAIN, BOB, BOB_NICK, _leads, _setup
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
    assert "Merged 2 cluster(s)" in result.stderr
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
