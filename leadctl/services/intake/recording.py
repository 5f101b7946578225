"""Writing one processed batch: new clients and their keys, lead outcomes, timeline, counts.

``processing.Pipeline`` decides (validate, match, create, route); this is the second half of
a batch, cut out by job: ``Recording._write`` stores the decisions of one batch in its
transaction (client rows with routing and do-not-contact records, match keys, the leads'
new status, one timeline event per changed lead, orphaned clients retired) and ``_count``
keeps the run's summary, also when the cross-batch fix-up decides a duplicate again.
"""

from __future__ import annotations

from collections import Counter
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from leadctl.services import events as timeline
from leadctl.services.assign import routing
from leadctl.services.events import Event
from leadctl.services.intake import client_sync
from leadctl.services.intake.outcome import Outcome, ProcessSummary
from leadctl.services.work import suppression
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import PROCESSING_EVENT, EventKind, LeadStatus

L = schema.lead
C = schema.client
K = schema.match_key
PERSON_FIELDS = schema.PERSON_COLUMNS

LEAD_OUTCOME_COLUMNS = (
    "status",
    "reasons",
    "client_id",
    "duplicate_of_client_id",
    "match_score",
    "match_rule",
    "manager_id",
    "updated_at",
)
CLIENT_INSERT_COLUMNS = (
    *PERSON_FIELDS,
    "campaign_id",
    "manager_id",
    "bucket_label",
    "affiliate_id",
    "origin_lead_id",
    "external_id",
    "custom",
    "created_at",
    "updated_at",
    "timezone_source",  # queue (issue 10): the client's time zone and its source
    "timezone_candidates",
)


class Recording:
    """The writing half of ``processing.Pipeline`` (a mixin: the pipeline sets these)."""

    summary: ProcessSummary
    who: str
    reprocess: bool  # reprocess: an unchanged lead is not written, events say reprocessed
    fixing: bool  # the end-of-run fix-up: a duplicate decided again is not counted twice
    _screened: dict[int, Any]  # new client (temporary id) -> the suppression it matches
    _routes: dict[int, routing.Decision]  # new client (temporary id) -> its routing decision
    _dup_rules: dict[int, str]  # duplicates counted in this run -> their rule

    def _write(
        self,
        conn: Connection,
        leads: list[dict[str, Any]],
        outcomes: list[Outcome],
        new_clients: dict[int, dict[str, Any]],
        known_managers: dict[int, int | None],
    ) -> None:
        s = self.summary
        ts = now()
        id_map: dict[int, int] = {}
        screened = self._screened
        if new_clients:
            tmp_ids = list(new_clients)
            id_map = dict(zip(tmp_ids, bulk.allocate_ids(conn, C, len(tmp_ids)), strict=True))
            row_of = itemgetter(*CLIENT_INSERT_COLUMNS)
            bulk.insert_rows(
                conn,
                C,
                ["id", *CLIENT_INSERT_COLUMNS],
                [(id_map[t], *row_of(new_clients[t])) for t in tmp_ids],
            )
            key_rows = [
                (key, id_map[t], new_clients[t]["campaign_id"])
                for t in tmp_ids
                for key in dict.fromkeys(new_clients[t]["_keys"])
            ]
            key_rows.sort()  # in index order: each B-tree page is visited once, not once per key
            bulk.insert_rows(conn, K, ["key", "client_id", "campaign_id"], key_rows)
            for t in tmp_ids:
                known_managers[id_map[t]] = new_clients[t]["manager_id"]
            suppression.record_screened(conn, {id_map[t]: e for t, e in screened.items()}, self.who, ts)
            routing.record(
                conn,
                {id_map[t]: d for t, d in self._routes.items()},
                {id_map[t]: new_clients[t]["campaign_id"] for t in tmp_ids},
                actor=self.who,
                at=ts,
                managers_set=True,
            )
        missing = {
            id_map.get(o.client_id, o.client_id)
            for o in outcomes
            if o.client_id is not None and id_map.get(o.client_id, o.client_id) not in known_managers
        }
        if missing:
            known_managers.update(self._managers(conn, missing))
        by_id = {lead["id"]: lead for lead in leads}
        lost: dict[int, int] = {}  # client -> a lead that left it (it may be an orphan now)
        updates: list[tuple[Any, ...]] = []
        events: list[Event] = []
        for o in outcomes:
            lead = by_id[o.lead_id]
            client_id = id_map.get(o.client_id, o.client_id) if o.client_id is not None else None
            new = {
                "status": o.status,
                "reasons": o.reasons,
                "client_id": client_id,
                "duplicate_of_client_id": client_id if o.status == LeadStatus.DUPLICATE else None,
                "match_score": o.score,
                "match_rule": o.rule,
                "manager_id": known_managers.get(client_id) if client_id is not None else lead["manager_id"],
            }
            if self.reprocess and all(lead.get(k) == v for k, v in new.items()):
                s.unchanged += 0 if self.fixing else 1
                continue
            if lead["client_id"] is not None and lead["client_id"] != client_id:
                lost[lead["client_id"]] = o.lead_id
            self._count(o)
            updates.append((o.lead_id, *new.values(), ts))
            data: dict[str, Any] = {}
            if o.status == LeadStatus.REJECTED:
                data["reasons"] = o.reasons
            else:
                data["client_id"] = client_id
                data["manager_id"] = new["manager_id"]
            if o.status == LeadStatus.DUPLICATE:
                data.update(score=o.score, rule=o.rule, fields=o.fields)
            if o.created_client:
                data["created_client"] = True
            kind = PROCESSING_EVENT[o.status]
            if self.reprocess:
                kind = EventKind.REPROCESSED
                data["status"] = o.status
                data["before"] = {k: lead.get(k) for k in ("status", "reasons", "client_id", "manager_id")}
            events.append(Event(kind, ts, self.who, lead_id=o.lead_id, data=data))
            if len(s.examples) < 5 and o.status == LeadStatus.DUPLICATE:
                s.examples.append(
                    {"lead_id": o.lead_id, "client_id": client_id, "score": o.score, "rule": o.rule}
                )
        if not self.fixing:
            s.selected += len(outcomes)
        s.clients_created += len(new_clients)
        updates.sort(key=itemgetter(0))  # by id: the lead table's pages in order
        bulk.update_by_id(conn, L, LEAD_OUTCOME_COLUMNS, updates)
        timeline.append(conn, events)
        client_sync.retire_orphans(conn, lost, who=self.who, at=ts)

    def _managers(self, conn: Connection, client_ids: set[int]) -> dict[int, int | None]:
        out: dict[int, int | None] = {}
        for cond in in_chunks(conn, C.c.id, client_ids):
            for cid, mid in conn.execute(select(C.c.id, C.c.manager_id).where(cond)):
                out[cid] = mid
        return out

    def _count(self, o: Outcome) -> None:
        s = self.summary
        if self.fixing:  # a duplicate checked again: it was counted once already
            before = self._dup_rules.get(o.lead_id)
            if before is None:
                s.unchanged = max(0, s.unchanged - 1)
            else:
                s.duplicate -= 1
                s.duplicates_by_rule[before] -= 1
                s.duplicates_by_rule += Counter()  # drop the rules that fell to zero
        if o.status == LeadStatus.DUPLICATE:
            self._dup_rules[o.lead_id] = o.rule or "?"
        if o.status == LeadStatus.REJECTED:
            s.rejected += 1
            s.rejected_by_reason.update(o.reasons)
        elif o.status == LeadStatus.DUPLICATE:
            s.duplicate += 1
            s.duplicates_by_rule[o.rule or "?"] += 1
        else:
            s.processed += 1
