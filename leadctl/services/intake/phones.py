"""Phone numbers: E.164, validity, region and time zone — fast, and exactly as phonenumbers says.

``analyse(text, region)`` is on the loading hot path (two numbers per row), so it avoids
phonenumbers' slow generic path where the answer is provably the same:

* Plain North American numbers (``(415) 555-0100``, ``415.555.0100``, ``1-415-555-0100``)
  and numbers written with ``+country code`` and simple separators (``+44 20 7946 0000``)
  are turned into ``(country code, national number)`` by one compiled regex instead of
  ``phonenumbers.parse`` (~12 µs), taking only the inputs whose parse needs no national
  prefix or leading-zero handling. Everything else is parsed by phonenumbers.
* The number's type is computed once, with each region's patterns compiled once, and
  reused for validity, region and time zone. phonenumbers computes it two or three times
  (``is_valid_number`` finds the region by type-matching and then type-matches again;
  ``time_zones_for_number`` does it once more).
* Time zones come from a cache keyed by the shortest prefix of the number that no longer
  key of phonenumbers' prefix-keyed time-zone table extends, so the cached answer is
  exactly phonenumbers' longest-prefix lookup.

``analyse_slow`` is the plain phonenumbers path; the tests compare both on many thousands
of numbers.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple, cast

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, timezone
from phonenumbers.phonemetadata import REGION_CODE_FOR_NON_GEO_ENTITY, PhoneMetadata
from phonenumbers.phonenumberutil import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    ValidationResult,
    _test_number_length,
    is_number_type_geographical,
    national_significant_number,
)
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

UNKNOWN_TIMEZONE: str = timezone.UNKNOWN_TIMEZONE
UNKNOWN_TIMEZONES: tuple[str, ...] = (UNKNOWN_TIMEZONE,)
_UNKNOWN = PhoneNumberType.UNKNOWN


class PhoneInfo(NamedTuple):
    """What a phone number is."""

    e164: str
    valid: bool
    region: str | None  # the region of a valid number (US, CA, GB, …), else None
    timezones: tuple[str, ...]  # as phonenumbers.timezone.time_zones_for_number
    timezone: str | None  # the one zone stored for the contact (see ``pick_timezone``)


def pick_timezone(valid: bool, zones: tuple[str, ...], country_zones: tuple[str, ...]) -> str | None:
    """The one IANA zone stored for a contact: the first of the number's zones.

    None when the number is invalid or its zone unknown, and when only the whole country's
    list is known for a country spanning several zones (a US toll-free number is not in
    America/Adak, the first of the US list).
    """
    if not valid or not zones or zones[0] == UNKNOWN_TIMEZONE:
        return None
    if len(zones) > 1 and zones == country_zones:
        return None
    return zones[0]


@cache
def country_timezones(country_code: int) -> tuple[str, ...]:
    """phonenumbers' country-level zone list for a calling code."""
    num = phonenumbers.PhoneNumber(country_code=country_code, national_number=0)
    return tuple(timezone._country_level_time_zones_for_number(num))


def analyse_slow(text: str, region: str) -> PhoneInfo | None:
    """The reference: phonenumbers' public API. None when the text is not a phone number."""
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    valid = phonenumbers.is_valid_number(num)
    zones = tuple(timezone.time_zones_for_number(num))
    return PhoneInfo(
        phonenumbers.format_number(num, PhoneNumberFormat.E164),
        valid,
        phonenumbers.region_code_for_number(num) if valid else None,
        zones,
        pick_timezone(valid, zones, country_timezones(num.country_code)),
    )


# ------------------------------------------------------------------ number types

# The checks of phonenumbers' ``_number_type_helper``, in its order. Its
# ``_match(n, pattern, False)`` is ``pattern.match`` then ``fullmatch``: exactly ``fullmatch``.
_TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
_Desc = tuple[frozenset[int], "re.Pattern[str]"] | None


def _desc(desc: object) -> _Desc:
    """A PhoneNumberDesc as (possible lengths, compiled pattern); None if it never matches."""
    pattern = getattr(desc, "national_number_pattern", None) if desc is not None else None
    if not pattern:
        return None
    return frozenset(getattr(desc, "possible_length", ()) or ()), re.compile(pattern)


def _matches(nsn: str, desc: _Desc) -> bool:
    """phonenumbers' ``_is_number_matching_desc``."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(nsn) not in lengths:
        return False
    return pattern.fullmatch(nsn) is not None


class _TypeChecker:
    """``_number_type_helper`` for one region's metadata, patterns compiled once."""

    def __init__(self, meta: PhoneMetadata) -> None:
        self.general = _desc(meta.general_desc)
        self.special = tuple(
            (t, d) for name, t in _TYPE_ORDER if (d := _desc(getattr(meta, name))) is not None
        )
        # One alternation of all special patterns: no match means none of them matches (it
        # ignores possible lengths, so a match only means "check them one by one").
        self.any_special = (
            re.compile("|".join(f"(?:{d[1].pattern})" for _, d in self.special if d is not None))
            if self.special
            else None
        )
        self.fixed = _desc(meta.fixed_line)
        self.mobile = _desc(meta.mobile)
        self.same = bool(meta.same_mobile_and_fixed_line_pattern)

    def __call__(self, nsn: str) -> int:
        n = len(nsn)
        general = self.general
        if general is None or (general[0] and n not in general[0]) or general[1].fullmatch(nsn) is None:
            return _UNKNOWN
        if self.any_special is not None and self.any_special.fullmatch(nsn) is not None:
            for ntype, d in self.special:
                if _matches(nsn, d):
                    return ntype
        fixed = self.fixed
        if fixed is not None and not (fixed[0] and n not in fixed[0]) and fixed[1].fullmatch(nsn) is not None:
            if self.same or _matches(nsn, self.mobile):
                return _FIXED_LINE_OR_MOBILE
            return _FIXED_LINE
        if not self.same and _matches(nsn, self.mobile):
            return _MOBILE
        return _UNKNOWN


_FIXED_LINE = PhoneNumberType.FIXED_LINE
_FIXED_LINE_OR_MOBILE = PhoneNumberType.FIXED_LINE_OR_MOBILE
_MOBILE = PhoneNumberType.MOBILE


_Candidate = tuple[str, "re.Pattern[str] | None", _TypeChecker]


@cache
def _candidates(country_code: int) -> tuple[_Candidate, ...]:
    """The regions sharing a calling code, as phonenumbers tries them (leading digits or type)."""
    out: list[_Candidate] = []
    for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        meta = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region.upper())
        if meta is None:  # pragma: no cover - every listed region has metadata
            continue
        leading = re.compile(meta.leading_digits) if meta.leading_digits is not None else None
        out.append((region, leading, _TypeChecker(meta)))
    return tuple(out)


def classify(country_code: int, nsn: str) -> tuple[str | None, int]:
    """Region and type of a number: ``region_code_for_number`` and ``number_type`` in one pass.

    A single-region calling code gives that region; a shared one (+1, +44, +7 …) is resolved
    like phonenumbers' ``_region_code_for_number_from_list``: a region with leading digits
    claims the number by prefix, the others by type-matching, in the metadata's order.
    """
    candidates = _candidates(country_code)
    if len(candidates) == 1:
        region, _leading, number_type = candidates[0]
        return region, number_type(nsn)
    for region, leading, number_type in candidates:
        if leading is not None:
            if leading.match(nsn):
                return region, number_type(nsn)
        else:
            ntype = number_type(nsn)
            if ntype != _UNKNOWN:
                return region, ntype
    return None, _UNKNOWN


# ------------------------------------------------------------------ time zones

# Every proper prefix of a time-zone key: while a number's first L digits are one of these,
# a longer key may still match, so those L digits do not yet decide the zone.
_TZ_OPEN_PREFIXES = frozenset(k[:i] for k in TIMEZONE_DATA for i in range(1, len(k)))
_tz_cache: dict[str, tuple[str, ...]] = {}


def _tz_longest_prefix(digits: str) -> tuple[str, ...]:
    """phonenumbers' ``time_zones_for_geographical_number`` lookup on E.164 digits (no +)."""
    for n in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        hit = TIMEZONE_DATA.get(digits[:n])
        if hit is not None:
            return tuple(hit)
    return UNKNOWN_TIMEZONES


def geographic_timezones(digits: str) -> tuple[str, ...]:
    """Zones of a geographical number from its E.164 digits, cached by the deciding prefix."""
    n = 1
    limit = len(digits)
    while n < limit and digits[:n] in _TZ_OPEN_PREFIXES:
        n += 1
    key = digits[:n]
    hit = _tz_cache.get(key)
    if hit is None:
        hit = _tz_cache[key] = _tz_longest_prefix(digits)
    return hit


@cache
def _geographic_types(country_code: int) -> frozenset[int]:
    """The number types phonenumbers treats as geographical for a calling code."""
    return frozenset(t for t in range(12) if is_number_type_geographical(t, country_code))


def _info(country_code: int, nsn: str) -> PhoneInfo:
    """Everything about a parsed number (calling code + national significant number)."""
    region, ntype = classify(country_code, nsn)
    e164 = f"+{country_code}{nsn}"
    if ntype == _UNKNOWN:
        return PhoneInfo(e164, False, None, UNKNOWN_TIMEZONES, None)
    country = country_timezones(country_code)
    zones = geographic_timezones(e164[1:]) if ntype in _geographic_types(country_code) else country
    if len(zones) == 1:
        zone = zones[0]
        return PhoneInfo(e164, True, region, zones, None if zone == UNKNOWN_TIMEZONE else zone)
    return PhoneInfo(e164, True, region, zones, pick_timezone(True, zones, country))


# ------------------------------------------------------------------ parsing fast paths

# A North American number: optional +1 or 1, area code (optionally in parentheses),
# exchange and line, separated by nothing, a space, a dot or a dash. With +1 it is read the
# same in any default region; without, only in a North American one.
_NANP = re.compile(r"(\+?1[ .-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ .-]?(\d{3})[ .-]?(\d{4})", re.ASCII)
# Digits with spaces, dots, dashes and parentheses (parse drops all of these), with or without +.
# ASCII digits only: parse also reads other scripts' digits, which these paths leave to it.
_INTERNATIONAL = re.compile(r"\+\d[\d .()-]*\d", re.ASCII)
_NATIONAL = re.compile(r"\(?\d[\d .()-]*\d", re.ASCII)
_SEPARATORS = str.maketrans("", "", " .()-")
_NANP_REGIONS = frozenset(r for r, _, _ in _candidates(1))
_MAX_NSN = 17  # phonenumbers' _MAX_LENGTH_FOR_NSN
_BAD_LENGTH = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


class _Parser:
    """What ``phonenumbers.parse`` does with digits for one region's metadata, where it is simple.

    ``national(digits)`` returns the national significant number parse would produce, or
    None when parse would do something this does not reproduce (carrier-code transform
    rules, a leading zero kept as an "Italian" zero, odd lengths) — then the caller parses.
    """

    def __init__(self, meta: PhoneMetadata, country_code: int) -> None:
        self.meta = meta
        self.country_code = country_code
        self.cc = str(country_code)
        idd = meta.international_prefix
        self.idd = re.compile(idd) if idd else None
        npfp = meta.national_prefix_for_parsing
        self.prefix = re.compile(npfp) if npfp else None
        self.transform = bool(meta.national_prefix_transform_rule)
        general = meta.general_desc.national_number_pattern if meta.general_desc is not None else None
        self.general = re.compile(general) if general else None

    def national(self, digits: str) -> str | None:
        """parse's national-prefix stripping (``_maybe_strip_national_prefix_carrier_code``)."""
        nsn = digits
        m = self.prefix.match(digits) if self.prefix is not None else None
        if m is not None:
            if self.transform:
                return None
            general = self.general
            rest = digits[m.end() :]
            viable = general is not None and general.fullmatch(digits) is not None
            if (not viable or (general is not None and general.fullmatch(rest) is not None)) and (
                _test_number_length(rest, self.meta) not in _BAD_LENGTH
            ):
                nsn = rest
        if not 2 <= len(nsn) <= _MAX_NSN or nsn[0] == "0":
            return None
        return nsn


@cache
def _parser_for_region(region: str) -> _Parser | None:
    meta = PhoneMetadata.metadata_for_region(region, None)
    return _parser(meta)


@cache
def _parser_for_code(country_code: int) -> _Parser | None:
    region = COUNTRY_CODE_TO_REGION_CODE[country_code][0]
    if region == REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    meta = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    return _parser(meta)


def _parser(meta: PhoneMetadata | None) -> _Parser | None:
    """A parser for ``meta``; None (the caller parses) without metadata or its calling code."""
    if meta is None or meta.country_code is None:
        return None
    return _Parser(meta, meta.country_code)


def _international(text: str) -> PhoneInfo | None:
    """``+CC NSN`` as parse reads it; None to use the slow path."""
    digits = text[1:].translate(_SEPARATORS)
    if digits[0] == "0":
        return None
    for i in (1, 2, 3):
        cc = int(digits[:i])
        if cc in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    parser = _parser_for_code(cc)
    if parser is None or len(digits) - i < 2:
        return None
    nsn = parser.national(digits[i:])
    return _info(cc, nsn) if nsn is not None else None


def _national(text: str, region: str) -> PhoneInfo | None:
    """A number without +, read in ``region`` as parse reads it; None to use the slow path."""
    parser = _parser_for_region(region)
    if parser is None:
        return None
    digits = text.translate(_SEPARATORS)
    if (
        len(digits) < 3
        or digits.startswith(parser.cc)
        or (parser.idd is not None and parser.idd.match(digits))
    ):
        return None
    nsn = parser.national(digits)
    return _info(parser.country_code, nsn) if nsn is not None else None


def analyse(text: str, region: str) -> PhoneInfo | None:
    """E.164, validity, region and time zones of ``text``; None when it is not a phone number.

    ``region`` is used for numbers written without ``+country code``. The result equals
    ``analyse_slow`` for every input.
    """
    m = _NANP.fullmatch(text)
    if m is not None and (region in _NANP_REGIONS or text[0] == "+"):
        _, bracketed, area, exchange, line = m.groups()
        return _info(1, (bracketed or area) + exchange + line)
    first = text[:1]
    info = None
    if first == "+":
        if _INTERNATIONAL.fullmatch(text):
            info = _international(text)
    elif _NATIONAL.fullmatch(text):
        info = _national(text, region)
    if info is not None:
        return info
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    # parse either raises or sets the calling code (from the number, else from ``region``)
    return _info(cast(int, num.country_code), national_significant_number(num))


def lead_region(country: object, default_region: str) -> str:
    """The region a lead's numbers are read in: its ``country``'s, else ``default_region``.

    ``country`` is the lead's field as given (text, or anything a JSON Lines row holds).
    """
    return (region_for_country(country) if type(country) is str else None) or default_region


def analyse_in(text: str, region: str, default_region: str) -> PhoneInfo | None:
    """``text`` read in ``region`` (the lead's, see ``lead_region``), else in ``default_region``.

    The one definition of the fallback: a number that is not valid in the lead's region (a
    UK lead giving a US number without +1) is read again in ``default_region``, and that
    reading is taken when it is valid.
    """
    info = analyse(text, region)
    if region != default_region and (info is None or not info.valid):
        other = analyse(text, default_region)
        if other is not None and other.valid:
            return other
    return info


# ------------------------------------------------------------------ country names

# Country names as people write them in lead files (compared lower-case, without spaces,
# dots, dashes or apostrophes). Two-letter region codes (US, GB, DE …) are accepted too.
_COUNTRY_NAMES = {
    "US": "united states, united states of america, usa, america, u.s.a., u.s.",
    "CA": "canada",
    "GB": "united kingdom, uk, great britain, britain, england, scotland, wales, northern ireland",
    "IE": "ireland, republic of ireland, eire",
    "DE": "germany, deutschland",
    "FR": "france",
    "ES": "spain, españa, espana",
    "PT": "portugal",
    "IT": "italy, italia",
    "NL": "netherlands, the netherlands, holland, nederland",
    "BE": "belgium, belgique, belgie",
    "LU": "luxembourg",
    "CH": "switzerland, schweiz, suisse",
    "AT": "austria, österreich, osterreich",
    "SE": "sweden, sverige",
    "NO": "norway, norge",
    "DK": "denmark, danmark",
    "FI": "finland, suomi",
    "IS": "iceland",
    "PL": "poland, polska",
    "CZ": "czech republic, czechia",
    "SK": "slovakia",
    "HU": "hungary",
    "RO": "romania",
    "BG": "bulgaria",
    "GR": "greece",
    "HR": "croatia",
    "SI": "slovenia",
    "RS": "serbia",
    "EE": "estonia",
    "LV": "latvia",
    "LT": "lithuania",
    "UA": "ukraine",
    "RU": "russia, russian federation",
    "TR": "turkey, türkiye, turkiye",
    "IL": "israel",
    "AE": "united arab emirates, uae",
    "SA": "saudi arabia",
    "QA": "qatar",
    "EG": "egypt",
    "ZA": "south africa",
    "NG": "nigeria",
    "KE": "kenya",
    "MA": "morocco",
    "IN": "india",
    "PK": "pakistan",
    "BD": "bangladesh",
    "LK": "sri lanka",
    "SG": "singapore",
    "MY": "malaysia",
    "ID": "indonesia",
    "PH": "philippines",
    "TH": "thailand",
    "VN": "vietnam, viet nam",
    "CN": "china, peoples republic of china",
    "HK": "hong kong",
    "TW": "taiwan",
    "JP": "japan",
    "KR": "south korea, korea, republic of korea",
    "AU": "australia",
    "NZ": "new zealand",
    "MX": "mexico, méxico",
    "BR": "brazil, brasil",
    "AR": "argentina",
    "CL": "chile",
    "CO": "colombia",
    "PE": "peru",
    "PR": "puerto rico",
}
_COUNTRY_KEY = str.maketrans("", "", " .-_'")


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {region.lower(): region for region in phonenumbers.SUPPORTED_REGIONS}
    names["uk"] = "GB"
    for region, spellings in _COUNTRY_NAMES.items():
        for name in spellings.split(","):
            names[name.strip().lower().translate(_COUNTRY_KEY)] = region
    return names


_country_cache: dict[str, str | None] = {}


def region_for_country(country: str | None) -> str | None:
    """A region code for a country as people write it ("United Kingdom", "UK", "usa", "CA")."""
    if not country:
        return None
    hit = _country_cache.get(country, "")
    if hit != "":
        return hit
    region = _country_names().get(country.strip().lower().translate(_COUNTRY_KEY))
    if len(_country_cache) < 10_000:
        _country_cache[country] = region
    return region
