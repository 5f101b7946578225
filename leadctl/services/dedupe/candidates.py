"""The choice of the client a new lead duplicates, as intake processing makes it.

Deterministic, so that reprocessing is a fixed point: the best score at or above the threshold
wins, ties go to the oldest client, and a stored exact key decides on the key itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import cast

from leadctl.services.dedupe.blocking import Index
from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.keys import EXACT_PREFIXES, NormRecord, is_exact_key
from leadctl.services.dedupe.similarity import Comparison, compare, exact_holds, score_with_floor


def _key_decides(norm: NormRecord, client: NormRecord, kind: str, cfg: MatchConfig) -> bool:
    """A stored exact key shared with the lead decides, as the key itself would (the keys of a
    merged client point to its survivor, whose own fields may no longer hold that e-mail)."""
    if cfg.model is not None and cfg.exact_key_mode != "decide":
        return False
    return exact_holds(norm, client, f"exact:{kind}", cfg)


def best_client(
    cfg: MatchConfig,
    campaign_id: int,
    norm: NormRecord,
    keys: list[str],
    by_key: Mapping[str, list[tuple[int, int]]],
    norms: Mapping[int, NormRecord],
    batch_index: Index,
    batch_campaigns: Mapping[int, int],
    others: list[tuple[int, float]] | None = None,
) -> tuple[int, Comparison] | None:
    """The client a lead (``norm``, its ``keys``) duplicates, among stored clients (``by_key``:
    key -> [(client id, campaign id)], ``norms`` by client id) and this batch's new clients
    (``batch_index``, negative ids, ``batch_campaigns``): the best score at or above the threshold, ties to
    the oldest client (stored ones by id, then this batch's in creation order), so the
    choice depends neither on the order of keys nor on the order leads are visited.

    A stored exact key decides on the key itself: the keys of a merged client point to its
    survivor, whose own fields may no longer hold that e-mail or phone.

    ``others`` (when given) receives the other stored clients the lead matches at or above the
    threshold, best first, when the chosen client is a stored one: clients linked through this
    lead, which intake proposes to merge (:mod:`.proposals`) rather than merging them itself.
    """

    found = [(key, hits) for key in keys if (hits := by_key.get(key))]
    later = batch_index.candidates(norm, keys)
    if not found and not later:
        return None  # most leads: nobody shares a key with them
    anywhere = cfg.scope == "global"
    threshold = cfg.threshold
    exact_via: dict[int, str] = {}
    scored: list[tuple[float, tuple[int, int], int]] = []
    for key, hits in found:
        if not is_exact_key(key, cfg):
            continue
        kind = EXACT_PREFIXES[key[0]]
        for cid, camp in hits:
            if cid in norms and (anywhere or camp == campaign_id):
                exact_via.setdefault(cid, kind)
    seen: set[int] = set()
    for _key, hits in found:
        for cid, camp in hits:
            if cid in seen or cid not in norms or not (anywhere or camp == campaign_id):
                continue
            seen.add(cid)
            # a score below the threshold only needs to be known to be below it (it may stop early)
            sc = score_with_floor(norm, norms[cid], cfg, threshold)[0]
            if cid in exact_via and sc < threshold and _key_decides(norm, norms[cid], exact_via[cid], cfg):
                sc = 1.0
            if sc >= threshold:
                scored.append((sc, (0, cid), cid))
    for tmp_id in later:
        tid = cast(int, tmp_id)
        if anywhere or batch_campaigns[tid] == campaign_id:
            sc = score_with_floor(norm, batch_index.get(tid), cfg, threshold)[0]
            if sc >= threshold:
                scored.append((sc, (1, -tid), tid))
    if not scored:
        return None
    _sc, _order, cid = min(scored, key=lambda t: (-t[0], t[1]))
    if others is not None and cid > 0:
        others.extend(
            (c, sc) for sc, (k, _o), c in sorted(scored, key=lambda t: (-t[0], t[1])) if k == 0 and c != cid
        )
    cmp = compare(norm, norms[cid] if cid > 0 else batch_index.get(cid), cfg)
    if cid in exact_via and _sc >= 1.0 and not cmp.rule.startswith("exact:"):
        kind = exact_via[cid]
        cmp = dataclasses.replace(
            cmp, score=1.0, rule=f"exact:{kind}", note=f"same {kind} as a client merged into this one"
        )
    return cid, cmp
