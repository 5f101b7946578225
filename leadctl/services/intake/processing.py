"""Intake processing: a lead in a bucket becomes a client, a duplicate, or a rejection.

One pipeline serves ``process`` (leads with status ``new``) and ``reprocess`` (chosen
leads in any status). Per batch, in one write transaction under the intake lock:

1. validate against the rules → ``rejected`` with reasons;
2. look for the person among existing clients (blocking keys in ``match_key``, then a
   scored comparison) and among clients created earlier in the same batch → ``duplicate``,
   linked to the client with the score and the rule that fired;
3. otherwise create a client (campaign, manager from routing, bucket label, affiliate id)
   → ``processed``.

Each step is recorded on the lead's timeline (``lead_event``). Batches are committed one
by one, so an interrupted run loses nothing and the next run carries on.

Leads are visited in order of registration (``registered_at``, then id), across batches: when
two leads of one person arrive together, the one registered first becomes the client (it keeps
the affiliate credit), whatever the order of the rows in the file.

The result is a fixed point: a duplicate goes to the best-scoring client that exists at the end
of the run (ties to the oldest), also when a better client was created after it was visited —
later in its batch (fixed up in the batch) or in a later batch (its keys are remembered and it
is checked again at the end of the run). So a second run changes nothing, and the batch size
changes nothing. The batch's leads are locked (``FOR UPDATE`` on PostgreSQL) from the read to
the commit, so a correction committed meanwhile is never overwritten with a decision about the
old values.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from leadctl.reporting import SILENT, Reporter
from leadctl.rules import Rules
from leadctl.services.assign import routing
from leadctl.services.dedupe import proposals
from leadctl.services.dedupe.blocking import Index
from leadctl.services.dedupe.candidates import best_client
from leadctl.services.dedupe.client_keys import fetch_clients, refresh_keys, survivors
from leadctl.services.dedupe.config import MatchConfig
from leadctl.services.dedupe.keys import blocking_keys, normalise
from leadctl.services.dedupe.similarity import Comparison, compare, score_with_floor
from leadctl.services.intake import client_sync
from leadctl.services.intake import validate as intake
from leadctl.services.intake.outcome import Outcome, ProcessSummary
from leadctl.services.intake.recording import Recording
from leadctl.services.work import suppression
from leadctl.services.work.timezones import derive as derive_timezone  # queue (issue 10)
from leadctl.storage import bulk, schema
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import LeadStatus

L = schema.lead
C = schema.client
K = schema.match_key
B = schema.bucket

# Lead fields copied to the client it creates.
PERSON_FIELDS = schema.PERSON_COLUMNS
RECORD_FIELDS = (*PERSON_FIELDS, "external_id", "source", "affiliate_id", "registered_at", "custom")
LEAD_COLUMNS = (
    L.c.id,
    L.c.bucket_id,
    L.c.campaign_id,
    L.c.status,
    L.c.reasons,
    L.c.client_id,
    L.c.manager_id,
    L.c.duplicate_of_client_id,
    L.c.match_score,
    L.c.match_rule,
    *(L.c[f] for f in RECORD_FIELDS),
    L.c.created_at,
)
BATCH = 5000


BAD_DATE = "registered_at: not a date"


def _unparsed_registration(lead: dict[str, Any]) -> bool:
    """The file's registration date could not be read: the loader stored the load time in its
    place (the column cannot be empty). It stays a reason until someone sets a real date
    with 'leads fix --set registered_at=…'."""
    return BAD_DATE in (lead.get("reasons") or []) and lead.get("registered_at") == lead.get("created_at")


def _duplicate(lead_id: int, client_id: int, cmp: Comparison) -> Outcome:
    fields = {k: round(v, 3) for k, v in cmp.fields.items() if v is not None}
    return Outcome(
        lead_id,
        LeadStatus.DUPLICATE,
        client_id=client_id,
        score=round(cmp.score, 4),
        rule=cmp.rule,
        fields=fields,
    )


def _data_errors(conn: Connection) -> tuple[type[BaseException], ...]:
    """Errors that mean "the database refuses this data", wrapped by SQLAlchemy or raised by the
    driver itself (the bulk COPY path talks to psycopg directly)."""
    dbapi = conn.dialect.dbapi
    raw = tuple(getattr(dbapi, n) for n in ("DataError", "IntegrityError") if hasattr(dbapi, n))
    return (DataError, IntegrityError, *raw)


def _first_line(exc: BaseException) -> str:
    """The database's own message, first line, without the driver's class name."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip().splitlines()
    return (text[0] if text else type(orig).__name__)[:160]


def _scope_filters(bucket_id: int | None, campaign_id: int | None) -> list[Any]:
    out = []
    if bucket_id is not None:
        out.append(L.c.bucket_id == bucket_id)
    if campaign_id is not None:
        out.append(L.c.campaign_id == campaign_id)
    return out


def process(
    engine: Engine,
    rules: Rules,
    *,
    bucket_id: int | None = None,
    campaign_id: int | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH,
    report: Reporter = SILENT,
) -> ProcessSummary:
    """Process leads with status ``new`` in id order, batch by batch."""
    filters = [L.c.status == LeadStatus.NEW, *_scope_filters(bucket_id, campaign_id)]
    from leadctl.services.intake.runs import run

    return run(
        engine,
        rules,
        filters,
        limit=limit,
        dry_run=dry_run,
        batch_size=batch_size,
        reprocess=False,
        report=report,
    )


def reprocess(
    engine: Engine,
    rules: Rules,
    *,
    bucket_id: int | None = None,
    campaign_id: int | None = None,
    statuses: Sequence[str] = (LeadStatus.REJECTED, LeadStatus.DUPLICATE, LeadStatus.NEW),
    lead_ids: Sequence[int] = (),
    since: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH,
    report: Reporter = SILENT,
) -> ProcessSummary:
    """Re-run validation, duplicate checks, routing and client creation for chosen leads."""
    filters = [L.c.status.in_(list(statuses)), *_scope_filters(bucket_id, campaign_id)]
    if lead_ids:
        filters.append(L.c.id.in_(list(lead_ids)))
    if since is not None:
        filters.append(L.c.registered_at >= since)
    from leadctl.services.intake.runs import run

    return run(
        engine,
        rules,
        filters,
        limit=None,
        dry_run=dry_run,
        batch_size=batch_size,
        reprocess=True,
        report=report,
    )


def count_new(
    engine: Engine, bucket_id: int | None, campaign_id: int | None, limit: int | None = None
) -> int:
    """How many leads ``process`` would take (for a progress bar)."""
    filters = [L.c.status == LeadStatus.NEW, *_scope_filters(bucket_id, campaign_id)]
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(L).where(and_(*filters))).scalar_one())
    return min(n, limit) if limit else n


class Pipeline(Recording):
    """One run's decisions, batch by batch: validate, match, create clients, route; the
    writing of each batch's decisions and their counts is ``recording.Recording``."""

    def __init__(
        self,
        rules: Rules,
        config: MatchConfig,
        summary: ProcessSummary,
        *,
        reprocess: bool,
        who: str,
    ) -> None:
        self.rules = rules
        self.config = config
        self.summary = summary
        self.reprocess = reprocess
        self.who = who
        self._buckets: dict[int, dict[str, Any]] = {}
        self._routes: dict[int, routing.Decision] = {}
        self._screened: dict[int, Any] = {}
        # Cross-batch fixed point: blocking keys of the duplicates decided so far in this run
        # (key -> lead ids); a client created later sharing one flags those leads, which
        # ``fix_up`` checks again at the end of the run (``fixing``).
        self._pending: dict[str, list[int]] = {}
        self.flagged: set[int] = set()
        self.fixing = False
        self._dup_rules: dict[int, str] = {}  # duplicates counted in this run -> their rule
        # Corrected identity fields to carry to the client (lead id -> (before, after)): leads fix.
        self.flows: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        self._own: dict[int, int] = {}

    # ---------------------------------------------------------------- helpers
    def _bucket(self, conn: Connection, bucket_id: int) -> dict[str, Any]:
        if bucket_id not in self._buckets:
            row = conn.execute(
                select(B.c.id, B.c.label, B.c.manager_id, B.c.affiliate_id).where(B.c.id == bucket_id)
            )
            self._buckets[bucket_id] = dict(row.mappings().one())
        return self._buckets[bucket_id]

    def _candidates(self, conn: Connection, keys: set[str]) -> dict[str, list[tuple[int, int]]]:
        """Existing clients per blocking key: key -> [(client_id, campaign_id)], giant blocks skipped."""
        found: dict[str, list[tuple[int, int]]] = {}
        for cond in in_chunks(conn, K.c.key, keys):
            for key, client_id, campaign_id in conn.execute(
                select(K.c.key, K.c.client_id, K.c.campaign_id).where(cond)
            ):
                found.setdefault(key, []).append((client_id, campaign_id))
        cap = self.config.max_block_size
        return {k: v for k, v in found.items() if len(v) <= cap}

    def _origin_clients(self, conn: Connection, lead_ids: list[int]) -> dict[int, int]:
        """lead id -> the client it created, or the active client that one was merged into."""
        created: dict[int, int] = {}
        for cond in in_chunks(conn, C.c.origin_lead_id, lead_ids):
            q = select(C.c.origin_lead_id, C.c.id).where(cond).order_by(C.c.id)
            for lead_id, cid in conn.execute(q):
                created.setdefault(lead_id, cid)
        active = survivors(conn, created.values())
        return {lead_id: active.get(cid, cid) for lead_id, cid in created.items()}

    def _same_scope(self, lead: dict[str, Any], campaign_id: int) -> bool:
        return self.config.scope == "global" or campaign_id == lead["campaign_id"]

    def fix_up(self, conn: Connection, size: int) -> None:
        """Check again (up to ``size`` of) the flagged duplicates against every client now stored."""
        chunk = sorted(self.flagged)[:size]
        self.flagged.difference_update(chunk)
        q = select(*LEAD_COLUMNS).where(L.c.id.in_(chunk), L.c.status == LeadStatus.DUPLICATE)
        leads = bulk.rows_as_dicts(conn.execute(q.order_by(L.c.id).with_for_update(of=L)))
        if not leads:
            return
        self.fixing, reprocess = True, self.reprocess
        self.reprocess = True
        try:
            self.run_batch_guarded(conn, leads)
        finally:
            self.fixing, self.reprocess = False, reprocess

    def _track(
        self,
        valid: list[tuple[dict[str, Any], Any, list[str]]],
        outcomes: list[Outcome],
        client_keys: list[list[str]],
    ) -> None:
        """Flag earlier duplicates sharing a key with this batch's new clients; remember this
        batch's duplicates for later batches."""
        if self.fixing:
            return
        pending = self._pending
        for keys in client_keys:
            for key in keys:
                self.flagged.update(pending.get(key, ()))
        dups = {o.lead_id for o in outcomes if o.status == LeadStatus.DUPLICATE}
        for lead, _norm, keys in valid:
            if lead["id"] in dups:
                for key in keys:
                    pending.setdefault(key, []).append(lead["id"])

    # ---------------------------------------------------------------- the batch
    def run_batch_guarded(self, conn: Connection, leads: list[dict[str, Any]]) -> None:
        """Write one batch; when the database refuses it, write lead by lead, and reject the lead
        it refuses with a reason, so one bad lead never holds back the others (or later runs).

        Only data errors count (a value too long, a constraint); "busy", connection errors and
        programming errors still stop the run.
        """
        refused = _data_errors(conn)
        saved = copy.deepcopy(self.summary)
        try:
            with conn.begin_nested():
                self.run_batch(conn, leads, write_changes=True)
            return
        except refused:
            self._restore(saved)
        for lead in leads:
            saved = copy.deepcopy(self.summary)
            try:
                with conn.begin_nested():
                    self.run_batch(conn, [lead], write_changes=True)
            except refused as exc:
                self._restore(saved)
                reason = f"could not be stored: {_first_line(exc)}"
                with conn.begin_nested():
                    self._write(
                        conn, [lead], [Outcome(lead["id"], LeadStatus.REJECTED, reasons=[reason])], {}, {}
                    )

    def _restore(self, saved: ProcessSummary) -> None:
        for f in dataclasses.fields(saved):
            setattr(self.summary, f.name, getattr(saved, f.name))

    def run_batch(
        self, conn: Connection, leads: list[dict[str, Any]], *, write_changes: bool
    ) -> list[Outcome]:
        cfg = self.config

        valid: list[tuple[dict[str, Any], Any, list[str]]] = []
        outcomes: list[Outcome] = []
        validate = intake.validator(self.rules)
        by_lead = {lead["id"]: lead for lead in leads}
        for lead in leads:
            reasons = validate(lead)
            if _unparsed_registration(lead) and BAD_DATE not in reasons:
                reasons.append(BAD_DATE)
            if reasons:
                outcomes.append(Outcome(lead["id"], LeadStatus.REJECTED, reasons=reasons))
                continue
            norm = normalise(lead, cfg)
            valid.append((lead, norm, blocking_keys(norm, cfg)))
        all_keys = {k for _, _, keys in valid for k in keys}
        by_key = self._candidates(conn, all_keys) if all_keys else {}
        candidate_ids = {cid for v in by_key.values() for cid, _ in v}
        clients = fetch_clients(conn, candidate_ids) if candidate_ids else {}
        norms = {cid: normalise(c, cfg) for cid, c in clients.items()}

        # A lead that already created a client keeps it, or the client that one was merged
        # into (reprocess never makes a second one).
        own = self._origin_clients(conn, [lead["id"] for lead, _, _ in valid]) if self.reprocess else {}
        # A retired client is taken back by its origin lead only if the person has no other client.
        retired_own = client_sync.retired(conn, own.values()) if own else {}
        reclaimed_keys: list[str] = []
        # Clients created in this batch: temporary negative ids until inserted (-1 first).
        batch_index = Index(cfg)
        new_clients: dict[int, dict[str, Any]] = {}
        campaigns: dict[int, int] = {}  # new client -> its campaign
        # Duplicates decided before some of this batch's clients existed: (outcome, norm, clients then).
        early: list[tuple[int, Any, list[str], int]] = []
        linked: list[proposals.Linked] = []
        for lead, norm, keys in valid:
            own_client = own.get(lead["id"])
            if own_client is not None and own_client not in retired_own:
                outcomes.append(Outcome(lead["id"], LeadStatus.PROCESSED, client_id=own_client))
                continue
            also: list[tuple[int, float]] = []  # other stored clients it matches: proposed merges
            found = best_client(
                cfg, lead["campaign_id"], norm, keys, by_key, norms, batch_index, campaigns, also
            )
            if found is not None and also:
                linked.append(proposals.Linked(lead["id"], found[0], found[1].score, also))
            if own_client is not None:
                if found is None:  # nobody else has the person: the lead takes its client back
                    outcomes.append(Outcome(lead["id"], LeadStatus.PROCESSED, client_id=own_client))
                    for key in keys:
                        by_key.setdefault(key, []).append((own_client, lead["campaign_id"]))
                    norms[own_client] = norm
                    reclaimed_keys += keys
                    continue
                del own[lead["id"]]
            if found is not None:
                early.append((len(outcomes), norm, keys, len(new_clients)))
                outcomes.append(_duplicate(lead["id"], *found))
                continue
            tmp_id = -(len(new_clients) + 1)
            bucket = self._bucket(conn, lead["bucket_id"])
            new_clients[tmp_id] = self._client_row(lead, bucket)
            new_clients[tmp_id]["_keys"] = keys
            campaigns[tmp_id] = lead["campaign_id"]
            new_clients[tmp_id]["bucket_manager_id"] = bucket.get("manager_id")
            batch_index.add(tmp_id, norm, keys)
            outcomes.append(Outcome(lead["id"], LeadStatus.PROCESSED, client_id=tmp_id, created_client=True))
        # A fixed point: a duplicate visited before a client of this batch was created gets the
        # client a second run would give it (a later client wins only with a strictly better score).
        for at, norm, keys, seen_clients in early:
            o = outcomes[at]
            lead = by_lead[o.lead_id]
            for later in batch_index.candidates(norm, keys):
                tid = cast(int, later)
                if -tid <= seen_clients or not self._same_scope(lead, new_clients[tid]["campaign_id"]):
                    continue
                other = batch_index.get(tid)
                sc = score_with_floor(norm, other, cfg, cfg.threshold)[0]
                if sc >= cfg.threshold and sc > (o.score or 0.0):  # the score compare() gives
                    outcomes[at] = o = _duplicate(o.lead_id, tid, compare(norm, other, cfg))

        # Do-not-contact: a new client matching an active suppression is still created, but never
        # routed, then moved to stage do_not_contact (services/work/suppression) in _write.
        self._screened = suppression.screen_new_clients(conn, new_clients) if new_clients else {}
        # Routing over the whole batch (rules.routing.models), recorded through the ledger in _write.
        routable = {t: c for t, c in new_clients.items() if t not in self._screened}
        self._routes = routing.route_batch(conn, self.rules, routable, now())
        for tmp, decision in self._routes.items():
            new_clients[tmp]["manager_id"] = decision.rep_id
        if write_changes:
            managers = {cid: c["manager_id"] for cid, c in clients.items()}
            self._write(conn, leads, outcomes, new_clients, managers)
            proposals.propose(conn, linked, who=self.who)
            if own:
                self._own_clients(conn, own)
            self._track(valid, outcomes, [*(c["_keys"] for c in new_clients.values()), reclaimed_keys])
        return outcomes

    def _own_clients(self, conn: Connection, own: dict[int, int]) -> None:
        """Leads that keep the client they created: a retired one comes back, a fix of the lead
        flows to it, and its keys are rewritten (the duplicate rules may have changed too)."""
        ts = now()
        client_sync.reclaim(conn, {cid: lid for lid, cid in own.items()}, who=self.who, at=ts)
        touched = set(own.values())
        for lid in own:
            if lid in self.flows:
                flowed = client_sync.flow_fix(conn, lid, *self.flows[lid], who=self.who, at=ts)
                if flowed is not None:
                    touched.add(flowed)
        refresh_keys(conn, sorted(touched), self.config)

    def _client_row(self, lead: dict[str, Any], bucket: dict[str, Any]) -> dict[str, Any]:
        ts = now()
        row = dict(zip(PERSON_FIELDS, map(lead.get, PERSON_FIELDS), strict=True))
        row.update(
            campaign_id=lead["campaign_id"],
            manager_id=None,  # set by routing over the whole batch
            bucket_label=bucket["label"],
            affiliate_id=lead.get("affiliate_id") or bucket.get("affiliate_id"),
            origin_lead_id=lead["id"],
            external_id=lead.get("external_id"),
            custom=lead.get("custom") or {},
            created_at=ts,
            updated_at=ts,
        )
        row.update(derive_timezone(row).columns())  # queue (issue 10): state/postal before phone
        return row
