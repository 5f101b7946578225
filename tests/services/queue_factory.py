"""Clients in every queue situation for one rep, inserted with Core (queue, next and compliance tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from leadctl.storage import schema
from leadctl.storage.engine import write
from tests.services.assign_factory import World

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York, 07:00 in Los Angeles
_OPEN = "{weekdays: '00:00-24:00', saturday: '00:00-24:00', sunday: '00:00-24:00'}"
# Every window open at any hour: regions merge with the defaults, so the US (and its stricter
# states the tests use) are opened by name; "regions: {}" alone left the US default window in
# force, and the real-time `next` tests failed at night in the US.
ALWAYS = f"calling:\n  default: {_OPEN}\n  regions:\n    US: {_OPEN}\n    US-FL: {_OPEN}\n"


class QueueWorld(World):
    def client(self, rep: str | None, *, stage: str = "untouched", zone: str = "America/New_York",
               state: str = "NY", created: datetime | None = None, **fields: Any) -> int:  # fmt: skip
        n = len(self.clients)
        custom = fields.pop("custom", {})
        (cid,) = self.add_clients(
            "C",
            1,
            stage=stage,
            timezone=zone,
            timezone_source="state",
            state=state,
            country="US",
            business_phone=f"+1212555{n:04d}",
            **fields,
        )
        when = created or NOW - timedelta(days=30) + timedelta(minutes=n)
        with write(self.engine) as conn:
            conn.execute(
                update(schema.client).where(schema.client.c.id == cid).values(created_at=when, custom=custom)
            )
            if rep is not None:
                conn.execute(
                    insert(schema.assignment).values(
                        client_id=cid,
                        rep_id=self.rep[rep],
                        campaign_id=self.campaign["C"],
                        rule="manual",
                        reason={},
                        actor="t",
                        started_at=when,
                    )  # fmt: skip
                )
                conn.execute(
                    update(schema.client).where(schema.client.c.id == cid).values(manager_id=self.rep[rep])
                )
        return cid

    def act(
        self, cid: int, type: str, outcome: str, at: datetime, rep: str | None = "ana", **extra: Any
    ) -> None:
        self.add_activities(
            [
                dict(
                    client_id=cid,
                    type=type,
                    outcome=outcome,
                    at=at,
                    rep_id=self.rep[rep] if rep else None,
                    activity_key=f"{cid}-{type}-{outcome}-{at.isoformat()}",
                    **extra,
                )  # fmt: skip
            ]
        )


def world(engine: Any) -> QueueWorld:
    w = QueueWorld(engine)
    w.add_campaign("C")
    w.add_rep("ana", campaigns=["C"])
    w.add_rep("bo", campaigns=["C"])
    return w
