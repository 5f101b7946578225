"""The issue-12 flow on both backends: a rules file of typed fields and field blocking,
`load --mapping` → `dedupe train` → `process` → `leads list` (client_id is the cluster)."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.data_persons import persons
from leadctl.services.dedupe.evaluation import pairwise_metrics
from tests.conftest import Leadctl

RULES = """\
validation: {required_fields: [], phone_required: none, check_phone_numbers: false}
duplicates:
  exact_keys: []
  fields:
    name: {compare: name}
    date_of_birth: {compare: date}
    street_number: {compare: number}
    address_1: {compare: address}
    address_2: {compare: text}
    city: {compare: text}
    postcode: {compare: postcode}
    state: {compare: exact}
  blocking: [[first_name, last_name], [date_of_birth], [postcode, street_number], [postcode, last_name], [city, address_1]]
"""
MAPPING = """\
rec_id: external_id
first_name: first_name
last_name: last_name
date_of_birth: custom
street_number: custom
address_1: custom
address_2: custom
city: city
postcode: custom
state: state
"""


def _files(tmp_path: Path, n: int) -> tuple[Path, Path, dict[str, str]]:
    rows, truth = persons(n, seed=11)
    data = tmp_path / "people.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping, truth


def test_train_then_process_clusters_person_records(leadctl: Leadctl, tmp_path: Path) -> None:
    data, mapping, truth = _files(tmp_path, 1200)
    leadctl.rules = str(tmp_path / "rules.yaml")
    leadctl("rules", "validate", leadctl.rules)
    leadctl("campaign", "create", "People")
    leadctl("bucket", "create", "people", "--campaign", "People")
    leadctl("load", str(data), "--bucket", "people", "--mapping", str(mapping))
    assert "no trained duplicate model" in leadctl("dedupe", "model", ok=False).stderr

    summary = leadctl.json("dedupe", "train")
    assert summary["records"] == 1200 and summary["pairs"] > 0
    model = leadctl.json("dedupe", "model")
    assert model["in_force"] and model["records"] == 1200
    levels = {(r["field"], r["agreement"]): r for r in model["fields"]}
    assert {f for f, _ in levels} == {
        "name", "date_of_birth", "street_number", "address_1", "address_2", "city", "postcode", "state",
    }  # fmt: skip
    assert levels[("date_of_birth", "same")]["weight"] > 5 > levels[("date_of_birth", "else")]["weight"]
    assert 0 < levels[("postcode", "same")]["u"] < 0.01

    leadctl("process")
    leads = leadctl.json("leads", "list", "--limit", "0", "--all-managers")
    predicted = {lead["external_id"]: lead["client_id"] for lead in leads}
    metrics = pairwise_metrics(predicted, truth)
    assert metrics["f1"] >= 0.97, metrics
    assert metrics["precision"] >= 0.98, metrics


def test_switched_off_and_unknown_fields(leadctl: Leadctl, tmp_path: Path) -> None:
    """`name: {weight: 0}` switches name off (no inherited min/required zeroes the scores), and a
    misspelled field is reported at train, naming it and the columns present."""
    data, mapping, _truth = _files(tmp_path, 200)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        RULES.replace("name: {compare: name}", "name: {weight: 0}").replace(
            "postcode: {compare: postcode}", "postcod: {compare: postcode}"
        ),
        encoding="utf-8",
    )
    leadctl.rules = str(rules)
    leadctl("campaign", "create", "People")
    leadctl("bucket", "create", "people", "--campaign", "People")
    leadctl("load", str(data), "--bucket", "people", "--mapping", str(mapping))
    result = leadctl("dedupe", "train")
    assert "'postcod' matches no column" in result.stderr and "postcode" in result.stderr
    fields = {r["field"] for r in leadctl.json("dedupe", "model")["fields"]}
    assert "name" not in fields
    summary = leadctl.json("process")
    assert summary["duplicate"] > 0  # the other fields still find duplicates


def test_a_model_trained_with_other_levels_is_not_used(leadctl: Leadctl, tmp_path: Path) -> None:
    """A model stored before a comparator gained a level (address: 'close street, other number')
    is never read with shifted levels: it is out of force until retrained, and process says so."""
    from sqlalchemy import select, update

    from leadctl.storage import schema

    data, mapping, _truth = _files(tmp_path, 200)
    leadctl.rules = str(tmp_path / "rules.yaml")
    leadctl("campaign", "create", "People")
    leadctl("bucket", "create", "people", "--campaign", "People")
    leadctl("load", str(data), "--bucket", "people", "--mapping", str(mapping))
    leadctl("dedupe", "train")
    assert leadctl.json("dedupe", "model")["in_force"]
    M = schema.match_model
    with leadctl.engine().begin() as conn:
        mid, params = conn.execute(select(M.c.id, M.c.params)).one()
        for f in params["fields"]:
            if f["compare"] == "address":  # as stored by a leadctl with five address levels
                f["m"], f["u"] = f["m"][:5], f["u"][:5]
        conn.execute(update(M).where(M.c.id == mid).values(params=params))
    assert not leadctl.json("dedupe", "model")["in_force"]
    result = leadctl("process")
    assert f"duplicate model {mid} was trained with other comparison levels" in result.stderr
    leadctl("dedupe", "train")
    assert leadctl.json("dedupe", "model")["in_force"]
