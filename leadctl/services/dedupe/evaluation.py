"""Evaluation against labelled truth: pairwise precision/recall/F1 and a threshold sweep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

from leadctl.services.dedupe.blocking import ScanStats, candidate_pairs, load
from leadctl.services.dedupe.clustering import UnionFind
from leadctl.services.dedupe.config import Id, MatchConfig
from leadctl.services.dedupe.keys import NormRecord
from leadctl.services.dedupe.similarity import score_with_floor


def _pairs_in(groups: Iterable[int]) -> int:
    return sum(k * (k - 1) // 2 for k in groups)


def pairwise_metrics(predicted: Mapping[Id, Hashable], truth: Mapping[Id, Hashable]) -> dict[str, float]:
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
