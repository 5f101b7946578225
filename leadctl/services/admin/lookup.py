"""Campaigns, buckets and reps by name, e-mail or id, and the one set of checks on them.

The one place where a reference typed by a user ("Outbound Q1", ``ana@example.com``, ``7``)
becomes a row: browse paths use ``find_*`` on a Core connection (no ORM import, start-up
stays cheap); ORM admin services use ``get_*`` on a session, built on ``find_*``; commands
that only need ids call ``scope_ids``. The rules every admin service shares live here too,
worded once: what a name may be (``check_name``), that it is free (``ensure_free``), and
that a campaign, bucket or rep is active before new work goes to it (``require_active_*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, InputError, NotFound
from leadctl.storage import schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadctl.storage.models import Bucket, Campaign, Rep

    T = TypeVar("T", Campaign, Bucket, Rep)

_B = schema.bucket
_C = schema.campaign
_R = schema.rep
_TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "bucket": (_B, ("name",)),
    "campaign": (_C, ("name",)),
    "rep": (_R, ("email", "name")),
}


# ------------------------------------------------------------------ finding


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


def find(conn: Connection, kind: str, ref: str | int) -> dict[str, Any]:
    """The ``kind`` ("bucket", "campaign" or "rep") row that ``ref`` names."""
    table, columns = _TABLES[kind]
    return _by_ref(conn, table, ref, kind, columns)


def find_bucket(conn: Connection, ref: str | int) -> dict[str, Any]:
    return find(conn, "bucket", ref)


def find_campaign(conn: Connection, ref: str | int) -> dict[str, Any]:
    return find(conn, "campaign", ref)


def find_rep(conn: Connection, ref: str | int) -> dict[str, Any]:
    return find(conn, "rep", ref)


def scope_ids(engine: Engine, bucket: str | None, campaign: str | None) -> tuple[int | None, int | None]:
    """(bucket id, campaign id) for optional ``--bucket`` / ``--campaign`` filters, in one read."""
    if bucket is None and campaign is None:
        return None, None
    with engine.connect() as conn:
        bucket_id = int(find_bucket(conn, bucket)["id"]) if bucket is not None else None
        campaign_id = int(find_campaign(conn, campaign)["id"]) if campaign is not None else None
    return bucket_id, campaign_id


def get_campaign(session: Session, ref: str | int) -> Campaign:
    from leadctl.storage.models import Campaign

    return _orm(session, Campaign, find_campaign(session.connection(), ref))


def get_bucket(session: Session, ref: str | int) -> Bucket:
    from leadctl.storage.models import Bucket

    return _orm(session, Bucket, find_bucket(session.connection(), ref))


def get_rep(session: Session, ref: str | int) -> Rep:
    from leadctl.storage.models import Rep

    return _orm(session, Rep, find_rep(session.connection(), ref))


def _orm(session: Session, model: type[T], row: dict[str, object]) -> T:
    obj = session.get(model, row["id"])
    assert obj is not None
    return obj


# ------------------------------------------------------------------ the shared checks


def check_name(kind: str, value: str) -> str:
    """A campaign or bucket name: trimmed, not empty, not only digits (digits mean an id)."""
    name = value.strip()
    if not name:
        raise InputError(f"{kind} name: must not be empty")
    if name.isdigit():
        raise InputError(f"{kind} name {name!r}: must not be only digits (digits mean an id)")
    return name


def _shown(kind: str, name: str) -> str:
    return name if kind == "rep" else repr(name)


def ensure_free(conn: Connection, kind: str, name: str, except_id: int | None = None) -> None:
    """ConflictError if another ``kind`` already has this name (e-mail for reps), in any case."""
    table, columns = _TABLES[kind]
    q = select(table.c.id, table.c.active).where(func.lower(table.c[columns[0]]) == name.lower())
    if except_id is not None:
        q = q.where(table.c.id != except_id)
    taken = conn.execute(q).first()
    if taken is None:
        return
    hint = ""
    if kind == "rep" and not taken.active:
        hint = f"; it is deactivated: reactivate with 'leadctl rep activate {name}'"
    raise ConflictError(f"{kind} {_shown(kind, name)} already exists{hint}")


def require_active_rep(rep: Rep, purpose: str = "") -> Rep:
    """The rep, if active; ``purpose`` says what a deactivated rep cannot do (" and cannot …")."""
    if not rep.active:
        raise ConflictError(
            f"rep {rep.email} is deactivated{purpose}; reactivate with 'leadctl rep activate {rep.email}'"
        )
    return rep


def require_active_campaign(campaign: Campaign, what: str | None = None) -> Campaign:
    """The campaign, if active; ``what`` replaces the start of the message (e.g. the bucket feeding it)."""
    if not campaign.active:
        lead = what or f"campaign {campaign.name!r} is deactivated"
        raise ConflictError(f"{lead}; reactivate it with 'leadctl campaign activate {campaign.name!r}'")
    return campaign


def require_active_bucket(bucket: Bucket) -> Bucket:
    """The bucket new leads go into: it and its campaign must be active."""
    if not bucket.active:
        raise ConflictError(
            f"bucket {bucket.name!r} is deactivated and accepts no new leads; "
            f"activate it with 'leadctl bucket activate {bucket.name}'"
        )
    require_active_campaign(
        bucket.campaign, f"bucket {bucket.name!r} feeds deactivated campaign {bucket.campaign.name!r}"
    )
    return bucket
