"""The shipped rules files: defaults documented and identical, examples valid, errors precise."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadctl.errors import ConfigError
from leadctl.rules import load_rules, validate_file
from leadctl.rules.loader import DEFAULT_FILE
from leadctl.rules.schema import SCHEMA
from leadctl.services.dedupe.config import MatchConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "configs").glob("*.yaml"))


def test_example_default_is_the_builtin_default_byte_for_byte() -> None:
    assert (ROOT / "examples" / "configs" / "default.yaml").read_bytes() == DEFAULT_FILE.read_bytes()


def test_every_duplicates_key_is_in_the_default_file() -> None:
    section = load_rules(None).data["duplicates"]
    assert set(section) == set(SCHEMA.fields["duplicates"].fields)
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    for key in SCHEMA.fields["duplicates"].fields:
        assert f"  {key}:" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_and_build_a_match_config(path: Path) -> None:
    rules = validate_file(path)
    config = MatchConfig.from_rules(rules.duplicates)
    assert 0 < config.threshold <= 1
    assert config.active_fields


def test_examples_cover_phones_validation_and_duplicates() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"default.yaml", "inbound-team.yaml", "outbound-setters.yaml"} <= names
    outbound = load_rules(ROOT / "examples" / "configs" / "outbound-setters.yaml")
    assert outbound.phones.default_region == "GB"
    assert outbound.duplicates.scope == "campaign"
    assert "phone" not in outbound.duplicates.exact_keys
    # partial files keep every other default
    assert outbound.duplicates.gmail_folding is True
    assert outbound.lookup("duplicates.fields")["company"] == {"weight": 3.0, "compare": "company"}


def test_a_bad_comparator_is_reported_with_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("duplicates:\n  fields:\n    title: {weight: 1, compare: fuzy}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        validate_file(path)
    message = str(exc.value)
    assert str(path) in message and "line 3" in message
    assert "duplicates.fields.title.compare" in message and "did you mean 'fuzzy'" in message


def test_a_threshold_out_of_range_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("duplicates:\n  threshold: 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: duplicates.threshold: expected a number from 0 to 1"):
        validate_file(path)


def test_typed_sections_carry_no_defaults_of_their_own() -> None:
    """Defaults live only in default.yaml: every section field is built from it."""
    import dataclasses

    from leadctl.rules.sections import SECTIONS

    rules = load_rules(None)
    for name, kind in SECTIONS.items():
        for f in dataclasses.fields(kind):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, (
                name,
                f.name,
            )
        section = getattr(rules, name)
        assert isinstance(section, kind)
        raw = rules.data[name]
        for f in dataclasses.fields(kind):
            assert f.name in raw, (name, f.name)


def test_region_codes_the_rules_accept_are_exactly_phonenumbers_supported_regions(tmp_path: Path) -> None:
    """The loader checks region codes without importing phonenumbers (start-up of `queue`
    and `next`); the codes it accepts must stay the library's own list."""
    import string

    import phonenumbers

    from leadctl.rules.loader import _is_region

    every_pair = {a + b for a in string.ascii_uppercase for b in string.ascii_uppercase}
    assert {c for c in every_pair if _is_region(c)} == phonenumbers.SUPPORTED_REGIONS
    assert not _is_region("001") and not _is_region("../US") and not _is_region("")
    path = tmp_path / "rules.yaml"
    path.write_text("phones:\n  default_region: gb\n  allowed_regions: [US, CA, GB]\n", encoding="utf-8")
    assert load_rules(path).phones.default_region == "GB"
    path.write_text("phones:\n  default_region: UK\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: phones.default_region"):
        load_rules(path)
