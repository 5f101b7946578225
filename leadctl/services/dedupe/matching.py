"""Duplicate matching: normalise leads, generate candidates by blocking keys, score pairs, cluster.

Pure Python over plain dict records (canonical lead field names, plus custom fields by name);
no database. The database layer stores :func:`blocking_keys` in an indexed table, looks up the
leads/clients sharing a key with a new lead and calls :func:`compare` on them; the batch helpers
(:class:`Index`, :func:`cluster`, :func:`sweep`) do the same in memory.

The rules come from the rules file's ``duplicates`` section (:meth:`MatchConfig.from_rules`):

- **exact keys** — the same normalised e-mail (lower-cased; Gmail dots and ``+tags`` optionally
  folded), a shared phone number in E.164 (business or mobile, either column) or the same
  external/CRM id make two leads duplicates outright, unless the key is switched off;
- **fuzzy score** — a weighted mean of per-field similarities (rapidfuzz), each field compared by
  name with a comparator: ``name`` (initials, swapped first/last, nicknames, typos), ``company``
  (legal suffixes ignored), ``email``, ``phone``, ``domain``, ``fuzzy`` text or ``exact``. A
  field's ``min`` caps the score at that field's similarity when it falls below it (two people
  with different names at one company are not merged because everything else agrees), and a
  ``required`` field must be present on both leads. A pair is a duplicate when the score reaches
  ``threshold``.

Virtual fields: ``name`` (first_name + last_name, or full_name), ``phone`` (business_phone and
mobile_phone) and ``domain`` (website, else the e-mail domain unless it is a free-mail provider).
"""

from __future__ import annotations

import gc
import re
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel

from leadctl.errors import ConfigError
from leadctl.rules.schema import BLOCKING_KINDS, COMPARATORS, EXACT_KEYS
from leadctl.rules.schema import DUPLICATE_SCOPES as SCOPES
from leadctl.rules.sections import DuplicateRules
from leadctl.services.dedupe.names import (
    ABBREVIATIONS,
    COMPANY_STOPWORDS,
    GMAIL_DOMAINS,
    LEGAL_SUFFIXES,
    NICKNAMES,
    PERSONAL_DOMAINS,
    TEXT_STOPWORDS,
)

VIRTUAL_FIELDS = ("name", "phone", "domain")

Id = Hashable

# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """One weighted field of the fuzzy score."""

    name: str
    weight: float
    compare: str = "fuzzy"
    min: float = 0.0
    required: bool = False


DEFAULT_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", 4.0, "name", min=0.75, required=True),
    FieldRule("company", 3.0, "company"),
    FieldRule("email", 1.0, "email"),
    FieldRule("phone", 1.0, "phone"),
    FieldRule("title", 1.0, "fuzzy"),
    FieldRule("city", 1.0, "fuzzy"),
    FieldRule("domain", 1.0, "domain"),
)


@dataclass(frozen=True)
class MatchConfig:
    """The duplicate rules (the rules file's ``duplicates`` section); defaults = default.yaml."""

    scope: str = "global"
    threshold: float = 0.8
    exact_keys: tuple[str, ...] = ("email", "phone")
    gmail_folding: bool = True
    fields: tuple[FieldRule, ...] = DEFAULT_FIELDS
    min_evidence: float = 0.5
    blocking: tuple[str, ...] = ("company", "domain")
    max_block_size: int = 500

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ConfigError(f"duplicates.scope: expected one of {', '.join(SCOPES)}, got {self.scope!r}")
        if not 0 <= self.threshold <= 1:
            raise ConfigError(f"duplicates.threshold: expected a number from 0 to 1, got {self.threshold!r}")
        for key in self.exact_keys:
            if key not in EXACT_KEYS:
                raise ConfigError(
                    f"duplicates.exact_keys: unknown key {key!r} (expected {', '.join(EXACT_KEYS)})"
                )
        for kind in self.blocking:
            if kind not in BLOCKING_KINDS:
                raise ConfigError(
                    f"duplicates.blocking: unknown kind {kind!r} (expected {', '.join(BLOCKING_KINDS)})"
                )
        for rule in self.fields:
            if rule.compare not in COMPARATORS:
                raise ConfigError(
                    f"duplicates.fields.{rule.name}.compare: expected one of {', '.join(COMPARATORS)}, got {rule.compare!r}"
                )
            if rule.weight < 0 or not 0 <= rule.min <= 1:
                raise ConfigError(f"duplicates.fields.{rule.name}: weight must be ≥ 0 and min from 0 to 1")
        if self.max_block_size < 2:
            raise ConfigError("duplicates.max_block_size: expected a whole number ≥ 2")
        # Precomputed plan for the hot loop: active fields, vetoes first, then by weight.
        active = [r for r in self.fields if r.weight > 0 or r.required or r.min > 0]
        active.sort(key=lambda r: (not (r.required or r.min > 0), -r.weight))
        object.__setattr__(self, "_active", tuple(active))
        object.__setattr__(self, "_total_weight", sum(r.weight for r in active))

    @property
    def active_fields(self) -> tuple[FieldRule, ...]:
        return self._active  # type: ignore[attr-defined,no-any-return]

    @classmethod
    def from_rules(cls, section: DuplicateRules) -> MatchConfig:
        """The engine's plan for the rules file's typed ``duplicates`` section."""
        return cls(
            scope=section.scope,
            threshold=section.threshold,
            exact_keys=section.exact_keys,
            gmail_folding=section.gmail_folding,
            min_evidence=section.min_evidence,
            blocking=section.blocking,
            max_block_size=section.max_block_size,
            fields=tuple(
                FieldRule(
                    name=f.name,
                    weight=1.0 if f.weight is None else f.weight,
                    compare=f.compare or _default_compare(f.name),
                    min=f.min or 0.0,
                    required=bool(f.required),
                )
                for f in section.fields
            ),
        )


def _default_compare(name: str) -> str:
    """The comparator a field gets when the rules file names none: guessed from its name."""
    n = name.lower()
    if n in ("name", "full_name", "full name", "contact name"):
        return "name"
    if "phone" in n or "mobile" in n:
        return "phone"
    if "mail" in n:
        return "email"
    if n in ("domain", "website", "web site", "url"):
        return "domain"
    if "company" in n or "account name" in n or "organization" in n or "organisation" in n:
        return "company"
    return "fuzzy"


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

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


def _email_local(email: str) -> str | None:
    """The mailbox name of a normalised address, letters and digits only (``john.smith`` → ``johnsmith``)."""
    if not email:
        return None
    return _NON_ALNUM.sub("", email.rpartition("@")[0].split("+", 1)[0]) or None


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


def _sim_email(a: str, b: str) -> float:
    """Similarity of the mailbox names (the domain is the company's business, not the person's)."""
    return 1.0 if a == b else Indel.normalized_similarity(a, b)


_PREP: dict[str, Callable[[str], Any]] = {
    "exact": _prep_exact,
    "fuzzy": _prep_fuzzy,
    "company": _prep_company,
    "domain": _prep_domain,
    "phone": _prep_phone,
    "name": _prep_name,
    "email": lambda raw: _email_local(normalise_email(raw)),
}
_SIM: dict[str, Callable[[Any, Any], float]] = {
    "exact": _sim_exact,
    "fuzzy": _sim_fuzzy,
    "company": _sim_company,
    "domain": _sim_domain,
    "phone": _sim_phone,
    "name": name_similarity,  # type: ignore[dict-item]
    "email": _sim_email,
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


def normalise(record: Mapping[Any, Any], config: MatchConfig) -> NormRecord:
    """Precompute what blocking and comparison need for one lead record.

    Phones are expected in E.164 already (the loader normalises them); other spellings are
    reduced to digits, so "415.555.0132" and "(415) 555-0132" still agree with each other.
    """
    email = normalise_email(_get(record, "email"), config.gmail_folding)
    phones: list[str] = []
    for field_name in ("business_phone", "mobile_phone"):
        p = normalise_phone(_get(record, field_name))
        if p and p not in phones:
            phones.append(p)
    first, last = _get(record, "first_name"), _get(record, "last_name")
    if not first and not last:
        full = _get(record, "full_name") or _get(record, "name")
        if full:
            first, last = split_full_name(full)
    name = name_value(first, last)
    company = company_key(_get(record, "company"))
    phone_tuple = tuple(phones)
    website = _get(record, "website")
    domain = _domain_cached(website) if website else ""
    if not domain:
        email_domain = email.rpartition("@")[2]
        if email_domain and email_domain not in PERSONAL_DOMAINS:
            domain = _intern(email_domain)

    values: list[Any] = []
    for rule in config.active_fields:
        fname = rule.name
        if fname == "name" and rule.compare == "name":
            values.append(name)
        elif fname == "phone" and rule.compare == "phone":
            values.append(phone_tuple or None)
        elif fname == "domain" and rule.compare == "domain":
            values.append(domain or None)
        elif fname == "email" and rule.compare == "email":
            values.append(_email_local(email))
        elif fname == "company" and rule.compare == "company":
            values.append(company or None)
        else:
            raw = _get(record, fname)
            values.append(_PREP[rule.compare](raw) if raw else None)

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
    )


# --------------------------------------------------------------------------------------------
# Blocking keys
# --------------------------------------------------------------------------------------------

EXACT_PREFIXES = {"e": "email", "p": "phone", "x": "external_id"}


def blocking_keys(norm: NormRecord, config: MatchConfig) -> list[str]:
    """Short candidate keys for ``norm``: two leads are compared only when they share one.

    Exact keys: ``e:<email>``, ``p:<phone>`` (each phone), ``x:<external id>`` (when that exact
    key is on). Fuzzy keys, by ``config.blocking``: ``c:<company>:<initial>`` and
    ``d:<domain>:<initial>`` (one per initial of first/last name), ``s:<last 7 phone digits>``,
    ``n:<soundex(last)><first initial>`` (and swapped). At most ~10 keys per lead.
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
    return keys


def _is_exact_key(key: str, config: MatchConfig) -> bool:
    kind = EXACT_PREFIXES.get(key[:1]) if key[1:2] == ":" else None
    return kind is not None and kind in config.exact_keys


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """The verdict on one pair: score in [0, 1], the rule that decided, per-field similarities."""

    score: float
    rule: str  # "exact:email" | "exact:phone" | "exact:external_id" | "fuzzy" | "scope"
    fields: dict[str, float | None]
    threshold: float
    note: str = ""

    @property
    def is_duplicate(self) -> bool:
        return self.score >= self.threshold

    @property
    def matched_fields(self) -> list[str]:
        """Fields that agree (similarity ≥ 0.85), strongest first."""
        return [
            k
            for k, v in sorted(self.fields.items(), key=lambda kv: -(kv[1] or 0))
            if v is not None and v >= 0.85
        ]

    @property
    def explanation(self) -> str:
        parts = ", ".join(f"{k} {'–' if v is None else f'{v:.2f}'}" for k, v in self.fields.items())
        head = (
            f"{self.rule} {self.score:.2f}"
            + (" ≥ " if self.is_duplicate else " < ")
            + f"{self.threshold:.2f}"
        )
        return f"{head}{'; ' + self.note if self.note else ''}{': ' + parts if parts else ''}"


def _exact_rule(a: NormRecord, b: NormRecord, config: MatchConfig) -> str:
    keys = config.exact_keys
    if a.email and a.email == b.email and "email" in keys:
        return "exact:email"
    if a.phones and b.phones and "phone" in keys:
        for p in a.phones:
            if p in b.phones:
                return "exact:phone"
    if a.external_id and a.external_id == b.external_id:
        return "exact:external_id"
    return ""


def _fuzzy_score(a: NormRecord, b: NormRecord, config: MatchConfig, floor: float) -> float:
    """The weighted score; may stop early (returning something < floor) once it cannot reach floor."""
    sims: list[float | None] = []
    av, bv = a.values, b.values
    for i, rule in enumerate(config.active_fields):
        x, y = av[i], bv[i]
        if x is None or y is None:
            if rule.required:
                return 0.0
            sims.append(None)
            continue
        s = _SIM[rule.compare](x, y)
        if s < rule.min and s < floor:
            return s  # capped below floor whatever the other fields say
        sims.append(s)
    return _combine(sims, config)


def _score(a: NormRecord, b: NormRecord, config: MatchConfig, floor: float) -> tuple[float, str]:
    if config.scope == "campaign" and a.scope and b.scope and a.scope != b.scope:
        return 0.0, "scope"
    rule = _exact_rule(a, b, config)
    if rule:
        return 1.0, rule
    return _fuzzy_score(a, b, config, floor), "fuzzy"


def _combine(sims: Sequence[float | None], config: MatchConfig) -> float:
    """The fuzzy score from per-field similarities: a weighted mean, capped by any field below
    its minimum, scaled down when too little of the total weight is present."""
    acc = present = 0.0
    cap = 1.0
    for rule, s in zip(config.active_fields, sims, strict=True):
        if s is None:
            if rule.required:
                return 0.0
            continue
        if s < rule.min:
            cap = min(cap, s)
        acc += rule.weight * s
        present += rule.weight
    if not present:
        return 0.0
    score = acc / present
    need = config.min_evidence * config._total_weight  # type: ignore[attr-defined]
    if present < need:
        score *= present / need
    return min(score, cap)


def score(a: NormRecord, b: NormRecord, config: MatchConfig) -> float:
    """Just the score of a pair (1.0 for an exact key), without the explanation: the fast path."""
    return _score(a, b, config, 0.0)[0]


def compare(a: NormRecord, b: NormRecord, config: MatchConfig) -> Comparison:
    """Score a pair and explain it: which rule fired and how similar each field is."""
    values: list[float | None] = []
    for i, rule in enumerate(config.active_fields):
        x, y = a.values[i], b.values[i]
        values.append(None if x is None or y is None else _SIM[rule.compare](x, y))
    sims = {rule.name: v for rule, v in zip(config.active_fields, values, strict=True)}
    if config.scope == "campaign" and a.scope and b.scope and a.scope != b.scope:
        return Comparison(0.0, "scope", sims, config.threshold, "different campaigns")
    exact = _exact_rule(a, b, config)
    if exact:
        return Comparison(1.0, exact, sims, config.threshold, "same " + exact.split(":")[1].replace("_", " "))
    notes = []
    for r, s in zip(config.active_fields, values, strict=True):
        if s is None and r.required:
            notes.append(f"{r.name} missing on one side")
        elif s is not None and s < r.min:
            notes.append(f"{r.name} {s:.2f} below its minimum {r.min:.2f}")
    return Comparison(_combine(values, config), "fuzzy", sims, config.threshold, "; ".join(notes))


# --------------------------------------------------------------------------------------------
# In-memory index (one batch, or a cache in front of the database)
# --------------------------------------------------------------------------------------------


class Index:
    """Candidate lookup by blocking key for records added so far (e.g. earlier rows of a batch)."""

    def __init__(self, config: MatchConfig) -> None:
        self.config = config
        self._keys: dict[str, list[Id]] = {}
        self._norms: dict[Id, NormRecord] = {}

    def __len__(self) -> int:
        return len(self._norms)

    def __contains__(self, id_: object) -> bool:
        return id_ in self._norms

    def get(self, id_: Id) -> NormRecord:
        return self._norms[id_]

    def add(self, id_: Id, norm: NormRecord) -> None:
        if id_ in self._norms:
            raise ValueError(f"id {id_!r} is already in the index")
        self._norms[id_] = norm
        for key in blocking_keys(norm, self.config):
            self._keys.setdefault(key, []).append(id_)

    def candidates(self, norm: NormRecord) -> list[Id]:
        """Ids sharing a blocking key with ``norm``, oldest first; huge fuzzy blocks: newest only."""
        seen: dict[Id, None] = {}
        limit = self.config.max_block_size
        for key in blocking_keys(norm, self.config):
            ids = self._keys.get(key)
            if not ids:
                continue
            if len(ids) > limit and not _is_exact_key(key, self.config):
                ids = ids[-limit:]
            for i in ids:
                seen[i] = None
        return list(seen)

    def best_match(self, norm: NormRecord) -> tuple[Id, Comparison] | None:
        """The best-scoring earlier record at or above the threshold (exact keys win), or None."""
        config = self.config
        best: tuple[float, Id] | None = None
        for id_ in self.candidates(norm):
            score, _rule = _score(norm, self._norms[id_], config, config.threshold)
            if score >= config.threshold and (best is None or score > best[0]):
                best = (score, id_)
                if score >= 1.0:
                    break
        if best is None:
            return None
        return best[1], compare(norm, self._norms[best[1]], config)


# --------------------------------------------------------------------------------------------
# Batch clustering
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """Why two members of a cluster are duplicates."""

    a: Id
    b: Id
    comparison: Comparison


@dataclass
class Cluster:
    """Leads that are one person: members in input order (the first is the survivor)."""

    members: list[Id]
    links: list[Link] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The weakest link's score."""
        return min((link.comparison.score for link in self.links), default=1.0)

    @property
    def rules(self) -> list[str]:
        return sorted({link.comparison.rule for link in self.links})


@dataclass
class ScanStats:
    records: int = 0
    keys: int = 0
    blocks: int = 0
    comparisons: int = 0
    skipped_blocks: int = 0
    skipped_records: int = 0
    largest_skipped: str = ""


class _UnionFind:
    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return False
        if ri < rj:
            self.parent[rj] = ri
        else:
            self.parent[ri] = rj
        return True


_PARTS = 64  # blocking entries are sorted one partition at a time, to bound memory


def _stable_hash(key: str) -> int:
    """64 bits, the same in every process (Python's str hash is salted per process)."""
    data = key.encode()
    return zlib.crc32(data[::-1]) << 32 | zlib.crc32(data)


@dataclass
class _Blocking:
    """Every (key hash, exact flag, record index) packed into one 63-bit integer, partitioned."""

    parts: list[array[int]]
    idx_bits: int
    hash_mask: int


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while building millions of small objects that live until the scan ends
    (each collection would rescan all of them: the scan would grow faster than linearly)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(
    records: Iterable[tuple[Id, NormRecord]], config: MatchConfig, stats: ScanStats
) -> tuple[list[Id], list[NormRecord], _Blocking]:
    with _gc_paused():
        return _load_all(records, config, stats)


def _load_all(
    records: Iterable[tuple[Id, NormRecord]], config: MatchConfig, stats: ScanStats
) -> tuple[list[Id], list[NormRecord], _Blocking]:
    ids: list[Id] = []
    norms: list[NormRecord] = []
    for id_, norm in records:
        ids.append(id_)
        norms.append(norm)
    idx_bits = max(1, len(norms).bit_length())
    hash_mask = (1 << (62 - idx_bits)) - 1
    # Exact keys in the first partitions, so that exact links are found (and explained) first.
    parts = [array("Q") for _ in range(2 * _PARTS)]
    exact_prefixes = tuple(p + ":" for p, kind in EXACT_PREFIXES.items() if kind in config.exact_keys)
    keys = 0
    for idx, norm in enumerate(norms):
        for key in blocking_keys(norm, config):
            h = _stable_hash(key) & hash_mask
            if key.startswith(exact_prefixes):
                parts[h % _PARTS].append(((h << 1 | 1) << idx_bits) | idx)
            else:
                parts[_PARTS + h % _PARTS].append((h << 1 << idx_bits) | idx)
            keys += 1
    stats.records = len(ids)
    stats.keys = keys
    return ids, norms, _Blocking(parts, idx_bits, hash_mask)


def _blocks(blocking: _Blocking) -> Iterator[tuple[int, bool, list[int]]]:
    """(key hash, exact, member indices) for every key shared by two or more records."""
    shift = blocking.idx_bits
    low = (1 << shift) - 1
    for part in blocking.parts:
        entries = sorted(part)
        n = len(entries)
        i = 0
        while i < n:
            head = entries[i] >> shift
            j = i + 1
            while j < n and entries[j] >> shift == head:
                j += 1
            if j - i > 1:
                members = sorted({e & low for e in entries[i:j]})
                if len(members) > 1:
                    yield head >> 1, bool(head & 1), members
            i = j


def _key_for_hash(norm: NormRecord, config: MatchConfig, blocking: _Blocking, h: int) -> str:
    for key in blocking_keys(norm, config):
        if _stable_hash(key) & blocking.hash_mask == h:
            return key
    return "?"


def _pairs(
    norms: list[NormRecord],
    blocking: _Blocking,
    config: MatchConfig,
    stats: ScanStats,
    connected: Callable[[int, int], bool] | None,
) -> Iterator[tuple[int, int]]:
    """Candidate pairs (i < j): exact blocks as a star from their first member, others all pairs."""
    limit = config.max_block_size
    largest = 0
    for h, exact, members in _blocks(blocking):
        stats.blocks += 1
        if exact:
            # Star from the first member: each shares the key with it, so one comparison each
            # links the whole block. Members that do not share it (a 62-bit hash collision,
            # practically never) form their own star.
            while len(members) > 1:
                first, rest = members[0], []
                for j in members[1:]:
                    if connected is not None and connected(first, j):
                        continue
                    if not _exact_rule(norms[first], norms[j], config):
                        rest.append(j)
                    yield first, j
                members = rest
            continue
        if len(members) > limit:
            stats.skipped_blocks += 1
            stats.skipped_records += len(members)
            if len(members) > largest:
                largest = len(members)
                key = _key_for_hash(norms[members[0]], config, blocking, h)
                stats.largest_skipped = f"{key} ({len(members)} leads)"
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if connected is None or not connected(i, j):
                    yield i, j


def cluster(
    records: Iterable[tuple[Id, NormRecord]],
    config: MatchConfig,
    *,
    on_warning: Callable[[str], None] | None = None,
    stats: ScanStats | None = None,
) -> list[Cluster]:
    """Duplicate clusters (two or more members) among ``records``: blocking → compare → union-find.

    ``records`` may be a generator (normalise while reading); only the normalised records are
    kept. Fuzzy blocks larger than ``max_block_size`` are skipped with one warning.
    """
    stats = stats if stats is not None else ScanStats()
    ids, norms, blocking = _load(records, config, stats)
    uf = _UnionFind(len(norms))
    find = uf.find
    threshold = config.threshold
    edges: list[tuple[int, int]] = []
    for i, j in _pairs(norms, blocking, config, stats, lambda i, j: find(i) == find(j)):
        stats.comparisons += 1
        score, _rule = _score(norms[i], norms[j], config, threshold)
        if score >= threshold and uf.union(i, j):
            edges.append((i, j))
    del blocking
    if stats.skipped_blocks and on_warning is not None:
        on_warning(
            f"skipped {stats.skipped_blocks} candidate block(s) larger than max_block_size "
            f"{config.max_block_size} (largest: {stats.largest_skipped}); raise max_block_size or "
            "choose other blocking keys to compare them"
        )
    roots = {find(i) for i, _j in edges}
    clusters: dict[int, Cluster] = {}
    for i in range(len(norms)):
        root = find(i)
        if root in roots:
            c = clusters.get(root)
            if c is None:
                clusters[root] = c = Cluster(members=[])
            c.members.append(ids[i])
    for i, j in edges:
        clusters[find(i)].links.append(Link(ids[i], ids[j], compare(norms[i], norms[j], config)))
    return list(clusters.values())  # in order of each cluster's first member


def assignments(clusters: Iterable[Cluster]) -> dict[Id, int]:
    """id → cluster number for every clustered id (ids not listed are singletons)."""
    out: dict[Id, int] = {}
    for n, c in enumerate(clusters):
        for m in c.members:
            out[m] = n
    return out


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _pairs_in(groups: Iterable[int]) -> int:
    return sum(k * (k - 1) // 2 for k in groups)


def pairwise_metrics(predicted: Mapping[Id, Hashable], truth: Mapping[Id, Hashable]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against labelled truth.

    ``truth`` maps every labelled id to its real entity; ``predicted`` maps ids to cluster ids
    (ids missing from it are singletons). Ids not in ``truth`` are ignored.
    """
    from collections import Counter

    pred_sizes: Counter[Hashable] = Counter()
    true_sizes: Counter[Hashable] = Counter()
    both: Counter[tuple[Hashable, Hashable]] = Counter()
    for id_, entity in truth.items():
        true_sizes[entity] += 1
        c = predicted.get(id_)
        if c is not None:
            pred_sizes[c] += 1
            both[(c, entity)] += 1
    tp = _pairs_in(both.values())
    predicted_pairs = _pairs_in(pred_sizes.values())
    true_pairs = _pairs_in(true_sizes.values())
    fp = predicted_pairs - tp
    fn = true_pairs - tp
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


DEFAULT_SWEEP: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


def sweep(
    records: Iterable[tuple[Id, NormRecord]],
    truth: Mapping[Id, Hashable],
    config: MatchConfig,
    thresholds: Sequence[float] = DEFAULT_SWEEP,
    *,
    stats: ScanStats | None = None,
) -> list[dict[str, float]]:
    """Pairwise metrics at each threshold (one scoring pass; rows sorted by threshold)."""
    stats = stats if stats is not None else ScanStats()
    ths = sorted(set(thresholds) | {config.threshold})
    floor = ths[0]
    ids, norms, blocking = _load(records, config, stats)
    seen: set[int] = set()
    scored: list[tuple[float, int, int]] = []
    for i, j in _pairs(norms, blocking, config, stats, None):
        pair = i << blocking.idx_bits | j
        if pair in seen:
            continue
        seen.add(pair)
        stats.comparisons += 1
        score, _rule = _score(norms[i], norms[j], config, floor)
        if score >= floor:
            scored.append((score, i, j))
    del seen, blocking
    scored.sort(reverse=True)
    rows = []
    uf = _UnionFind(len(norms))
    k = 0
    for t in sorted(ths, reverse=True):
        while k < len(scored) and scored[k][0] >= t:
            uf.union(scored[k][1], scored[k][2])
            k += 1
        predicted = {ids[i]: uf.find(i) for i in range(len(norms))}
        row = {"threshold": t, **pairwise_metrics(predicted, truth)}
        rows.append(row)
    return sorted(rows, key=lambda r: r["threshold"])
