"""leadctl rules diff OLD NEW: recent clients replayed through two rule sets' routing, nothing written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update

from leadctl.storage import schema
from leadctl.storage.engine import read, write
from tests.conftest import Leadctl
from tests.services.assign_factory import T0, World


def _world(leadctl: Leadctl) -> World:
    w = World(leadctl.engine())
    w.add_campaign("Outbound")
    w.add_campaign("Inbound")
    w.add_rep("ana", campaigns=["Outbound", "Inbound"], territories=["US-CA"])
    w.add_rep("ben", campaigns=["Outbound", "Inbound"], territories=["US-NY"])
    w.add_clients("Outbound", 3, country="US", state="CA")
    w.add_clients("Outbound", 2, country="US", state="NY")
    w.add_clients("Outbound", 1, country="US", state="TX")
    w.add_clients("Inbound", 4, country="US", state="CA")
    old = w.add_clients("Outbound", 5, country="US", state="CA")
    with write(w.engine) as conn:  # created long before --since: not replayed
        conn.execute(
            update(schema.client).where(schema.client.c.id.in_(old)).values(created_at=T0.replace(year=2025))
        )
    return w


def _rules(tmp_path: Path, name: str, models: str) -> str:
    path = tmp_path / name
    path.write_text(f"routing:\n  models: [{models}]\n", encoding="utf-8")
    return str(path)


def _counts(w: World) -> tuple[int, int, int]:
    with read(w.engine) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (schema.assignment, schema.routing_state, schema.lead_event)
        )


def test_diff_counts_who_would_change_rep_and_writes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    w = _world(leadctl)
    old = _rules(tmp_path, "old.yaml", "pool")
    new = _rules(tmp_path, "new.yaml", "territory, round_robin, pool")
    before = _counts(w)
    out = leadctl.json("rules", "diff", old, new, "--since", "2026-03-01", "--campaign", "Outbound")
    assert (out["clients"], out["changed"], out["unchanged"], out["campaign"]) == (6, 6, 0, "Outbound")
    moves = {(m["from_rep"], m["to_rep"], m["to_rule"]): m["clients"] for m in out["moves"]}
    assert moves == {
        ("(pool)", "ana@example.com", "territory"): 3,
        ("(pool)", "ben@example.com", "territory"): 2,
        # TX: outside both territories, so round robin (equal weights, both start level) takes it
        ("(pool)", "ana@example.com", "round_robin"): 1,
    }
    assert _counts(w) == before  # no assignment, no round-robin credit, no event

    everything = leadctl.json("rules", "diff", old, new, "--since", "2026-03-01")
    assert (everything["clients"], everything["changed"]) == (10, 10)
    same = leadctl.json("rules", "diff", new, new, "--since", "2026-03-01")
    assert (same["changed"], same["unchanged"], same["moves"]) == (0, 10, [])
    back = leadctl.json("rules", "diff", new, old, "--since", "2026-03-01", "--campaign", "Outbound")
    assert {(m["from_rep"], m["to_rep"]) for m in back["moves"]} == {
        ("ana@example.com", "(pool)"),
        ("ben@example.com", "(pool)"),
    }


def test_diff_table_and_bad_input(leadctl: Leadctl, tmp_path: Path) -> None:
    _world(leadctl)
    old = _rules(tmp_path, "old.yaml", "pool")
    new = _rules(tmp_path, "new.yaml", "territory, pool")
    table = leadctl("rules", "diff", old, new, "--since", "2026-03-01")
    assert "10 clients replayed: 9 would change rep, 1 would not" in table.stderr
    assert "ana@example.com" in table.stdout and "territory" in table.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("routing:\n  models: [teleport]\n", encoding="utf-8")
    failed = leadctl("rules", "diff", old, str(bad), ok=False)
    assert failed.exit_code == 1 and str(bad) in failed.stderr and "line 2" in failed.stderr
    usage = leadctl("rules", "diff", old, new, "--since", "someday", ok=False)
    assert usage.exit_code == 2
