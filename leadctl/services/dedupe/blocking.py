"""Candidate generation: only records sharing a blocking key are compared.

:class:`Index` looks candidates up incrementally (one batch, or a cache in front of the
database); :func:`load` packs every (key, record) of a whole scan into sorted integer arrays
and :func:`candidate_pairs` walks the shared keys: exact blocks as a star from their first
member, fuzzy blocks as all pairs unless larger than ``max_block_size`` (then skipped and
counted in :class:`ScanStats`).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from leadctl.services.dedupe.config import Id, MatchConfig
from leadctl.services.dedupe.keys import EXACT_PREFIXES, NormRecord, blocking_keys, is_exact_key
from leadctl.services.dedupe.similarity import Comparison, compare, exact_rule, score_with_floor
from leadctl.storage.bulk import gc_paused


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

    def add(self, id_: Id, norm: NormRecord, keys: Iterable[str] | None = None) -> None:
        """Index ``norm`` under its blocking keys (``keys`` when the caller already has them)."""
        if id_ in self._norms:
            raise ValueError(f"id {id_!r} is already in the index")
        self._norms[id_] = norm
        for key in blocking_keys(norm, self.config) if keys is None else keys:
            self._keys.setdefault(key, []).append(id_)

    def candidates(self, norm: NormRecord, keys: Iterable[str] | None = None) -> list[Id]:
        """Ids sharing a blocking key with ``norm`` (its ``keys`` when the caller has them), oldest
        first; huge fuzzy blocks: newest only."""
        if not self._keys:
            return []
        seen: dict[Id, None] = {}
        limit = self.config.max_block_size
        for key in blocking_keys(norm, self.config) if keys is None else keys:
            ids = self._keys.get(key)
            if not ids:
                continue
            if len(ids) > limit and not is_exact_key(key, self.config):
                ids = ids[-limit:]
            for i in ids:
                seen[i] = None
        return list(seen)

    def best_match(self, norm: NormRecord) -> tuple[Id, Comparison] | None:
        """The best-scoring earlier record at or above the threshold (exact keys win), or None."""
        config = self.config
        best: tuple[float, Id] | None = None
        for id_ in self.candidates(norm):
            score, _rule = score_with_floor(norm, self._norms[id_], config, config.threshold)
            if score >= config.threshold and (best is None or score > best[0]):
                best = (score, id_)
                if score >= 1.0:
                    break
        if best is None:
            return None
        return best[1], compare(norm, self._norms[best[1]], config)


@dataclass
class ScanStats:
    records: int = 0
    keys: int = 0
    blocks: int = 0
    comparisons: int = 0
    skipped_blocks: int = 0
    skipped_records: int = 0
    largest_skipped: str = ""
    weak_links_refused: int = 0  # weak links that would have chained two clusters into one


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


def load(
    records: Iterable[tuple[Id, NormRecord]], config: MatchConfig, stats: ScanStats
) -> tuple[list[Id], list[NormRecord], _Blocking]:
    with gc_paused():  # millions of small objects that live until the scan ends
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


def candidate_pairs(
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
        if exact and (len(members) > limit or (config.exact_key_mode == "decide" and config.model is None)):
            # Star from the first member: each shares the key with it, so one comparison each
            # links the whole block. Members that do not share it (a 62-bit hash collision,
            # practically never) form their own star.
            while len(members) > 1:
                first, rest = members[0], []
                for j in members[1:]:
                    if connected is not None and connected(first, j):
                        continue
                    if not exact_rule(norms[first], norms[j], config):
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
