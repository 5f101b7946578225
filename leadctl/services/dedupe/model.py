"""Learned duplicate models in the database: ``dedupe train``, ``dedupe model``, and the plan
that intake, scans and evaluation score with (:func:`plan_for`).

The newest stored model whose fields (name and comparator of each) are those of the rules in
force applies; with none, the untrained weighted score does (today's behaviour). A field the
rules compare that no record carries is reported, naming the columns present.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError, NotFound
from leadctl.reporting import SILENT, Reporter
from leadctl.rules import Rules
from leadctl.rules.sections import DuplicateRules
from leadctl.services.dedupe.config import VIRTUAL_FIELDS, MatchConfig, plan
from leadctl.storage import schema
from leadctl.storage.engine import write

M = schema.match_model
L = schema.lead
# Fields a record has whatever its file held: lead columns and the virtual fields.
KNOWN_FIELDS = frozenset(
    {*schema.PERSON_COLUMNS, "external_id", "source", "affiliate_id", "full_name", "email", *VIRTUAL_FIELDS}
)


def unknown_fields(config: MatchConfig, custom_columns: Iterable[str] | None) -> list[str]:
    """Warnings for compared or blocking fields that match no column of the data (none when
    no data was seen: ``custom_columns`` None)."""
    if custom_columns is None:
        return []
    present = set(custom_columns)
    named = [r.name for r in config.active_fields]
    named += [f for rule in config.field_blocking for f, _t in rule]
    out = []
    for name in dict.fromkeys(named):
        if name not in KNOWN_FIELDS and name not in present:
            columns = ", ".join(sorted(present)) or "none"
            out.append(
                f"duplicates: field {name!r} matches no column of the data (it is never compared); "
                f"custom columns present: {columns}; lead fields: first_name, last_name, email, company, …"
            )
    return out


def custom_columns(conn: Connection, where: Any = None, sample: int = 2000) -> set[str] | None:
    """Custom field names found on (a sample of) the leads (None: no lead in scope)."""
    q = select(L.c.custom).limit(sample)
    if where is not None:
        q = q.where(where)
    out: set[str] | None = None
    for (custom,) in conn.execute(q):
        out = out if out is not None else set()
        if isinstance(custom, Mapping):
            out.update(str(k) for k in custom)
    return out


def _latest(conn: Connection, signature: str | None = None) -> Mapping[str, Any] | None:
    q = select(M).order_by(M.c.id.desc()).limit(1)
    if signature is not None:
        q = q.where(M.c.signature == signature)
    row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def plan_for(
    conn: Connection,
    section: DuplicateRules,
    threshold: float | None = None,
    *,
    report: Reporter = SILENT,
    leads: Any = None,
) -> MatchConfig:
    """The plan for the rules in force, scored by the newest stored model fitting its fields
    (fields that match no column of the leads in scope — ``leads``, a condition — are reported
    as warnings when ``report`` is not silent)."""
    from leadctl.services.dedupe.fellegi_sunter import FSModel

    config = plan(section, threshold)
    if report is not SILENT:
        for text in unknown_fields(config, custom_columns(conn, leads)):
            report.warn(text)
    row = _latest(conn, config.signature)
    if row is None:
        return config
    model = FSModel.from_json(row["params"], dict(row["summary"]))
    if not model.fits_comparators:
        report.warn(
            f"duplicate model {row['id']} was trained with other comparison levels than this "
            "leadctl's: it is not used (run 'leadctl dedupe train' again)"
        )
        return config
    return config.with_model(model)


def train(
    engine: Engine,
    rules: Rules,
    *,
    bucket_id: int | None = None,
    campaign_id: int | None = None,
    report: Reporter = SILENT,
) -> dict[str, Any]:
    """Learn m and u from the stored leads (no labels) and store the model; its summary."""
    from leadctl.services.admin.common import actor
    from leadctl.services.dedupe.keys import normalise
    from leadctl.services.dedupe.train import train as fit
    from leadctl.timeutil import now

    config = plan(rules.duplicates)
    if not config.active_fields:
        raise InputError("duplicates.fields: no field is compared (every weight is 0): nothing to learn")
    cols = (L.c.campaign_id, L.c.external_id, *(L.c[f] for f in schema.PERSON_COLUMNS), L.c.custom)
    q = select(*cols).order_by(L.c.id)
    if bucket_id is not None:
        q = q.where(L.c.bucket_id == bucket_id)
    if campaign_id is not None:
        q = q.where(L.c.campaign_id == campaign_id)
    with write(engine) as conn:
        custom: set[str] = set()
        norms = []
        for r in conn.execute(q).mappings():
            c = r["custom"]
            if isinstance(c, Mapping):
                custom.update(c)
            norms.append(normalise(r, config))
        for text in unknown_fields(config, custom):
            report.warn(text)
        if len(norms) < 2:
            raise InputError("no leads to learn from in this scope (load some first)")
        model = fit(norms, config)
        trained_at = now()
        summary = {
            **model.trained,
            "trained_at": trained_at.isoformat(),
            "bucket_id": bucket_id,
            "campaign_id": campaign_id,
        }
        result = conn.execute(
            insert(M).values(
                trained_at=trained_at,
                actor=actor(),
                signature=config.signature,
                bucket_id=bucket_id,
                campaign_id=campaign_id,
                records=len(norms),
                pairs=model.trained["pairs"],
                params=model.to_json(),
                summary=summary,
            )
        )
        summary["model_id"] = result.inserted_primary_key[0] if result.inserted_primary_key else None
    return summary


def show(engine: Engine, rules: Rules) -> dict[str, Any]:
    """The model in force for the rules (or the newest one): when and on what it was trained,
    and each field's levels with m, u and match weight."""
    from leadctl.services.dedupe.fellegi_sunter import FSModel
    from leadctl.services.dedupe.train import summary_rows

    config = plan(rules.duplicates)
    with engine.connect() as conn:
        row = _latest(conn, config.signature)
        applies = row is not None
        if row is None:
            row = _latest(conn)
    if row is None:
        raise NotFound("no trained duplicate model yet (run 'leadctl dedupe train')")
    model = FSModel.from_json(row["params"])
    applies = applies and model.fits_comparators
    lam = 2**model.prior / (1 + 2**model.prior)
    return {
        "model_id": row["id"],
        "trained_at": row["trained_at"],
        "actor": row["actor"],
        "bucket_id": row["bucket_id"],
        "campaign_id": row["campaign_id"],
        "records": row["records"],
        "pairs": row["pairs"],
        "match_share": round(lam, 6),
        "in_force": applies,
        "fields": summary_rows(model),
    }
