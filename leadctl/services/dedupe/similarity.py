"""Pair scoring: the match score of two records and its explanation.

- **exact keys** — the same normalised e-mail, a shared phone in E.164 or the same external id
  are strong evidence: with ``exact_key_mode: decide`` they make two leads duplicates outright;
  with ``evidence`` (the default) only when the names do not clearly disagree and the address
  is not a role or free-mail mailbox several people share;
- **learned score** — once ``dedupe train`` stored a model for these fields, the score is the
  Fellegi–Sunter match probability (:mod:`fellegi_sunter`);
- **untrained score** — a weighted mean of per-field similarities (rapidfuzz), each field compared
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

from leadctl.services.dedupe.comparisons import COMPARATORS, is_generic_email, name_overlap, name_similarity
from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.keys import NormRecord

__all__ = ["SIM", "Comparison", "compare", "exact_rule", "name_similarity", "score", "score_with_floor"]


SIM: dict[str, Callable[[Any, Any], float]] = {k: c.sim for k, c in COMPARATORS.items()}


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


NAMES_AGREE = 0.8  # a shared e-mail or phone decides only when a part of the names agrees this well


def exact_holds(a: NormRecord, b: NormRecord, rule: str, config: MatchConfig) -> bool:
    """Whether a shared exact key (``rule``) makes the pair a duplicate by itself."""
    if config.exact_key_mode == "decide" or rule == "exact:external_id":
        return True
    if rule == "exact:email" and is_generic_email(a.email):
        return False
    if a.name is None or b.name is None:
        return True
    return name_overlap(a.name, b.name) >= NAMES_AGREE


def score_with_floor(a: NormRecord, b: NormRecord, config: MatchConfig, floor: float) -> tuple[float, str]:
    if config.scope == "campaign" and a.scope and b.scope and a.scope != b.scope:
        return 0.0, "scope"
    rule = exact_rule(a, b, config)
    model = config.model
    if rule and (model is None or config.exact_key_mode == "decide") and exact_holds(a, b, rule, config):
        return 1.0, rule
    if model is not None:
        p = model.probability(a.values, b.values)
        if not (rule and exact_holds(a, b, rule, config)):  # a holding exact key outweighs vetoes
            p = _vetoed(a, b, config, p)
        return p, rule or "model"
    return _fuzzy_score(a, b, config, floor), "fuzzy"


def _vetoed(a: NormRecord, b: NormRecord, config: MatchConfig, p: float) -> float:
    """A learned probability under the rules' vetoes: a ``required`` field missing on one side
    gives 0; a field below its ``min`` caps the score at its similarity (as untrained)."""
    for i, rule in enumerate(config.active_fields):
        if not (rule.required or rule.min > 0):
            break  # vetoes come first in active_fields
        x, y = a.values[i], b.values[i]
        if x is None or y is None:
            if rule.required:
                return 0.0
            continue
        s = SIM[rule.compare](x, y)
        if s < rule.min:
            p = min(p, s)
    return p


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
    model = config.model
    if exact and (model is None or config.exact_key_mode == "decide") and exact_holds(a, b, exact, config):
        return Comparison(1.0, exact, sims, config.threshold, "same " + exact.split(":")[1].replace("_", " "))
    if model is not None:
        p = model.probability(a.values, b.values)
        if not (exact and exact_holds(a, b, exact, config)):
            p = _vetoed(a, b, config, p)
        return Comparison(p, exact or "model", sims, config.threshold, "learned match probability")
    notes = []
    if exact:
        notes.append(f"same {exact.split(':')[1]}, but not enough by itself")
    for r, s in zip(config.active_fields, values, strict=True):
        if s is None and r.required:
            notes.append(f"{r.name} missing on one side")
        elif s is not None and s < r.min:
            notes.append(f"{r.name} {s:.2f} below its minimum {r.min:.2f}")
    return Comparison(_combine(values, config), "fuzzy", sims, config.threshold, "; ".join(notes))
