"""Reps: the people who work leads (appointment setters, closers, managers).

E-mail addresses are the name users type (unique, stored lower-case). A deactivated rep
keeps all history (approvals, buckets managed, assignments) and is hidden from listings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadctl.errors import InputError
from leadctl.services.admin.lookup import ensure_free, get_rep
from leadctl.storage import schema
from leadctl.storage.models import Bucket, CampaignRep, Rep
from leadctl.storage.session import read_session, write_session
from leadctl.storage.types import utcnow

ROLES = schema.REP_ROLES
LIST_COLUMNS = (
    "id",
    "email",
    "name",
    "role",
    "skills",
    "territories",
    "capacity",
    "timezone",
    "active",
    "campaigns",
    "buckets",
)
# name@domain.tld: one @, no spaces, a dot in the domain, no empty labels.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


# ------------------------------------------------------------------ validation


def check_email(value: str) -> str:
    """A syntactically valid e-mail address, lower-cased; InputError otherwise."""
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise InputError(f"EMAIL {value!r}: not an e-mail address (expected name@domain.tld)")
    return email


def check_timezone(value: str) -> str:
    """An IANA time zone name known to zoneinfo; InputError otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = value.strip()
    try:
        if not tz or tz.startswith(("/", ".")) or ".." in tz:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"timezone {value!r}: not a known time zone (use an IANA name such as America/New_York)"
        ) from None
    return tz


def check_role(value: str) -> str:
    role = value.strip().lower()
    if role not in ROLES:
        raise InputError(f"role {value!r}: expected one of {', '.join(ROLES)}")
    return role


def check_capacity(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InputError(f"capacity {value}: must be 0 or more")
    return value


def _check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise InputError("name: must not be empty")
    return name


def _clean_list(values: Iterable[str], field: str) -> list[str]:
    """Trimmed, without blanks, duplicates dropped case-insensitively (first spelling kept)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        item = raw.strip()
        if not item:
            raise InputError(f"{field}: an entry must not be empty")
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def _remove(current: list[str], remove: Iterable[str], field: str, rep: Rep) -> list[str]:
    out = list(current)
    for raw in remove:
        item = raw.strip().lower()
        kept = [x for x in out if x.lower() != item]
        if len(kept) == len(out):
            have = ", ".join(out) or "none"
            raise InputError(f"{field}: rep {rep.email} has no {raw.strip()!r} (has: {have})")
        out = kept
    return out


# ------------------------------------------------------------------ rows


def _row(r: Rep) -> dict[str, Any]:
    return {
        "id": r.id,
        "email": r.email,
        "name": r.name,
        "role": r.role,
        "skills": list(r.skills),
        "territories": list(r.territories),
        "capacity": r.capacity,
        "timezone": r.timezone,
        "active": r.active,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "deactivated_at": r.deactivated_at,
    }


def _counts(engine_or_session: Engine | Session, rep_id: int | None = None) -> dict[int, dict[str, int]]:
    """Current campaign approvals and buckets managed per rep, in two GROUP BY queries."""
    cr, b = schema.campaign_rep, schema.bucket
    approvals = select(cr.c.rep_id, func.count()).where(cr.c.revoked_at.is_(None)).group_by(cr.c.rep_id)
    managed = select(b.c.manager_id, func.count()).where(b.c.manager_id.is_not(None)).group_by(b.c.manager_id)
    if rep_id is not None:
        approvals = approvals.where(cr.c.rep_id == rep_id)
        managed = managed.where(b.c.manager_id == rep_id)
    counts: dict[int, dict[str, int]] = {}

    def run(conn: Any) -> None:
        for rid, n in conn.execute(approvals):
            counts.setdefault(rid, {})["campaigns"] = n
        for rid, n in conn.execute(managed):
            counts.setdefault(rid, {})["buckets"] = n

    if isinstance(engine_or_session, Session):
        run(engine_or_session.connection())
    else:
        with engine_or_session.connect() as conn:
            run(conn)
    return counts


def _with_counts(row: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    row["campaigns"] = counts.get("campaigns", 0)
    row["buckets"] = counts.get("buckets", 0)
    return row


def _counted_row(s: Session, r: Rep) -> dict[str, Any]:
    return _with_counts(_row(r), _counts(s, r.id).get(r.id, {}))


# ------------------------------------------------------------------ commands


def add(
    engine: Engine,
    email: str,
    name: str,
    role: str = "setter",
    skills: Iterable[str] = (),
    territories: Iterable[str] = (),
    capacity: int | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Add an active rep. E-mail addresses are unique regardless of case."""
    email = check_email(email)
    values = {
        "name": _check_name(name),
        "role": check_role(role),
        "skills": _clean_list(skills, "skills"),
        "territories": _clean_list(territories, "territories"),
        "capacity": check_capacity(capacity),
        "timezone": check_timezone(timezone) if timezone is not None else None,
    }
    with write_session(engine) as s:
        ensure_free(s.connection(), "rep", email)
        now = utcnow()
        r = Rep(email=email, active=True, created_at=now, updated_at=now, **values)
        s.add(r)
        s.flush()
        return _counted_row(s, r)


def list_reps(engine: Engine, include_inactive: bool = False) -> list[dict[str, Any]]:
    counts = _counts(engine)
    with read_session(engine) as s:
        q = select(Rep).order_by(Rep.email)
        if not include_inactive:
            q = q.where(Rep.active.is_(True))
        return [_with_counts(_row(r), counts.get(r.id, {})) for r in s.scalars(q)]


def show(engine: Engine, ref: str) -> dict[str, Any]:
    """One rep with the campaigns they are (or were) approved on and the buckets they manage."""
    with read_session(engine) as s:
        r = get_rep(s, ref)
        row = _counted_row(s, r)
        approvals = s.scalars(select(CampaignRep).where(CampaignRep.rep_id == r.id)).all()
        row["campaign_approvals"] = [
            {
                "id": a.campaign.id,
                "name": a.campaign.name,
                "active": a.campaign.active,
                "approved_at": a.approved_at,
                "revoked_at": a.revoked_at,
            }
            for a in sorted(approvals, key=lambda a: (a.revoked_at is not None, a.campaign.name))
        ]
        managed = s.scalars(select(Bucket).where(Bucket.manager_id == r.id).order_by(Bucket.name)).all()
        row["managed_buckets"] = [
            {"id": b.id, "name": b.name, "campaign": b.campaign.name, "active": b.active} for b in managed
        ]
        return row


def edit(
    engine: Engine,
    ref: str,
    *,
    email: str | None = None,
    name: str | None = None,
    role: str | None = None,
    add_skills: Iterable[str] = (),
    remove_skills: Iterable[str] = (),
    add_territories: Iterable[str] = (),
    remove_territories: Iterable[str] = (),
    capacity: int | None = None,
    clear_capacity: bool = False,
    timezone: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change a rep; ``active=True`` reactivates. The result has ``changed``: the fields changed."""
    with write_session(engine) as s:
        r = get_rep(s, ref)
        changed: list[str] = []

        def put(field: str, value: Any) -> None:
            if getattr(r, field) != value:
                setattr(r, field, value)
                changed.append(field)

        if email is not None:
            new_email = check_email(email)
            if new_email != r.email:
                ensure_free(s.connection(), "rep", new_email, except_id=r.id)
            put("email", new_email)
        if name is not None:
            put("name", _check_name(name))
        if role is not None:
            put("role", check_role(role))
        add_s, rm_s = list(add_skills), list(remove_skills)
        if add_s or rm_s:
            put("skills", _clean_list([*_remove(r.skills, rm_s, "skills", r), *add_s], "skills"))
        add_t, rm_t = list(add_territories), list(remove_territories)
        if add_t or rm_t:
            kept = _remove(r.territories, rm_t, "territories", r)
            put("territories", _clean_list([*kept, *add_t], "territories"))
        if clear_capacity:
            put("capacity", None)
        elif capacity is not None:
            put("capacity", check_capacity(capacity))
        if timezone is not None:
            put("timezone", check_timezone(timezone) if timezone.strip() else None)
        if active is not None and active != r.active:
            r.active = active
            r.deactivated_at = None if active else utcnow()
            changed.append("active")
        if changed:
            r.updated_at = utcnow()
        s.flush()
        row = _counted_row(s, r)
        row["changed"] = changed
        return row


def deactivate(engine: Engine, ref: str) -> dict[str, Any]:
    """Deactivate a rep: hidden from listings and new work; approvals and history are kept.

    The result has ``changed`` (``["active"]`` or ``[]``) and ``active_buckets_managed`` (names of active buckets that
    still name this rep as default manager, so the caller can suggest a new manager).
    """
    with write_session(engine) as s:
        r = get_rep(s, ref)
        changed = r.active
        if changed:
            now = utcnow()
            r.active = False
            r.deactivated_at = now
            r.updated_at = now
            s.flush()
        row = _counted_row(s, r)
        row["changed"] = ["active"] if changed else []
        row["active_buckets_managed"] = list(
            s.scalars(
                select(Bucket.name)
                .where(Bucket.manager_id == r.id, Bucket.active.is_(True))
                .order_by(Bucket.name)
            )
        )
        return row
