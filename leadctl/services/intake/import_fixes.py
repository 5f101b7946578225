"""Corrections from a file onto existing leads (``leads import-fixes``), optionally reprocessed.

The round trip: ``leads list --status rejected --format csv`` → edit in a spreadsheet →
``leads import-fixes FILE``. Rows name their lead by ``id`` (the lead id, as exported), else
by ``external_id`` within ``--bucket`` (or across all leads when it is unique). Every lead
field column is a correction (an empty cell clears the field); the ``custom`` column (the
exported JSON object) updates custom fields key by key. leadctl's own export columns
(``status``, ``reasons``, ``bucket``, ``campaign``, ``manager``, ``client_id``,
``duplicate_of``, ``timezone``, ``detail``, ``name``) are never fields or custom fields:
they are set by the system. Each change goes through ``fixes.fix_lead`` (owned by the
integrity work), so before/after land on the timeline as ``fixed`` events exactly as with
``leads fix``.

Every row is checked (lead found, columns known) before the first lead is changed, so a
bad file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.errors import InputError
from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.admin.lookup import find_bucket
from leadctl.services.intake.mapping import header_key
from leadctl.services.intake.read import read_rows
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.storage.sqlfunc import in_chunks

L = schema.lead
# Columns of a leadctl export that the system sets: ignored, never custom fields.
EXPORT_ONLY = frozenset(
    header_key(c)
    for c in (
        "status",
        "reasons",
        "bucket",
        "campaign",
        "manager",
        "client_id",
        "duplicate_of",
        "timezone",
        "detail",
        "name",
        "match_score",
        "match_rule",
        "line_no",
        "load_id",
        "raw",
    )
)
_FIELDS = {header_key(f): f for f in LEAD_FIELDS}


@dataclass
class ImportFixesResult:
    file: str
    rows: int
    fixed: list[int] = field(default_factory=list)  # lead ids changed
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    reprocessed: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "fixed": len(self.fixed),
            "unchanged": self.unchanged,
            "lead_ids": list(self.fixed),
            "ignored_columns": list(self.ignored_columns),
            "reprocessed": self.reprocessed,
        }


def import_fixes(
    engine: Engine,
    rules: Rules,
    path: str,
    *,
    bucket: str | None = None,
    data: bytes | None = None,
    reprocess: Callable[[list[int]], dict[str, Any]] | None = None,
) -> ImportFixesResult:
    """Apply the file's corrections to the leads it names; then ``reprocess(lead_ids)`` if given."""
    from leadctl.services.intake.fixes import fix_lead

    parsed = read_rows(path, data=data)
    keys = {header_key(h): h for h in parsed.headers}
    id_col = keys.get("id")
    ext_col = next((h for h in parsed.headers if _FIELDS.get(header_key(h)) == "external_id"), None)
    if id_col is None and ext_col is None:
        raise InputError(
            f"{parsed.name}: no 'id' or 'external_id' column to say which lead each row corrects"
        )
    field_cols = {h: _FIELDS[header_key(h)] for h in parsed.headers if header_key(h) in _FIELDS}
    custom_col = keys.get("custom")
    ignored = [h for h in parsed.headers if header_key(h) in EXPORT_ONLY]
    unknown = [
        h
        for h in parsed.headers
        if h not in field_cols and h not in (id_col, custom_col) and h not in ignored
    ]
    if unknown:
        raise InputError(
            f"{parsed.name}: column {unknown[0]!r} is not a lead field (fields: {', '.join(LEAD_FIELDS)}; "
            "custom fields go in the 'custom' column as a JSON object)"
        )
    plans: list[tuple[int, str, dict[str, str]]] = []  # (line, ref, changes)
    for line, raw, problem in parsed.rows:
        row = parsed.raw_dict(raw)
        if problem is not None:
            raise InputError(f"{parsed.name} line {line}: {problem}")
        ref = str(row.get(id_col) or "").strip() if id_col else ""
        if not ref and ext_col:
            ref = "ext:" + str(row.get(ext_col) or "").strip()
        if ref in ("", "ext:"):
            raise InputError(f"{parsed.name} line {line}: no lead id (id or external_id is empty)")
        changes = {f: "" if row.get(h) is None else str(row.get(h)).strip() for h, f in field_cols.items()}
        if id_col is None:
            changes.pop("external_id", None)  # the key itself
        if custom_col and str(row.get(custom_col) or "").strip():
            try:
                custom = json.loads(str(row[custom_col]))
            except ValueError:
                custom = None
            if not isinstance(custom, dict):
                raise InputError(
                    f'{parsed.name} line {line}: custom: expected a JSON object like {{"Plan": "Pro"}}'
                )
            changes.update({f"custom.{k}": "" if v is None else str(v) for k, v in custom.items()})
        plans.append((line, ref, changes))
    ids = _resolve(engine, parsed.name, plans, bucket)
    result = ImportFixesResult(parsed.name, len(plans), ignored_columns=ignored)
    for (_line, _ref, changes), lead_id in zip(plans, ids, strict=True):
        if not changes:
            result.unchanged += 1
            continue
        outcome = fix_lead(engine, rules, lead_id, changes)
        if outcome["changed"]:
            result.fixed.append(lead_id)
        else:
            result.unchanged += 1
    if reprocess is not None and result.fixed:
        result.reprocessed = reprocess(list(result.fixed))
    return result


def _resolve(
    engine: Engine, name: str, plans: list[tuple[int, str, dict[str, str]]], bucket: str | None
) -> list[int]:
    """Each row's lead id (set-based: one query per chunk of ids or external ids)."""
    with read(engine) as conn:
        scope = [L.c.bucket_id == find_bucket(conn, bucket)["id"]] if bucket else []
        numbers = {r for _l, r, _c in plans if not r.startswith("ext:")}
        bad = next(((line, r) for line, r, _c in plans if not r.startswith("ext:") and not r.isdigit()), None)
        if bad is not None:
            raise InputError(f"{name} line {bad[0]}: id {bad[1]!r} is not a lead id (a number)")
        found: set[int] = set()
        for cond in in_chunks(conn, L.c.id, sorted(int(n) for n in numbers)):
            found.update(conn.execute(select(L.c.id).where(cond, *scope)).scalars())
        externals = {r[4:] for _l, r, _c in plans if r.startswith("ext:")}
        by_ext: dict[str, list[int]] = {}
        for cond in in_chunks(conn, L.c.external_id, sorted(externals)):
            q = select(L.c.external_id, L.c.id).where(cond, *scope)
            for ext, lead_id in conn.execute(q):
                by_ext.setdefault(ext, []).append(lead_id)
    out: list[int] = []
    where = f" in bucket {bucket}" if bucket else ""
    for line, ref, _c in plans:
        if ref.startswith("ext:"):
            hits = by_ext.get(ref[4:], [])
            if len(hits) != 1:
                why = "no lead has" if not hits else f"{len(hits)} leads have"
                hint = "" if not hits or bucket else " (give --bucket, or an id column)"
                raise InputError(f"{name} line {line}: {why} external_id {ref[4:]!r}{where}{hint}")
            out.append(hits[0])
        else:
            if int(ref) not in found:
                raise InputError(f"{name} line {line}: no lead {ref}{where}")
            out.append(int(ref))
    return out
