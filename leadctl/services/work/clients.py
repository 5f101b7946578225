"""Browsing clients — the unit of work: list them with filters, show one with its history.

A client is one person; assignment, activities and stages attach to it. ``rep`` is the rep of
the client's active assignment (``assignment`` with ``ended_at IS NULL``; at most one, a
database constraint), ``--unassigned`` means "no active assignment". Merged clients
(``merged_into_id`` set by ``dedupe --apply``) are hidden: their leads and work belong to the
survivor.

SQLAlchemy Core only. A listing page is ONE query: the page of client ids is chosen in a
subquery (filters, ORDER BY, LIMIT/OFFSET), then joined to campaign, active assignment, rep
and the client's leads; the lead rows are folded into ``lead_ids`` in Python. A count runs only
when the page does not hold every match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError, NotFound
from leadctl.services.admin.lookup import find_bucket, find_campaign, find_rep
from leadctl.services.intake.leads import person_search
from leadctl.storage import schema
from leadctl.storage.engine import read
from leadctl.vocab import Stage, values

# The stable fields of a client row in json/jsonl/csv, in this order: add at the end only.
LIST_FIELDS: tuple[str, ...] = (
    "id",
    "campaign",
    "rep",
    "assigned_at",
    "stage",
    "first_name",
    "last_name",
    "email",
    "business_phone",
    "mobile_phone",
    "timezone",
    "company",
    "lead_ids",
    "created_at",
)
TABLE_COLUMNS: tuple[str, ...] = ("id", "stage", "name", "email", "company", "campaign", "rep", "assigned_at")
SHOW_EXTRA: tuple[str, ...] = (
    "title",
    "linkedin_url",
    "website",
    "headcount",
    "revenue",
    "industry",
    "city",
    "state",
    "country",
    "bucket_label",
    "affiliate_id",
    "external_id",
    "stage_at",
    "updated_at",
    "custom",
)
ASSIGNMENT_FIELDS = ("rep", "rule", "started_at", "ended_at", "ended_reason", "actor", "ended_by", "reason")
ACTIVITY_FIELDS = (
    "at",
    "type",
    "outcome",
    "rep",
    "verified_dial",
    "duration_s",
    "callback_at",
    "meeting_at",
    "note",
    "source",
    "activity_key",
)
TIMELINE_FIELDS = ("at", "kind", "actor", "data")
DEFAULT_LIMIT = 50
STAGES = values(Stage)

C = schema.client
L = schema.lead
A = schema.assignment
R = schema.rep
CA = schema.campaign
ACT = schema.activity
EV = schema.lead_event


@dataclass
class ClientPage:
    rows: list[dict[str, Any]]
    limit: int
    offset: int
    total: int | None = None
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str | None:
        """``showing 50 of 1,234 clients (use --limit/--offset)`` when some matches are not shown."""
        if self.total is None or len(self.rows) >= self.total:
            return None
        if not self.rows:
            return f"showing 0 of {self.total:,} clients (--offset {self.offset:,} is past the end)"
        first, last = self.offset + 1, self.offset + len(self.rows)
        return f"showing clients {first:,}-{last:,} of {self.total:,} (use --limit/--offset)"


def parse_stages(given: Iterable[str]) -> list[str]:
    """``--stage`` values, repeatable or comma-separated, checked against vocab.Stage."""
    out: list[str] = []
    for value in given:
        for part in value.split(","):
            stage = part.strip().lower().replace("-", "_")
            if not stage:
                continue
            if stage not in STAGES:
                raise InputError(f"stage {part.strip()!r} is not one of {', '.join(STAGES)}")
            if stage not in out:
                out.append(stage)
    return out


def _search(text: str) -> ColumnElement[bool]:
    """``person_search`` over clients, also matching the company and either phone (E.164)."""
    needle = " ".join(text.split()).lower()
    found = person_search(C, text, also=("company",))
    if needle.startswith("+") and needle[1:].isdigit():
        return or_(found, C.c.business_phone == needle, C.c.mobile_phone == needle)
    return found


def _active_assignment() -> Any:
    return and_(A.c.client_id == C.c.id, A.c.ended_at.is_(None))


def list_clients(
    engine: Engine,
    *,
    campaign: str | None = None,
    bucket: str | None = None,
    rep: str | None = None,
    unassigned: bool = False,
    stages: Iterable[str] = (),
    search: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ClientPage:
    """Clients matching every filter, one page, oldest first. ``limit`` 0 means no limit.

    ``bucket``: clients with at least one lead in that bucket. ``rep``: clients whose active
    assignment is that rep's. ``unassigned``: clients without an active assignment.
    """
    stage_list = parse_stages(stages)
    if limit < 0 or offset < 0:
        raise InputError("limit and offset must be 0 or more")
    if unassigned and rep is not None:
        raise InputError("rep and unassigned contradict each other (unassigned clients have no rep)")
    with read(engine) as conn:
        conditions: list[ColumnElement[bool]] = [C.c.merged_into_id.is_(None), C.c.retired_at.is_(None)]
        if campaign is not None:
            conditions.append(C.c.campaign_id == find_campaign(conn, campaign)["id"])
        if bucket is not None:
            bucket_id = find_bucket(conn, bucket)["id"]
            conditions.append(exists().where(L.c.client_id == C.c.id, L.c.bucket_id == bucket_id))
        if rep is not None:
            rep_id = find_rep(conn, rep)["id"]
            conditions.append(exists().where(_active_assignment(), A.c.rep_id == rep_id))
        if unassigned:
            conditions.append(~exists().where(_active_assignment()))
        if stage_list:
            conditions.append(C.c.stage.in_(stage_list))
        if search is not None and search.strip():
            conditions.append(_search(search))

        page_q = select(C.c.id).where(*conditions).order_by(C.c.id)
        if limit:
            page_q = page_q.limit(limit + 1)
        if offset:
            page_q = page_q.offset(offset)
        rows = _rows(conn, page_q.subquery())
        page = ClientPage(rows=rows, limit=limit, offset=offset)
        has_more = bool(limit) and len(rows) > limit
        if has_more:
            del rows[limit:]
        if has_more or offset:
            page.total = conn.execute(select(func.count()).select_from(C).where(*conditions)).scalar_one()
        return page


def _rows(conn: Connection, page: Any, extra: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The clients whose ids ``page`` selects, with campaign, rep and lead ids — one query."""
    person = [C.c[f] for f in LIST_FIELDS if f in C.c and f != "id"]
    q = (
        select(
            C.c.id,
            *person,
            *(C.c[f] for f in extra),
            CA.c.name.label("campaign"),
            R.c.email.label("rep"),
            A.c.started_at.label("assigned_at"),
            L.c.id.label("lead_id"),
        )
        .select_from(page)
        .join(C, C.c.id == page.c.id)
        .join(CA, CA.c.id == C.c.campaign_id)
        .outerjoin(A, _active_assignment())
        .outerjoin(R, R.c.id == A.c.rep_id)
        .outerjoin(L, L.c.client_id == C.c.id)
        .order_by(C.c.id, L.c.id)
    )
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(q).mappings():
        row = out.get(r["id"])
        if row is None:
            row = {f: r[f] for f in LIST_FIELDS if f != "lead_ids"}
            row["lead_ids"] = []
            for f in extra:
                row[f] = r[f]
            row["name"] = " ".join(p for p in (r["first_name"], r["last_name"]) if p) or None
            out[r["id"]] = row
        if r["lead_id"] is not None:
            row["lead_ids"].append(r["lead_id"])
    return list(out.values())


def client_ref(text: str | int) -> int:
    """A client id as typed (``42``, ``#42``, ``client:42``); NotFound otherwise."""
    s = str(text).strip().removeprefix("#")
    if s[:7].lower() == "client:":
        s = s[7:].strip()
    if not (s.isdigit() and len(s) <= 18):
        raise NotFound(f"no client {str(text).strip()!r} (give its id; see 'leadctl clients list')")
    return int(s)


def show_client(engine: Engine, ref: str | int) -> dict[str, Any]:
    """One client: the list fields, every other field, assignment history, activities and
    the client's timeline (``lead_event`` rows with its client id), oldest first."""
    client_id = client_ref(ref)
    with read(engine) as conn:
        merged = conn.execute(select(C.c.merged_into_id).where(C.c.id == client_id)).first()
        if merged is None:
            raise NotFound(f"no client {client_id} (see 'leadctl clients list')")
        if merged[0] is not None:
            raise NotFound(
                f"client {client_id} was merged into client {merged[0]}: see 'leadctl clients show {merged[0]}'"
            )
        page = select(C.c.id).where(C.c.id == client_id).subquery()
        row = _rows(conn, page, SHOW_EXTRA)[0]
        del row["name"]
        row["custom"] = dict(row["custom"] or {})
        row["assignments"] = [
            dict(r)
            for r in conn.execute(
                select(
                    R.c.email.label("rep"),
                    A.c.rule,
                    A.c.started_at,
                    A.c.ended_at,
                    A.c.ended_reason,
                    A.c.actor,
                    A.c.ended_by,
                    A.c.reason,
                )
                .join(R, R.c.id == A.c.rep_id)
                .where(A.c.client_id == client_id)
                .order_by(A.c.started_at, A.c.id)
            ).mappings()
        ]
        row["activities"] = [
            dict(r)
            for r in conn.execute(
                select(
                    ACT.c.at,
                    ACT.c.type,
                    ACT.c.outcome,
                    R.c.email.label("rep"),
                    ACT.c.verified_dial,
                    ACT.c.duration_s,
                    ACT.c.callback_at,
                    ACT.c.meeting_at,
                    ACT.c.note,
                    ACT.c.source,
                    ACT.c.activity_key,
                )
                .outerjoin(R, R.c.id == ACT.c.rep_id)
                .where(ACT.c.client_id == client_id)
                .order_by(ACT.c.at, ACT.c.id)
            ).mappings()
        ]
        row["timeline"] = [
            dict(r)
            for r in conn.execute(
                select(EV.c.at, EV.c.kind, EV.c.actor, EV.c.data)
                .where(EV.c.client_id == client_id)
                .order_by(EV.c.at, EV.c.id)
            ).mappings()
        ]
        return row
