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

The whole file is one transaction (holding the intake lock), like ``load``: a command that
fails part-way (a database error, Ctrl-C) leaves every lead as it was. A broken file (no id
column, a column that is no lead field) is refused whole. A bad row (its lead not found, an
ambiguous external_id, a ``custom`` cell that is not a JSON object, a registration date that
is not a date, a row with the wrong number of fields) is rejected with file, line, field and
reason and reported; the other rows are applied. ``strict`` refuses the file instead when any
row is bad, changing nothing (``--strict``). ``reprocess`` runs after the commit, like
``leadctl reprocess --lead``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError
from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.admin.lookup import find_bucket
from leadctl.services.intake.mapping import header_key
from leadctl.services.intake.normalise import parse_date
from leadctl.services.intake.read import read_rows
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
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
class Rejection:
    """A row not applied: its line, the field at fault and why."""

    line: int
    field: str
    reason: str

    def text(self, name: str) -> str:
        return f"{name} line {self.line}: {self.field}: {self.reason}"


@dataclass
class ImportFixesResult:
    file: str
    rows: int
    fixed: list[int] = field(default_factory=list)  # lead ids changed
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    reprocessed: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "fixed": len(self.fixed),
            "unchanged": self.unchanged,
            "rejected": len(self.rejections),
            "lead_ids": list(self.fixed),
            "rejections": [{"line": r.line, "field": r.field, "reason": r.reason} for r in self.rejections],
            "ignored_columns": list(self.ignored_columns),
            "reprocessed": self.reprocessed,
        }


Plan = tuple[int, str, dict[str, str]]  # (line, lead ref: "42" or "ext:A1", changes)


def import_fixes(
    engine: Engine,
    rules: Rules,
    path: str,
    *,
    bucket: str | None = None,
    data: bytes | None = None,
    strict: bool = False,
    reprocess: Callable[[list[int]], dict[str, Any]] | None = None,
) -> ImportFixesResult:
    """Apply the file's corrections to the leads it names in one transaction; then
    ``reprocess(lead_ids)`` if given. Bad rows are rejected (``strict``: refuse the file)."""
    from leadctl.services.intake.fixes import fix_lead_in

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
    rejections: list[Rejection] = []
    plans: list[Plan] = []
    for line, raw, problem in parsed.rows:
        row = parsed.raw_dict(raw)
        if problem is not None:
            where, _sep, why = problem.partition(": ")
            rejections.append(Rejection(line, where, why))
            continue
        plan = _plan(line, row, id_col, ext_col, field_cols, custom_col, rejections)
        if plan is not None:
            plans.append(plan)
    result = ImportFixesResult(parsed.name, len(parsed.rows), ignored_columns=ignored)
    with write(engine) as conn:
        intake_lock(conn)  # once, for the whole file (processing takes it before its batches)
        targets = _resolve(conn, plans, bucket, rejections)
        rejections.sort(key=lambda r: r.line)
        if strict and rejections:
            first = rejections[0]
            more = f" (and {len(rejections) - 1:,} more)" if len(rejections) > 1 else ""
            raise InputError(f"{first.text(parsed.name)}{more}; nothing was changed (strict)")
        for (_line, _ref, changes), lead_id in targets:
            if not changes:
                result.unchanged += 1
                continue
            outcome = fix_lead_in(conn, rules, lead_id, changes)
            if outcome["changed"]:
                result.fixed.append(lead_id)
            else:
                result.unchanged += 1
    result.rejections = rejections
    if reprocess is not None and result.fixed:
        result.reprocessed = reprocess(list(result.fixed))
    return result


def _plan(
    line: int,
    row: dict[str, Any],
    id_col: str | None,
    ext_col: str | None,
    field_cols: dict[str, str],
    custom_col: str | None,
    rejections: list[Rejection],
) -> Plan | None:
    """The row's lead reference and changes, or None (and a rejection) for a bad row."""
    ref = str(row.get(id_col) or "").strip() if id_col else ""
    if ref and not ref.isdigit():
        rejections.append(Rejection(line, "id", f"{ref!r} is not a lead id (a number)"))
        return None
    if not ref and ext_col:
        ref = "ext:" + str(row.get(ext_col) or "").strip()
    if ref in ("", "ext:"):
        rejections.append(Rejection(line, id_col or "external_id", "empty: no lead to correct"))
        return None
    changes = {f: "" if row.get(h) is None else str(row.get(h)).strip() for h, f in field_cols.items()}
    if id_col is None:
        changes.pop("external_id", None)  # the key itself
    if "registered_at" in changes:
        when = changes["registered_at"]
        if not when:
            rejections.append(
                Rejection(line, "registered_at", "empty (a lead always has a registration date)")
            )
            return None
        if parse_date(when) is None:
            rejections.append(
                Rejection(line, "registered_at", f"{when!r} is not a date or time (or out of range)")
            )
            return None
    if custom_col and str(row.get(custom_col) or "").strip():
        try:
            custom = json.loads(str(row[custom_col]))
        except ValueError:
            custom = None
        if not isinstance(custom, dict):
            rejections.append(Rejection(line, "custom", 'expected a JSON object like {"Plan": "Pro"}'))
            return None
        changes.update({f"custom.{k}": "" if v is None else str(v) for k, v in custom.items()})
    return line, ref, changes


def _resolve(
    conn: Connection, plans: list[Plan], bucket: str | None, rejections: list[Rejection]
) -> list[tuple[Plan, int]]:
    """Each row's lead id (set-based: one query per chunk of ids or external ids); rows whose
    lead is not found, or whose external_id names several leads, are rejected."""
    scope = [L.c.bucket_id == find_bucket(conn, bucket)["id"]] if bucket else []
    numbers = sorted({int(r) for _l, r, _c in plans if not r.startswith("ext:")})
    found: set[int] = set()
    for cond in in_chunks(conn, L.c.id, numbers):
        found.update(conn.execute(select(L.c.id).where(cond, *scope)).scalars())
    externals = {r[4:] for _l, r, _c in plans if r.startswith("ext:")}
    by_ext: dict[str, list[int]] = {}
    for cond in in_chunks(conn, L.c.external_id, sorted(externals)):
        q = select(L.c.external_id, L.c.id).where(cond, *scope)
        for ext, lead_id in conn.execute(q):
            by_ext.setdefault(ext, []).append(lead_id)
    out: list[tuple[Plan, int]] = []
    where = f" in bucket {bucket}" if bucket else ""
    for plan in plans:
        line, ref, _c = plan
        if ref.startswith("ext:"):
            hits = by_ext.get(ref[4:], [])
            if len(hits) != 1:
                why = "no lead has" if not hits else f"{len(hits):,} leads have"
                hint = "" if not hits or bucket else " (give the bucket, or an id column)"
                rejections.append(Rejection(line, "external_id", f"{why} {ref[4:]!r}{where}{hint}"))
                continue
            out.append((plan, hits[0]))
        elif int(ref) not in found:
            rejections.append(Rejection(line, "id", f"no lead {ref}{where}"))
        else:
            out.append((plan, int(ref)))
    return out
