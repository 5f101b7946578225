"""``leadctl info``: what this leadctl is, where its data lives, and how much is in it.

Meant for diagnosis, so it reports problems (unreachable database, schema out of date,
invalid rules file) as values instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from leadctl import __version__
from leadctl.errors import LeadctlError
from leadctl.redact import redact_url, scrub
from leadctl.storage import schema
from leadctl.storage.engine import mask_url


def counts(conn: Connection) -> dict[str, int]:
    """Campaigns, buckets, reps and leads (total and by status): five small aggregate queries."""
    out: dict[str, int] = {}
    for name, table in (("campaigns", schema.campaign), ("buckets", schema.bucket), ("reps", schema.rep)):
        total, active = conn.execute(
            select(func.count(), func.count().filter(table.c.active.is_(True))).select_from(table)
        ).one()
        out[name] = total
        out[f"{name}_active"] = active
    by_status: dict[str, int] = {
        status: n
        for status, n in conn.execute(
            select(schema.lead.c.status, func.count()).group_by(schema.lead.c.status)
        )
    }
    out["leads"] = sum(by_status.values())
    for status in schema.LEAD_STATUSES:
        out[f"leads_{status}"] = by_status.get(status, 0)
    return out


def _config_file() -> str:
    from leadctl.config import config_file

    path = config_file()
    return str(path) if path.exists() else f"{path} (none)"


def info(engine: Engine, rules_file: Path | None, data_dir: Path) -> dict[str, Any]:
    """A flat record; problems appear as ``schema_status``/``rules_status`` text, never as errors.

    ``database_reachable`` is False when the database cannot be opened (the command then
    exits non-zero after showing the record). Secrets in the URL and messages are masked.

    A brand-new empty database is created and migrated, as on any first use.
    """
    from leadctl.storage.migrate import HEAD, ensure_schema, schema_status

    record: dict[str, Any] = {
        "version": __version__,
        "database_url": redact_url(mask_url(engine.url)),
        "database_reachable": True,
        "database_backend": engine.dialect.name,
        "schema_revision": None,
        "schema_head": HEAD,
        "schema_status": "",
        "config_file": _config_file(),
        "rules_file": str(rules_file) if rules_file else "built-in defaults",
        "rules_status": _rules_status(rules_file),
        "data_dir": str(data_dir),
    }
    try:
        try:
            status = ensure_schema(engine)
        except LeadctlError as exc:
            record["schema_status"] = str(exc)
            with engine.connect() as conn:
                record["schema_revision"] = schema_status(conn).revision
        else:
            record["schema_revision"] = status.revision
            record["schema_status"] = "up to date"
            with engine.connect() as conn:
                record.update(counts(conn))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        text = str(orig if orig is not None else exc).strip().splitlines()[0]
        record["schema_status"] = scrub(f"cannot open the database: {text}")
        record["database_reachable"] = False
    return record


def _rules_status(path: Path | None) -> str:
    if path is None:
        return "ok"
    from leadctl.rules import validate_file

    try:
        validate_file(path)
    except LeadctlError as exc:
        return f"invalid: {exc}"
    return "ok"
