"""Calling compliance: attempts refused (``call_blocked``) and logged calls that broke a rule (``call_violation``).

``record_violations(conn, activity_ids, created_at, rules=…)`` runs inside ``activity log`` /
``activity import`` (one marked call in ``services/work/activities.py``): of the calls just
inserted (the ids of this batch's new rows — a re-imported row is old and is never judged
twice) it finds those placed to a do-not-contact client, beyond the rolling
24-hour cap of the client's state, or outside the calling window in the client's zones, and
appends one ``call_violation`` event each (and for calls within the cooldown of the
person's previous call). Set-based: one look-up of the new calls with their clients, one join
of each new call to the same person's calls in the 24 hours (or cooldown) before it, the
window a point check per call.

``compliance(engine, since, by)`` is the metric: both kinds counted per reason (and rep or
day) with one SQL aggregate over the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection, Engine

from leadctl.rules import Rules
from leadctl.storage import schema
from leadctl.storage.sqlfunc import day_of, epoch_seconds, in_chunks, stored_utc, unindexed
from leadctl.vocab import ActivityType, EventKind, Stage

ACT, C, E, R = schema.activity, schema.client, schema.lead_event, schema.rep
GROUPINGS = ("reason", "rep", "day")


def record_violations(
    conn: Connection,
    activity_ids: Iterable[int],
    created_at: datetime,
    *,
    actor: str,
    rules: Rules,
    clients: dict[int, Any] | None = None,
) -> int:
    """Append a ``call_violation`` for each call among the new ``activity_ids`` that broke a
    rule; how many. Earlier calls are read per new call from the client's index range (only
    those within ``max(24 h, cooldown)`` before it: older ones can break neither rule), so a
    batch costs in proportion to its own size, not to the client's whole history.

    ``clients`` caches each client's calling context (zones, policy, stage) across the calls
    of one run whose client rows do not change meanwhile (``activity import`` moves stages only
    after its last chunk)."""
    from leadctl.services import events as timeline
    from leadctl.services.events import Event
    from leadctl.services.work import calling

    wanted = list(dict.fromkeys(activity_ids))
    if not wanted:
        return 0
    calls: list[Any] = []  # (id, client_id, rep_id, at) rows
    for cond in in_chunks(conn, ACT.c.id, wanted):
        q = select(ACT.c.id, ACT.c.client_id, ACT.c.rep_id, ACT.c.at)
        calls += conn.execute(q.where(cond, unindexed(ACT.c.type) == ActivityType.CALL.value)).all()  # by id
    if not calls:
        return 0
    clock = calling.Clock(rules, created_at)
    known = {} if clients is None else clients
    cols = (
        C.c.id, C.c.stage, C.c.stage_at, C.c.timezone, C.c.timezone_candidates, C.c.state, C.c.country,
        C.c.business_phone, C.c.mobile_phone, C.c.custom,
    )  # fmt: skip
    for cond in in_chunks(conn, C.c.id, {c[1] for c in calls} - known.keys()):
        for m in conn.execute(select(*cols).where(cond)).mappings():
            known[m["id"]] = (*calling.context(rules, clock, dict(m)), m["stage"], m["stage_at"])
    cool = rules.cooldown.after_call_hours
    judged = [(c, *known[c[1]]) for c in calls]
    need = [c[0] for c, _z, p, _s, _a in judged if p.cap_24h or cool > 0]  # these need earlier calls
    history: dict[int, list[datetime]] = {}
    if need:
        reach = int(max(24.0, cool) * 3600) + 2  # seconds; a second's slack for whole-second epochs
        new, old = ACT.alias("new_call"), ACT.alias("earlier_call")
        for cond in in_chunks(conn, new.c.id, need):
            # Each new call probes its client's range of ix_activity_client_id_at_type_outcome
            # (client, reach before it .. it): both bounds on ``old.at`` are sargable, and the
            # type is not offered to SQLite's planner, which would otherwise drive the join
            # from every stored call through the type index (each chunk costing in
            # proportion to the whole table: 164 s of a 1M-row import).
            q2 = (
                select(new.c.id, old.c.at)
                .join(old, old.c.client_id == new.c.client_id)
                .where(
                    cond,
                    unindexed(old.c.type) == ActivityType.CALL.value,
                    old.c.at < new.c.at,
                    old.c.at >= stored_utc(epoch_seconds(new.c.at) - reach),
                )
            )
            for aid, at in conn.execute(q2):
                history.setdefault(aid, []).append(at)
    events = []
    day = timedelta(hours=24)
    for (aid, cid, rep_id, at), zones, policy, stage, stage_at in judged:
        times = history.get(aid, ())  # the person's calls (any rep) shortly before this one
        before = sum(1 for t in times if t >= at - day) if policy.cap_24h else 0
        dnc = stage == Stage.DO_NOT_CONTACT and (stage_at is None or stage_at <= at)
        rule = calling.violation(clock, zones, policy, at, dnc=dnc, calls_before=before,
                                 previous_call=max(times, default=None), cooldown_hours=cool)  # fmt: skip
        if rule is not None:
            events.append(
                Event(
                    EventKind.CALL_VIOLATION,
                    created_at,
                    actor,
                    client_id=cid,
                    data={"rep_id": rep_id, "activity_id": aid, "rule": rule.value},
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
