"""Learning a Fellegi–Sunter model from unlabelled records (pure Python, no database).

:func:`train` takes normalised records and the plan, and returns an :class:`FSModel`: value
frequencies and random pairs give u, EM over each blocking rule's pairs gives m (the rule's
own fields left out), EM over all candidate pairs gives the prior. Work is bounded: at most
``RANDOM_PAIRS`` random pairs and ``BLOCKED_PAIRS`` blocked pairs are compared, whatever the
number of records.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from leadctl.services.dedupe.comparisons import COMPARATORS, is_generic_email
from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.fellegi_sunter import (
    MISSING,
    FieldModel,
    FSModel,
    Pattern,
    em,
    estimate_u,
    prior_m,
)
from leadctl.services.dedupe.keys import NormRecord, blocking_keys

RANDOM_PAIRS = 50_000
BLOCKED_PAIRS = 200_000
TF_VALUES = 2000  # most common values per field whose frequency is kept
TF_MIN_COUNT = 3

WEAK_RULES = frozenset({"c", "d", "s"})
_NAME_PARTS = {"name": {"name", "first_name", "last_name", "full_name"}}
_PHONE_PARTS = {"phone", "business_phone", "mobile_phone"}


def _rule_fields(prefix: str, config: MatchConfig) -> set[str]:
    """The compared fields a blocking rule (by key prefix) makes agree by construction."""
    # company, domain and the e-mail's domain go together: colleagues share all three, so a
    # session blocked on one of them learns nothing true from the others
    built_in = {
        "e": {"email", "domain"},
        "p": {"phone"},
        "s": {"phone"},
        "x": set(),
        "c": {"company", "domain", "email"},
        "d": {"company", "domain", "email"},
        "n": {"name"},
    }
    if prefix in built_in:
        return built_in[prefix]
    out: set[str] = set()
    if prefix.startswith("b") and prefix[1:].isdigit():
        n = int(prefix[1:])
        if n < len(config.field_blocking):
            for fname, _t in config.field_blocking[n]:
                out.add(fname)
                if fname in _NAME_PARTS["name"]:
                    out.add("name")
                if fname in _PHONE_PARTS:
                    out.add("phone")
    return out


def _tf_tables(
    norms: Sequence[NormRecord], config: MatchConfig
) -> tuple[list[dict[str, float]], list[float | None], list[int]]:
    """Per field: common values and their frequency, the exact-level u (Σ f²), values present."""
    tables: list[dict[str, float]] = []
    exact_u: list[float | None] = []
    present: list[int] = []
    for i, rule in enumerate(config.active_fields):
        comp = COMPARATORS[rule.compare]
        counts: Counter[str] = Counter()
        for r in norms:
            v = r.values[i]
            if v is not None:
                counts[comp.tf_key(v)] += 1
        n = sum(counts.values())
        present.append(n)
        if n < 2:
            tables.append({})
            exact_u.append(None)
            continue
        if rule.compare == "email":
            e = sum((c / n) ** 2 for v, c in counts.items() if not is_generic_email(v))
        else:
            e = sum((c / n) ** 2 for c in counts.values())
        exact_u.append(max(e, 1.0 / (n * n)))
        tables.append({v: c / n for v, c in counts.most_common(TF_VALUES) if c >= TF_MIN_COUNT and v.strip()})
    return tables, exact_u, present


def train(norms: Sequence[NormRecord], config: MatchConfig, *, seed: int = 0) -> FSModel:
    """An FS model for ``config``'s fields, estimated from ``norms`` without labels."""
    fields = config.active_fields
    n_levels = [len(COMPARATORS[f.compare].levels) for f in fields]
    model = FSModel(
        [
            FieldModel(f.name, f.compare, prior_m(k), [1.0 / k] * k)
            for f, k in zip(fields, n_levels, strict=True)
        ],
        prior=-10.0,
    )
    n = len(norms)
    rng = random.Random(seed)
    tf, exact_u, present = _tf_tables(norms, config)
    vals = [r.values for r in norms]
    levels = model.levels

    # u: random pairs
    randoms: Counter[Pattern] = Counter()
    if n >= 2:
        k = min(RANDOM_PAIRS, n * (n - 1) // 2)
        for _ in range(k):
            i, j = rng.randrange(n), rng.randrange(n)
            if i != j:
                randoms[levels(vals[i], vals[j])] += 1
    u = estimate_u(randoms, n_levels, exact_u)

    # blocked pairs, by rule (key prefix)
    blocks: dict[str, dict[str, list[int]]] = {}
    for idx, r in enumerate(norms):
        for key in blocking_keys(r, config):
            prefix = key.split(":", 1)[0]
            blocks.setdefault(prefix, {}).setdefault(key, []).append(idx)
    limit = config.max_block_size
    rules = sorted(blocks)
    cap = BLOCKED_PAIRS // max(1, len(rules))
    patterns: dict[int, Pattern] = {}
    by_rule: dict[str, Counter[Pattern]] = {}
    for prefix in rules:
        counted: Counter[Pattern] = Counter()
        groups = [g for g in blocks[prefix].values() if 1 < len(g) <= limit]
        rng.shuffle(groups)
        taken = 0
        for g in groups:
            if taken >= cap:
                break
            for x, i in enumerate(g):
                for j in g[x + 1 :]:
                    pair = i * n + j if i < j else j * n + i
                    p = patterns.get(pair)
                    if p is None:
                        p = patterns[pair] = levels(vals[i], vals[j])
                    counted[p] += 1
                    taken += 1
        by_rule[prefix] = counted
    del blocks

    # m: one EM session per rule, the rule's own fields left out; averaged per field over the
    # strong sessions (exact keys, name, the rules file's own field rules), else over the weak
    # ones (company, domain, phone suffix: mostly colleagues, whom EM may take for one person)
    m_sum = {True: [[0.0] * k for k in n_levels], False: [[0.0] * k for k in n_levels]}
    m_n = {True: [0] * len(fields), False: [0] * len(fields)}
    start = [prior_m(k) for k in n_levels]
    for prefix, counted in by_rule.items():
        own = _rule_fields(prefix, config)
        use = [f.name not in own for f in fields]
        if not any(use) or sum(counted.values()) < 10:
            continue
        strong = prefix not in WEAK_RULES
        m, _lam = em(counted, u, start, use, lam=0.2)
        for i, used in enumerate(use):
            if used and any(p[i] != MISSING for p in counted):
                m_sum[strong][i] = [a + b for a, b in zip(m_sum[strong][i], m[i], strict=True)]
                m_n[strong][i] += 1
    m_final = []
    for i in range(len(fields)):
        for strong in (True, False):
            if m_n[strong][i]:
                m_final.append([x / m_n[strong][i] for x in m_sum[strong][i]])
                break
        else:
            m_final.append(start[i])

    # λ over all candidate pairs, m and u fixed
    all_pairs: Counter[Pattern] = Counter(patterns.values())
    _m, lam = em(all_pairs, u, m_final, [True] * len(fields), lam=0.1, update_m=False)
    import math

    out = FSModel(
        [FieldModel(f.name, f.compare, m_final[i], u[i], tf[i]) for i, f in enumerate(fields)],
        prior=math.log2(lam / (1 - lam)),
    )
    out.trained = {
        "records": n,
        "random_pairs": sum(randoms.values()),
        "pairs": len(patterns),
        "match_share": lam,
        "values_present": dict(zip((f.name for f in fields), present, strict=True)),
        "sessions": {p: sum(c.values()) for p, c in by_rule.items()},
    }
    return out


def summary_rows(model: FSModel) -> list[dict[str, Any]]:
    """One row per field level: m, u and the match weight (log2 m/u)."""
    rows = []
    for f in model.fields:
        # a model stored with other levels (out of force) shows what it has: levels by number
        names = f.levels if len(f.levels) == len(f.m) else tuple(f"level {k}" for k in range(len(f.m)))
        for k, (name, m, u, w) in enumerate(zip(names, f.m, f.u, f.weights, strict=True)):
            rows.append(
                {
                    "field": f.name,
                    "compare": f.compare,
                    "level": k,
                    "agreement": name,
                    "m": round(m, 6),
                    "u": round(u, 6),
                    "weight": round(w, 3),
                    "common_values": len(f.tf) if k == 0 else None,
                }
            )
    return rows
