"""Browsing leads: list them with filters, show one with its timeline.

This is the read path people and tools hit most, so it stays fast: SQLAlchemy Core over
``storage.schema`` only (importing ``sqlalchemy.orm`` alone costs ~60 ms), one query with
joins for the bucket, campaign and manager names, LIMIT/OFFSET in SQL, and a count only
when the page does not hold every matching lead. Bucket, campaign and rep references are
resolved with ``services.admin.lookup``'s Core finders for the same reason. Option values
arrive parsed (datetimes, ``LeadStatus``; ``commands._options``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, or_, select, update
from sqlalchemy.engine import Engine, RowMapping

from leadctl.errors import InputError, NotFound
from leadctl.services.admin.lookup import find_bucket, find_campaign, find_rep
from leadctl.storage import schema
from leadctl.storage.engine import read, write
from leadctl.vocab import EventKind, LeadStatus

# The stable fields of a lead row in json/jsonl/csv, in this order. Other tools rely on them:
# add new fields at the end, never rename or reorder.
LIST_FIELDS: tuple[str, ...] = (
    "id",
    "external_id",
    "bucket",
    "campaign",
    "status",
    "reasons",
    "manager",
    "client_id",
    "duplicate_of",
    "first_name",
    "last_name",
    "email",
    "business_phone",
    "mobile_phone",
    "timezone",
    "company",
    "registered_at",
    "custom",
)
# `leads show --format json`: the list fields, then everything else a lead carries.
SHOW_FIELDS: tuple[str, ...] = (
    *LIST_FIELDS,
    "title",
    "linkedin_url",
    "website",
    "headcount",
    "revenue",
    "industry",
    "city",
    "state",
    "country",
    "source",
    "affiliate_id",
    "line_no",
    "load_id",
    "raw",
    "timeline",
    "match_score",
    "match_rule",
)
# The readable subset shown in a table (``detail``: reasons of a rejected lead, what a
# duplicate duplicates and its score).
TABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "status",
    "name",
    "email",
    "company",
    "bucket",
    "detail",
    "manager",
    "registered_at",
)
DEFAULT_LIMIT = 50

_L = schema.lead
_B = schema.bucket
_C = schema.campaign
_R = schema.rep
_LOAD = schema.load
_EV = schema.lead_event

# --sort FIELD -> column. Text is compared lower-cased so SQLite and PostgreSQL agree.
SORT_FIELDS: dict[str, ColumnElement[Any]] = {
    "id": _L.c.id,
    "registered_at": _L.c.registered_at,
    "created_at": _L.c.created_at,
    "updated_at": _L.c.updated_at,
    "status": _L.c.status,
    "external_id": func.lower(_L.c.external_id),
    "first_name": func.lower(_L.c.first_name),
    "last_name": func.lower(_L.c.last_name),
    "email": func.lower(_L.c.email),
    "company": func.lower(_L.c.company),
    "bucket": func.lower(_B.c.name),
    "campaign": func.lower(_C.c.name),
    "manager": func.lower(_R.c.email),
}
# Fields that may be empty: their NULLs sort last in both directions on both databases. The
# others get a plain ORDER BY so the id/registered_at indexes still serve it.
_NULLABLE_SORT = frozenset({"external_id", "first_name", "last_name", "email", "company", "manager"})

# Lead columns every row needs (list and show): the list fields that are lead columns, plus the
# two links `duplicate_of` is built from; show adds the rest.
_LIST_LEAD_COLUMNS = (
    *(f for f in LIST_FIELDS if f in _L.c and f != "duplicate_of"),
    "duplicate_of_lead_id",
    "duplicate_of_client_id",
    "match_score",
)
# Columns read for `show` beyond the list query (timeline is assembled, not a column).
_SHOW_EXTRA_COLUMNS = (*(f for f in SHOW_FIELDS if f not in LIST_FIELDS and f != "timeline"), "created_at")


@dataclass
class LeadPage:
    """One page of ``leads list``: the rows plus what the user should be told on stderr."""

    rows: list[dict[str, Any]]
    limit: int
    offset: int
    total: int | None = None  # counted only when the page does not hold every match
    notices: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.total is not None and len(self.rows) < self.total

    def summary(self) -> str | None:
        """``showing 50 of 1,234 leads (use --limit/--offset)`` when some matches are not shown."""
        from leadctl.words import plural

        if not self.truncated or self.total is None:
            return None
        if self.offset == 0:
            return f"showing {len(self.rows):,} of {plural(self.total, 'lead')} (use --limit/--offset)"
        if not self.rows:
            return f"showing 0 of {plural(self.total, 'lead')} (--offset {self.offset:,} is past the end)"
        first = self.offset + 1
        last = self.offset + len(self.rows)
        return f"showing leads {first:,}-{last:,} of {self.total:,} (use --limit/--offset)"


# ---------------------------------------------------------------- references (Core)


# ---------------------------------------------------------------- list


def _order_by(sort: str) -> list[ColumnElement[Any]]:
    """``--sort FIELD`` / ``-FIELD`` as ORDER BY terms, ties broken by id in the same direction."""
    text = sort.strip()
    descending = text.startswith("-")
    name = text.lstrip("-+").strip().lower()
    column = SORT_FIELDS.get(name)
    if column is None:
        raise InputError(
            f"sort: {text!r} is not sortable (choose from {', '.join(SORT_FIELDS)}; -FIELD for descending)"
        )
    term = column.desc() if descending else column.asc()
    if name in _NULLABLE_SORT:
        term = term.nulls_last()
    order: list[ColumnElement[Any]] = [term]
    if name != "id":
        order.append(_L.c.id.desc() if descending else _L.c.id.asc())
    return order


def person_search(table: Table, text: str, *, also: Sequence[str] = ()) -> ColumnElement[bool]:
    """The one person search of leads and clients: e-mail, name (first, last or "first last")
    and the ``also`` columns contain the text, case-insensitive; or it is the id / external id."""
    needle = " ".join(text.split()).lower()
    c = table.c
    full_name = func.coalesce(c.first_name, "") + " " + func.coalesce(c.last_name, "")
    conditions: list[ColumnElement[bool]] = [
        func.lower(c.email).contains(needle, autoescape=True),
        func.lower(c.first_name).contains(needle, autoescape=True),
        func.lower(c.last_name).contains(needle, autoescape=True),
        func.lower(full_name).contains(needle, autoescape=True),
        *(func.lower(c[name]).contains(needle, autoescape=True) for name in also),
        func.lower(c.external_id) == needle,
    ]
    if needle.isdigit() and len(needle) <= 18:
        conditions.append(c.id == int(needle))
    return or_(*conditions)


def _duplicate_of(lead_id: int | None, client_id: int | None) -> str | None:
    if lead_id is not None:
        return f"lead:{lead_id}"
    if client_id is not None:
        return f"client:{client_id}"
    return None


def _row(r: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    """A database row as a lead dict: the stable fields in order, then ``name`` for tables."""
    first, last = r["first_name"], r["last_name"]
    return {
        "id": r["id"],
        "external_id": r["external_id"],
        "bucket": r["bucket"],
        "campaign": r["campaign"],
        "status": r["status"],
        "reasons": list(r["reasons"] or []),
        "manager": r["manager"],
        "client_id": r["client_id"],
        "duplicate_of": _duplicate_of(r["duplicate_of_lead_id"], r["duplicate_of_client_id"]),
        "first_name": first,
        "last_name": last,
        "email": r["email"],
        "business_phone": r["business_phone"],
        "mobile_phone": r["mobile_phone"],
        "timezone": r["timezone"],
        "company": r["company"],
        "registered_at": r["registered_at"],
        "custom": dict(r["custom"] or {}),
        "name": " ".join(p for p in (first, last) if p) or None,
        "detail": _detail(r),
    }


def _detail(r: Mapping[str, Any] | RowMapping) -> str | None:
    """For a table: why a lead was rejected, or what it duplicates and how sure that is."""
    if r["status"] == LeadStatus.REJECTED:
        return "; ".join(str(x) for x in r["reasons"] or []) or None
    if r["status"] == LeadStatus.DUPLICATE:
        of = _duplicate_of(r["duplicate_of_lead_id"], r["duplicate_of_client_id"])
        score = r["match_score"]
        return f"{of} ({score:.2f})" if of and score is not None else of
    return None


def _select(extra: Sequence[str] = ()) -> Select[Any]:
    """Lead columns plus bucket, campaign and manager names in one query."""
    lead_columns = [_L.c[name] for name in dict.fromkeys((*_LIST_LEAD_COLUMNS, *extra))]
    return (
        select(
            *lead_columns,
            _B.c.name.label("bucket"),
            _C.c.name.label("campaign"),
            _R.c.email.label("manager"),
        )
        .select_from(_L)
        .join(_B, _B.c.id == _L.c.bucket_id)
        .join(_C, _C.c.id == _L.c.campaign_id)
        .outerjoin(_R, _R.c.id == _L.c.manager_id)
    )


def list_leads(
    engine: Engine,
    *,
    bucket: str | None = None,
    campaign: str | None = None,
    statuses: Iterable[LeadStatus] = (),
    manager: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str | None = None,
    unassigned: bool | None = None,
    save_view: bool = False,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    sort: str = "id",
) -> LeadPage:
    """Leads matching every given filter, one page of them.

    ``unassigned``: True = only leads without a manager, False = all, None = the bucket's saved
    view (``bucket.view_unassigned_only``) when ``bucket`` is given, else all. ``save_view``
    stores the choice in effect for ``bucket``. ``limit`` 0 means no limit.
    """
    # Everything that can be wrong with the input is checked before anything is stored.
    status_list = [LeadStatus(s) for s in statuses]
    order = _order_by(sort)
    since_at, until_at = since, until
    if since_at is not None and until_at is not None and since_at > until_at:
        raise InputError(f"since ({since_at.isoformat()}) is after until ({until_at.isoformat()})")
    if limit < 0:
        raise InputError(f"limit: {limit} must be 0 (all) or more")
    if offset < 0:
        raise InputError(f"offset: {offset} must be 0 or more")
    if save_view and bucket is None:
        raise InputError("save_view needs a bucket (the unassigned-only view is remembered per bucket)")
    if unassigned and manager is not None:
        raise InputError("manager and unassigned contradict each other (unassigned leads have no manager)")

    with write(engine) if save_view else read(engine) as conn:
        notices: list[str] = []
        conditions: list[ColumnElement[bool]] = []
        if bucket is not None:
            b = find_bucket(conn, bucket)
            conditions.append(_L.c.bucket_id == b["id"])
            saved = bool(b["view_unassigned_only"])
            if save_view:
                choice = saved if unassigned is None else unassigned
                conn.execute(update(_B).where(_B.c.id == b["id"]).values(view_unassigned_only=choice))
                what = "only unassigned leads" if choice else "all leads"
                notices.append(f"saved view for bucket {b['name']}: {what}")
            if unassigned is None and manager is None and saved:
                unassigned = True
                if not save_view:
                    notices.append(
                        f"showing only unassigned leads (saved view for bucket {b['name']}; --all-managers to see all)"
                    )
        if campaign is not None:
            conditions.append(_L.c.campaign_id == find_campaign(conn, campaign)["id"])
        if manager is not None:
            conditions.append(_L.c.manager_id == find_rep(conn, manager)["id"])
        if unassigned:
            conditions.append(_L.c.manager_id.is_(None))
        if status_list:
            conditions.append(_L.c.status.in_(status_list))
        if since_at is not None:
            conditions.append(_L.c.registered_at >= since_at)
        if until_at is not None:
            conditions.append(_L.c.registered_at <= until_at)
        if search is not None and search.strip():
            conditions.append(person_search(_L, search))

        query = _select().where(*conditions).order_by(*order)
        if limit:
            query = query.limit(limit + 1)  # one more tells whether the page is truncated
        if offset:
            query = query.offset(offset)
        rows = [_row(r) for r in conn.execute(query).mappings()]

        page = LeadPage(rows=rows, limit=limit, offset=offset, notices=notices)
        has_more = bool(limit) and len(rows) > limit
        if has_more:
            del rows[limit:]
        if has_more or offset:
            page.total = conn.execute(select(func.count()).select_from(_L).where(*conditions)).scalar_one()
        return page


# ---------------------------------------------------------------- show


def show_lead(engine: Engine, ref: str | int) -> dict[str, Any]:
    """One lead with every field (SHOW_FIELDS order) and its timeline, oldest first.

    The timeline starts with a synthesised ``loaded`` entry from the lead's load (file,
    line, actor), followed by the append-only ``lead_event`` rows in time order.
    """
    text = str(ref).strip()
    number = text.removeprefix("#")
    if number[:5].lower() == "lead:":  # as printed in duplicate_of
        number = number[5:].strip()
    if not (number.isdigit() and len(number) <= 18):
        raise NotFound(f"no lead {text!r} (give its id; see 'leadctl leads list')")
    with read(engine) as conn:
        query = (
            _select(_SHOW_EXTRA_COLUMNS)
            .add_columns(
                _LOAD.c.filename.label("load_filename"),
                _LOAD.c.actor.label("load_actor"),
                _LOAD.c.started_at.label("load_started_at"),
            )
            .outerjoin(_LOAD, _LOAD.c.id == _L.c.load_id)
            .where(_L.c.id == int(number))
        )
        r = conn.execute(query).mappings().first()
        if r is None:
            raise NotFound(f"no lead {text!r} (give its id; see 'leadctl leads list')")
        events = (
            conn.execute(
                select(_EV.c.at, _EV.c.kind, _EV.c.actor, _EV.c.data)
                .where(_EV.c.lead_id == r["id"])
                .order_by(_EV.c.at, _EV.c.id)
            )
            .mappings()
            .all()
        )

    row = _row(r)
    del row["name"], row["detail"]
    for name in _SHOW_EXTRA_COLUMNS:
        if name != "created_at":
            row[name] = r[name]
    row["raw"] = dict(r["raw"] or {})
    loaded_data: dict[str, Any] = {}
    if r["load_id"] is not None:
        loaded_data = {"file": r["load_filename"], "line": r["line_no"], "load_id": r["load_id"]}
    loaded = {
        "at": r["created_at"] or r["load_started_at"],
        "kind": EventKind.LOADED,
        "actor": r["load_actor"],
        "data": loaded_data,
    }
    row["timeline"] = [
        loaded,
        *({"at": e["at"], "kind": e["kind"], "actor": e["actor"], "data": e["data"]} for e in events),
    ]
    return {name: row[name] for name in SHOW_FIELDS}
