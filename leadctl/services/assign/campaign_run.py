"""`leadctl assign`: hand a campaign's unassigned clients to its stack-ranked reps.

Per campaign, in one exclusive write transaction (``storage.claims.exclusive``: a second assign
of the same campaign waits ``assignment.wait_seconds`` or fails with "already running"):

1. the roster: approved, active reps who are not away, with their headroom (capacity, caps);
2. the ranking (``ranking.rank``: nine weighted factors);
3. the candidates, set-based: the campaign's clients without an active assignment; terminal
   stages (disqualified, do-not-contact, converted) and clients in the after-call cooldown are
   explained and left alone; a seeded shuffle orders the rest (``--seed`` reproduces a run);
4. the shared pool keeps its share/count; the rest is split in proportion to score
   (higher-ranked reps get more), never beyond headroom, and only to reps whose territory
   covers the client (``assignment.respect_territories``);
5. the chosen clients are claimed (``claims.claim``) and written through the ledger, each with
   its rank and score components; the run is recorded in ``assign_run`` (the fairness ledger).

Every client not assigned gets a reason; every rep skipped gets one too (``--explain``).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.errors import ConflictError
from leadctl.rules import Rules
from leadctl.services.admin.lookup import find_campaign, find_rep
from leadctl.services.assign import calendar, eligibility, ledger, ranking
from leadctl.services.assign.eligibility import RepInfo
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import bulk, claims, schema
from leadctl.storage.engine import read
from leadctl.timeutil import now
from leadctl.vocab import TERMINAL_STAGES, ActivityType, AssignmentEnd, AssignmentRule

A = schema.assignment
C = schema.client
ACT = schema.activity
RUN = schema.assign_run

POOL = "held in the shared pool"
OUTSIDE = "outside every territory (no eligible rep covers it)"
AT_CAP = "all eligible reps at capacity"
NO_REP = "no eligible rep"
TAKEN = "taken by another run meanwhile"


@dataclass
class AssignResult:
    campaign: str
    campaign_id: int
    seed: int
    dry_run: bool
    run_id: int | None = None
    assigned: int = 0
    candidates: int = 0
    not_assigned: dict[str, int] = field(default_factory=dict)
    reps: list[dict[str, Any]] = field(default_factory=list)
    skipped_reps: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)  # explain rows
    error: str | None = None  # all-campaign runs: why this campaign could not be assigned

    def as_dict(self, *, clients: bool = True) -> dict[str, Any]:
        """The result as plain data (shallow: no deep copy of 100,000 explain rows)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if not clients:
            out.pop("clients")
        return out


def active_assignment() -> Any:
    return exists().where(A.c.client_id == C.c.id, A.c.ended_at.is_(None))


def candidates(conn: Connection, campaign_id: int, dimensions: bool = True) -> list[tuple[Any, ...]]:
    """(id, stage[, country, state, industry, headcount]) of the campaign's unassigned clients;
    the territory columns only with ``dimensions`` (some eligible rep has a territory)."""
    cols = [C.c.id, C.c.stage] + ([C.c.country, C.c.state, C.c.industry, C.c.headcount] if dimensions else [])
    held = A.c.ended_at.is_(None)
    # queue.after_max_attempts: leave - worked to the last attempt, it left for good.
    left = A.c.ended_reason == AssignmentEnd.MAX_ATTEMPTS
    free: list[ColumnElement[bool]]
    if conn.dialect.name == "sqlite":
        # NOT IN: SQLite reads each (partial) index once into a temporary b-tree and probes that;
        # a correlated NOT EXISTS probes the file's index once per client, which at 1M clients
        # is 2.9 s CPU instead of 0.4 (client_id is NOT NULL: NOT IN means NOT EXISTS).
        # PostgreSQL plans NOT EXISTS as a merge anti-join already.
        free = [
            C.c.id.not_in(select(A.c.client_id).where(held)),
            C.c.id.not_in(select(A.c.client_id).where(left)),
        ]
    else:
        free = [~active_assignment(), ~exists().where(A.c.client_id == C.c.id, left)]
    q = select(*cols).where(
        C.c.campaign_id == campaign_id,
        C.c.merged_into_id.is_(None),
        C.c.retired_at.is_(None),  # integrity: a retired client is never assigned
        *free,
    )
    # fetchall, by id (the seeded shuffle starts from id order): not a fetchone per client
    return list(conn.execute(q.order_by(C.c.id)).all())


def cooling(conn: Connection, campaign_id: int, rules: Rules, at: datetime) -> dict[int, datetime]:
    """client id -> when its cooldown ends, for clients called within the cooldown."""
    hours = rules.cooldown.after_call_hours
    if hours <= 0:
        return {}
    since = at - timedelta(hours=hours)
    # SQLite: grouping by ``client_id + 0`` keeps it off the (client_id, …) index, whose
    # order it would otherwise pick for the GROUP BY and scan whole (5M activities: 0.6 s CPU)
    # instead of searching the window's few calls by time (< 0.1 s).
    client = ACT.c.client_id + 0 if conn.dialect.name == "sqlite" else ACT.c.client_id
    q = (
        select(client, func.max(ACT.c.at))
        .where(ACT.c.campaign_id == campaign_id, ACT.c.type == ActivityType.CALL, ACT.c.at >= since)
        .group_by(client)
    )
    out = {}
    for cid, last in conn.execute(q):
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        if last.tzinfo is None:
            from datetime import UTC

            last = last.replace(tzinfo=UTC)
        out[cid] = last + timedelta(hours=hours)
    return out


def quotas(n: int, weights: Sequence[tuple[int, float]], heads: dict[int, int]) -> dict[int, int]:
    """Split ``n`` over reps (rank order) in proportion to weight, never above headroom."""
    quota = {rid: 0 for rid, _ in weights}
    w = dict(weights)
    if all(v <= 0 for v in w.values()):
        w = {k: 1.0 for k in w}
    active = [rid for rid, _ in weights if heads.get(rid, 0) > 0 and w[rid] > 0]
    remaining = n
    while remaining > 0 and active:
        total = sum(w[r] for r in active)
        alloc = {r: min(heads[r] - quota[r], math.floor(remaining * w[r] / total)) for r in active}
        given = sum(alloc.values())
        if given == 0:
            for r in active:
                if remaining == 0:
                    break
                quota[r] += 1
                remaining -= 1
        else:
            for r, k in alloc.items():
                quota[r] += k
            remaining -= given
        active = [r for r in active if quota[r] < heads[r]]
    return quota


def _headroom(rep: RepInfo, rules: Rules) -> int:
    room = rep.headroom(rules, rules.assignment.default_capacity)
    if rules.assignment.max_per_rep_per_run:
        room = min(room, rules.assignment.max_per_rep_per_run)
    return room


def plan(
    conn: Connection,
    rules: Rules,
    campaign: dict[str, Any],
    at: datetime,
    seed: int,
    want: Callable[[int, str | None], bool] | None = None,
) -> tuple[AssignResult, Picks]:
    """The run's decisions; ``want(client_id, rep email or None)`` picks the explain rows kept
    in ``clients`` (None: all of them)."""
    cid = campaign["id"]
    res = AssignResult(campaign["name"], cid, seed, True)
    ranking.check_weights(rules)
    roster = eligibility.roster(conn, [cid], at)
    reps = [roster.reps[r] for r in roster.eligible[cid]]
    res.skipped_reps = list(roster.skipped[cid])
    if not reps and not res.skipped_reps:
        raise ConflictError(
            f"campaign {campaign['name']!r} has no approved rep; approve one with "
            f"'leadctl campaign approve {campaign['name']!r} REP'"
        )
    ar = rules.assignment
    caps = [r.capacity if r.capacity is not None else ar.default_capacity for r in reps]
    if reps and all(c == 0 for c in caps):
        raise ConflictError(
            f"campaign {campaign['name']!r}: every eligible rep has capacity 0 "
            "(set one with 'leadctl rep edit REP --capacity N' or assignment.default_capacity)"
        )
    cal = calendar.from_rules(rules.calendar)
    ranked = ranking.rank(conn, cid, reps, rules, cal, at)
    heads = {x.rep.id: _headroom(x.rep, rules) for x in ranked}
    for x in ranked:
        if heads[x.rep.id] == 0:
            cap = x.rep.capacity if x.rep.capacity is not None else ar.default_capacity
            res.skipped_reps.append(
                {
                    "rep": x.rep.email,
                    "reason": f"at capacity ({x.rep.open_total} open of {cap}, caps per day/week)",
                }
            )
    # Territories matter only if some eligible rep has one (no territory covers everything).
    territorial = ar.respect_territories and any(x.rep.territory for x in ranked)
    rows = candidates(conn, cid, territorial)
    res.candidates = len(rows)
    cool = cooling(conn, cid, rules, at)
    # The shuffle's permutation depends only on the count: shuffling the ids alone (no
    # territory) gives the same order as shuffling the rows, without a tuple per client.
    shuffled: list[Any] = rows if territorial else [r[0] for r in rows]
    random.Random(seed).shuffle(shuffled)
    key_of: Callable[[Any], int] = (lambda r: r[0]) if territorial else (lambda c: c)
    terminal = {r[0]: r[1] for r in rows if r[1] in TERMINAL_STAGES}
    explain: dict[int, str] = {}  # in shuffled order, as the full explanation lists them
    flagged = terminal.keys() | cool.keys()
    if flagged:  # a membership test per client in C, the f-strings only for the flagged ones
        if territorial:
            in_order = [r[0] for r in shuffled if r[0] in flagged]
        else:
            in_order = [c for c in shuffled if c in flagged]
        for client_id in in_order:
            if client_id in terminal:
                explain[client_id] = f"stage {terminal[client_id]} (never handed out)"
            elif client_id in cool:
                explain[client_id] = f"in cooldown after a call until {cool[client_id].isoformat()}"
    if not explain:
        assignable = shuffled
    elif territorial:
        assignable = [r for r in shuffled if r[0] not in explain]
    else:
        assignable = [c for c in shuffled if c not in explain]
    # The pool is a share of the campaign's workable clients (held + free), so it is not eroded
    # by each run taking a share of what the previous run left.
    held = conn.execute(
        select(func.count()).where(A.c.campaign_id == cid, A.c.ended_at.is_(None))
    ).scalar_one()
    share_n = round(ar.shared_pool_share * (len(assignable) + held))
    pool_n = ar.shared_pool_count if ar.shared_pool_count > 0 else share_n
    pool_n = min(pool_n, len(assignable))
    explain.update(dict.fromkeys(map(key_of, assignable[:pool_n]), POOL))
    rest = assignable[pool_n:]
    order = [x.rep.id for x in ranked]
    quota = quotas(len(rest), [(x.rep.id, x.score) for x in ranked], heads)
    left = dict(heads)
    picks = Picks()
    leftover: list[int] = []  # assignable clients nobody could take (at capacity or outside)
    if not order:
        explain.update(dict.fromkeys(map(key_of, rest), NO_REP))
    elif not territorial:  # one group (every rep covers every client): consecutive slices per rep
        # Pass 1 by quota (proportional to score); pass 2 fills leftover headroom.
        ids = rest
        for budget in (quota, left):
            pos = 0
            for rid in order:
                n = min(budget[rid], left[rid], len(ids) - pos)
                if n <= 0:
                    continue
                picks.add(rid, ids[pos : pos + n])
                budget[rid] -= n
                if budget is not left:
                    left[rid] -= n
                pos += n
            ids = ids[pos:]
        leftover = ids
        explain.update(dict.fromkeys(ids, AT_CAP))
    else:
        leftover = _split_by_territory(rest, order, roster, rules, quota, left, picks, explain)
    if ar.respect_territories and rest and not picks and all(explain[c] == OUTSIDE for c in leftover):
        raise ConflictError(
            f"campaign {campaign['name']!r}: no eligible rep's territory covers any of its {len(rest)} "
            "assignable clients (see 'leadctl rep edit --add-territory' or assignment.respect_territories)"
        )
    # One reason per rep, shared by its clients (the ledger serialises each distinct one once).
    picks.reasons = {
        x.rep.id: {"rank": x.rank, "score": x.score, "components": x.components, "seed": seed} for x in ranked
    }
    received = picks.received()
    res.reps = [
        {
            "rank": x.rank,
            "rep": x.rep.email,
            "score": x.score,
            "received": received.get(x.rep.id, 0),
            "headroom": heads[x.rep.id],
            "open": x.rep.open_total,
            **x.components,
        }
        for x in ranked
    ]
    # Counted per distinct text in C (Counter), then folded into classes: not a Python call
    # per unassigned client (500,000 at capacity at 1M clients). Same first-seen order.
    not_assigned: Counter[str] = Counter()
    for text, n in Counter(explain.values()).items():
        not_assigned[_reason_class(text)] += n
    res.not_assigned = dict(not_assigned)
    email = {x.rep.id: x.rep.email for x in ranked}
    why_rank = {x.rep.id: f"rank {x.rank} of {len(ranked)} (score {x.score})" for x in ranked}
    if want is _nothing:  # no explanation asked for: no rows at all
        res.clients = []
    elif isinstance(want, OnlyRep):  # --explain --rep: that rep's clients, found by rep id
        mine = next((x.rep.id for x in ranked if x.rep.email == want.email), None)
        if mine is None:
            res.clients = []
        else:
            why = why_rank[mine]
            res.clients = [{"client_id": c, "rep": want.email, "why": why} for c in picks.of(mine)]
    elif want is None:
        res.clients = [{"client_id": c, "rep": email[r], "why": why_rank[r]} for c, r in picks.items()]
        res.clients += [{"client_id": c, "rep": None, "why": why} for c, why in explain.items()]
    else:  # only the rows asked for (one rep's: --explain --rep), not 100,000 dicts to drop
        res.clients = [
            {"client_id": c, "rep": email[r], "why": why_rank[r]}
            for c, r in picks.items()
            if want(c, email[r])
        ]
        res.clients += [
            {"client_id": c, "rep": None, "why": why} for c, why in explain.items() if want(c, None)
        ]
    res.assigned = len(picks)
    return res, picks


class Picks:
    """Who gets which client, in decision order, as runs of clients per rep: without
    territories a run hands out ~200 slices of the shuffled ids, not a dict of 100,000 entries,
    and nothing per client is built unless the picks are written (``assignments``)."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, list[int]]] = []  # (rep id, client ids), in decision order
        self.reasons: dict[int, dict[str, Any]] = {}  # rep id -> the reason its clients share

    def add(self, rep_id: int, client_ids: list[int]) -> None:
        """Give ``client_ids`` (a fresh list, kept as is: no copy of 100,000 ids) to the rep."""
        if not client_ids:
            return
        if self.runs and self.runs[-1][0] == rep_id:
            self.runs[-1][1].extend(client_ids)
        else:
            self.runs.append((rep_id, client_ids))

    def __len__(self) -> int:
        return sum(len(ids) for _, ids in self.runs)

    def items(self) -> Iterator[tuple[int, int]]:
        """(client id, rep id) in decision order."""
        for rid, ids in self.runs:
            for c in ids:
                yield c, rid

    def of(self, rep_id: int | None) -> list[int]:
        """One rep's clients, in decision order."""
        return [c for rid, ids in self.runs if rid == rep_id for c in ids]

    def received(self) -> Counter[int]:
        out: Counter[int] = Counter()
        for rid, ids in self.runs:
            out[rid] += len(ids)
        return out

    def assignments(self, campaign_id: int, keep: Container[int] | None = None) -> list[NewAssignment]:
        """The rows for the ledger (only clients in ``keep``, if given)."""
        return [
            NewAssignment(c, rid, campaign_id, AssignmentRule.RANK, self.reasons[rid])
            for rid, ids in self.runs
            for c in ids
            if keep is None or c in keep
        ]


def _split_by_territory(
    rest: list[tuple[Any, ...]],
    order: list[int],
    roster: eligibility.Roster,
    rules: Rules,
    quota: dict[int, int],
    left: dict[int, int],
    picks: Picks,
    explain: dict[int, str],
) -> list[int]:
    """Territories: each client goes to the first rep in rank order whose territory covers it
    and who has budget (pass 1 by quota, pass 2 leftover headroom); clients with the same
    territory dimensions share one list of covering reps. Returns the clients nobody took
    (explained as outside every territory or all at capacity)."""
    groups: dict[Any, list[int]] = {}
    dims_key: dict[tuple[Any, ...], Any] = {}
    pending: list[tuple[int, Any]] = []
    for row in rest:
        raw_key = (row[2], row[3], row[4], row[5])
        key = dims_key.get(raw_key)
        if key is None:
            dims = eligibility.client_dimensions(
                {"country": row[2], "state": row[3], "industry": row[4], "headcount": row[5]},
                rules.routing.segments,
            )
            key = dims_key[raw_key] = tuple(sorted((k, tuple(sorted(v))) for k, v in dims.items()))
            if key not in groups:
                groups[key] = [r for r in order if eligibility.covers(roster.reps[r].territory, dims)]
        pending.append((row[0], key))
    for budget in (quota, left):
        pointer: dict[Any, int] = {}
        still = []
        for client_id, key in pending:
            reps_for = groups[key]
            i = pointer.get(key, 0)
            while i < len(reps_for) and (budget[reps_for[i]] <= 0 or left[reps_for[i]] <= 0):
                i += 1
            pointer[key] = i
            if i == len(reps_for):
                still.append((client_id, key))
                continue
            rid = reps_for[i]
            picks.add(rid, [client_id])
            budget[rid] -= 1
            if budget is not left:
                left[rid] -= 1
        pending = still
    for client_id, key in pending:
        explain[client_id] = OUTSIDE if not groups[key] else AT_CAP
    return [c for c, _ in pending]


def _nothing(client_id: int, rep: str | None) -> bool:
    return False


@dataclass(frozen=True)
class OnlyRep:
    """``want`` for one rep's rows (``--explain --rep``): plan picks them by rep id instead of
    calling a filter once per client."""

    email: str

    def __call__(self, client_id: int, rep: str | None) -> bool:
        return rep == self.email


def _reason_class(text: str) -> str:
    if text.startswith("in cooldown"):
        return "in cooldown"
    return text


def run(
    engine: Engine,
    rules: Rules,
    campaign_ref: str | None = None,
    *,
    dry_run: bool = False,
    seed: int | None = None,
    actor: str = "leadctl",
    explain_rep: str | None = None,
    explain_clients: Iterable[int] = (),
    explain: bool = True,
) -> list[AssignResult]:
    """Assign one campaign (or every active campaign with approved reps); see the module docs.

    ``explain=False`` leaves the per-client rows (``clients``) empty: nobody reads them."""
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    with read(engine) as conn:
        if campaign_ref is not None:
            campaigns = [find_campaign(conn, campaign_ref)]
        else:
            q = select(schema.campaign).where(
                schema.campaign.c.active.is_(True),
                exists().where(schema.campaign_rep.c.campaign_id == schema.campaign.c.id),
            )
            campaigns = [dict(r) for r in conn.execute(q.order_by(schema.campaign.c.id)).mappings()]
            if not campaigns:
                raise ConflictError("no active campaign has an approved rep (see 'leadctl campaign approve')")
        rep_email = find_rep(conn, explain_rep)["email"] if explain_rep else None
    results = []
    wait = 0 if rules.assignment.if_running == "fail" else rules.assignment.wait_seconds
    # No cyclic GC during a run: it builds ~a million small objects at 1M clients (candidate
    # rows, ids, explanations) that hold no cycles, and each collection walked all of them
    # again - at 850,000 candidates fetching them took 1.2 s CPU instead of 0.35.
    with bulk.gc_paused():
        for camp in campaigns:
            args = (engine, rules, camp, now(), seed, dry_run, wait, actor, rep_email, set(explain_clients))
            if campaign_ref is None:  # every campaign (cron): one campaign's problem never blocks the others
                try:
                    results.append(_one(*args, explain))
                except ConflictError as exc:
                    results.append(AssignResult(camp["name"], camp["id"], seed, dry_run, error=str(exc)))
            else:
                results.append(_one(*args, explain))
    return results


def _one(
    engine: Engine,
    rules: Rules,
    camp: dict[str, Any],
    at: datetime,
    seed: int,
    dry_run: bool,
    wait: float,
    actor: str,
    rep_email: str | None,
    wanted: set[int],
    explain: bool = True,
) -> AssignResult:
    want: Callable[[int, str | None], bool] | None = None
    if not explain:
        want = _nothing
    elif rep_email is not None and not wanted:
        want = OnlyRep(rep_email)
    elif rep_email is not None or wanted:

        def want(client_id: int, rep: str | None) -> bool:
            return (rep_email is None or rep == rep_email) and (not wanted or client_id in wanted)

    if dry_run:
        with read(engine) as conn:
            res, _ = plan(conn, rules, camp, at, seed, want)
    else:
        what = f"assign of campaign {camp['name']!r}"
        with claims.exclusive(engine, f"assign:{camp['id']}", wait, what) as conn:
            res, picks = plan(conn, rules, camp, at, seed, want)
            res.dry_run = False
            chosen = [c for _, ids in picks.runs for c in ids]
            got = claims.claim(conn, C, chosen, ~active_assignment())
            if len(got) < len(chosen):
                for row in res.clients:
                    if row["rep"] is not None and row["client_id"] not in got:
                        row.update(rep=None, why=TAKEN)
                new = picks.assignments(camp["id"], got)
                res.not_assigned[TAKEN] = res.assigned - len(new)
                res.assigned = len(new)
            else:
                new = picks.assignments(camp["id"])
            run_id = conn.execute(
                insert(RUN).values(
                    command="assign",
                    campaign_id=camp["id"],
                    seed=seed,
                    actor=actor,
                    started_at=at,
                    summary={},
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            res.run_id = int(run_id)
            ledger.start(conn, new, actor=actor, at=at, run_id=res.run_id)
            summary = {
                "assigned": res.assigned,
                "candidates": res.candidates,
                "not_assigned": res.not_assigned,
                "reps": [{k: r[k] for k in ("rank", "rep", "score", "received")} for r in res.reps],
            }
            conn.execute(update(RUN).where(RUN.c.id == res.run_id).values(summary=summary, finished_at=now()))
    if rep_email is not None:
        if not any(r["rep"] == rep_email for r in (*res.reps, *res.skipped_reps)):
            res.skipped_reps.append({"rep": rep_email, "reason": "not approved on this campaign"})
        res.reps = [r for r in res.reps if r["rep"] == rep_email]
        res.skipped_reps = [r for r in res.skipped_reps if r["rep"] == rep_email]
        res.clients = [c for c in res.clients if c["rep"] == rep_email]
    if wanted:
        res.clients = [c for c in res.clients if c["client_id"] in wanted]
    return res
