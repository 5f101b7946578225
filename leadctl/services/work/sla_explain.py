"""``sla explain CLIENT``: how one client's SLA deadline was computed (split from ``sla`` by job).

The same state as ``sla check`` (``sla._state``, one client), then the clock's own account of
the clock time between the start and the deadline: nights, weekends, holidays and the rep's
time away skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadctl.rules import Rules
from leadctl.services.assign.calendar import Skipped, clock_from_rules
from leadctl.services.work.business_sql import business_days
from leadctl.services.work.sla import ESC, HORIZON, C, R, _state, _status
from leadctl.vocab import SlaKind


def explain(engine: Engine, rules: Rules, client_id: int, *, at: datetime | None = None) -> dict[str, Any]:
    """How a client's SLA deadline was computed: the SLA, its start, what was skipped."""
    from leadctl.errors import NotFound
    from leadctl.storage.engine import read
    from leadctl.timeutil import now

    when = at or now()
    clock = clock_from_rules(rules)
    with read(engine) as conn:
        client = conn.execute(select(C.c.id, C.c.created_at, C.c.stage).where(C.c.id == client_id)).first()
        if client is None:
            raise NotFound(f"client {client_id}: no such client")
        first = min(client.created_at, when)
        with business_days(conn, clock, first - timedelta(days=1), when + HORIZON) as days:
            rows = _state(conn, rules, days, when, client_ids=[client_id])
        fired = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    ESC.c.sla,
                    ESC.c.level,
                    ESC.c.action,
                    ESC.c.deadline,
                    ESC.c.share,
                    ESC.c.fired_at,
                    ESC.c.to_rep_id,
                )
                .where(ESC.c.client_id == client_id)
                .order_by(ESC.c.id)
            )
        ]
        rep = None
        if rows and rows[0].rep_id is not None:
            rep = conn.execute(select(R.c.email).where(R.c.id == rows[0].rep_id)).scalar()
    record: dict[str, Any] = {"client_id": client_id, "stage": client.stage, "captured": client.created_at}
    if not rows:
        record.update(
            sla=None, status="no open SLA (contacted and no follow-up due, or closed)", escalations=fired
        )
        return record
    r = rows[0]
    base = clock.add_business_time(r.started, r.allowed)
    due = clock.moment(r.start_b + r.allowed + r.away)
    skipped = base.skipped
    if r.away:  # the away time is business time the deadline moved by; the rest as for ``due``
        s = clock.business_seconds_between(r.started, due).skipped
        skipped = Skipped(s.nights, s.weekends, s.holidays, float(r.away))
    hours = skipped.hours()
    why = (
        f"first call attempt within {r.allowed / 60:g} business minutes of capture"
        if r.sla is SlaKind.FIRST_CONTACT
        else f"next touch within {r.allowed / 3600:g} business hours of the last touch (after call {r.calls})"
    )
    record.update(
        rep=rep,
        sla=r.sla.value,
        rule=why,
        starts=r.started,
        allowed_business_hours=round(r.allowed / 3600, 2),
        skipped_nights_h=hours["nights"],
        skipped_weekends_h=hours["weekends"],
        skipped_holidays_h=hours["holidays"],
        skipped_away_h=round(r.away / 3600, 2),
        deadline=due,
        clock_hours=round((due - r.started).total_seconds() / 3600, 2),
        elapsed_business_h=round(r.elapsed / 3600, 2),
        share=round(r.share, 4),
        status=_status(r.share, rules).value,
        zone=str(clock.zone),
        after_hours="from_capture" if clock.always else "from_opening",
        escalations=fired,
    )
    return record
