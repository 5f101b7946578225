"""Realistic leads inserted with Core (no loader needed): three buckets, two campaigns, two reps.

``seed_leads(engine)`` fills every NOT NULL column with timezone-aware times and returns the
ids by a readable key, so tests can say ``s.lead["maria"]`` instead of guessing numbers.
Ids come from the database (sequences stay right on PostgreSQL for later inserts).

    key          bucket      campaign     status     manager  registered_at (UTC)
    maria        webinar     Outbound Q1  processed  ana      2026-03-19 15:00   client maria
    john         webinar     Outbound Q1  new        -        2026-03-10 08:00   formula in custom + company
    jane         webinar     Outbound Q1  rejected   -        2026-03-05 12:00   reasons, raw row
    anna         webinar     Outbound Q1  new        ana      2026-03-18 10:00
    maria_dup    affiliates  Outbound Q1  duplicate  -        2026-03-20 09:00   duplicate_of client:maria
    jon_dup      affiliates  Outbound Q1  duplicate  ana      2026-03-12 16:00   duplicate_of lead:john
    peter        affiliates  Outbound Q1  new        ben      2026-03-18 11:00
    li           landing     Inbound      new        -        2026-03-14 23:30   (no load row)
    olu          landing     Inbound      processed  ben      2026-03-15 00:00   client olu
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from leadctl.storage import schema
from leadctl.storage.engine import write

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # when the set-up was made
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # freeze time here for relative dates


def at(text: str) -> datetime:
    """``"2026-03-19 15:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Seeded:
    campaign: dict[str, int] = field(default_factory=dict)
    rep: dict[str, int] = field(default_factory=dict)
    bucket: dict[str, int] = field(default_factory=dict)
    load: dict[str, int] = field(default_factory=dict)
    client: dict[str, int] = field(default_factory=dict)
    lead: dict[str, int] = field(default_factory=dict)

    def ids(self, *keys: str) -> list[int]:
        return [self.lead[k] for k in keys]


def _add(conn: Connection, table: Any, **values: Any) -> int:
    key = conn.execute(insert(table).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _person(first: str, last: str, email: str | None, **more: Any) -> dict[str, Any]:
    person: dict[str, Any] = {
        name: None for name in (*schema.CONTACT_FIELDS, *schema.BUSINESS_FIELDS, "timezone")
    }
    person.update(first_name=first, last_name=last, email=email, **more)
    return person


def seed_leads(engine: Engine) -> Seeded:
    s = Seeded()
    with write(engine) as conn:
        for name, desc in (("Outbound Q1", "US mid-market"), ("Inbound", "Website sign-ups")):
            s.campaign[name] = _add(
                conn, schema.campaign, name=name, description=desc, active=True, created_at=T0, updated_at=T0
            )
        for key, email, name, role in (
            ("ana", "ana@example.com", "Ana Silva", "setter"),
            ("ben", "ben@example.com", "Ben Ode", "closer"),
        ):
            s.rep[key] = _add(
                conn,
                schema.rep,
                email=email,
                name=name,
                role=role,
                skills=[],
                territories=["US"],
                capacity=200,
                timezone="America/New_York",
                active=True,
                created_at=T0,
                updated_at=T0,
            )
        outbound, inbound = s.campaign["Outbound Q1"], s.campaign["Inbound"]
        for name, label, campaign_id, manager, affiliate in (
            ("webinar", "Webinar March", outbound, s.rep["ana"], None),
            ("affiliates", "Partner list", outbound, s.rep["ben"], "AFF-7"),
            ("landing", "Landing page", inbound, None, None),
        ):
            s.bucket[name] = _add(
                conn,
                schema.bucket,
                name=name,
                label=label,
                campaign_id=campaign_id,
                manager_id=manager,
                affiliate_id=affiliate,
                source=name,
                active=True,
                view_unassigned_only=False,
                created_at=T0,
                updated_at=T0,
            )
        for key, bucket, filename, fmt, actor, started in (
            ("webinar", "webinar", "webinar-march.csv", "csv", "alice", at("2026-03-19 15:01")),
            ("affiliates", "affiliates", "partners.jsonl", "jsonl", "bob", at("2026-03-20 09:00:30")),
            ("landing", "landing", "landing.tsv", "tsv", "cron", at("2026-03-16 08:00")),
        ):
            s.load[key] = _add(
                conn,
                schema.load,
                bucket_id=s.bucket[bucket],
                filename=filename,
                file_format=fmt,
                encoding="utf-8",
                mapping={"Email": "email", "First": "first_name", "Last": "last_name"},
                actor=actor,
                started_at=started,
                finished_at=started + timedelta(seconds=5),
                rows_read=3,
                rows_loaded=3,
                rows_rejected=0,
                rows_already_loaded=0,
            )
        for key, first, last, email, campaign_id, manager in (
            ("maria", "Maria", "Garcia", "maria.garcia@acme.com", outbound, s.rep["ana"]),
            ("olu", "Olu", "Ade", "olu@umbrella.org", inbound, s.rep["ben"]),
        ):
            s.client[key] = _add(
                conn,
                schema.client,
                campaign_id=campaign_id,
                manager_id=manager,
                custom={},
                created_at=T0,
                updated_at=T0,
                **_person(first, last, email),
            )

        def lead(
            key: str,
            bucket: str,
            person: dict[str, Any],
            registered: str,
            *,
            status: str = "new",
            manager: str | None = None,
            load: str | None = None,
            line_no: int | None = None,
            external_id: str | None = None,
            reasons: list[Any] | None = None,
            client: str | None = None,
            duplicate_of_lead: str | None = None,
            duplicate_of_client: str | None = None,
            custom: dict[str, Any] | None = None,
            raw: dict[str, Any] | None = None,
            created: datetime | None = None,
        ) -> None:
            bucket_id = s.bucket[bucket]
            campaign_id = s.campaign["Inbound"] if bucket == "landing" else outbound
            created_at = created or at(registered) + timedelta(minutes=2)
            row_raw = raw or {
                "Email": person["email"] or "",
                "First": person["first_name"],
                "Last": person["last_name"],
            }
            s.lead[key] = _add(
                conn,
                schema.lead,
                bucket_id=bucket_id,
                campaign_id=campaign_id,
                load_id=s.load[load] if load else None,
                line_no=line_no,
                row_hash=hashlib.sha1(f"{bucket}:{key}".encode()).hexdigest(),
                external_id=external_id,
                status=status,
                reasons=reasons or [],
                manager_id=s.rep[manager] if manager else None,
                client_id=s.client[client] if client else None,
                duplicate_of_lead_id=s.lead[duplicate_of_lead] if duplicate_of_lead else None,
                duplicate_of_client_id=s.client[duplicate_of_client] if duplicate_of_client else None,
                source=bucket,
                affiliate_id="AFF-7" if bucket == "affiliates" else None,
                registered_at=at(registered),
                custom=custom or {},
                raw=row_raw,
                created_at=created_at,
                updated_at=created_at,
                **person,
            )

        webinar_loaded = at("2026-03-19 15:01:10")
        lead(
            "maria",
            "webinar",
            _person(
                "Maria",
                "Garcia",
                "maria.garcia@acme.com",
                title="VP Sales",
                business_phone="+14155550100",
                mobile_phone="+14155550199",
                timezone="America/Los_Angeles",
                company="Acme Corp",
                website="https://acme.example",
                headcount="51-200",
                revenue="$10M",
                industry="Manufacturing",
                city="San Francisco",
                state="CA",
                country="US",
                linkedin_url="https://www.linkedin.com/in/mariagarcia",
            ),
            "2026-03-19 15:00",
            status="processed",
            manager="ana",
            load="webinar",
            line_no=2,
            external_id="W-1001",
            client="maria",
            custom={"last_visit": "pricing page on 2026-03-18", "webinar": "Pipeline 101"},
            created=webinar_loaded,
        )
        lead(
            "john",
            "webinar",
            _person(
                "John",
                "Smith",
                "john@globex.com",
                business_phone="+14155550100",
                company='=HYPERLINK("http://evil.example","Globex")',
                timezone="America/Los_Angeles",
            ),
            "2026-03-10 08:00",
            load="webinar",
            line_no=3,
            external_id="W-1002",
            custom={"note": '=HYPERLINK("http://evil.example","click me")', "score": "+5"},
            created=webinar_loaded,
        )
        lead(
            "jane",
            "webinar",
            _person("Jane", "Doe", "jane@", business_phone="123"),
            "2026-03-05 12:00",
            status="rejected",
            load="webinar",
            line_no=4,
            external_id="W-1003",
            reasons=[
                "email: 'jane@' is not an e-mail address",
                "business_phone: '123' is not a phone number",
            ],
            raw={"Email": "jane@", "First": "Jane", "Last": "Doe", "Phone": "123"},
            created=webinar_loaded,
        )
        lead(
            "anna",
            "webinar",
            _person("Anna", "Lee", "anna.lee@hooli.com", company="Hooli"),
            "2026-03-18 10:00",
            manager="ana",
            load="webinar",
            line_no=5,
            created=webinar_loaded,
        )
        affiliates_loaded = at("2026-03-20 09:00:40")
        lead(
            "maria_dup",
            "affiliates",
            _person("MARIA", "GARCIA", "MARIA.GARCIA@ACME.COM", company="Acme"),
            "2026-03-20 09:00",
            status="duplicate",
            load="affiliates",
            line_no=1,
            external_id="P-1",
            duplicate_of_client="maria",
            created=affiliates_loaded,
        )
        lead(
            "jon_dup",
            "affiliates",
            _person("Jon", "Smith", "john@globex.com", company="Globex"),
            "2026-03-12 16:00",
            status="duplicate",
            manager="ana",
            load="affiliates",
            line_no=2,
            external_id="P-2",
            duplicate_of_lead="john",
            created=affiliates_loaded,
        )
        lead(
            "peter",
            "affiliates",
            _person(
                "Peter", "Parker", "peter@dailybugle.com", company="Daily Bugle", mobile_phone="+12125550123"
            ),
            "2026-03-18 11:00",
            manager="ben",
            load="affiliates",
            line_no=3,
            external_id="P-3",
            created=affiliates_loaded,
        )
        lead(
            "li",
            "landing",
            _person("Li", "Wei", "li.wei@initech.io", company="Initech"),
            "2026-03-14 23:30",
            created=at("2026-03-14 23:31"),
        )
        lead(
            "olu",
            "landing",
            _person("Olu", "Ade", "olu@umbrella.org", company="Umbrella"),
            "2026-03-15 00:00",
            status="processed",
            manager="ben",
            load="landing",
            line_no=7,
            client="olu",
            created=at("2026-03-16 08:00:02"),
        )

        # Events, inserted out of time order on purpose: the timeline sorts by time.
        for key, when, kind, actor, data in (
            (
                "maria",
                "2026-03-20 10:00",
                "reprocessed",
                "tester",
                {"reason": "rules changed", "status": "processed"},
            ),
            (
                "maria",
                "2026-03-19 15:05",
                "processed",
                "alice",
                {"client_id": s.client["maria"], "created": True},
            ),
            (
                "maria_dup",
                "2026-03-20 09:01",
                "duplicate",
                "bob",
                {"of": f"client:{s.client['maria']}", "rule": "exact:email"},
            ),
            (
                "jon_dup",
                "2026-03-20 09:01",
                "duplicate",
                "bob",
                {"of": f"lead:{s.lead['john']}", "rule": "exact:email"},
            ),
            ("jane", "2026-03-19 15:02", "rejected", "alice", {"reasons": 2}),
            (
                "olu",
                "2026-03-16 08:00:03",
                "processed",
                "cron",
                {"client_id": s.client["olu"], "created": True},
            ),
        ):
            _add(conn, schema.lead_event, lead_id=s.lead[key], at=at(when), kind=kind, actor=actor, data=data)
    return s
