"""`leadctl next`: hand the dialer one client and lease it.

``claim_next`` takes the queue's callable call-action rows (``queue.compute``) and leases the
first one no one else holds (``storage.claims.claim_lease``), re-checking do-not-contact,
cooldown, caps and calling hours on the live data inside the claiming transaction
(``live_verdict``): a refused candidate gets a ``call_blocked`` event, the claimed one a
``claimed`` event. An expired lease is simply taken over, so a crashed dialer never strands a
client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, or_, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import BusyError, InputError, NotFound
from leadctl.rules import Rules
from leadctl.services import events as timeline
from leadctl.services.events import Event
from leadctl.services.work import calling, score_store
from leadctl.services.work.queue import CLAIM_CANDIDATES, PriorityFn, compute
from leadctl.services.work.queue_read import ACT, CLIENT_COLUMNS, CR, SUP, C, T, active_rep
from leadctl.storage.sqlfunc import unindexed
from leadctl.timeutil import now as utc_now
from leadctl.vocab import EventKind, Stage


def live_verdict(
    conn: Connection, rules: Rules, client_id: int, at: datetime
) -> tuple[dict[str, Any], calling.Verdict]:
    """The client's row and its calling verdict on the live data (inside the claiming
    transaction): stage, active suppression of its e-mail or phones, its calls."""
    row = conn.execute(select(*CLIENT_COLUMNS).where(C.c.id == client_id)).mappings().first()
    if row is None:
        raise NotFound(f"no client {client_id}")
    r = dict(row)
    values = [v for v in (r["email"], r["business_phone"], r["mobile_phone"]) if v]
    suppressed = bool(values) and (
        conn.execute(
            select(literal(1))
            .where(
                SUP.c.removed_at.is_(None),
                or_(SUP.c.value.in_([v.lower() if "@" in v else v for v in values])),
            )
            .limit(1)
        ).first()
        is not None
    )
    calls = list(
        conn.execute(
            select(ACT.c.at)  # the client's own activities, newest first (the type kept from
            # SQLite's planner: it walked every call back from ``at`` until this client's)
            .where(ACT.c.client_id == client_id, unindexed(ACT.c.type) == T.CALL.value, ACT.c.at <= at)
            .order_by(ACT.c.at.desc())
            .limit(50)
        ).scalars()
    )
    clock = calling.Clock(rules, at)
    zones, policy = calling.context(rules, clock, r)
    dnc = suppressed or r["stage"] == Stage.DO_NOT_CONTACT
    verdict = calling.blocked(
        clock,
        zones,
        policy,
        rules=rules,
        do_not_contact=dnc,
        last_call=calls[0] if calls else None,
        recent_calls=[t for t in calls if t > at - timedelta(hours=24)],
        at=at,
    )
    return r, verdict


@dataclass
class Claim:
    """What ``leadctl next`` returns: the claimed client for the dialer, or why there is none."""

    record: dict[str, Any] | None
    refused: list[dict[str, Any]]
    message: str = ""


def _dialer_record(row: Mapping[str, Any], queued: Mapping[str, Any] | None, rep: Mapping[str, Any],
                   until: datetime, at: datetime) -> dict[str, Any]:  # fmt: skip
    zone = row["timezone"] or ((queued or {}).get("zones") or [None])[0]
    local = calling.local_time(zone, at)
    q = queued or {}
    return {
        "client_id": row["id"],
        "rep": rep["email"],
        "lease_until": until,
        "name": " ".join(p for p in (row["first_name"], row["last_name"]) if p),
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "title": row["title"],
        "company": row["company"],
        "email": row["email"],
        "phones": {"business": row["business_phone"], "mobile": row["mobile_phone"]},
        "dial": row["business_phone"] or row["mobile_phone"],
        "timezone": zone,
        "timezone_source": row["timezone_source"],
        "zones": q.get("zones") or ([zone] if zone else []),
        "local_time": local.isoformat(timespec="minutes") if local else None,
        "callable_until": q.get("callable_until"),
        "tier": q.get("tier"),
        "why": q.get("why"),
        "priority": q.get("priority"),
        "components": q.get("components", {}),
        "stage": row["stage"],
        "campaign_id": row["campaign_id"],
        "state": row["state"],
        "country": row["country"],
        "custom": row["custom"] or {},
    }


def claim_next(
    engine: Engine,
    rules: Rules,
    rep_ref: str,
    *,
    campaign: str | None = None,
    client_id: int | None = None,
    priorities: PriorityFn | None = None,
) -> Claim:
    """``leadctl next``: lease the rep's best callable client (or ``client_id``) to the dialer."""
    from leadctl.services.admin.common import actor as current_actor
    from leadctl.services.admin.lookup import find_campaign
    from leadctl.storage import claims
    from leadctl.storage.engine import write

    at = utc_now()
    who = current_actor()
    with engine.connect() as conn:
        rep = active_rep(conn, rep_ref)
        camp = int(find_campaign(conn, campaign)["id"]) if campaign is not None else None
        if client_id is None:
            result = compute(conn, rules, rep, at=at, limit=CLAIM_CANDIDATES, campaign_id=camp,
                             priorities=priorities, skip_leased=True, calls_only=True)  # fmt: skip
            rows = [r for r in result.rows if r["action"] == "call"][:CLAIM_CANDIDATES]
            stale = result.stale
        else:
            rows, stale = [], []
    by_id = {r["client_id"]: r for r in rows}
    order = [client_id] if client_id is not None else list(by_id)
    if not order:
        score_store.heal(engine, rules, stale)
        return Claim(
            None, [], "nothing to call now" + (f" ({result.summary()})" if client_id is None else "")
        )
    until = at + timedelta(seconds=rules.queue.lease_seconds)
    refused: list[dict[str, Any]] = []
    picked: dict[str, Any] = {}

    def accept(cid: int) -> bool:
        row, verdict = live_verdict(conn, rules, cid, at)
        if verdict.ok:
            picked["row"] = row
            return True
        refused.append(
            {
                "client_id": cid,
                "reason": verdict.reason.value if verdict.reason else "",
                "until": verdict.until,
                "why": verdict.detail,
            }  # fmt: skip
        )
        return False

    with write(engine) as conn:
        if client_id is not None:
            _check_may_work(conn, rep, client_id)
        got = claims.claim_lease(conn, order, rep["id"], at, until, accept)
        evs = [
            Event(
                EventKind.CALL_BLOCKED,
                at,
                who,
                client_id=r["client_id"],
                data={"rep_id": rep["id"], "reason": r["reason"], "until": r["until"]},
            )  # fmt: skip
            for r in refused
        ]
        if got is not None:
            tier = by_id.get(got, {}).get("tier")
            evs.append(Event(EventKind.CLAIMED, at, who, client_id=got,
                             data={"rep_id": rep["id"], "lease_until": until, "tier": tier}))  # fmt: skip
        timeline.append(conn, [_jsonable(e) for e in evs])
    score_store.heal(engine, rules, stale)  # stored scores for what was read without one
    if got is None:
        if client_id is not None and not refused:
            raise BusyError(f"client {client_id} is claimed by another dialer; try again shortly")
        return Claim(None, refused, "nothing to call now")
    return Claim(_dialer_record(picked["row"], by_id.get(got), rep, until, at), refused)


def _jsonable(e: Event) -> Event:
    if not isinstance(e.data, Mapping):  # already JSON text
        return e
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.data.items()}
    return Event(e.kind, e.at, e.actor, e.lead_id, e.client_id, data)


def _check_may_work(conn: Connection, rep: Mapping[str, Any], client_id: int) -> None:
    """A named client must be the rep's own or in the shared pool of one of the rep's campaigns."""
    row = conn.execute(
        select(C.c.id, C.c.manager_id, C.c.campaign_id, C.c.merged_into_id).where(C.c.id == client_id)
    ).first()
    if row is None or row.merged_into_id is not None:
        raise NotFound(f"no client {client_id}")
    if row.manager_id == rep["id"]:
        return
    if row.manager_id is not None:
        raise InputError(f"client {client_id} is assigned to another rep")
    ok = conn.execute(
        select(CR.c.rep_id).where(
            CR.c.rep_id == rep["id"], CR.c.campaign_id == row.campaign_id, CR.c.revoked_at.is_(None)
        )
    ).first()
    if ok is None:
        raise InputError(f"client {client_id} is in a campaign rep {rep['email']} is not approved on")
