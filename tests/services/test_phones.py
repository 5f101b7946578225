"""Phone numbers: the fast paths give exactly what phonenumbers' own slow path gives."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.tzdata import TIMEZONE_DATA

from leadctl.demo import fakedata
from leadctl.services.intake import phones
from leadctl.services.intake.phones import analyse, analyse_slow

REGIONS = ["US", "CA", "GB", "DE", "FR", "IT", "AR", "MX", "BR", "AU", "IN", "JP", "RU", "PR", "JE", "NZ"]


def _scatter(r: random.Random, digits: str) -> str:
    """Digits with spaces, dashes, dots and parentheses sprinkled in, as people type them."""
    out = []
    for ch in digits:
        out.append(ch)
        if r.random() < 0.25:
            out.append(r.choice(["", " ", "-", ".", "(", ")", "  "]))
    return "".join(out).strip()


def _inputs(seed: int = 7) -> list[str]:
    r = random.Random(seed)
    texts: list[str] = []
    # Example numbers of many regions and types in every format, with digits changed.
    for region in REGIONS:
        for ntype in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, ntype)
            if example is None:
                continue
            for fmt in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164):
                text = phonenumbers.format_number(example, fmt)
                texts.append(text)
                for _ in range(12):
                    chars = list(text)
                    places = [i for i, c in enumerate(chars) if c.isdigit()]
                    for i in r.sample(places, min(len(places), r.randint(1, 3))):
                        chars[i] = r.choice("0123456789")
                    texts.append("".join(chars))
                    texts.append(_scatter(r, "".join(c for c in chars if c.isdigit() or c == "+")))
    # Random digit strings: national, international, with a trunk 0, with an IDD prefix.
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(1500):
        d = "".join(r.choice("0123456789") for _ in range(r.randint(2, 15)))
        cc = str(r.choice(codes))
        texts += [f"+{cc}{d}", f"0{d}", f"00{cc}{d}", _scatter(r, d), _scatter(r, f"+{cc}0{d}")]
    # What lead files contain: every format fakedata writes, and its broken numbers.
    for lead in fakedata.generate(400, seed=3, invalid_rate=0.2):
        texts += [lead.record[f] for f in ("business_phone", "mobile_phone") if lead.record[f]]
    # Other scripts' digits, letters, extensions, junk.
    texts += [
        "(٢٠٦) ٣١٢-٤٦٥٩",
        "+１ ２０６ ３１２ ４６５９",
        "1-800-FLOWERS",
        "(212) 736-5000 x12",
        "212 736 5000 ext. 7",
        "tel:+1-212-736-5000",
        "+1 (000) 000-0000",
        "call me",
        "n/a",
        "123",
        "+",
        "++44 20 7946 0018",
        "+44 (0)20 7946 0018",
        "0044 20 7946 0018",
        "011 44 20 7946 0018",
    ]
    return texts


@pytest.mark.parametrize("region", ["US", "CA", "GB", "DE", "AU", "IT", "AR"])
def test_fast_paths_equal_phonenumbers_slow_path(region: str) -> None:
    texts = _inputs()
    assert len(texts) > 8000
    mismatches = [(t, analyse(t, region), analyse_slow(t, region)) for t in texts]
    mismatches = [m for m in mismatches if m[1] != m[2]]
    assert mismatches == []


def test_common_spellings_become_e164_with_region_and_time_zone() -> None:
    for text in (
        "(206) 312-4659",
        "206.312.4659",
        "206-312-4659",
        "2063124659",
        "1-206-312-4659",
        "+1 206 312 4659",
    ):
        info = analyse(text, "US")
        assert info is not None
        assert (info.e164, info.valid, info.region, info.timezone) == (
            "+12063124659",
            True,
            "US",
            "America/Los_Angeles",
        ), text
    uk = analyse("020 7946 0018", "GB")
    assert uk is not None and (uk.e164, uk.region, uk.timezone) == ("+442079460018", "GB", "Europe/London")
    canada = analyse("+1 (604) 521-9063", "US")
    assert canada is not None and (canada.region, canada.timezone) == ("CA", "America/Vancouver")


def test_time_zone_is_none_when_only_the_whole_country_is_known() -> None:
    toll_free = analyse("+1 800 555 0199", "US")
    assert toll_free is not None and toll_free.valid
    assert len(toll_free.timezones) > 10  # phonenumbers gives every US zone
    assert toll_free.timezone is None  # … so we store none rather than America/Adak
    invalid = analyse("123", "US")
    assert invalid is not None and not invalid.valid and invalid.timezone is None
    assert analyse("call me", "US") is None


def test_time_zone_cache_equals_the_longest_prefix_lookup() -> None:
    r = random.Random(5)
    numbers = []
    for key in TIMEZONE_DATA:
        numbers.append(key + "".join(r.choice("0123456789") for _ in range(r.randint(0, 9))))
    numbers += ["".join(r.choice("0123456789") for _ in range(r.randint(4, 15))) for _ in range(5000)]
    phones._tz_cache.clear()
    for digits in numbers + numbers:  # the second pass answers from the cache
        assert phones.geographic_timezones(digits) == phones._tz_longest_prefix(digits), digits


def test_classify_equals_region_and_type_from_phonenumbers() -> None:
    r = random.Random(9)
    checked = 0
    for cc in (1, 44, 7, 49, 61, 262, 590, 599):
        for _ in range(400):
            nsn = str(r.randint(1, 9)) + "".join(r.choice("0123456789") for _ in range(r.randint(6, 10)))
            num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
            region, ntype = phones.classify(cc, nsn)
            assert ntype == phonenumbers.number_type(num)
            if ntype != PhoneNumberType.UNKNOWN:
                assert region == phonenumbers.region_code_for_number(num)
                checked += 1
    assert checked > 100


def test_region_for_country_reads_what_people_write() -> None:
    cases = {
        "United States": "US",
        "USA": "US",
        "U.S.A.": "US",
        "UK": "GB",
        "United Kingdom": "GB",
        "England": "GB",
        "Canada": "CA",
        "de": "DE",
        "Deutschland": "DE",
        "Narnia": None,
        "": None,
        None: None,
    }
    assert {k: phones.region_for_country(k) for k in cases} == cases


def test_analyse_in_reads_the_leads_region_then_the_default() -> None:
    """The one fallback: the lead's country's region first, the default region when that fails."""
    gb = phones.lead_region("United Kingdom", "US")
    assert gb == "GB" and phones.lead_region("Narnia", "US") == "US" and phones.lead_region(42, "CA") == "CA"
    uk = phones.analyse_in("020 7946 0000", gb, "US")
    assert uk is not None and uk.valid and uk.e164 == "+442079460000"
    us = phones.analyse_in("(415) 555-0134", gb, "US")  # not a UK number: read in the default region
    assert us is not None and us.valid and us.e164 == "+14155550134"
    bad = phones.analyse_in("12", gb, "US")
    assert bad is None or not bad.valid
