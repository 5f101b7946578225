"""Correcting a lead by hand (``leads fix``) so it can be reprocessed; the original stays on record.

A fix of a lead that is already processed or a duplicate is reprocessed in the same transaction
(``intake.runs.after_fix``): the corrected identity fields of a lead that created its client
flow to that client and its match keys (``client_updated``), a duplicate is matched again, and
a lead the fix made invalid is rejected (its client retires when no lead is left). So a later
row with the new e-mail or phone joins that client. A new or rejected lead only changes; run
``reprocess`` for it, as before.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError, NotFound
from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services import events as timeline
from leadctl.services.admin.common import actor
from leadctl.services.events import Event
from leadctl.services.intake.normalise import normalise, parse_date
from leadctl.storage import schema
from leadctl.storage.engine import write
from leadctl.storage.locks import intake_lock
from leadctl.timeutil import now, out_of_range, parse_datetime
from leadctl.vocab import EventKind, LeadStatus

L = schema.lead
FIXABLE = tuple(f for f in LEAD_FIELDS)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``field=value`` pairs (``leads fix --set``); ``custom.NAME=value`` sets a custom field.

    Checked here so ``leads fix`` can refuse a bad ``--set`` as a usage error before opening
    the database (``commands._options.Assignment``): the field must exist and a
    ``registered_at`` must be a date leadctl can store.
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"{item!r}: expected FIELD=VALUE (e.g. email=ana@example.com)")
        if not name.startswith("custom.") and name not in FIXABLE:
            hint = difflib.get_close_matches(name, FIXABLE, n=1)
            extra = (
                f" (did you mean {hint[0]!r}?)"
                if hint
                else f" (fields: {', '.join(FIXABLE)}, or custom.NAME)"
            )
            raise InputError(f"{name}: not a lead field{extra}")
        value = value.strip()
        if name == "registered_at" and value and parse_datetime(value) is None:
            why = (
                "is outside the supported dates (years 1 to 9999 in UTC)"
                if out_of_range(value)
                else ("is not a date or time")
            )
            raise InputError(f"registered_at: {value!r} {why}")
        out[name] = value
    if not out:
        raise InputError("nothing to fix: give at least one field and its value")
    return out


def fix_lead(engine: Engine, rules: Rules, lead_id: int, changes: dict[str, str]) -> dict[str, Any]:
    """Apply corrections (normalised like a load), record before/after on the timeline."""
    with write(engine) as conn:
        # Before the lead's row: processing holds the lock, then locks the rows of its batch.
        intake_lock(conn)
        return fix_lead_in(conn, rules, lead_id, changes)


def fix_lead_in(conn: Connection, rules: Rules, lead_id: int, changes: dict[str, str]) -> dict[str, Any]:
    """``fix_lead`` inside the caller's transaction, which holds the intake lock
    (``leads import-fixes`` applies a whole file in one)."""
    region = rules.phones.default_region
    row = conn.execute(select(L).where(L.c.id == lead_id)).mappings().first()
    if row is None:
        raise NotFound(f"no lead {lead_id} (see 'leadctl leads list')")
    current = {f: row[f] for f in FIXABLE}
    fields = {k: v for k, v in changes.items() if not k.startswith("custom.")}
    merged = {**{k: v for k, v in current.items() if v is not None}, **fields}
    if "registered_at" in fields:
        parsed = parse_date(fields["registered_at"])
        if parsed is None:
            raise InputError(
                f"registered_at: {fields['registered_at']!r} is not a date or time (or out of range)"
            )
        merged["registered_at"] = parsed
    normalised = normalise(merged, default_region=region)
    new_values: dict[str, Any] = {}
    for f in (*FIXABLE, "timezone"):
        if f == "timezone" and not ({"business_phone", "mobile_phone"} & set(fields)):
            continue
        value = normalised.get(f)
        if f == "registered_at" and value is None:
            value = row["registered_at"]
        if value != row[f]:
            new_values[f] = value
    custom = dict(row["custom"] or {})
    custom_changes = {k.removeprefix("custom."): v for k, v in changes.items() if k.startswith("custom.")}
    for k, v in custom_changes.items():
        if v == "":
            custom.pop(k, None)
        else:
            custom[k] = v
    if custom != (row["custom"] or {}):
        new_values["custom"] = custom
    if not new_values:
        return {"lead_id": lead_id, "status": row["status"], "changed": {}}
    before = {k: _plain(row[k]) for k in new_values}
    after = {k: _plain(v) for k, v in new_values.items()}
    ts = now()
    conn.execute(update(L).where(L.c.id == lead_id).values(**new_values, updated_at=ts))
    change = {"before": before, "after": after}
    timeline.append(conn, [Event(EventKind.FIXED, ts, actor(), lead_id=lead_id, data=change)])
    status = row["status"]
    if status in (LeadStatus.PROCESSED, LeadStatus.DUPLICATE):
        from leadctl.services.intake.runs import after_fix

        after_fix(conn, rules, lead_id, before, after)
        status = conn.execute(select(L.c.status).where(L.c.id == lead_id)).scalar_one()
    return {
        "lead_id": lead_id,
        "status": status,
        "was": row["status"],
        "changed": {k: {"before": before[k], "after": after[k]} for k in after},
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
