"""Evaluation against labelled truth: pairwise precision/recall/F1, a threshold sweep of the
transitive links (:func:`sweep`), and of what ``process`` would produce (:func:`evaluate_as_process`,
with blocking recall and the misses by field pattern)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from leadctl.services.dedupe.blocking import ScanStats, candidate_pairs, load
from leadctl.services.dedupe.clustering import UnionFind
from leadctl.services.dedupe.config import Id, MatchConfig
from leadctl.services.dedupe.keys import NormRecord
from leadctl.services.dedupe.similarity import score_with_floor


def _pairs_in(groups: Iterable[int]) -> int:
    return sum(k * (k - 1) // 2 for k in groups)


def pairwise_metrics(predicted: Mapping[Any, Hashable], truth: Mapping[Any, Hashable]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against labelled truth.

    ``truth`` maps every labelled id to its real entity; ``predicted`` maps ids to cluster ids
    (ids missing from it are singletons). Ids not in ``truth`` are ignored.
    """
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
    ids, norms, blocking = load(records, config, stats)
    seen: set[int] = set()
    scored: list[tuple[float, int, int]] = []
    for i, j in candidate_pairs(norms, blocking, config, stats, None):
        pair = i << blocking.idx_bits | j
        if pair in seen:
            continue
        seen.add(pair)
        stats.comparisons += 1
        score, _rule = score_with_floor(norms[i], norms[j], config, floor)
        if score >= floor:
            scored.append((score, i, j))
    del seen, blocking
    scored.sort(reverse=True)
    rows = []
    uf = UnionFind(len(norms))
    k = 0
    for t in sorted(ths, reverse=True):
        while k < len(scored) and scored[k][0] >= t:
            uf.union(scored[k][1], scored[k][2])
            k += 1
        predicted = {ids[i]: uf.find(i) for i in range(len(norms))}
        row = {"threshold": t, **pairwise_metrics(predicted, truth)}
        rows.append(row)
    return sorted(rows, key=lambda r: r["threshold"])


def _true_pairs(ids: Sequence[Id], truth: Mapping[Id, Hashable]) -> set[tuple[int, int]]:
    groups: dict[Hashable, list[int]] = {}
    for i, id_ in enumerate(ids):
        e = truth.get(id_)
        if e is not None:
            groups.setdefault(e, []).append(i)
    return {(a, b) for g in groups.values() for x, a in enumerate(g) for b in g[x + 1 :]}


def as_process(
    n: int, later: Sequence[list[tuple[int, float]]], earlier: Sequence[list[tuple[int, float]]], t: float
) -> list[int]:
    """Clusters as intake ``process`` makes them, records visited in order: a record joins the
    best-scoring earlier client at or above ``t`` (ties to the oldest) or becomes a client;
    then a duplicate moves to a client created after it when that one scores strictly better
    (the fixed point processing.py keeps). ``earlier[i]``: (j < i, score); ``later[i]``: j > i."""
    client = list(range(n))
    made = [False] * n
    score = [0.0] * n
    for i in range(n):
        best_s, best_j = -1.0, -1
        for j, s in earlier[i]:
            if made[j] and s >= t and (s > best_s or (s == best_s and j < best_j)):
                best_s, best_j = s, j
        if best_j < 0:
            made[i] = True
        else:
            client[i], score[i] = best_j, best_s
    for i in range(n):
        if made[i]:
            continue
        for k, s in later[i]:
            if made[k] and s >= t and s > score[i]:
                client[i], score[i] = k, s
    return client


def evaluate_as_process(
    records: Iterable[tuple[Id, NormRecord]],
    truth: Mapping[Id, Hashable],
    config: MatchConfig,
    thresholds: Sequence[float] = DEFAULT_SWEEP,
    *,
    stats: ScanStats | None = None,
    misses: int = 10,
) -> dict[str, Any]:
    """What ``process`` would produce on these records (in the given order) at each threshold,
    with the transitive closure of the links beside it; blocking recall (the share of true
    pairs any candidate rule compares: the ceiling of recall); and the pairs ``process`` misses
    at the configured threshold, grouped by which fields disagree."""
    from leadctl.services.dedupe.comparisons import COMPARATORS

    stats = stats if stats is not None else ScanStats()
    ths = sorted(set(thresholds) | {config.threshold})
    floor = ths[0]
    ids, norms, blocking = load(records, config, stats)
    n = len(norms)
    compared: set[tuple[int, int]] = set()
    later: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    earlier: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    scored: list[tuple[float, int, int]] = []
    for i, j in candidate_pairs(norms, blocking, config, stats, None):
        pair = (i, j) if i < j else (j, i)
        if pair in compared:
            continue
        compared.add(pair)
        stats.comparisons += 1
        a, b = pair
        s, _rule = score_with_floor(norms[b], norms[a], config, floor)  # the newer first, as process
        if s >= floor:
            later[a].append((b, s))
            earlier[b].append((a, s))
            scored.append((s, a, b))
    del blocking
    true_pairs = _true_pairs(ids, truth)
    recall_ceiling = len(true_pairs & compared) / len(true_pairs) if true_pairs else 1.0
    scored.sort(reverse=True)
    rows: list[dict[str, Any]] = []
    uf = UnionFind(n)
    k = 0
    at_threshold: list[int] = []
    for t in sorted(ths, reverse=True):
        while k < len(scored) and scored[k][0] >= t:
            uf.union(scored[k][1], scored[k][2])
            k += 1
        closure = pairwise_metrics({ids[i]: uf.find(i) for i in range(n)}, truth)
        clients = as_process(n, later, earlier, t)
        if t == config.threshold:
            at_threshold = clients
        row = {"threshold": t, **pairwise_metrics({ids[i]: clients[i] for i in range(n)}, truth)}
        row["f1_linked"] = closure["f1"]
        rows.append(row)
    patterns: Counter[str] = Counter()
    fields = config.active_fields
    for a, b in true_pairs:
        if at_threshold[a] == at_threshold[b]:
            continue
        if (a, b) not in compared:
            patterns["never compared (no blocking rule shares a key)"] += 1
            continue
        parts = []
        for x, rule in enumerate(fields):
            va, vb = norms[a].values[x], norms[b].values[x]
            if va is None or vb is None:
                parts.append(f"{rule.name}: missing")
                continue
            comp = COMPARATORS[rule.compare]
            lv = comp.level(va, vb)
            if lv:
                parts.append(f"{rule.name}: {comp.levels[lv]}")
        patterns["; ".join(parts) or "all fields agree (below threshold)"] += 1
    return {
        "records": n,
        "true_pairs": len(true_pairs),
        "candidate_pairs": len(compared),
        "blocking_recall": round(recall_ceiling, 6),
        "sweep": sorted(rows, key=lambda r: r["threshold"]),
        "misses": [{"pattern": p, "pairs": c} for p, c in patterns.most_common(misses)],
    }
