"""``dedupe evaluate``: the rules scored against a labelled file of leads (record id, true entity)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.errors import InputError
from leadctl.rules import Rules
from leadctl.services.dedupe.evaluation import DEFAULT_SWEEP, evaluate_as_process, pairwise_metrics
from leadctl.services.dedupe.keys import normalise
from leadctl.services.dedupe.model import plan_for
from leadctl.storage import schema
from leadctl.storage.sqlfunc import in_chunks

C = schema.client
L = schema.lead
PERSON_FIELDS = schema.PERSON_COLUMNS


def read_truth(
    path: Path, id_column: str = "external_id", entity_column: str = "entity_id"
) -> dict[str, str]:
    """A labelled file (``-``: stdin): CSV with a record id column (the leads' external_id) and the true entity."""
    name = "stdin" if str(path) == "-" else str(path)
    try:
        with _open(path) as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames or []
            if id_column not in fields or entity_column not in fields:
                raise InputError(
                    f"{name} line 1: expected columns {id_column} and {entity_column}, got {', '.join(fields)}"
                )
            truth: dict[str, str] = {}
            for n, row in enumerate(reader, start=2):
                ext, ent = (row.get(id_column) or "").strip(), (row.get(entity_column) or "").strip()
                if not ext or not ent:
                    raise InputError(f"{name} line {n}: {id_column} and {entity_column} must both be given")
                truth[ext] = ent
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{name}: cannot read as CSV ({exc})") from None
    if not truth:
        raise InputError(f"{name}: no labelled rows")
    return truth


def _open(path: Path) -> IO[str]:
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    return path.open(newline="", encoding="utf-8-sig")


def evaluate(
    engine: Engine,
    rules: Rules,
    truth_path: Path,
    thresholds: tuple[float, ...] = DEFAULT_SWEEP,
    *,
    id_column: str = "external_id",
    entity_column: str = "entity_id",
) -> dict[str, Any]:
    """Score the rules against labelled leads: the stored outcome, and a threshold sweep of
    what process would produce (with the links' transitive closure beside it), blocking recall
    and the misses by field pattern."""
    truth_by_ext = read_truth(truth_path, id_column, entity_column)
    q = select(
        L.c.id, L.c.external_id, L.c.client_id, L.c.campaign_id, *(L.c[f] for f in PERSON_FIELDS), L.c.custom
    )
    leads: list[dict[str, Any]] = []
    with engine.connect() as conn:
        config = plan_for(conn, rules.duplicates)
        for cond in in_chunks(conn, L.c.external_id, truth_by_ext):
            leads += [dict(r) for r in conn.execute(q.where(cond)).mappings()]
        merged = dict(
            conn.execute(select(C.c.id, C.c.merged_into_id).where(C.c.merged_into_id.is_not(None))).all()
        )
    if not leads:
        raise InputError(
            f"{truth_path}: none of its external_id values match a lead (load the labelled file first)"
        )

    def final(cid: int) -> int:
        while cid in merged:
            cid = merged[cid]
        return cid

    # Rejected and unprocessed leads have no outcome to score: both views use processed leads.
    decided = sorted((lead for lead in leads if lead["client_id"] is not None), key=lambda r: r["id"])
    truth = {lead["id"]: truth_by_ext[lead["external_id"]] for lead in decided}
    stored = {lead["id"]: final(lead["client_id"]) for lead in decided}
    current = pairwise_metrics(stored, truth)
    report = evaluate_as_process(
        ((lead["id"], normalise(lead, config)) for lead in decided), truth, config, thresholds
    )
    return {
        "labelled_rows": len(truth_by_ext),
        "leads_found": len(leads),
        "leads_with_client": len(decided),
        "threshold": config.threshold,
        "model": "learned" if config.model is not None else "untrained",
        "blocking_recall": report["blocking_recall"],
        "true_pairs": report["true_pairs"],
        "candidate_pairs": report["candidate_pairs"],
        "stored_outcome": current,
        "sweep": report["sweep"],
        "misses": report["misses"],
    }
