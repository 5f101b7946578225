"""Typed comparisons and their levels, field blocking rules, and Fellegi–Sunter learning."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.data_persons import persons
from leadctl.errors import ConfigError
from leadctl.services.dedupe.clustering import assignments, cluster
from leadctl.services.dedupe.comparisons import COMPARATORS
from leadctl.services.dedupe.config import FieldRule, MatchConfig
from leadctl.services.dedupe.evaluation import pairwise_metrics
from leadctl.services.dedupe.keys import blocking_keys, normalise
from leadctl.services.dedupe.similarity import compare
from leadctl.services.dedupe.train import train


def level(kind: str, a: str, b: str) -> str:
    c = COMPARATORS[kind]
    x, y = c.prep(a), c.prep(b)
    assert x is not None and y is not None
    return c.levels[c.level(x, y)]


@pytest.mark.parametrize(
    ("kind", "a", "b", "expected"),
    [
        ("date", "1980-03-04", "1980-03-04", "same"),
        ("date", "1980-03-04", "04/03/1980", "same"),  # D/M/Y spelling
        ("date", "1980-03-04", "1980-04-03", "day and month swapped"),
        ("date", "1980-03-04", "1980-03-05", "one typo"),
        ("date", "1980-03-04", "1980-09-20", "within a year"),
        ("date", "1980-03-04", "1975-11-30", "else"),
        ("number", "12", "12.0", "same"),
        ("number", "1000", "1005", "within 1%"),
        ("number", "12", "40", "else"),
        ("postcode", "02139", "02139", "same"),
        ("postcode", "021", "02139", "one a prefix of the other"),
        ("postcode", "02139", "02145", "same first 3"),
        ("postcode", "02139", "90210", "else"),
        ("phone", "+14155550132", "+14155550132", "same number"),
        ("phone", "+14155550132", "+14155550133", "one digit apart"),
        ("phone", "+14155550132", "+16505550132", "same last 7 digits"),
        ("email", "ann@acme.com", "ann@acme.com", "same address"),
        ("email", "info@acme.com", "info@acme.com", "same role or free-mail address"),
        ("email", "john@aol.com", "john@aol.com", "same role or free-mail address"),
        ("email", "ann.lee@acme.com", "annlee@gmail.com", "else"),
        ("email", "ann.lee@acme.com", "ann.lee@other.com", "same mailbox"),
        ("email", "ann@acme.com", "bob@acme.com", "else"),  # the domain is the domain field's evidence
        ("text", "Springfield", "Springfeild", "jaro-winkler ≥ 0.92"),
        ("text", "Springfield", "Oxford", "else"),
        ("address", "51st Street", "51st St.", "same"),  # St = Street; 51st stays 51st
        ("address", "12 North Main Street", "12 N Main St", "same"),
        ("address", "12 Main Street", "12 Mian Street", "same number, close street"),
        ("address", "12 Main Street", "14 Main Street", "close street, other number"),
        ("address", "Main Street", "14 Main Street", "close street, one number missing"),
        ("address", "5g3 Franklin St", "543 Franklin Street", "same number, close street"),  # a typo
        ("address", "12a Main St", "12 Main St", "same number, close street"),
        ("address", "51st Street", "52nd Street", "else"),
    ],
)
def test_levels_by_type(kind: str, a: str, b: str, expected: str) -> None:
    assert level(kind, a, b) == expected


def test_address_keeps_ordinals_and_splits_the_house_number() -> None:
    prep = COMPARATORS["address"].prep
    assert prep("51st St.") == ("", "51st st")
    assert prep("120 West 51st Street") == ("120", "w 51st st")


def rec(**f: Any) -> dict[str, Any]:
    return f


def test_field_blocking_rules_with_transforms() -> None:
    config = MatchConfig(
        fields=(FieldRule("name", 1.0, "name"), FieldRule("date_of_birth", 1.0, "date")),
        blocking=(("last_name:soundex", "first_name:1"), ("date_of_birth",), ("postcode:3",)),
        exact_keys=(),
    )
    a = normalise(
        rec(first_name="Ann", last_name="Smith", date_of_birth="1980-03-04", custom={"postcode": "02139"}),
        config,
    )
    b = normalise(
        rec(first_name="Anne", last_name="Smyth", date_of_birth="04/03/1980", postcode="02145"), config
    )
    ka, kb = set(blocking_keys(a, config)), set(blocking_keys(b, config))
    assert {"b0:s530|a", "b1:19800304", "b2:021"} <= ka & kb
    # a rule whose field is empty gives no key
    c = normalise(rec(first_name="Ann", last_name="Smith"), config)
    assert not any(k.startswith(("b1:", "b2:")) for k in blocking_keys(c, config))


def test_bad_blocking_transform_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="field:N"):
        MatchConfig(blocking=(("last_name:sound",),))


PERSON_FIELDS = (
    FieldRule("name", 1.0, "name"),
    FieldRule("date_of_birth", 1.0, "date"),
    FieldRule("street_number", 1.0, "number"),
    FieldRule("address_1", 1.0, "address"),
    FieldRule("address_2", 1.0, "text"),
    FieldRule("city", 1.0, "text"),
    FieldRule("postcode", 1.0, "postcode"),
    FieldRule("state", 1.0, "exact"),
)
PERSON_BLOCKING: tuple[Any, ...] = (
    ("first_name", "last_name"),
    ("date_of_birth",),
    ("postcode", "street_number"),
    ("postcode", "last_name"),
    ("city", "address_1"),
)


def test_learned_model_separates_person_records_without_labels() -> None:
    """Trained on unlabelled person records, the model's probabilities cluster them well, and
    agreeing levels weigh for a match while disagreement weighs against it."""
    rows, truth = persons(2000, seed=5)
    config = MatchConfig(fields=PERSON_FIELDS, blocking=PERSON_BLOCKING, exact_keys=(), threshold=0.8)
    norms = [normalise(r, config) for r in rows]
    model = train(norms, config)
    by_name = {f.name: f for f in model.fields}
    for f in model.fields:
        w = f.weights
        assert w[0] > 0 >= w[-1], f.name  # agreement is evidence for, disagreement against
    assert by_name["date_of_birth"].weights[0] > by_name["state"].weights[0]  # rarer agreement counts more
    trained = config.with_model(model)
    clusters = cluster(zip((r["rec_id"] for r in rows), norms, strict=True), trained)
    f1 = pairwise_metrics(assignments(clusters), truth)["f1"]
    untrained = cluster(zip((r["rec_id"] for r in rows), norms, strict=True), config)
    assert f1 >= 0.97
    assert f1 >= pairwise_metrics(assignments(untrained), truth)["f1"] - 0.005
    # the score is a probability, explained as such
    a, b = norms[0], norms[0]
    assert compare(a, b, trained).score > 0.99


def test_common_values_count_for_less() -> None:
    """Term frequency: agreeing on a surname half the records share is weaker evidence."""
    config = MatchConfig(fields=(FieldRule("name", 1.0, "name"),), blocking=("name",), exact_keys=())
    rows = [rec(first_name="John", last_name="Smith") for _ in range(50)]
    rows += [rec(first_name=f"Ann{chr(97 + i % 26)}{i}", last_name=f"Zed{i}x") for i in range(200)]
    rows += [rec(first_name="Xavier", last_name="Quintanilla")] * 2
    norms = [normalise(r, config) for r in rows]
    model = train(norms, config)
    common = model.log2_odds(norms[0].values, norms[1].values)
    rare = model.log2_odds(norms[-1].values, norms[-2].values)
    assert rare > common


def test_weak_links_do_not_chain_two_clusters() -> None:
    """A and B agree fully, so do C and D; B and C only weakly: two people, not one."""
    config = MatchConfig(
        fields=(FieldRule("code", 1.0, "fuzzy"),), blocking=(("group",),), exact_keys=(), threshold=0.8
    )
    rows = {
        "a": {"code": "aaaaaaaaaa", "group": "g"},
        "b": {"code": "aaaaaaaaaa", "group": "g"},
        "c": {"code": "aaaaaaaabb", "group": "g"},
        "d": {"code": "aaaaaaaabb", "group": "g"},
    }
    norms = {k: normalise(v, config) for k, v in rows.items()}
    assert 0.8 <= compare(norms["b"], norms["c"], config).score < 0.9
    clusters = cluster(norms.items(), config)
    assert sorted(sorted(str(m) for m in c.members) for c in clusters) == [["a", "b"], ["c", "d"]]
    # a lone record still joins a cluster on a weak link
    del norms["d"]
    assert [sorted(str(m) for m in c.members) for c in cluster(norms.items(), config)] == [["a", "b", "c"]]
