"""The duplicate-matching engine: normalisation, keys, scores, clusters and metrics."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest

from leadctl.demo.fakedata import generate
from leadctl.errors import ConfigError
from leadctl.reporting import Collect
from leadctl.rules import load_rules
from leadctl.services.dedupe.blocking import Index, ScanStats
from leadctl.services.dedupe.clustering import assignments, cluster
from leadctl.services.dedupe.config import FieldRule, MatchConfig
from leadctl.services.dedupe.evaluation import pairwise_metrics, sweep
from leadctl.services.dedupe.keys import blocking_keys, company_key, normalise, normalise_email
from leadctl.services.dedupe.similarity import Comparison, compare

CONFIG = MatchConfig()


def lead(**fields: Any) -> dict[str, Any]:
    base = {
        "first_name": "Robert",
        "last_name": "Smith",
        "email": "robert.smith@acme-logistics.com",
        "title": "VP Sales",
        "business_phone": "+14155550132",
        "mobile_phone": "",
        "company": "Acme Logistics Inc",
        "website": "https://www.acme-logistics.com",
        "city": "San Francisco",
    }
    base.update(fields)
    return base


def cmp(a: dict[str, Any], b: dict[str, Any], config: MatchConfig = CONFIG) -> Comparison:
    return compare(normalise(a, config), normalise(b, config), config)


# Same person, but no shared e-mail or phone: only the fuzzy score can find them.
HARD = {"email": "bob@gmail.com", "business_phone": "+14155559876"}


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Bob", "Smith"),  # nickname
        ("Bobby", "Smith"),
        ("R.", "Smith"),  # initial
        ("R", "Smith"),
        ("Smith", "Robert"),  # swapped first/last
        ("Robret", "Smith"),  # transposition
        ("Robert", "Smth"),  # deletion
        ("ROBERT", "SMITH"),  # case
        ("Robert", "S."),  # surname initial
    ],
)
def test_same_person_with_name_noise_matches(first: str, last: str) -> None:
    result = cmp(lead(), lead(first_name=first, last_name=last, **HARD))
    assert result.rule == "fuzzy"
    assert result.is_duplicate, result.explanation
    assert result.fields["name"] is not None and result.fields["name"] >= 0.85


def test_swapped_name_with_a_surname_initial_matches() -> None:
    result = cmp(lead(), lead(first_name="S.", last_name="Robert", **HARD))
    assert result.is_duplicate, result.explanation
    assert result.fields["name"] == pytest.approx(0.98 * 0.85)  # swap and initial both cost a little


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Mary", "Jones"),
        ("Rebecca", "Smith"),  # same surname: a colleague or relative, not the same person
        ("Robert", "Jones"),
        ("Roberta", "Smithers"),
        ("Robert", "J."),  # a surname initial that does not fit
        ("R.", "S."),  # two initials are too little of a name
    ],
)
def test_different_people_at_the_same_company_do_not_match(first: str, last: str) -> None:
    other = lead(
        first_name=first,
        last_name=last,
        email=f"{first}.{last}@acme-logistics.com".lower(),
        business_phone="+14155550199",
    )
    result = cmp(lead(), other)
    assert result.rule == "fuzzy"
    assert not result.is_duplicate, result.explanation
    assert result.fields["company"] == 1.0


def test_similar_names_of_different_people_are_capped_by_the_name_minimum() -> None:
    a = lead(first_name="Ahmed", last_name="Nasser", email="", business_phone="+15135550101")
    b = lead(first_name="Ahmed", last_name="Visser", email="", business_phone="+15135550102")
    result = cmp(a, b)
    assert not result.is_duplicate
    assert "name" in result.note and "below its minimum" in result.note


def test_company_legal_suffixes_and_case_are_ignored() -> None:
    assert company_key("Acme Logistics, Inc.") == "acme logistics"
    assert company_key("ACME LOGISTICS LLC") == "acme logistics"
    assert company_key("The Acme Logistics Group") == "acme logistics"
    assert company_key("Müller Maschinenbau GmbH & Co. KG") == "muller maschinenbau"
    assert company_key("Hartley & Sons Ltd") == "hartley and sons"
    assert company_key("Blue Harbor Pty Ltd") == "blue harbor"
    result = cmp(lead(), lead(company="ACME LOGISTICS", **HARD))
    assert result.fields["company"] == 1.0
    assert result.is_duplicate


def test_gmail_folding_on_and_off() -> None:
    assert normalise_email("J.O.Smith+leads@GoogleMail.com") == "josmith@gmail.com"
    assert (
        normalise_email("J.O.Smith+leads@GoogleMail.com", gmail_folding=False)
        == "j.o.smith+leads@googlemail.com"
    )
    assert normalise_email("not-an-email") == ""
    a = lead(email="j.o.smith+leads@gmail.com", business_phone="+14155550001", company="", website="")
    b = lead(email="josmith@gmail.com", business_phone="+14155550002", company="", website="")
    assert cmp(a, b).rule == "exact:email"
    off = MatchConfig(gmail_folding=False)
    assert cmp(a, b, off).rule == "fuzzy"
    # folding applies to Gmail only: dots matter elsewhere
    c = lead(email="j.o.smith@acme.com", business_phone="+14155550003")
    d = lead(email="josmith@acme.com", business_phone="+14155550004")
    assert cmp(c, d).rule == "fuzzy"


def test_exact_keys_email_phone_in_either_column_and_external_id() -> None:
    stranger = {
        "first_name": "Zed",
        "last_name": "Quill",
        "company": "Other Co",
        "website": "",
        "title": "",
        "city": "",
    }
    a = lead()
    decide = MatchConfig(exact_key_mode="decide")
    same_mail = lead(email="Robert.Smith@ACME-logistics.com ", business_phone="", **stranger)
    # decide: the key alone makes the duplicate, whatever the names
    assert cmp(a, same_mail, decide).rule == "exact:email"
    # evidence (the default): a shared address with a clearly different name is not one person
    assert cmp(a, same_mail).rule == "fuzzy" and not cmp(a, same_mail).is_duplicate
    # ... but with the same person's name the key still decides
    assert cmp(a, lead(email="robert.smith@acme-logistics.com", business_phone="")).rule == "exact:email"
    # a's business phone given as b's mobile
    b = lead(email="zed@other.com", business_phone="", mobile_phone="+14155550132", **stranger)
    result = cmp(a, b, decide)
    assert result.rule == "exact:phone" and result.score == 1.0 and result.is_duplicate
    assert not cmp(a, b).is_duplicate  # a shared switchboard between two different people
    bob = lead(first_name="Bob", email="bob@other.com", business_phone="", mobile_phone="+14155550132")
    assert cmp(a, bob).rule == "exact:phone"  # Bob = Robert: the names agree
    no_phone_key = MatchConfig(exact_keys=("email",), exact_key_mode="decide")
    assert not cmp(a, b, no_phone_key).is_duplicate
    c = lead(external_id="CRM-1", email="", business_phone="+14155550100", **stranger)
    d = lead(external_id="CRM-1", email="", business_phone="+14155550101", **stranger)
    assert cmp(c, d).rule == "fuzzy"  # external_id is off by default
    with_id = MatchConfig(exact_keys=("email", "phone", "external_id"))
    assert cmp(c, d, with_id).rule == "exact:external_id"


def test_custom_field_by_name_with_its_own_weight_and_comparator() -> None:
    config = MatchConfig(
        fields=(
            FieldRule("name", 1.0, "name", min=0.75),
            FieldRule("Account Number", 3.0, "exact", required=True),
        ),
        exact_keys=(),
    )
    a = {"first_name": "Ann", "last_name": "Lee", "custom": {"Account Number": "AC-77"}}
    same = {
        "first_name": "Anne",
        "last_name": "Lee",
        "Account Number": " ac-77 ",
    }  # flat record, other spelling
    other = {"first_name": "Ann", "last_name": "Lee", "Account Number": "AC-78"}
    missing = {"first_name": "Ann", "last_name": "Lee"}
    assert cmp(a, same, config).is_duplicate
    result = cmp(a, other, config)
    assert result.fields["Account Number"] == 0.0 and not result.is_duplicate
    assert cmp(a, missing, config).score == 0.0  # required field absent


def test_rules_file_section_builds_the_config(tmp_path) -> None:
    assert MatchConfig.from_rules(load_rules(None).duplicates) == MatchConfig()
    path = tmp_path / "rules.yaml"
    path.write_text(
        "duplicates:\n"
        "  threshold: 0.9\n"
        "  exact_keys: [email]\n"
        "  fields:\n"
        "    title: {weight: 0}\n"
        "    name: {min: 0.9}\n"
        '    "Account Number": {weight: 2, compare: exact}\n',
        encoding="utf-8",
    )
    config = MatchConfig.from_rules(load_rules(path).duplicates)
    assert config.threshold == 0.9 and config.exact_keys == ("email",)
    by_name = {r.name: r for r in config.fields}
    # the file's fields are the complete list: nothing inherited from the defaults
    assert set(by_name) == {"title", "name", "Account Number"}
    assert by_name["name"] == FieldRule("name", 1.0, "name", min=0.9, required=False)
    assert by_name["title"].weight == 0 and "title" not in {r.name for r in config.active_fields}
    assert by_name["Account Number"] == FieldRule("Account Number", 2.0, "exact")


def test_invalid_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="compare"):
        MatchConfig(fields=(FieldRule("x", 1.0, "soundalike"),))
    with pytest.raises(ConfigError, match="blocking"):
        MatchConfig(blocking=("zip",))


def test_two_bare_names_are_not_enough_evidence() -> None:
    a = {"first_name": "John", "last_name": "Smith"}
    b = {"first_name": "John", "last_name": "Smith"}
    result = cmp(a, b)
    assert result.fields["name"] == 1.0
    assert not result.is_duplicate


def test_campaign_scope_keeps_campaigns_apart() -> None:
    config = MatchConfig(scope="campaign")
    a, b = lead(campaign_id=1), lead(campaign_id=2)
    result = cmp(a, b, config)
    assert result.rule == "scope" and not result.is_duplicate
    assert cmp(a, lead(campaign_id=1), config).rule == "exact:email"
    assert cmp(a, b).rule == "exact:email"  # global scope


def test_blocking_keys_are_few_and_shared_by_duplicates() -> None:
    a = normalise(lead(mobile_phone="+14155550177"), CONFIG)
    keys = blocking_keys(a, CONFIG)
    assert "e:robert.smith@acme-logistics.com" in keys
    assert {"p:+14155550132", "p:+14155550177"} <= set(keys)
    assert len(keys) <= 10 and all(len(k) < 80 for k in keys)
    hard = normalise(lead(first_name="Bob", **HARD), CONFIG)
    assert set(keys) & set(blocking_keys(hard, CONFIG))  # found through company + surname initial
    wide = MatchConfig(blocking=("company", "domain", "phone_suffix", "name"))
    assert len(blocking_keys(normalise(lead(mobile_phone="+14155550177"), wide), wide)) <= 12


def test_index_finds_within_batch_duplicates() -> None:
    index = Index(CONFIG)
    index.add(1, normalise(lead(), CONFIG))
    index.add(
        2,
        normalise(
            lead(
                first_name="Mary",
                last_name="Baker",
                email="mary@acme-logistics.com",
                business_phone="+14155550150",
            ),
            CONFIG,
        ),
    )
    index.add(
        3,
        normalise(
            lead(
                first_name="Ivy",
                last_name="Chen",
                email="ivy@zeta.io",
                business_phone="+14155550160",
                company="Zeta",
                website="zeta.io",
            ),
            CONFIG,
        ),
    )
    bob = normalise(lead(first_name="Bob", **HARD), CONFIG)
    # same company and a shared initial (Bob Smith: B, S; Robert Smith: R, S; Mary Baker: M, B)
    assert set(index.candidates(bob)) == {1, 2}
    found = index.best_match(bob)
    assert found is not None
    assert found[0] == 1 and found[1].rule == "fuzzy" and found[1].is_duplicate
    exact = index.best_match(
        normalise(lead(first_name="Rob", email="ROBERT.SMITH@acme-logistics.com"), CONFIG)
    )
    assert exact is not None and exact[0] == 1 and exact[1].rule == "exact:email"
    newcomer = normalise(
        lead(
            first_name="Omar",
            last_name="Haddad",
            email="omar@acme-logistics.com",
            business_phone="+14155550170",
        ),
        CONFIG,
    )
    assert index.best_match(newcomer) is None
    with pytest.raises(ValueError):
        index.add(1, newcomer)


def test_cluster_links_chains_and_explains() -> None:
    rows = {
        "a": lead(),
        "b": lead(first_name="Bob", email="bob@gmail.com"),  # same phone as a
        "c": lead(first_name="Bob", email="bob@gmail.com", business_phone="+14155550999"),  # same email as b
        "d": lead(
            first_name="Mary",
            last_name="Jones",
            email="mary@acme-logistics.com",
            business_phone="+14155550150",
        ),
        "e": lead(
            first_name="Ivy",
            last_name="Chen",
            email="ivy@zeta.io",
            business_phone="+14155550160",
            company="Zeta",
        ),
    }
    clusters = cluster(((k, normalise(v, CONFIG)) for k, v in rows.items()), CONFIG)
    assert [c.members for c in clusters] == [["a", "b", "c"]]
    (c,) = clusters
    assert {(link.a, link.b) for link in c.links} | {(link.b, link.a) for link in c.links} >= {("a", "b")}
    # bob@gmail.com is a first name at a free-mail provider: evidence, not a verdict (b-c
    # still match on everything else)
    assert len(c.links) == 2 and 0.8 <= c.score < 1.0
    assert set(c.rules) <= {"exact:phone", "exact:email", "fuzzy"}
    assert all(link.comparison.explanation.startswith(link.comparison.rule) for link in c.links)


def test_giant_fuzzy_blocks_are_skipped_with_a_warning() -> None:
    config = MatchConfig(max_block_size=2)
    rows = [
        lead(first_name=name, email=f"{name}@acme-logistics.com", business_phone=f"+1415555{i:04d}")
        for i, name in enumerate(["Sam", "Sara", "Sean"])
    ]
    report = Collect()
    stats = ScanStats()
    clusters = cluster(
        ((i, normalise(r, config)) for i, r in enumerate(rows)), config, report=report, stats=stats
    )
    warnings = report.warnings
    assert clusters == []
    assert stats.skipped_blocks >= 1
    assert len(warnings) == 1 and "max_block_size" in warnings[0] and "(3 leads)" in warnings[0]


def test_pairwise_metrics_on_a_hand_labelled_set() -> None:
    truth: dict[Hashable, Hashable] = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 3}
    predicted: dict[Hashable, Hashable] = {"a": "x", "b": "x", "c": "y", "d": "y"}  # e, f singletons
    # true pairs: ab ac bc de (4); predicted pairs: ab cd (2); correct: ab
    m = pairwise_metrics(predicted, truth)
    assert (m["tp"], m["fp"], m["fn"]) == (1, 1, 3)
    assert m["precision"] == 0.5 and m["recall"] == 0.25
    assert m["f1"] == pytest.approx(1 / 3)
    perfect_clusters: dict[Hashable, Hashable] = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1}
    perfect = pairwise_metrics(perfect_clusters, truth)
    assert perfect["f1"] == 1.0 and perfect["fp"] == 0 and perfect["fn"] == 0
    nothing = pairwise_metrics({}, truth)
    assert nothing["recall"] == 0.0 and nothing["precision"] == 1.0 and nothing["f1"] == 0.0


def _e164(leads):
    import phonenumbers

    region = {"United States": "US", "US": "US", "USA": "US", "Canada": "CA", "CA": "CA"}
    region |= {"United Kingdom": "GB", "UK": "GB", "GB": "GB"}
    for x in leads:
        rec = dict(x.record)
        for f in ("business_phone", "mobile_phone"):
            if rec[f]:
                n = phonenumbers.parse(rec[f], region[rec["country"]])
                rec[f] = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        yield rec["external_id"], rec, x.entity_id


def test_generated_leads_are_deduplicated_accurately() -> None:
    rows = list(_e164(generate(3000, seed=5, dup_rate=0.1)))
    truth = {i: e for i, _r, e in rows}
    norms = [(i, normalise(r, CONFIG)) for i, r, _e in rows]
    clusters = cluster(norms, CONFIG)
    metrics = pairwise_metrics(assignments(clusters), truth)
    assert metrics["f1"] >= 0.95, metrics
    table = sweep(norms, truth, CONFIG, thresholds=(0.6, 0.8, 0.95))
    assert [row["threshold"] for row in table] == [0.6, 0.8, 0.95]
    at_default = next(row for row in table if row["threshold"] == 0.8)
    assert at_default["f1"] == pytest.approx(metrics["f1"])
    assert table[0]["recall"] >= table[-1]["recall"]  # lower threshold finds at least as much


def test_a_field_without_compare_gets_one_from_its_name(tmp_path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        'duplicates:\n  fields: {"Office Phone": {weight: 1}, personal_email: {}, Notes: {weight: 2}}\n',
        encoding="utf-8",
    )
    config = MatchConfig.from_rules(load_rules(path).duplicates)
    added = [r for r in config.fields if r.name in ("Office Phone", "personal_email", "Notes")]
    assert [(r.name, r.weight, r.compare) for r in added] == [
        ("Office Phone", 1.0, "phone"),
        ("personal_email", 1.0, "email"),
        ("Notes", 2.0, "fuzzy"),
    ]
    a = {"first_name": "A", "Office Phone": "(415) 555-0132", "personal_email": "Ann.Lee@gmail.com"}
    b = {"first_name": "B", "Office Phone": "+1 415 555 0132", "personal_email": "annlee@gmail.com"}
    result = cmp(a, b, config)
    assert result.fields["Office Phone"] == 1.0 and result.fields["personal_email"] == 1.0
    assert result.fields["Notes"] is None


def test_long_keys_are_hashed_to_fit_the_key_column() -> None:
    from leadctl.services.dedupe.keys import MAX_KEY_LENGTH
    from leadctl.storage import schema

    assert schema.match_key.c.key.type.length >= MAX_KEY_LENGTH  # type: ignore[attr-defined]
    long_mail = "x" * 220 + "@initech.com"
    site = "https://www." + "a" * 230 + ".com"
    a = normalise(lead(email=long_mail, website=site, company="Acme " * 45), CONFIG)
    keys = blocking_keys(a, CONFIG)
    assert all(len(k) <= MAX_KEY_LENGTH for k in keys)
    assert any(k.startswith("e:#") for k in keys) and any(k.startswith("d:#") for k in keys)
    b = normalise(lead(email=long_mail.upper(), business_phone="+14155550199"), CONFIG)
    assert set(keys) & set(blocking_keys(b, CONFIG))  # the same long e-mail gives the same key
    other = normalise(lead(email="y" + long_mail[1:]), CONFIG)
    assert not {k for k in keys if k.startswith("e:")} & set(blocking_keys(other, CONFIG))


def test_a_score_with_a_floor_is_exact_at_or_above_it_and_below_it_otherwise() -> None:
    """Intake scores candidates with the threshold as floor (it may stop early below it): the
    pairs at or above the threshold, and their scores, must be those of the full score."""
    from leadctl.services.dedupe.similarity import score, score_with_floor

    rows = list(_e164(generate(1500, seed=11, dup_rate=0.2)))
    index = Index(CONFIG)
    pairs = 0
    for n, (_i, rec, _e) in enumerate(rows):
        norm = normalise(rec, CONFIG)
        for other in index.candidates(norm):
            full = score(norm, index.get(other), CONFIG)
            floored = score_with_floor(norm, index.get(other), CONFIG, CONFIG.threshold)[0]
            assert (floored >= CONFIG.threshold) == (full >= CONFIG.threshold)
            if full >= CONFIG.threshold:
                assert floored == full
            pairs += 1
        index.add(n, norm)
    assert pairs > 100  # the generated duplicates and colleagues were compared


def test_each_plan_normalises_with_its_own_fields() -> None:
    """Plans are laid out once each (keys._value_plan): two plans used in turn keep their own
    fields, in their own order."""
    rec = lead(custom={"Account Number": "AC-77"})
    by_account = MatchConfig(
        fields=(FieldRule("Account Number", 3.0, "exact"), FieldRule("name", 1.0, "name")), exact_keys=()
    )
    for _ in range(2):
        default = normalise(rec, CONFIG)
        custom = normalise(rec, by_account)
        assert [r.name for r in CONFIG.active_fields][0] == "name"
        assert default.values[0] is not None and default.values[0].last == "smith"
        assert custom.values[0] == "ac-77" and custom.values[1] == default.values[0]
        assert len(custom.values) == 2 and len(default.values) == len(CONFIG.active_fields)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+14155550132", "+14155550132"),  # E.164 as stored: kept as it is
        ("  +14155550132 ", "+14155550132"),
        ("+123456", "+123456"),  # six digits: still a number
        ("+12345", ""),  # fewer: not one
        ("+1 (415) 555-0132", "+14155550132"),  # other spellings: their digits
        (
            "+\u0661\u0664\u0661\u0665\u0665\u0665\u0660\u0661",
            "+\u0661\u0664\u0661\u0665\u0665\u0665\u0660\u0661",
        ),
        ("0044 20 7946 0958", "+442079460958"),
        ("415.555.0132", "4155550132"),
        ("+", ""),
    ],
)
def test_phones_are_compared_as_e164_or_their_digits(raw: str, stored: str) -> None:
    from leadctl.services.dedupe.keys import normalise_phone

    assert normalise_phone(raw) == stored
