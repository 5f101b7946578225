"""Fellegi–Sunter: match weights learned without labels, and the match probability of a pair.

Each compared field has levels (:mod:`comparisons`). For a level, ``m`` is the probability of
that agreement between two records of one person, ``u`` between two records of different
people; the level's match weight is ``log2(m / u)``. A pair's score is the probability

    P(match) = 1 / (1 + 2 ** -(prior + Σ weights))

with ``prior = log2(λ / (1 - λ))``, λ the share of candidate pairs that are matches.

Estimation (:func:`estimate`), as splink does it:

- ``u`` from random pairs (practically all non-matches); the exact level's ``u`` from the
  value frequencies themselves (Σ f², exact even for rare agreements);
- ``m`` by expectation–maximisation over blocked pairs, one session per blocking rule with the
  rule's own fields left out (they agree by construction there), averaged over the sessions;
- λ by EM over the union of the candidate pairs, with m and u fixed;
- term frequencies: an exact agreement on a value shared by many records (a common surname,
  info@, a switchboard number) has ``u`` = that value's frequency instead of the average.

EM runs over distinct comparison patterns with their counts, so it costs nothing next to the
comparisons themselves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadctl.services.dedupe.comparisons import COMPARATORS

Pattern = tuple[int, ...]  # a level per field, -1 where a value is missing
MISSING = -1
_EPS = 1e-6
# No level is impossible for a match: real files have noise a sample may not show.
M_FLOOR = 0.002
# Comparators that measure one thing (the organisation): colleagues agree on all of them, so
# their evidence is not independent; the strongest one counts.
GROUPED = frozenset({"company", "domain"})


@dataclass
class FieldModel:
    name: str
    compare: str
    m: list[float]
    u: list[float]
    tf: dict[str, float] = field(default_factory=dict)  # common value -> its frequency

    @property
    def levels(self) -> tuple[str, ...]:
        return COMPARATORS[self.compare].levels

    @property
    def weights(self) -> list[float]:
        """log2(m/u) per level; "else" (the last) is never evidence for a match."""
        w = [math.log2(max(m, _EPS) / max(u, _EPS)) for m, u in zip(self.m, self.u, strict=True)]
        w[-1] = min(w[-1], 0.0)
        return w


@dataclass
class FSModel:
    fields: list[FieldModel]
    prior: float  # log2 odds of a match among candidate pairs (λ)
    trained: dict[str, Any] = field(default_factory=dict)  # when, on what, with what result
    _fast: list[
        tuple[Callable[[Any, Any], int], list[float], dict[str, float], Callable[[Any], str], float, bool]
    ] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._fast = [
            (
                COMPARATORS[f.compare].level,
                f.weights,
                f.tf,
                COMPARATORS[f.compare].tf_key,
                max(f.m[0], _EPS),
                f.compare in GROUPED,
            )
            for f in self.fields
        ]

    @property
    def signature(self) -> str:
        return ";".join(f"{f.name}:{f.compare}" for f in self.fields)

    @property
    def fits_comparators(self) -> bool:
        """Whether every field has the levels its comparator has now (a model stored before a
        comparator gained a level must be retrained, not read with shifted levels)."""
        return all(len(f.m) == len(f.u) == len(COMPARATORS[f.compare].levels) for f in self.fields)

    def levels(self, a: Sequence[Any], b: Sequence[Any]) -> Pattern:
        return tuple(
            MISSING if x is None or y is None else fast[0](x, y)
            for fast, x, y in zip(self._fast, a, b, strict=True)
        )

    def log2_odds(self, a: Sequence[Any], b: Sequence[Any]) -> float:
        total = self.prior
        grouped: float | None = None  # company and domain: one piece of evidence, counted once
        for (level, weights, tf, tf_key, m0, in_group), x, y in zip(self._fast, a, b, strict=True):
            if x is None or y is None:
                continue
            k = level(x, y)
            w = weights[k]
            if k == 0 and tf:
                f = tf.get(tf_key(x))
                if f is not None:
                    w = math.log2(m0 / f)
            if in_group:
                grouped = (
                    w if grouped is None else (max(grouped, w) if w > 0 or grouped > 0 else min(grouped, w))
                )
            else:
                total += w
        return total if grouped is None else total + grouped

    def probability(self, a: Sequence[Any], b: Sequence[Any]) -> float:
        z = self.log2_odds(a, b)
        if z > 60:
            return 1.0
        if z < -60:
            return 0.0
        return 1.0 / (1.0 + 2.0**-z)

    # ---------------------------------------------------------------- storage
    def to_json(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "fields": [
                {"name": f.name, "compare": f.compare, "m": f.m, "u": f.u, "tf": f.tf} for f in self.fields
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], trained: dict[str, Any] | None = None) -> FSModel:
        return cls(
            [
                FieldModel(f["name"], f["compare"], list(f["m"]), list(f["u"]), dict(f.get("tf") or {}))
                for f in data["fields"]
            ],
            float(data["prior"]),
            trained or {},
        )


# -------------------------------------------------------------------- estimation


def prior_m(n_levels: int) -> list[float]:
    """A starting m: most matches agree exactly, fewer at each lower level, few not at all."""
    raw = [0.7 * 0.3**k for k in range(n_levels - 1)] + [0.05]
    total = sum(raw)
    return [r / total for r in raw]


def _normalised(counts: Sequence[float], smoothing: float) -> list[float]:
    total = sum(counts) + smoothing * len(counts)
    return [(c + smoothing) / total for c in counts]


def estimate_u(
    patterns: Counter[Pattern], n_levels: Sequence[int], exact_u: Sequence[float | None]
) -> list[list[float]]:
    """u per field from the patterns of random pairs; the exact level from value frequencies."""
    out = []
    for i, n in enumerate(n_levels):
        counts = [0.0] * n
        for p, c in patterns.items():
            if p[i] != MISSING:
                counts[p[i]] += c
        u = _normalised(counts, 0.5)
        e = exact_u[i]
        if e is not None and 0 < e < 1:
            rest = sum(u[1:]) or 1.0
            u = [e] + [x * (1 - e) / rest for x in u[1:]]
        out.append(u)
    return out


def em(
    patterns: Counter[Pattern],
    u: Sequence[Sequence[float]],
    m_start: Sequence[Sequence[float]],
    use: Sequence[bool],
    *,
    lam: float = 0.1,
    iterations: int = 40,
    update_m: bool = True,
) -> tuple[list[list[float]], float]:
    """Expectation–maximisation of m (fields in ``use``) and λ over counted patterns, u fixed."""
    m = [list(x) for x in m_start]
    items = list(patterns.items())
    total = sum(c for _p, c in items)
    if not total:
        return m, lam
    for _ in range(iterations):
        acc = [[0.0] * len(x) for x in m]
        seen = [0.0] * len(m)
        matched = 0.0
        for p, c in items:
            lm = math.log(lam)
            lu = math.log(1 - lam)
            for i, k in enumerate(p):
                if k != MISSING and use[i]:
                    lm += math.log(max(m[i][k], _EPS))
                    lu += math.log(max(u[i][k], _EPS))
            d = lu - lm
            w = 1.0 / (1.0 + math.exp(d)) if d < 700 else 0.0
            wc = w * c
            matched += wc
            for i, k in enumerate(p):
                if k != MISSING and use[i]:
                    acc[i][k] += wc
                    seen[i] += wc
        new_lam = min(max(matched / total, 1e-9), 1 - 1e-9)
        if update_m:
            for i in range(len(m)):
                if use[i] and seen[i] > 0:
                    m[i] = [max(x, M_FLOOR) for x in _normalised(acc[i], 0.01)]
        converged = abs(new_lam - lam) < 1e-7
        lam = new_lam
        if converged:
            break
    return m, lam


def count_patterns(model: FSModel, pairs: Iterable[tuple[Sequence[Any], Sequence[Any]]]) -> Counter[Pattern]:
    out: Counter[Pattern] = Counter()
    levels = model.levels
    for a, b in pairs:
        out[levels(a, b)] += 1
    return out
