"""Calling compliance: attempts refused (``call_blocked``) and logged calls that broke a rule (``call_violation``).

``record_violations(conn, keys, created_at, rules=…)`` runs inside ``activity log`` / ``activity import``
(one marked call in ``services/work/activities.py``): of the calls just inserted (their
``activity_key`` among ``keys`` and ``created_at`` this run's — a re-imported row is old and
is never judged twice) it finds those placed to a do-not-contact client, beyond the rolling
24-hour cap of the client's state, or outside the calling window in the client's zones, and
appends one ``call_violation`` event each. Set-based: one look-up of the new calls with their
clients, one of the earlier calls of earlier clients, the window a point check per call.

``compliance(engine, since, by)`` is the metric: both kinds counted per reason (and rep or
day) with one SQL aggregate over the timeline.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection, Engine

from leadctl.rules import Rules
from leadctl.storage import schema
from leadctl.storage.sqlfunc import day_of, in_chunks
from leadctl.vocab import ActivityType, EventKind, Stage

ACT, C, E, R = schema.activity, schema.client, schema.lead_event, schema.rep
GROUPINGS = ("reason", "rep", "day")


def record_violations(
    conn: Connection, keys: Iterable[str], created_at: datetime, *, actor: str, rules: Rules
) -> int:
    """Append a ``call_violation`` for each new call among ``keys`` that broke a rule; how many."""
    from leadctl.services import events as timeline
    from leadctl.services.events import Event
    from leadctl.services.work import calling

    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return 0
    cols = (
        ACT.c.id, ACT.c.client_id, ACT.c.rep_id, ACT.c.at, C.c.stage, C.c.stage_at, C.c.timezone,
        C.c.timezone_candidates, C.c.state, C.c.country, C.c.business_phone, C.c.mobile_phone, C.c.custom,
    )  # fmt: skip
    calls: list[dict[str, Any]] = []
    for cond in in_chunks(conn, ACT.c.activity_key, wanted):
        q = (
            select(*cols)
            .join(C, C.c.id == ACT.c.client_id)
            .where(cond, ACT.c.type == ActivityType.CALL.value, ACT.c.created_at == created_at)
        )
        calls += [dict(r) for r in conn.execute(q).mappings()]
    if not calls:
        return 0
    clock = calling.Clock(rules, created_at)
    judged = []
    for c in calls:
        zones, policy = calling.context(rules, clock, c)
        judged.append((c, zones, policy))
    cool = rules.cooldown.after_call_hours
    earlier = {c["client_id"] for c, _z, p in judged if p.cap_24h or cool > 0}  # need earlier calls
    history: dict[int, list[datetime]] = {}
    if earlier:
        lo = min(c["at"] for c, _z, p in judged if p.cap_24h or cool > 0) - timedelta(hours=max(24, cool))
        for cond in in_chunks(conn, ACT.c.client_id, earlier):
            q2 = select(ACT.c.client_id, ACT.c.at, ACT.c.id).where(
                cond, ACT.c.type == ActivityType.CALL.value, ACT.c.at >= lo
            )
            for cid, at, _aid in conn.execute(q2):
                history.setdefault(cid, []).append(at)
        for v in history.values():
            v.sort()
    events = []
    for c, zones, policy in judged:
        before = 0
        times = history.get(c["client_id"], [])
        if policy.cap_24h:
            before = bisect.bisect_left(times, c["at"]) - bisect.bisect_left(
                times, c["at"] - timedelta(hours=24)
            )
        k = bisect.bisect_left(times, c["at"])  # the person's previous call (any rep), for the cooldown
        previous = times[k - 1] if k else None
        dnc = c["stage"] == Stage.DO_NOT_CONTACT and (c["stage_at"] is None or c["stage_at"] <= c["at"])
        rule = calling.violation(clock, zones, policy, c["at"], dnc=dnc, calls_before=before,
                                 previous_call=previous, cooldown_hours=cool)  # fmt: skip
        if rule is not None:
            events.append(
                Event(
                    EventKind.CALL_VIOLATION,
                    created_at,
                    actor,
                    client_id=c["client_id"],
                    data={"rep_id": c["rep_id"], "activity_id": c["id"], "rule": rule.value},
                )
            )
    return timeline.append(conn, events)


def compliance(engine: Engine, *, since: datetime | None = None, by: str = "reason") -> list[dict[str, Any]]:
    """Blocked attempts and violations per reason (and rep or day), most first."""
    reason = func.coalesce(E.c.data["reason"].as_string(), E.c.data["rule"].as_string())
    rep_id = E.c.data["rep_id"].as_integer()
    group: list[Any] = [reason]
    if by == "rep":
        group.insert(0, rep_id)
    elif by == "day":
        group.insert(0, day_of(E.c.at))
    n_blocked = func.sum(case((E.c.kind == EventKind.CALL_BLOCKED.value, 1), else_=0))
    n_viol = func.sum(case((E.c.kind == EventKind.CALL_VIOLATION.value, 1), else_=0))
    q = select(*group, n_blocked, n_viol).where(
        E.c.kind.in_([EventKind.CALL_BLOCKED.value, EventKind.CALL_VIOLATION.value])
    )
    if since is not None:
        q = q.where(E.c.at >= since)
    with engine.connect() as conn:
        rows = conn.execute(q.group_by(*group)).all()
        emails: dict[int, str] = {}
        if by == "rep":
            ids = {r[0] for r in rows if r[0] is not None}
            for cond in in_chunks(conn, R.c.id, ids):
                emails.update(dict(conn.execute(select(R.c.id, R.c.email).where(cond)).all()))
    out = []
    for r in rows:
        row: dict[str, Any] = {}
        if by == "rep":
            row["rep"] = emails.get(r[0], r[0])
        elif by == "day":
            row["day"] = r[0]
        row.update(reason=r[-3], blocked=int(r[-2] or 0), violations=int(r[-1] or 0))
        out.append(row)
    first = "rep" if by == "rep" else "day" if by == "day" else None
    out.sort(
        key=lambda d: (
            str(d.get(first, "")) if first else "",
            -(d["blocked"] + d["violations"]),
            str(d["reason"]),
        )
    )
    return out


def columns(by: str) -> Sequence[str]:
    return ([by] if by != "reason" else []) + ["reason", "blocked", "violations"]
