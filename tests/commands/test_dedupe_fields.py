"""Field names in the duplicate rules that match no column of the data are reported: at
`process` and `train` (the leads in scope) and at `rules validate` (the stored loads or a
mapping file), each naming the field and the columns present."""

from __future__ import annotations

from pathlib import Path

from tests.commands.test_dedupe_train import RULES, _files
from tests.conftest import Leadctl

TYPO = RULES.replace("postcode: {compare: postcode}", "postcod: {compare: postcode}").replace(
    "[city, address_1]", "[city, adress_1]"
)


def _typo_rules(tmp_path: Path) -> Path:
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO, encoding="utf-8")
    return path


def _load(leadctl: Leadctl, tmp_path: Path, n: int = 60) -> Path:
    data, mapping, _truth = _files(tmp_path, n)
    leadctl.rules = str(tmp_path / "rules.yaml")  # its validation section: no e-mail or phone needed
    leadctl("campaign", "create", "People")
    leadctl("bucket", "create", "people", "--campaign", "People")
    leadctl("load", str(data), "--bucket", "people", "--mapping", str(mapping))
    return mapping


def test_process_and_train_warn_about_fields_that_match_no_column(leadctl: Leadctl, tmp_path: Path) -> None:
    _load(leadctl, tmp_path)
    leadctl.rules = str(_typo_rules(tmp_path))
    for args in (("dedupe", "train"), ("process",)):
        err = leadctl(*args).stderr
        warnings = [line for line in err.splitlines() if line.startswith("Warning: ")]
        assert len(warnings) == 2, err  # the compared field and the blocking field, once each
        assert "field 'postcod' matches no column" in warnings[0]
        assert "field 'adress_1' matches no column" in warnings[1]
        for w in warnings:  # the columns present are named
            assert "postcode" in w and "address_1" in w and "date_of_birth" in w
    # nothing new to process: no leads in scope, nothing to report
    assert "Warning" not in leadctl("process").stderr
    leadctl.rules = str(tmp_path / "rules.yaml")
    assert "Warning" not in leadctl("dedupe", "train").stderr  # the right names: no warning


def test_rules_validate_checks_field_names_against_the_stored_loads(leadctl: Leadctl, tmp_path: Path) -> None:
    typo = _typo_rules(tmp_path)
    # no load yet: any name may be a custom column still to come
    result = leadctl("rules", "validate", str(typo))
    assert "Warning" not in result.stderr and f"{typo}: OK" in result.stderr
    _load(leadctl, tmp_path)
    result = leadctl("rules", "validate", str(typo))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert warnings == [
        f"Warning: {typo} line 11: duplicates: field 'postcod' matches no lead field and no custom column "
        "of the stored loads (did you mean 'postcode'?): it would never be compared; custom columns: "
        "address_1, address_2, date_of_birth, postcode, street_number",
        f"Warning: {typo} line 13: duplicates: field 'adress_1' matches no lead field and no custom column "
        "of the stored loads (did you mean 'address_1'?): it would never be compared; custom columns: "
        "address_1, address_2, date_of_birth, postcode, street_number",
    ]
    assert f"{typo}: OK (2 warnings)" in result.stderr
    strict = leadctl("rules", "validate", "--strict", str(typo), ok=False)
    assert strict.exit_code == 1
    assert leadctl("rules", "validate", "--strict", str(tmp_path / "rules.yaml")).exit_code == 0
    assert "Warning" not in leadctl("rules", "validate", "--no-db", str(typo)).stderr


def test_rules_validate_checks_field_names_against_a_mapping(tmp_path: Path, leadctl: Leadctl) -> None:
    _data, mapping, _truth = _files(tmp_path, 5)
    typo = _typo_rules(tmp_path)
    result = leadctl("rules", "validate", "--no-db", "--mapping", str(mapping), str(typo))
    assert result.stderr.count("Warning: ") == 2 and f"no custom column of {mapping}" in result.stderr
    # a header the mapping loads as a lead field is not a custom column
    named_by_header = tmp_path / "header.yaml"
    named_by_header.write_text(RULES.replace("city: {compare: text}", "rec_id: {compare: exact}"))
    result = leadctl("rules", "validate", "--no-db", "--mapping", str(mapping), str(named_by_header))
    assert (
        f"{named_by_header} line 10: duplicates: field 'rec_id' is a column the mapping loads as lead "
        "field 'external_id': name 'external_id' instead"
    ) in result.stderr
    ok = leadctl("rules", "validate", "--no-db", "--mapping", str(mapping), str(tmp_path / "rules.yaml"))
    assert "Warning" not in ok.stderr
