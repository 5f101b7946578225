"""What the metric tables share: the period and campaign filter, group keys, safe ratios.

``Scope`` is what ``--since/--until/--campaign`` mean to every metric (the campaign resolved
by name or id inside the metric's one read transaction). ``group_key`` gives the SQL
expression (and the joins it needs) for ``--by`` over a table carrying ``campaign_id``
and a time column: day and week are UTC calendar days/ISO weeks (Monday's date).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, literal
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.errors import InputError
from leadctl.services.admin.lookup import find_campaign
from leadctl.storage import schema
from leadctl.storage.sqlfunc import day_of, utc_week

if TYPE_CHECKING:
    from leadctl.rules import Rules

NONE = "(none)"
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Scope:
    """``--since``/``--until`` (aware UTC, inclusive) and ``--campaign`` (name or id)."""

    since: datetime | None = None
    until: datetime | None = None
    campaign: str | None = None

    def campaign_id(self, conn: Connection) -> int | None:
        return int(find_campaign(conn, self.campaign)["id"]) if self.campaign else None

    def period(self, column: Any) -> ColumnElement[bool]:
        conds = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column <= self.until)
        return and_(True, *conds)


def check_by(by: str | None, allowed: tuple[str, ...]) -> None:
    if by is not None and by not in allowed:
        raise InputError(f"by: {by!r} is not one of {', '.join(allowed)}")


def ratio(part: int | float | None, whole: int | float | None, digits: int = 4) -> float | None:
    """``part / whole`` rounded, or None when there is nothing to divide by."""
    if not whole:
        return None
    return round(float(part or 0) / float(whole), digits)


def time_key(by: str, column: Any) -> ColumnElement[str]:
    return day_of(column) if by == "day" else utc_week(column)


def lead_key(by: str | None) -> tuple[ColumnElement[Any], list[tuple[Any, Any]]]:
    """The ``--by`` key over ``lead`` rows, with the joins it needs (rep: the client's rep now)."""
    L = schema.lead
    if by is None:
        return literal("all"), []
    if by in ("day", "week"):
        return time_key(by, L.c.created_at), []
    if by == "source":
        return func.coalesce(L.c.source, NONE), []
    if by == "bucket":
        return schema.bucket.c.name, [(schema.bucket, schema.bucket.c.id == L.c.bucket_id)]
    if by == "campaign":
        return schema.campaign.c.name, [(schema.campaign, schema.campaign.c.id == L.c.campaign_id)]
    A, R = schema.assignment, schema.rep
    active = A.alias("active_assignment")
    rep = R.alias("current_rep")
    return func.coalesce(rep.c.email, UNASSIGNED), [
        (active, and_(active.c.client_id == L.c.client_id, schema.held(active))),  # every lead's
        (rep, rep.c.id == active.c.rep_id),
    ]


@dataclass(frozen=True)
class Facts:
    """What ``client_facts_in_scope`` yields: the open connection, the per-client facts subquery
    (``services.metrics.speed.client_facts``), ``B`` of the evaluation moment and the moment."""

    conn: Connection
    table: Any
    now_b: int
    at: datetime


@contextmanager
def client_facts_in_scope(
    engine: Engine,
    rules: Rules,
    *,
    by: str,
    groupings: tuple[str, ...],
    since: datetime | None = None,
    until: datetime | None = None,
    campaign: str | None = None,
    at: datetime | None = None,
    ids: bool = False,
    first_contact: bool = False,
) -> Iterator[Facts]:
    """The scope set-up ``metrics speed`` and ``metrics sla`` share: check ``by``, evaluate at
    ``at`` (default now), open one read transaction, resolve the campaign in it and build the
    per-client facts of the clients captured in the period (``ids``: group rep and campaign by
    id, see ``speed.client_facts``; ``first_contact``: only the capture and first call, see
    ``sla.first_contact_facts``)."""
    from leadctl.services.metrics.sla import first_contact_facts
    from leadctl.services.metrics.speed import FactScope, client_facts
    from leadctl.storage.engine import read
    from leadctl.timeutil import now

    if by not in groupings:
        raise InputError(f"by: {by!r} is not one of {', '.join(groupings)}")
    when = at or now()
    with read(engine) as conn:
        cid = int(find_campaign(conn, campaign)["id"]) if campaign else None
        build = first_contact_facts if first_contact else client_facts
        with build(conn, rules, by, FactScope(since, until, cid), when, ids=ids) as (
            facts,
            now_b,
        ):
            yield Facts(conn, facts, now_b, when)
