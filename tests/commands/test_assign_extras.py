"""`metrics assignment` (fairness ledger) and `rules lint`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Leadctl
from tests.services.assign_factory import World


def test_metrics_assignment_and_rules_lint(leadctl: Leadctl, tmp_path: Path) -> None:
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_rep("ana", campaigns=["Outbound"], territories=["US"])
    w.add_rep("ben", campaigns=["Outbound"], territories=["US"])
    w.add_campaign("Lonely")
    w.add_clients("Outbound", 20)
    leadctl("assign", "--campaign", "Outbound", "--seed", "3")
    rows = leadctl.json("metrics", "assignment", "--since", "1d")
    assert sum(r["received"] for r in rows) == 18  # type: ignore[union-attr, index]
    assert {r["rep"] for r in rows} == {"ana@example.com", "ben@example.com"}  # type: ignore[union-attr, index]
    assert all(r["avg_rank"] in (1, 2) and r["runs"] == 1 for r in rows)  # type: ignore[union-attr, index]
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "routing:\n  models: [pool, round_robin]\n  weights: {nobody@example.com: 2}\n", encoding="utf-8"
    )
    leadctl.rules = str(rules)
    r = leadctl("rules", "lint", ok=False)
    assert r.exit_code == 1
    assert "unreachable after pool" in r.stdout and "nobody@example.com" in r.stdout
    assert "campaign Lonely" in r.stdout and "territory geo:us overlaps" in r.stdout
