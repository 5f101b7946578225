"""A small, hand-countable world for the metric tables and the report (both backends).

Campaign Outbound (buckets web → source web, list → source purchase) and campaign Other.
Reps ana (setter), ben (closer), cat (setter, holds nothing). NOW is Friday 2026-03-13 12:00 UTC.

lead  bucket  arrived      status     client  rep (history)          stage now     activities
L1    web     03-02 10:00  processed  C1      ana                    converted     call, call conv, booked (03-06), held_qualified
L2    web     03-02 10:00  processed  C2      ana                    attempted     call, voicemail, e-mail
L3    web     03-02 10:00  processed  C3      ana                    appointment   call conv, booked (03-20, ahead)
L4    web     03-02 10:00  processed  C4      ben                    engaged       call conv, booked (03-05), no_show
L5    web     03-02 10:00  processed  C5      ben → ana on 03-05     engaged       call conv, booked (03-09) by ben; held_unqualified by ana
L6    web     03-02 10:00  duplicate  (C1)
L7    list    03-03 10:00  processed  C6      (pool)                 attempted     call by cat at 03-13 10:00 (in cooldown)
L8    list    03-03 10:00  processed  C7      (pool)                 untouched     — (client created 03-13 08:00)
L9    list    03-03 10:00  rejected
L10   list    03-03 10:00  new
L11   other   03-03 10:00  processed  C8      ben (campaign Other)   attempted     call conv by ben
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from leadctl.services import events
from leadctl.services.assign import rollup
from leadctl.services.work import facts
from leadctl.storage import schema
from leadctl.storage.engine import open_engine, write
from leadctl.vocab import ActivityOutcome as O
from leadctl.vocab import ActivityType as T
from leadctl.vocab import AssignmentEnd, AssignmentRule, EventKind, LeadStatus, RepRole, Stage

NOW = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    engine: Engine
    ids: dict[str, int] = field(default_factory=dict)


def _insert(conn: Any, table: Any, **values: Any) -> int:
    return int(conn.execute(insert(table).values(**values)).inserted_primary_key[0])


def build(url: str) -> World:
    w = World(open_engine(url))
    t0 = at(1, 9)
    with write(w.engine) as conn:
        for name in ("Outbound", "Other"):
            w.ids[name] = _insert(conn, schema.campaign, name=name, active=True, created_at=t0, updated_at=t0)
        for key, role in (("ana", RepRole.SETTER), ("ben", RepRole.CLOSER), ("cat", RepRole.SETTER)):
            w.ids[key] = _insert(
                conn,
                schema.rep,
                email=f"{key}@example.com",
                name=key.title(),
                role=role,
                skills=[],
                territories=[],
                active=True,
                created_at=t0,
                updated_at=t0,
            )
        for bucket, campaign, source in (
            ("web", "Outbound", "web"),
            ("list", "Outbound", "purchase"),
            ("other", "Other", "web"),
        ):
            w.ids[bucket] = _insert(
                conn,
                schema.bucket,
                name=bucket,
                label=bucket,
                campaign_id=w.ids[campaign],
                source=source,
                active=True,
                created_at=t0,
                updated_at=t0,
            )
        leads = [
            ("L1", "web", at(2, 10), LeadStatus.PROCESSED),
            ("L2", "web", at(2, 10), LeadStatus.PROCESSED),
            ("L3", "web", at(2, 10), LeadStatus.PROCESSED),
            ("L4", "web", at(2, 10), LeadStatus.PROCESSED),
            ("L5", "web", at(2, 10), LeadStatus.PROCESSED),
            ("L6", "web", at(2, 10), LeadStatus.DUPLICATE),
            ("L7", "list", at(3, 10), LeadStatus.PROCESSED),
            ("L8", "list", at(3, 10), LeadStatus.PROCESSED),
            ("L9", "list", at(3, 10), LeadStatus.REJECTED),
            ("L10", "list", at(3, 10), LeadStatus.NEW),
            ("L11", "other", at(3, 10), LeadStatus.PROCESSED),
        ]
        bucket_campaign = {"web": "Outbound", "list": "Outbound", "other": "Other"}
        sources = {"web": "web", "list": "purchase", "other": "web"}
        for key, bucket, when, status in leads:
            w.ids[key] = _insert(
                conn,
                schema.lead,
                bucket_id=w.ids[bucket],
                campaign_id=w.ids[bucket_campaign[bucket]],
                row_hash=key,
                status=status,
                reasons=[],
                source=sources[bucket],
                registered_at=when,
                custom={},
                raw={},
                created_at=when,
                updated_at=when,
            )
        clients = [
            ("C1", "L1", Stage.CONVERTED, at(2, 10)),
            ("C2", "L2", Stage.ATTEMPTED, at(2, 10)),
            ("C3", "L3", Stage.APPOINTMENT, at(2, 10)),
            ("C4", "L4", Stage.ENGAGED, at(2, 10)),
            ("C5", "L5", Stage.ENGAGED, at(2, 10)),
            ("C6", "L7", Stage.ATTEMPTED, at(3, 10)),
            ("C7", "L8", Stage.UNTOUCHED, at(13, 8)),
            ("C8", "L11", Stage.ATTEMPTED, at(3, 10)),
        ]
        for key, lead, stage, created in clients:
            campaign = "Other" if key == "C8" else "Outbound"
            w.ids[key] = _insert(
                conn,
                schema.client,
                campaign_id=w.ids[campaign],
                origin_lead_id=w.ids[lead],
                first_name=key,
                custom={},
                stage=stage,
                stage_at=created,
                created_at=created,
                updated_at=created,
            )
            conn.execute(
                schema.lead.update().where(schema.lead.c.id == w.ids[lead]).values(client_id=w.ids[key])
            )
        conn.execute(
            schema.lead.update().where(schema.lead.c.id == w.ids["L6"]).values(client_id=w.ids["C1"])
        )
        assignments = [
            ("C1", "ana", at(2, 11), None),
            ("C2", "ana", at(2, 11), None),
            ("C3", "ana", at(2, 11), None),
            ("C4", "ben", at(2, 11), None),
            ("C5", "ben", at(2, 11), at(5, 12)),
            ("C5", "ana", at(5, 12), None),
            ("C8", "ben", at(3, 11), None),
        ]
        for client, rep, start, end in assignments:
            _insert(
                conn,
                schema.assignment,
                client_id=w.ids[client],
                rep_id=w.ids[rep],
                campaign_id=w.ids["Other" if client == "C8" else "Outbound"],
                rule=AssignmentRule.MANUAL,
                reason={},
                actor="test",
                started_at=start,
                ended_at=end,
                ended_reason=AssignmentEnd.REASSIGNED if end else None,
            )
        acts: list[tuple[str, str, T, O, datetime, datetime | None]] = [
            ("C1", "ana", T.CALL, O.NO_ANSWER, at(2, 12), None),
            ("C1", "ana", T.CALL, O.CONVERSATION, at(3, 12), None),
            ("C1", "ana", T.MEETING, O.BOOKED, at(3, 12, 5), at(6, 15)),
            ("C1", "ana", T.MEETING, O.HELD_QUALIFIED, at(6, 15, 30), None),
            ("C2", "ana", T.CALL, O.NO_ANSWER, at(2, 13), None),
            ("C2", "ana", T.CALL, O.VOICEMAIL, at(4, 13), None),
            ("C2", "ana", T.EMAIL, O.SENT, at(5, 13), None),
            ("C3", "ana", T.CALL, O.CONVERSATION, at(4, 10), None),
            ("C3", "ana", T.MEETING, O.BOOKED, at(4, 10, 10), at(20, 10)),
            ("C4", "ben", T.CALL, O.CONVERSATION, at(3, 9), None),
            ("C4", "ben", T.MEETING, O.BOOKED, at(3, 9, 10), at(5, 9)),
            ("C4", "ben", T.MEETING, O.NO_SHOW, at(5, 9, 30), None),
            ("C5", "ben", T.CALL, O.CONVERSATION, at(4, 11), None),
            ("C5", "ben", T.MEETING, O.BOOKED, at(4, 11, 5), at(9, 11)),
            ("C5", "ana", T.MEETING, O.HELD_UNQUALIFIED, at(9, 11, 30), None),
            ("C6", "cat", T.CALL, O.NO_ANSWER, at(13, 10), None),
            ("C8", "ben", T.CALL, O.CONVERSATION, at(3, 15), None),
        ]
        for i, (client, rep, typ, outcome, when, meeting_at) in enumerate(acts):
            _insert(
                conn,
                schema.activity,
                activity_key=f"a{i}",
                client_id=w.ids[client],
                rep_id=w.ids[rep],
                campaign_id=w.ids["Other" if client == "C8" else "Outbound"],
                type=typ,
                outcome=outcome,
                at=when,
                meeting_at=meeting_at,
                verified_dial=typ == T.CALL,
                source="test",
                actor="test",
                created_at=when,
            )
        rollup.rebuild(conn)  # the activities went in directly, as the demo's bulk load: its rollup
        facts.rebuild(conn)  # and their per-client facts (the funnel level too), as the demo does
        U, A_, E, AP, CV = Stage.UNTOUCHED, Stage.ATTEMPTED, Stage.ENGAGED, Stage.APPOINTMENT, Stage.CONVERTED
        moves = [
            ("C1", U, E, at(3, 12)),
            ("C1", E, AP, at(3, 12, 5)),
            ("C1", AP, CV, at(6, 15, 30)),
            ("C2", U, A_, at(2, 12)),
            ("C3", U, E, at(4, 10)),
            ("C3", E, AP, at(4, 10, 10)),
            ("C4", U, E, at(3, 9)),
            ("C4", E, AP, at(3, 9, 10)),
            ("C4", AP, E, at(5, 9, 30)),
            ("C5", U, E, at(4, 11)),
            ("C6", U, A_, at(13, 10)),
            ("C8", U, A_, at(3, 15)),
        ]
        events.append(
            conn,
            [
                events.Event(
                    EventKind.STAGE_CHANGED,
                    when,
                    "test",
                    client_id=w.ids[client],
                    data={"from": before.value, "to": after.value, "cause": "test"},
                )
                for client, before, after, when in moves
            ],
        )
    return w
