"""A campaign with reps, approvals, clients and activities, inserted with Core for assignment tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from leadctl.services.assign import rollup
from leadctl.storage import schema
from leadctl.storage.engine import write

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class World:
    engine: Engine
    campaign: dict[str, int] = field(default_factory=dict)
    rep: dict[str, int] = field(default_factory=dict)
    clients: list[int] = field(default_factory=list)

    def add_campaign(self, name: str) -> int:
        with write(self.engine) as conn:
            cid = conn.execute(
                insert(schema.campaign).values(name=name, active=True, created_at=T0, updated_at=T0)
            ).inserted_primary_key[0]  # type: ignore[index]
        self.campaign[name] = int(cid)
        return int(cid)

    def add_rep(
        self,
        key: str,
        *,
        campaigns: Sequence[str] = (),
        territories: Sequence[str] = (),
        skills: Sequence[str] = (),
        capacity: int | None = None,
        active: bool = True,
    ) -> int:
        with write(self.engine) as conn:
            rid = int(
                conn.execute(
                    insert(schema.rep).values(
                        email=f"{key}@example.com",
                        name=key.title(),
                        role="setter",
                        skills=list(skills),
                        territories=list(territories),
                        capacity=capacity,
                        active=active,
                        created_at=T0,
                        updated_at=T0,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            for c in campaigns:
                conn.execute(
                    insert(schema.campaign_rep).values(
                        campaign_id=self.campaign[c], rep_id=rid, approved_at=T0
                    )
                )
        self.rep[key] = rid
        return rid

    def add_clients(self, campaign: str, n: int, **fields: Any) -> list[int]:
        rows = [
            dict(
                campaign_id=self.campaign[campaign],
                first_name=f"C{i}",
                last_name="Client",
                email=f"c{len(self.clients) + i}@corp{i % 50}.com",
                custom={},
                created_at=T0,
                updated_at=T0,
                **fields,
            )
            for i in range(n)
        ]
        with write(self.engine) as conn:
            ids = [int(r[0]) for r in conn.execute(insert(schema.client).returning(schema.client.c.id), rows)]
        self.clients += ids
        return ids

    def add_activities(self, rows: Sequence[dict[str, Any]]) -> None:
        full = []
        for i, r in enumerate(rows):
            row = dict(
                activity_key=f"k{i}-{r['client_id']}-{r['at'].isoformat()}-{r.get('outcome')}",
                source="test",
                actor="test",
                created_at=r["at"],
                verified_dial=False,
                duration_s=None,
                campaign_id=r.get("campaign_id") or next(iter(self.campaign.values())),
            )
            row.update(r)
            full.append(row)
        from leadctl.services.work import facts

        with write(self.engine) as conn:
            ids = [
                int(r[0]) for r in conn.execute(insert(schema.activity).returning(schema.activity.c.id), full)
            ]
            rollup.add(conn, ids)  # as every activity writer does
            facts.rebuild(conn, {r["client_id"] for r in full})
