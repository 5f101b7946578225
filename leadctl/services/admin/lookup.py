"""Finding campaigns, buckets and reps by name, e-mail or id — Core only (no ORM import).

The one place for "every command accepts the name or the numeric id": browse paths use
``find_*`` on a connection; ORM admin commands use ``services.common.get_*``, built on these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from leadctl.errors import NotFound
from leadctl.storage import schema

_B = schema.bucket
_C = schema.campaign
_R = schema.rep


def _by_ref(
    conn: Connection, table: Table, ref: str | int, label: str, name_columns: Sequence[str]
) -> dict[str, Any]:
    """A row by numeric id or case-insensitive name/e-mail; NotFound in the house style."""
    text = str(ref).strip()
    if text.isdigit() and len(text) <= 18:
        row = conn.execute(select(table).where(table.c.id == int(text))).mappings().first()
        if row is not None:
            return dict(row)
    for column in name_columns:
        found = (
            conn.execute(select(table).where(func.lower(table.c[column]) == text.lower())).mappings().all()
        )
        if len(found) == 1:
            return dict(found[0])
        if len(found) > 1:
            ids = ", ".join(str(r["id"]) for r in found)
            raise NotFound(f"{label} {text!r} is ambiguous (ids {ids}); use the id")
    raise NotFound(f"no {label} {text!r} (give its name or id; see 'leadctl {label} list')")


def find_bucket(conn: Connection, ref: str | int) -> dict[str, Any]:
    return _by_ref(conn, _B, ref, "bucket", ("name",))


def find_campaign(conn: Connection, ref: str | int) -> dict[str, Any]:
    return _by_ref(conn, _C, ref, "campaign", ("name",))


def find_rep(conn: Connection, ref: str | int) -> dict[str, Any]:
    return _by_ref(conn, _R, ref, "rep", ("email", "name"))
