"""``leadctl rep import FILE``: onboard a team from CSV, idempotently, in one transaction.

Columns: email (required; identifies the rep, any case), name (required for a new rep), role
(setter | closer | manager; default setter for a new rep), skills and territories (lists
separated by ``;``), capacity (a whole number ≥ 0; empty = no limit), timezone (IANA name).
A rep that exists is updated with the values the file gives (a column left empty keeps the
stored value, except capacity, which an empty cell leaves alone too) and reported as updated
or unchanged; a deactivated rep stays deactivated (``rep activate`` reactivates). A bad
row is reported with its line and reason, kept in ``rejected_row``, and does not stop the
others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.errors import InputError
from leadctl.services.admin import reps
from leadctl.services.admin.common import actor as current_actor
from leadctl.storage import bulk, schema
from leadctl.storage.engine import write
from leadctl.timeutil import now

R = schema.rep
COLUMNS = ("email", "name", "role", "skills", "territories", "capacity", "timezone")
_EDITABLE = COLUMNS[1:]
_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "name": "name",
    "fullname": "name",
    "role": "role",
    "skills": "skills",
    "skill": "skills",
    "territories": "territories",
    "territory": "territories",
    "capacity": "capacity",
    "timezone": "timezone",
    "tz": "timezone",
    "timezonename": "timezone",
}


@dataclass
class RepImport:
    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "FILE line N: reason"
    rejected_by_reason: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"result": "created", "reps": len(self.created), "emails": ", ".join(self.created[:10])},
            {"result": "updated", "reps": len(self.updated), "emails": ", ".join(self.updated[:10])},
            {"result": "unchanged", "reps": len(self.unchanged), "emails": ", ".join(self.unchanged[:10])},
            {"result": "rejected", "reps": len(self.rejected), "emails": ""},
        ]


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch not in " _.")


def _list(text: str) -> list[str]:
    out: list[str] = []
    for item in (p.strip() for p in text.split(";")):
        if item and item.lower() not in {x.lower() for x in out}:
            out.append(item)
    return out


def _parse(cells: dict[str, str]) -> dict[str, Any]:
    """The values a row gives (only non-empty cells), checked; InputError names the column."""
    out: dict[str, Any] = {}
    try:
        out["email"] = reps.check_email(cells.get("email", ""))
    except InputError:
        raise InputError(
            "email: missing" if not cells.get("email") else "email: not an e-mail address"
        ) from None
    if cells.get("name"):
        out["name"] = cells["name"]
    if cells.get("role"):
        role = cells["role"].lower()
        if role not in reps.ROLES:
            raise InputError(f"role: not one of {', '.join(reps.ROLES)}")
        out["role"] = role
    for name in ("skills", "territories"):
        if cells.get(name):
            out[name] = _list(cells[name])
    if cells.get("capacity"):
        text = cells["capacity"]
        if not text.isdigit():
            raise InputError("capacity: not a whole number (0 or more)")
        out["capacity"] = int(text)
    if cells.get("timezone"):
        try:
            out["timezone"] = reps.check_timezone(cells["timezone"])
        except InputError:
            raise InputError(
                "timezone: not a known time zone (use an IANA name such as America/New_York)"
            ) from None
    return out


def import_reps(engine: Engine, path: str) -> RepImport:
    """Create or update the reps of a CSV file (see the module docstring)."""
    from leadctl.services.intake.read import read_rows

    parsed = read_rows(path)
    mapping = {h: _ALIASES.get(_key(h)) for h in parsed.headers}
    if "email" not in mapping.values():
        raise InputError(f"{parsed.name} line 1: missing column email (columns: {', '.join(COLUMNS)})")
    result = RepImport(source=parsed.name)
    who, ts = current_actor(), now()
    rejected_rows: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []

    def reject(line: int, raw: dict[str, Any], reason: str) -> None:
        result.rejected.append(f"{parsed.name} line {line}: {reason}")
        result.rejected_by_reason[reason] += 1
        rejected_rows.append(("rep import", parsed.name, line, raw, [reason], who, ts))

    with write(engine) as conn:
        existing = {
            r["email"].lower(): dict(r) for r in conn.execute(select(R)).mappings()
        }  # a team: hundreds of rows
        for line, raw_row, problem in parsed.rows:
            raw = parsed.raw_dict(raw_row)
            if problem is not None:
                reject(line, raw, problem)
                continue
            cells = {f: str(raw.get(h) or "").strip() for h, f in mapping.items() if f is not None}
            try:
                values = _parse(cells)
            except InputError as exc:
                reject(line, raw, str(exc))
                continue
            email = values.pop("email")
            if email in seen:
                reject(line, raw, f"email: repeats line {seen[email]}")
                continue
            seen[email] = line
            current = existing.get(email)
            if current is None:
                if "name" not in values:
                    reject(line, raw, "name: missing (needed for a new rep)")
                    continue
                row: dict[str, Any] = {
                    "skills": [],
                    "territories": [],
                    "role": "setter",
                    "capacity": None,
                    "timezone": None,
                }
                row.update(values)
                inserts.append((email, *(row[c] for c in _EDITABLE), True, ts, ts))
                result.created.append(email)
                continue
            changed = {k: v for k, v in values.items() if current[k] != v}
            if changed:
                merged = {**current, **changed}
                updates.append((current["id"], *(merged[c] for c in _EDITABLE), ts))
                result.updated.append(email)
            else:
                result.unchanged.append(email)
        # set-based: one bulk insert of the new reps, one bulk update of the changed ones
        bulk.insert_rows(conn, R, ("email", *_EDITABLE, "active", "created_at", "updated_at"), inserts)
        bulk.update_by_id(conn, R, (*_EDITABLE, "updated_at"), updates)
        bulk.insert_rows(
            conn,
            schema.rejected_row,
            ("command", "source", "line_no", "raw", "reasons", "actor", "created_at"),
            rejected_rows,
        )
    return result
