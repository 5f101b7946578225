"""Normalisation and blocking keys: what matching needs from one lead, computed once.

Text, company, domain, e-mail and phone normalisers; person names ready to compare (folded,
with the formal names a nickname may stand for); :func:`normalise` turns a lead or client
record into a :class:`NormRecord`, and :func:`blocking_keys` gives its candidate keys (exact
keys ``e:``/``p:``/``x:``, fuzzy keys ``c:``/``d:``/``s:``/``n:``). Pure Python, no database.

Virtual fields: ``name`` (first_name + last_name, or full_name), ``phone`` (business_phone and
mobile_phone) and ``domain`` (website, else the e-mail domain unless it is a free-mail provider).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.names import (
    ABBREVIATIONS,
    COMPANY_STOPWORDS,
    GMAIL_DOMAINS,
    LEGAL_SUFFIXES,
    NICKNAMES,
    PERSONAL_DOMAINS,
    TEXT_STOPWORDS,
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"\D+")


@lru_cache(maxsize=1 << 17)
def _fold(text: str) -> str:
    """Lower-case ASCII: accents removed (Müller → muller)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@lru_cache(maxsize=1 << 17)
def text_key(text: str) -> str:
    """Words for fuzzy comparison: folded, punctuation gone, abbreviations expanded, no stopwords."""
    words: list[str] = []
    for token in _NON_ALNUM.split(_fold(text)):
        if token:
            expanded = ABBREVIATIONS.get(token, token)
            words.extend(w for w in expanded.split() if w not in TEXT_STOPWORDS)
    return " ".join(words)


@lru_cache(maxsize=1 << 17)
def company_key(text: str) -> str:
    """A company name without legal form or filler: "The Acme Group, Inc." → "acme"."""
    tokens = [t for t in _NON_ALNUM.split(_fold(text.replace("&", " and "))) if t]
    while tokens and (tokens[-1] in LEGAL_SUFFIXES or tokens[-1] in COMPANY_STOPWORDS):
        tokens.pop()
    while tokens and tokens[0] in ("the",):
        tokens.pop(0)
    return " ".join(tokens)


def domain_of(text: str) -> str:
    """The host of a URL, bare domain or e-mail address, lower-case, without ``www.``."""
    s = text.strip().lower()
    if not s:
        return ""
    if "@" in s:
        s = s.rpartition("@")[2]
    if "://" in s:
        s = s.split("://", 1)[1]
    for sep in "/?#:":
        s = s.split(sep, 1)[0]
    if s.startswith("www."):
        s = s[4:]
    return s.strip(".")


_interned: dict[str, str] = {}


def _intern(text: str) -> str:
    """One shared string object per distinct value (domains repeat across many leads)."""
    if len(_interned) > 1 << 20:
        _interned.clear()
    return _interned.setdefault(text, text)


@lru_cache(maxsize=1 << 16)
def _domain_cached(text: str) -> str:
    return _intern(domain_of(text))


def normalise_email(text: str, gmail_folding: bool = True) -> str:
    """Lower-cased e-mail; with folding, Gmail dots and +tags removed. "" when not an address."""
    s = text.strip().lower()
    local, at, domain = s.rpartition("@")
    if not at or not local or "." not in domain or " " in s:
        return ""
    if gmail_folding and domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def normalise_phone(text: str) -> str:
    """E.164 as given (``+14155550132``); other spellings reduced to their digits."""
    s = text.strip()
    if not s:
        return ""
    if s[0] == "+" and s[1:].isdigit() and s.isascii():  # E.164 already (stored phones)
        return s if len(s) >= 7 else ""
    digits = _NON_DIGIT.sub("", s)
    if len(digits) < 6:
        return ""
    if s.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def _formal_sets() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for formal, shorts in NICKNAMES.items():
        out.setdefault(formal, set()).add(formal)
        for short in shorts:
            out.setdefault(short, set()).add(formal)
    return {k: frozenset(v) for k, v in out.items()}


_FORMALS = _formal_sets()


@dataclass(frozen=True, slots=True)
class NameValue:
    """A person's name, ready to compare: folded letters only, plus the formal names it may stand for."""

    first: str
    last: str
    first_formal: frozenset[str]
    last_formal: frozenset[str]


_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 17)
def _name_part(text: str) -> tuple[str, frozenset[str]]:
    tokens = [t for t in _NON_ALNUM.split(_fold(text)) if t]
    if not tokens:
        return "", _EMPTY
    joined = "".join(tokens)
    return joined, _FORMALS.get(tokens[0], _FORMALS.get(joined, frozenset((tokens[0],))))


def name_value(first: str, last: str) -> NameValue | None:
    f, ff = _name_part(first)
    ln, lf = _name_part(last)
    if not f and not ln:
        return None
    return NameValue(f, ln, ff, lf)


def split_full_name(text: str) -> tuple[str, str]:
    """("First Middle", "Last") from "First Middle Last" or "Last, First"."""
    s = text.strip()
    if "," in s:
        last, _, first = s.partition(",")
        return first.strip(), last.strip()
    parts = s.split()
    if len(parts) < 2:
        return "", s
    return " ".join(parts[:-1]), parts[-1]


# Per-comparator: prepare a raw string (None when empty) and compare two prepared values.


def _prep_exact(raw: str) -> str | None:
    s = " ".join(raw.split()).lower()
    return s or None


def _prep_fuzzy(raw: str) -> str | None:
    return text_key(raw) or None


def _prep_company(raw: str) -> str | None:
    return company_key(raw) or None


def _prep_domain(raw: str) -> str | None:
    return domain_of(raw) or None


def _prep_phone(raw: str) -> tuple[str, ...] | None:
    p = normalise_phone(raw)
    return (p,) if p else None


def _prep_name(raw: str) -> NameValue | None:
    first, last = split_full_name(raw)
    return name_value(first, last)


PREP: dict[str, Callable[[str], Any]] = {
    "exact": _prep_exact,
    "fuzzy": _prep_fuzzy,
    "company": _prep_company,
    "domain": _prep_domain,
    "phone": _prep_phone,
    "name": _prep_name,
    "email": lambda raw: normalise_email(raw) or None,
}


class NormRecord:
    """Everything matching needs from one lead, computed once (see :func:`normalise`)."""

    __slots__ = (
        "email",
        "phones",
        "external_id",
        "scope",
        "initials",
        "company",
        "domain",
        "name_keys",
        "values",
        "name",
        "rule_keys",
    )

    def __init__(
        self,
        email: str,
        phones: tuple[str, ...],
        external_id: str,
        scope: str,
        initials: str,
        company: str,
        domain: str,
        name_keys: tuple[str, ...],
        values: tuple[Any, ...],
        name: NameValue | None = None,
        rule_keys: tuple[str, ...] = (),
    ) -> None:
        self.email = email
        self.phones = phones
        self.external_id = external_id
        self.scope = scope
        self.initials = initials
        self.company = company
        self.domain = domain
        self.name_keys = name_keys
        self.values = values
        self.name = name
        self.rule_keys = rule_keys

    def __repr__(self) -> str:
        return (
            f"NormRecord(email={self.email!r}, phones={self.phones!r}, company={self.company!r}, "
            f"domain={self.domain!r}, initials={self.initials!r}, values={self.values!r})"
        )


def _get(record: Mapping[Any, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        custom = record.get("custom")
        if isinstance(custom, Mapping):
            value = custom.get(name)
        if value is None:
            return ""
    return value if isinstance(value, str) else str(value)


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnraeiouyhw", "11112222222233455666666666")


def _phonetic(word: str) -> str:
    """American Soundex (H and W treated as vowels), e.g. smith, smyth → s530."""
    if not word:
        return ""
    codes = word.translate(_SOUNDEX)
    out = [word[0]]
    prev = codes[0]
    for c in codes[1:]:
        if c != prev and c != "6" and c.isdigit():
            out.append(c)
        prev = c
        if len(out) == 4:
            break
    return "".join(out).ljust(4, "0")


_BASE_FIELDS = ("email", "business_phone", "mobile_phone", "first_name", "last_name", "company", "website")


def normalise(record: Mapping[Any, Any], config: MatchConfig) -> NormRecord:
    """Precompute what blocking and comparison need for one lead record.

    Phones are expected in E.164 already (the loader normalises them); other spellings are
    reduced to digits, so "415.555.0132" and "(415) 555-0132" still agree with each other.
    """
    get = record.get
    # _get(record, f) for the fields every record is read for; a str field is taken as it is
    email_raw, business, mobile, first, last, company_raw, website = [
        v if type(v := get(f)) is str else _get(record, f) for f in _BASE_FIELDS
    ]
    email = normalise_email(email_raw, config.gmail_folding)
    phones: list[str] = []
    for raw_phone in (business, mobile):
        p = normalise_phone(raw_phone)
        if p and p not in phones:
            phones.append(p)
    if not first and not last:
        full = _get(record, "full_name") or _get(record, "name")
        if full:
            first, last = split_full_name(full)
    name = name_value(first, last)
    company = company_key(company_raw)
    phone_tuple = tuple(phones)
    domain = _domain_cached(website) if website else ""
    if not domain:
        email_domain = email.rpartition("@")[2]
        if email_domain and email_domain not in PERSONAL_DOMAINS:
            domain = _intern(email_domain)

    # the compared values, in active_fields order: a virtual field compared as itself is the
    # value computed above, any other field its raw value prepared by its comparator
    computed = (name, phone_tuple or None, domain or None, email or None, company or None)
    values: list[Any] = [
        computed[at] if at >= 0 else (prep(raw) if (raw := _get(record, fname)) else None)
        for at, fname, prep in _value_plan(config)
    ]

    initials = ""
    name_keys: tuple[str, ...] = ()
    if name is not None:
        chars = {s[0] for s in (name.first, name.last) if s}
        initials = "".join(sorted(chars))
        if "name" in config.blocking and name.last:
            fi = min(name.first_formal)[0] if name.first_formal else (name.first[:1] or "_")
            keys = [f"{_phonetic(name.last)}{fi}"]
            if name.first:
                li = min(name.last_formal)[0] if name.last_formal else name.last[0]
                keys.append(f"{_phonetic(name.first)}{li}")
            name_keys = tuple(dict.fromkeys(keys))
    scope = _get(record, "campaign_id") or _get(record, "campaign") if config.scope == "campaign" else ""
    rule_keys: tuple[str, ...] = ()
    if config.field_blocking:
        rule_keys = _rule_keys(record, config, values, name, phone_tuple, email, domain)
    return NormRecord(
        email=email,
        phones=phone_tuple,
        external_id=_get(record, "external_id").strip() if "external_id" in config.exact_keys else "",
        scope=scope,
        initials=initials or "_",
        company=company[:40],
        domain=domain,
        name_keys=name_keys,
        values=tuple(values),
        name=name,
        rule_keys=rule_keys,
    )


_COMPUTED = ("name", "phone", "domain", "email", "company")  # the order of ``computed`` in normalise
_plans: dict[int, tuple[MatchConfig, tuple[tuple[int, str, Callable[[str], Any]], ...]]] = {}


def _value_plan(config: MatchConfig) -> tuple[tuple[int, str, Callable[[str], Any]], ...]:
    """Per active field: (position in normalise's computed values or -1, field name, prepare),
    worked out once per plan (kept while the plan object lives)."""
    hit = _plans.get(id(config))
    if hit is None or hit[0] is not config:
        if len(_plans) > 16:
            _plans.clear()
        preps = _preps()
        plan = tuple(
            (
                _COMPUTED.index(r.name) if r.name in _COMPUTED and r.compare == r.name else -1,
                r.name,
                preps[r.compare],
            )
            for r in config.active_fields
        )
        hit = _plans[id(config)] = (config, plan)
    return hit[1]


@lru_cache(maxsize=1)
def _preps() -> dict[str, Callable[[str], Any]]:
    from leadctl.services.dedupe.comparisons import COMPARATORS

    return {k: c.prep for k, c in COMPARATORS.items()}


def _block_value(
    fname: str,
    record: Mapping[Any, Any],
    config: MatchConfig,
    values: list[Any],
    name: NameValue | None,
    phones: tuple[str, ...],
    email: str,
    domain: str,
) -> str:
    """A field's value as blocking compares it: the compared (prepared) value when the field
    is compared, so that "1990-01-02" and "02/01/1990" agree; otherwise its folded words."""
    if fname == "name":
        return f"{name.first} {name.last}" if name is not None else ""
    if fname == "phone":
        return phones[0][-9:] if phones else ""
    if fname == "email":
        return email
    if fname == "domain":
        return domain
    if fname in ("first_name", "last_name") and name is not None:
        return name.first if fname == "first_name" else name.last
    from leadctl.services.dedupe.comparisons import COMPARATORS

    for i, rule in enumerate(config.active_fields):
        if rule.name == fname:
            v = values[i]
            return COMPARATORS[rule.compare].tf_key(v) if v is not None else ""
    raw = _get(record, fname)
    return " ".join(t for t in _NON_ALNUM.split(_fold(raw)) if t) if raw else ""


def _rule_keys(
    record: Mapping[Any, Any],
    config: MatchConfig,
    values: list[Any],
    name: NameValue | None,
    phones: tuple[str, ...],
    email: str,
    domain: str,
) -> tuple[str, ...]:
    """``b<n>:<values>`` for every field blocking rule whose fields all have a value."""
    out: list[str] = []
    for n, rule in enumerate(config.field_blocking):
        parts: list[str] = []
        for fname, transform in rule:
            v = _block_value(fname, record, config, values, name, phones, email, domain)
            if not v.strip():
                break
            if transform == "soundex":
                v = " ".join(_phonetic(w) for w in v.split())
            elif isinstance(transform, int):
                v = v[:transform]
            parts.append(v)
        else:
            out.append(f"b{n}:" + "|".join(parts))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Blocking keys
# --------------------------------------------------------------------------------------------

EXACT_PREFIXES = {"e": "email", "p": "phone", "x": "external_id"}
# Keys are stored in match_key.key (VARCHAR(200) on PostgreSQL; a test checks they agree). A valid
# value can be longer (a 231-character e-mail, a long website), so a longer key is stored as its
# kind prefix and a SHA-256: equal keys still hash equal, and no lead is ever refused for length.
MAX_KEY_LENGTH = 128


def bounded_key(key: str) -> str:
    """``key`` itself, or ``<kind>:#<sha256 hex>`` when longer than :data:`MAX_KEY_LENGTH`."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{key[:2]}#{hashlib.sha256(key.encode()).hexdigest()}"


def blocking_keys(norm: NormRecord, config: MatchConfig) -> list[str]:
    """Short candidate keys for ``norm``: two leads are compared only when they share one.

    Exact keys: ``e:<email>``, ``p:<phone>`` (each phone), ``x:<external id>`` (when that exact
    key is on). Fuzzy keys, by ``config.blocking``: ``c:<company>:<initial>`` and
    ``d:<domain>:<initial>`` (one per initial of first/last name), ``s:<last 7 phone digits>``,
    ``n:<soundex(last)><first initial>`` (and swapped). At most ~10 keys per lead; a key longer
    than :data:`MAX_KEY_LENGTH` is hashed (:func:`bounded_key`).
    """
    keys: list[str] = []
    if norm.email:
        keys.append("e:" + norm.email)
    for p in norm.phones:
        keys.append("p:" + p)
    if norm.external_id:
        keys.append("x:" + norm.external_id)
    kinds = config.blocking
    if "company" in kinds and norm.company:
        keys.extend(f"c:{norm.company}:{ch}" for ch in norm.initials)
    if "domain" in kinds and norm.domain:
        keys.extend(f"d:{norm.domain}:{ch}" for ch in norm.initials)
    if "phone_suffix" in kinds:
        keys.extend(dict.fromkeys(f"s:{p[-7:]}" for p in norm.phones if len(p) >= 7))
    if "name" in kinds:
        keys.extend(f"n:{k}" for k in norm.name_keys)
    keys.extend(norm.rule_keys)
    if any(len(k) > MAX_KEY_LENGTH for k in keys):
        return [bounded_key(k) for k in keys]
    return keys


def is_exact_key(key: str, config: MatchConfig) -> bool:
    kind = EXACT_PREFIXES.get(key[:1]) if key[1:2] == ":" else None
    return kind is not None and kind in config.exact_keys
