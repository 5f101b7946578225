"""Batch clustering: blocking → compare → union-find, into clusters of duplicate records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from leadctl.reporting import SILENT, Reporter
from leadctl.services.dedupe.blocking import ScanStats, candidate_pairs, load
from leadctl.services.dedupe.config import Id, MatchConfig
from leadctl.services.dedupe.keys import NormRecord
from leadctl.services.dedupe.similarity import Comparison, compare, score_with_floor
from leadctl.words import plural


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


class UnionFind:
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


def cluster(
    records: Iterable[tuple[Id, NormRecord]],
    config: MatchConfig,
    *,
    report: Reporter = SILENT,
    stats: ScanStats | None = None,
) -> list[Cluster]:
    """Duplicate clusters (two or more members) among ``records``: blocking → compare → union-find.

    ``records`` may be a generator (normalise while reading); only the normalised records are
    kept. Fuzzy blocks larger than ``max_block_size`` are skipped with one warning.
    """
    stats = stats if stats is not None else ScanStats()
    ids, norms, blocking = load(records, config, stats)
    uf = UnionFind(len(norms))
    find = uf.find
    threshold = config.threshold
    edges: list[tuple[int, int]] = []
    # Strong links join at once; weak ones (below the midpoint between threshold and 1) wait,
    # strongest first, and never join two clusters that both have members already: a chain of
    # weak links cannot grow one person out of many.
    strong = (1.0 + threshold) / 2
    weak: list[tuple[float, int, int]] = []
    for i, j in candidate_pairs(norms, blocking, config, stats, lambda i, j: find(i) == find(j)):
        stats.comparisons += 1
        score, _rule = score_with_floor(norms[i], norms[j], config, threshold)
        if score >= strong:
            if uf.union(i, j):
                edges.append((i, j))
        elif score >= threshold:
            weak.append((score, i, j))
    del blocking
    size: dict[int, int] = {}
    for i in range(len(norms)):
        r = find(i)
        size[r] = size.get(r, 0) + 1
    weak.sort(reverse=True)
    for _score, i, j in weak:
        ri, rj = find(i), find(j)
        if ri == rj or (size[ri] > 1 and size[rj] > 1):
            continue
        uf.union(i, j)
        size[find(i)] = size[ri] + size[rj]
        edges.append((i, j))
    stats.weak_links_refused = sum(1 for _s, i, j in weak if find(i) != find(j))
    if stats.skipped_blocks:
        report.warn(
            f"skipped {plural(stats.skipped_blocks, 'candidate block')} larger than max_block_size "
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
