"""Typed comparisons: how one field of two records is prepared and compared, in levels.

Each comparator has

- ``prep``: a raw field value → a prepared value (None when empty), computed once per record;
- ``level``: two prepared values → a level index, 0 the best agreement (always "the same
  value"), the last "else"; missing values have no level (they are no evidence either way);
- ``sim``: the similarity in [0, 1] the untrained (weighted) score uses;
- ``tf_key``: the value whose frequency adjusts an exact agreement (a common surname, a shared
  mailbox, a switchboard number count for less than a rare one).

Fellegi–Sunter (:mod:`fellegi_sunter`) learns an m and u probability per level. Pure Python,
no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel, JaroWinkler

from leadctl.services.dedupe.keys import (
    _FORMALS,
    PREP,
    NameValue,
    _fold,
    domain_of,
)
from leadctl.services.dedupe.names import PERSONAL_DOMAINS, ROLE_MAILBOXES, STREET_WORDS

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"\D+")


@dataclass(frozen=True)
class Comparator:
    levels: tuple[str, ...]  # level names, best first; the last is "else"
    prep: Callable[[str], Any]
    level: Callable[[Any, Any], int]
    sim: Callable[[Any, Any], float]
    tf_key: Callable[[Any], str]


def _bucket(sim: Callable[[Any, Any], float], cuts: tuple[float, ...]) -> Callable[[Any, Any], int]:
    """A level function from a similarity: level k when the similarity reaches cuts[k]."""

    def level(a: Any, b: Any) -> int:
        s = sim(a, b)
        for k, cut in enumerate(cuts):
            if s >= cut:
                return k
        return len(cuts)

    return level


def _from_levels(level: Callable[[Any, Any], int], sims: tuple[float, ...]) -> Callable[[Any, Any], float]:
    def sim(a: Any, b: Any) -> float:
        return sims[level(a, b)]

    return sim


# ------------------------------------------------------------------ today's comparators


def _word_sim(a: str, b: str) -> float:
    """Similarity of two name words, tuned for typing errors.

    One edit (typo, transposition, missing or doubled letter) in a word of four letters or more
    scores 0.92 and two edits in a long word 0.8; otherwise the normalised edit similarity is
    scaled down, so different names ("Nasser"/"Visser", "Javier"/"Julien") stay low.
    """
    if a == b:
        return 1.0
    d = OSA.distance(a, b)
    shortest = min(len(a), len(b))
    if d == 1:
        return 0.92 if max(len(a), len(b)) >= 4 else 0.7
    if d == 2 and shortest >= 7:
        return 0.8
    return 0.8 * (1.0 - d / max(len(a), len(b)))


def _first_sim(f1: str, F1: frozenset[str], f2: str, F2: frozenset[str]) -> float:
    if f1 == f2 or not F1.isdisjoint(F2):
        return 1.0
    if len(f1) == 1 or len(f2) == 1:  # an initial: "R." ~ "Robert" (and ~ "Bob", via Robert)
        initial, other, formals = (f1, f2, F2) if len(f1) == 1 else (f2, f1, F1)
        return 0.9 if initial == other[0] or any(x[0] == initial for x in formals) else 0.0
    return _word_sim(f1, f2)


def _last_sim(l1: str, l2: str) -> float:
    if (len(l1) == 1) != (len(l2) == 1):  # a surname initial: "Zofia T." ~ "Zofia Tanaka"
        initial, other = (l1, l2) if len(l1) == 1 else (l2, l1)
        return 0.85 if other[0] == initial else 0.0
    return _word_sim(l1, l2)


def _name_pair(f1: str, F1: frozenset[str], l1: str, f2: str, F2: frozenset[str], l2: str) -> float:
    if l1 and l2:
        last = _last_sim(l1, l2)
        if f1 and f2:
            score = _first_sim(f1, F1, f2, F2) * last
            if (len(f1) == 1 and len(l1) == 1) or (len(f2) == 1 and len(l2) == 1):
                return min(score, 0.6)  # "Z. T." is too little of a name to match on
            return score
        return 0.85 * last
    if f1 and f2:
        return 0.6 * _first_sim(f1, F1, f2, F2)
    return 0.0


def name_similarity(a: NameValue, b: NameValue) -> float:
    """Similarity of two names in [0, 1]: typos, nicknames, initials and swapped first/last."""
    straight = _name_pair(a.first, a.first_formal, a.last, b.first, b.first_formal, b.last)
    if straight >= 0.97:
        return straight
    swapped = 0.98 * _name_pair(a.first, a.first_formal, a.last, b.last, b.last_formal, b.first)
    return max(straight, swapped)


def name_overlap(a: NameValue, b: NameValue) -> float:
    """How well the best-matching part of two names agrees (first or last, either way round):
    low only when the two names share nothing — "Zed Quill" and "Robert Smith"."""
    best = 0.0
    for x, xf in ((a.first, a.first_formal), (a.last, a.last_formal)):
        for y, yf in ((b.first, b.first_formal), (b.last, b.last_formal)):
            if x and y and len(x) > 1 and len(y) > 1:
                best = max(best, 1.0 if x == y or not xf.isdisjoint(yf) else _word_sim(x, y))
    return best


def _sim_exact(a: Any, b: Any) -> float:
    return 1.0 if a == b else 0.0


def _sim_fuzzy(a: str, b: str) -> float:
    return 1.0 if a == b else fuzz.token_sort_ratio(a, b) / 100.0


def _sim_company(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return (fuzz.token_set_ratio(a, b) + fuzz.ratio(a, b)) / 200.0


def _sim_domain(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return Indel.normalized_similarity(a.rsplit(".", 1)[0], b.rsplit(".", 1)[0]) * 0.9


def _sim_phone(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """1 when the two share a number (last nine digits, so national and E.164 spellings agree)."""
    for x in a:
        for y in b:
            if x[-9:] == y[-9:]:
                return 1.0
    return 0.0


def _level_phone(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """0 a shared number, 1 one digit apart, 2 the same last 7 digits, 3 else."""
    best = 3
    for x in a:
        for y in b:
            x9, y9 = x[-9:], y[-9:]
            if x9 == y9:
                return 0
            if len(x9) == len(y9) and OSA.distance(x9, y9) == 1:
                best = min(best, 1)
            elif x[-7:] == y[-7:]:
                best = min(best, 2)
    return best


@lru_cache(maxsize=1 << 16)
def _local(email: str) -> str:
    return _NON_ALNUM.sub("", email.rpartition("@")[0].split("+", 1)[0])


def _sim_email(a: str, b: str) -> float:
    """Similarity of the mailbox names (the domain is the company's business, not the person's)."""
    return 1.0 if a == b else Indel.normalized_similarity(_local(a), _local(b))


@lru_cache(maxsize=1 << 16)
def is_generic_email(email: str) -> bool:
    """A role mailbox (info@, sales@ …) or a bare first name at a free-mail provider (john@aol.com):
    addresses several people share, so agreeing on one is weaker evidence."""
    local, _, domain = email.rpartition("@")
    if local.split("+", 1)[0] in ROLE_MAILBOXES:
        return True
    return domain in PERSONAL_DOMAINS and local in _FORMALS


def _level_email(a: str, b: str) -> int:
    """0 the same address, 1 the same role or free-mail address, 2 the same mailbox name at
    another domain, 3 else. (The company's domain is the domain field's evidence, not this.)"""
    if a == b:
        return 1 if is_generic_email(a) else 0
    if a.rpartition("@")[0] == b.rpartition("@")[0] and not is_generic_email(a):
        return 2
    return 3


def _prep_email(raw: str) -> str | None:
    from leadctl.services.dedupe.keys import normalise_email

    return normalise_email(raw) or None


def _tf_name(v: NameValue) -> str:
    return f"{v.first} {v.last}"


def _tf_phone(v: tuple[str, ...]) -> str:
    return v[0][-9:]


# ------------------------------------------------------------------ new comparators


@lru_cache(maxsize=1 << 17)
def _prep_text(raw: str) -> str | None:
    """Folded words, punctuation gone, nothing expanded ("51st St." → "51st st")."""
    return " ".join(t for t in _NON_ALNUM.split(_fold(raw)) if t) or None


def _jw(a: str, b: str) -> float:
    return 1.0 if a == b else JaroWinkler.similarity(a, b)


_level_text = _bucket(_jw, (1.0, 0.92, 0.8))


def _level_fuzzy(a: str, b: str) -> int:
    """0 the same words, 1 the same words in another order or one a subset, 2 close, 3 else."""
    if a == b:
        return 0
    if fuzz.token_set_ratio(a, b) >= 95:
        return 1
    return 2 if fuzz.token_sort_ratio(a, b) >= 80 else 3


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


@lru_cache(maxsize=1 << 17)
def _prep_date(raw: str) -> tuple[str, int] | None:
    """("YYYYMMDD", days since year 1) for ISO, D/M/Y (M/D/Y when the month cannot be one) and
    YYYYMMDD dates; an impossible date keeps its digits (for the one-typo level) and no day."""
    s = raw.strip()
    for rx in _DATE_FORMATS:
        m = rx.match(s)
        if m:
            y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
            if mo > 12 and d <= 12:
                mo, d = d, mo
            digits = f"{y:04d}{mo:02d}{d:02d}"
            try:
                return digits, date(y, mo, d).toordinal()
            except ValueError:
                return digits, -1
    digits = _NON_DIGIT.sub("", s)
    return (digits, -1) if len(digits) >= 6 else None


def _level_date(a: tuple[str, int], b: tuple[str, int]) -> int:
    """0 the same, 1 day and month swapped, 2 one typo, 3 within a year, 4 else."""
    da, db = a[0], b[0]
    if da == db:
        return 0
    if len(da) == 8 and len(db) == 8 and da[:4] == db[:4] and da[4:6] == db[6:8] and da[6:8] == db[4:6]:
        return 1
    if OSA.distance(da, db) == 1:
        return 2
    if a[1] > 0 and b[1] > 0 and abs(a[1] - b[1]) <= 366:
        return 3
    return 4


@lru_cache(maxsize=1 << 16)
def _prep_number(raw: str) -> float | None:
    s = raw.strip().replace(",", "")
    m = re.match(r"^[-+]?\d*\.?\d+", s)
    if not m:
        return None
    try:
        return float(m.group(0))
    except ValueError:
        return None


def _level_number(a: float, b: float) -> int:
    """0 the same, 1 within 1% (or 1 unit for numbers up to 100), 2 else."""
    if a == b:
        return 0
    if abs(a - b) <= max(0.01 * max(abs(a), abs(b)), 1.0 if max(abs(a), abs(b)) <= 100 else 0.0):
        return 1
    return 2


def _tf_number(v: float) -> str:
    return f"{v:g}"


@lru_cache(maxsize=1 << 16)
def _prep_postcode(raw: str) -> str | None:
    return _NON_ALNUM.sub("", _fold(raw)) or None


def _level_postcode(a: str, b: str) -> int:
    """0 the same, 1 one a prefix of the other (a partial code), 2 the same first 3, 3 else."""
    if a == b:
        return 0
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) >= 2 and long_.startswith(short):
        return 1
    return 2 if len(a) >= 3 and len(b) >= 3 and a[:3] == b[:3] else 3


_HOUSE = re.compile(r"^\d+[a-z]?$")
# A house number with one typo ("5g3" for 543): digits but for one character.
_HOUSE_TYPO = re.compile(r"^(?=(?:[a-z]?\d){2})[a-z\d]{2,6}$")
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$")


def _is_house(token: str) -> bool:
    if _ORDINAL.match(token):
        return False
    return bool(_HOUSE.match(token)) or (
        bool(_HOUSE_TYPO.match(token)) and sum(not c.isdigit() for c in token) == 1 and token[0].isdigit()
    )


@lru_cache(maxsize=1 << 17)
def _prep_address(raw: str) -> tuple[str, str] | None:
    """(house number, street): street types and directions in one spelling (Street → st,
    North → n), an ordinal such as 51st kept as it is, filler (unit/apt numbers stay)."""
    tokens = [t for t in _NON_ALNUM.split(_fold(raw)) if t]
    if not tokens:
        return None
    number = ""
    if _is_house(tokens[0]) and len(tokens) > 1:
        number, tokens = tokens[0], tokens[1:]
    street = " ".join(t if _ORDINAL.match(t) else STREET_WORDS.get(t, t) for t in tokens)
    return number, street


def _same_number(a: str, b: str) -> bool:
    """The same house number, or one spelt with a typo that put a letter in it (5g3 / 543); two
    different digits (12 / 14) are two different numbers."""
    if a == b:
        return True
    if a.isdigit() and b.isdigit():
        return False
    return OSA.distance(a, b) == 1


def _level_address(a: tuple[str, str], b: tuple[str, str]) -> int:
    """0 the same, 1 the same number (or a typo of it) and a close street, 2 a close street and
    a number on one side only, 3 a close street at another number (another building), 4 the
    same number and a loosely similar street, 5 else."""
    if a == b:
        return 0
    s = _jw(a[1], b[1])
    if a[0] and b[0]:
        same = _same_number(a[0], b[0])
        if s >= 0.92:
            return 1 if same else 3
        return 4 if same and s >= 0.75 else 5
    return 2 if s >= 0.92 else 5


def _tf_address(v: tuple[str, str]) -> str:
    return f"{v[0]} {v[1]}"


def _prep_domain(raw: str) -> str | None:
    return domain_of(raw) or None


def _str(v: Any) -> str:
    return str(v)


COMPARATORS: dict[str, Comparator] = {
    "exact": Comparator(("exact", "else"), PREP["exact"], lambda a, b: 0 if a == b else 1, _sim_exact, _str),
    "text": Comparator(
        ("exact", "jaro-winkler ≥ 0.92", "jaro-winkler ≥ 0.8", "else"),
        _prep_text,
        _level_text,
        _jw,
        _str,
    ),
    "fuzzy": Comparator(
        ("exact", "same words", "token sort ≥ 0.8", "else"), PREP["fuzzy"], _level_fuzzy, _sim_fuzzy, _str
    ),
    "name": Comparator(
        ("same (or nickname)", "≥ 0.92 (typo, swap)", "≥ 0.8 (initial, typos)", "else"),
        PREP["name"],
        _bucket(name_similarity, (0.999, 0.9, 0.8)),  # type: ignore[arg-type]
        name_similarity,  # type: ignore[arg-type]
        _tf_name,
    ),
    "company": Comparator(
        ("exact", "≥ 0.92", "≥ 0.8", "else"),
        PREP["company"],
        _bucket(_sim_company, (1.0, 0.92, 0.8)),
        _sim_company,
        _str,
    ),
    "phone": Comparator(
        ("same number", "one digit apart", "same last 7 digits", "else"),
        PREP["phone"],
        _level_phone,
        _sim_phone,
        _tf_phone,
    ),
    "email": Comparator(
        ("same address", "same role or free-mail address", "same mailbox", "else"),
        _prep_email,
        _level_email,
        _sim_email,
        _str,
    ),
    "domain": Comparator(
        ("exact", "≥ 0.8", "else"), _prep_domain, _bucket(_sim_domain, (1.0, 0.8)), _sim_domain, _str
    ),
    "date": Comparator(
        ("same", "day and month swapped", "one typo", "within a year", "else"),
        _prep_date,
        _level_date,
        _from_levels(_level_date, (1.0, 0.9, 0.85, 0.5, 0.0)),
        lambda v: v[0],
    ),
    "number": Comparator(
        ("same", "within 1%", "else"),
        _prep_number,
        _level_number,
        _from_levels(_level_number, (1.0, 0.8, 0.0)),
        _tf_number,
    ),
    "postcode": Comparator(
        ("same", "one a prefix of the other", "same first 3", "else"),
        _prep_postcode,
        _level_postcode,
        _from_levels(_level_postcode, (1.0, 0.85, 0.6, 0.0)),
        _str,
    ),
    "address": Comparator(
        (
            "same",
            "same number, close street",
            "close street, one number missing",
            "close street, other number",
            "same number",
            "else",
        ),
        _prep_address,
        _level_address,
        _from_levels(_level_address, (1.0, 0.92, 0.8, 0.3, 0.5, 0.0)),
        _tf_address,
    ),
}
