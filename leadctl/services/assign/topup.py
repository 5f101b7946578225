"""`leadctl topup --rep R`: seed 4's "I need more leads".

Donors are the reps holding clients on the campaign who have not been active there for
``topup.inactive_business_days`` business days; they are stack-ranked by the same factors as
``assign`` (``topup.order``: worst_first takes from the weakest first) and give up
``topup.take_share`` of their movable clients each — never clients with a booked appointment
(stage or a booked/confirmed meeting), and nurture-saved clients (``nurture.outcomes``) only
after ``nurture.reserve_days`` days of the donor's inactivity — until the requester holds
``target`` untouched clients. A crowded campaign gives what it can, or nothing, and says why.

Set-based and bounded by what moves: the donors' last activity and ranking come from the
activity rollup (``rollup.py``), and each donor's movable and reserved clients are read only
when the donor is reached in rank order (a top-up of 200 reads one or two donors' clients, not
every inactive rep's).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import ConflictError, InputError
from leadctl.rules import Rules
from leadctl.services.admin.lookup import find_campaign, find_rep
from leadctl.services.assign import calendar, eligibility, ledger, ranking
from leadctl.services.assign.ledger import NewAssignment
from leadctl.storage import claims, schema
from leadctl.storage.engine import read
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import ActivityOutcome, AssignmentEnd, AssignmentRule, Stage
from leadctl.words import plural

A = schema.assignment
C = schema.client
ACT = schema.activity
CR = schema.campaign_rep
RUN = schema.assign_run
BOOKED = (ActivityOutcome.BOOKED, ActivityOutcome.CONFIRMED)
NEVER_MOVED = (Stage.APPOINTMENT, Stage.DISQUALIFIED, Stage.DO_NOT_CONTACT, Stage.CONVERTED)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def topup(
    engine: Engine,
    rules: Rules,
    rep_ref: str,
    campaign_ref: str | None = None,
    *,
    target: int | None = None,
    dry_run: bool = False,
    actor: str = "leadctl",
) -> dict[str, Any]:
    tr = rules.topup
    goal = target if target is not None else tr.target
    with read(engine) as conn:
        rep = find_rep(conn, rep_ref)
        if campaign_ref is not None:
            camp = find_campaign(conn, campaign_ref)
        else:
            ids = list(
                conn.execute(
                    select(CR.c.campaign_id).where(CR.c.rep_id == rep["id"], CR.c.revoked_at.is_(None))
                ).scalars()
            )
            if len(ids) != 1:
                raise InputError(
                    f"rep {rep['email']} is approved on {len(ids)} campaigns; name one with --campaign"
                )
            camp = find_campaign(conn, ids[0])
    wait = 0 if rules.assignment.if_running == "fail" else rules.assignment.wait_seconds
    with claims.exclusive(engine, f"topup:{camp['id']}", wait, f"topup on campaign {camp['name']!r}") as conn:
        at = now()
        cid = camp["id"]
        roster = eligibility.roster(conn, [cid], at, [rep["id"]])
        me = roster.reps[rep["id"]]
        if me.blocked or cid not in me.approved:
            why = me.blocked or "not approved on the campaign"
            raise ConflictError(f"rep {rep['email']} cannot receive clients on {camp['name']!r}: {why}")
        untouched = conn.execute(
            select(func.count())
            .select_from(A.join(C, C.c.id == A.c.client_id))
            .where(
                A.c.rep_id == rep["id"],
                A.c.campaign_id == cid,
                A.c.ended_at.is_(None),
                C.c.stage == Stage.UNTOUCHED,
            )
        ).scalar_one()
        room = me.headroom(rules, rules.assignment.default_capacity)
        need = max(0, min(goal - untouched, room))
        out: dict[str, Any] = {
            "rep": rep["email"],
            "campaign": camp["name"],
            "target": goal,
            "untouched_before": untouched,
            "dry_run": dry_run,
            "moved": [],
            "donors": [],
        }
        if goal - untouched <= 0:
            out["reason"] = f"{rep['email']} already holds {untouched} untouched clients (target {goal})"
            return out
        if need == 0:
            out["reason"] = f"{rep['email']} is at capacity ({me.open_total} open clients)"
            return out
        cal = calendar.from_rules(rules.calendar)
        cutoff = cal.business_days_back(at, tr.inactive_business_days)
        holders: dict[int, int] = dict(
            conn.execute(  # type: ignore[arg-type]
                select(A.c.rep_id, func.count())
                .where(A.c.campaign_id == cid, A.c.ended_at.is_(None), A.c.rep_id != rep["id"])
                .group_by(A.c.rep_id)
            ).all()
        )
        reserve_cut = at - timedelta(days=rules.nurture.reserve_days)
        # Last activity on the campaign, looked up only as far back as anything depends on it
        # (inactivity and nurture reservation): absent = nothing since that far back.
        since = min(cutoff, reserve_cut)
        last = ranking.last_active(conn, cid, list(holders), since)
        inactive = [rid for rid in holders if (last.get(rid) is None or last[rid] < cutoff)]  # type: ignore[operator]
        if not inactive:
            out["reason"] = (
                f"campaign crowded: all {len(holders)} reps holding clients on {camp['name']!r} were active in the "
                f"last {tr.inactive_business_days} business days, so nothing is movable"
            )
            return out
        donors_info = [
            roster.reps.get(r) or eligibility.roster(conn, [cid], at, [r]).reps[r] for r in inactive
        ]
        ranked = ranking.rank(conn, cid, donors_info, rules, cal, at)
        if tr.order == "worst_first":
            ranked.reverse()
        # Donors in rank order, each read only when reached (a top-up of 200 reads a donor or
        # two, not every inactive rep's clients): active, not booked, not terminal, not reserved.
        nurture_outcomes = list(rules.nurture.outcomes)
        keepers = [r for r in inactive if last.get(r) is not None and last[r] >= reserve_cut]  # type: ignore[operator]
        moves: list[tuple[int, int, Any]] = []
        for x in ranked:
            rid = x.rep.id
            held = _movable(conn, cid, rid)
            reserved = (
                _reserved(conn, cid, held, keepers, nurture_outcomes)
                if keepers and nurture_outcomes
                else set()
            )
            mine = [c for c in held if c not in reserved]
            take = min(math.floor(tr.take_share * len(mine) + 0.5), need - len(moves))
            out["donors"].append(
                {
                    "rep": x.rep.email,
                    "rank": x.rank,
                    "score": x.score,
                    # None: no activity on the campaign since the look-back (reserve_days / inactivity)
                    "last_active": last.get(rid).isoformat() if last.get(rid) else None,  # type: ignore[union-attr]
                    "holds": holders[rid],
                    "movable": len(mine),
                    "reserved_nurture": len(held) - len(mine),
                    "taken": max(take, 0),
                }
            )
            moves += [(c, rid, x) for c in mine[: max(take, 0)]]
            if len(moves) >= need:
                break
        got = claims.claim(conn, C, [m[0] for m in moves])
        moves = [m for m in moves if m[0] in got]
        email = {x.rep.id: x.rep.email for x in ranked}
        out["moved"] = [{"client_id": c, "from_rep": email[r]} for c, r, _ in moves]
        short = goal - untouched - len(moves)
        if not moves:
            out["reason"] = (
                f"campaign crowded: {plural(len(inactive), 'inactive rep')} holding no movable clients on {camp['name']!r} "
                "(booked appointments, terminal stages and reserved nurture clients are never moved)"
            )
        elif short > 0:
            out["reason"] = (
                f"campaign crowded: moved {len(moves)} of the {goal - untouched} needed — that is all the movable "
                f"clients ({tr.take_share:.0%} of each inactive rep's) there are"
            )
            if need < goal - untouched:
                out["reason"] += f"; capacity allows {need}"
        else:
            out["reason"] = (
                f"topped up to {goal} untouched clients from {plural(len({r for _, r, _ in moves}), 'rep')} inactive for "
                f"{tr.inactive_business_days} business days"
            )
        if dry_run or not moves:
            return out
        run_id = int(
            conn.execute(
                RUN.insert().values(
                    command="topup",
                    campaign_id=cid,
                    seed=None,
                    actor=actor,
                    started_at=at,
                    finished_at=at,
                    summary={"rep": rep["email"], "moved": len(moves), "reason": out["reason"]},
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        ledger.end(
            conn,
            [m[0] for m in moves],
            AssignmentEnd.TOPUP,
            actor=actor,
            at=at,
            data={"to_rep_id": rep["id"]},
        )
        ledger.start(
            conn,
            [
                NewAssignment(
                    c, rep["id"], cid, AssignmentRule.TOPUP, {"from_rep": email[r], "donor_rank": x.rank}
                )
                for c, r, x in moves
            ],
            actor=actor,
            at=at,
            run_id=run_id,
        )
        out["run_id"] = run_id
        return out


def _movable(conn: Connection, campaign_id: int, rep_id: int) -> list[int]:
    """The donor's clients a top-up may move, by id: active here, not booked, not terminal."""
    q = (
        select(A.c.client_id)
        .select_from(A.join(C, C.c.id == A.c.client_id))
        .where(
            A.c.rep_id == rep_id,
            A.c.ended_at.is_(None),
            A.c.campaign_id == campaign_id,
            C.c.stage.not_in([s.value for s in NEVER_MOVED]),
            ~exists_outcome(BOOKED),
        )
        .order_by(A.c.client_id)
    )
    return list(conn.execute(q).scalars())


def _reserved(
    conn: Connection, campaign_id: int, client_ids: list[int], keepers: list[int], outcomes: list[str]
) -> set[int]:
    """Of ``client_ids``, those a recently active donor (``keepers``) saved for nurture here.

    Looked up by client (the client index holds the outcome), the few nurture rows filtered by
    rep and campaign here: a filter on the keepers' reps would read all of their activity."""
    out: set[int] = set()
    mine = set(keepers)
    for cond in in_chunks(conn, ACT.c.client_id, client_ids):
        q = select(ACT.c.client_id, ACT.c.rep_id, ACT.c.campaign_id).where(cond, ACT.c.outcome.in_(outcomes))
        out.update(c for c, rep, camp in conn.execute(q) if rep in mine and camp == campaign_id)
    return out


def exists_outcome(outcomes: Any) -> Any:
    from sqlalchemy import exists

    return exists().where(and_(ACT.c.client_id == C.c.id, ACT.c.outcome.in_([o.value for o in outcomes])))
