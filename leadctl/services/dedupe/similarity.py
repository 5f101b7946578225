"""Pair scoring: name similarity, per-field comparators, the weighted score and its explanation.

- **exact keys** — the same normalised e-mail, a shared phone in E.164 or the same external id
  make two leads duplicates outright, unless the key is switched off;
- **fuzzy score** — a weighted mean of per-field similarities (rapidfuzz), each field compared
  with a comparator: ``name`` (initials, swapped first/last, nicknames, typos), ``company``
  (legal suffixes ignored), ``email``, ``phone``, ``domain``, ``fuzzy`` text or ``exact``. A
  field's ``min`` caps the score at that field's similarity when it falls below it, and a
  ``required`` field must be present on both leads. A pair is a duplicate when the score
  reaches ``threshold``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel

from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.keys import NameValue, NormRecord


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


SIM: dict[str, Callable[[Any, Any], float]] = {
    "exact": _sim_exact,
    "fuzzy": _sim_fuzzy,
    "company": _sim_company,
    "domain": _sim_domain,
    "phone": _sim_phone,
    "name": name_similarity,  # type: ignore[dict-item]
    "email": _sim_email,
}


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


def exact_rule(a: NormRecord, b: NormRecord, config: MatchConfig) -> str:
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
        s = SIM[rule.compare](x, y)
        if s < rule.min and s < floor:
            return s  # capped below floor whatever the other fields say
        sims.append(s)
    return _combine(sims, config)


def score_with_floor(a: NormRecord, b: NormRecord, config: MatchConfig, floor: float) -> tuple[float, str]:
    if config.scope == "campaign" and a.scope and b.scope and a.scope != b.scope:
        return 0.0, "scope"
    rule = exact_rule(a, b, config)
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
    need = config.min_evidence * config.total_weight
    if present < need:
        score *= present / need
    return min(score, cap)


def score(a: NormRecord, b: NormRecord, config: MatchConfig) -> float:
    """Just the score of a pair (1.0 for an exact key), without the explanation: the fast path."""
    return score_with_floor(a, b, config, 0.0)[0]


def compare(a: NormRecord, b: NormRecord, config: MatchConfig) -> Comparison:
    """Score a pair and explain it: which rule fired and how similar each field is."""
    values: list[float | None] = []
    for i, rule in enumerate(config.active_fields):
        x, y = a.values[i], b.values[i]
        values.append(None if x is None or y is None else SIM[rule.compare](x, y))
    sims = {rule.name: v for rule, v in zip(config.active_fields, values, strict=True)}
    if config.scope == "campaign" and a.scope and b.scope and a.scope != b.scope:
        return Comparison(0.0, "scope", sims, config.threshold, "different campaigns")
    exact = exact_rule(a, b, config)
    if exact:
        return Comparison(1.0, exact, sims, config.threshold, "same " + exact.split(":")[1].replace("_", " "))
    notes = []
    for r, s in zip(config.active_fields, values, strict=True):
        if s is None and r.required:
            notes.append(f"{r.name} missing on one side")
        elif s is not None and s < r.min:
            notes.append(f"{r.name} {s:.2f} below its minimum {r.min:.2f}")
    return Comparison(_combine(values, config), "fuzzy", sims, config.threshold, "; ".join(notes))
