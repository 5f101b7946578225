"""``metrics speed`` from stored per-client bins (``client_speed``) and their counts (``speed_hist``).

Building every client's six durations and sorting them into six histograms is ~6 s CPU at 1M
clients on SQLite. The bins do not change unless an input of the client does, so they are
stored (migration 0025): ``client_speed`` one row per live client (its campaign and rep, the six
bins of ``speed._bin``, the moment its first-contact SLA runs out while not reached, and the
latest moment its values depend on), ``speed_hist`` the number of clients per (campaign or rep,
measure, basis, bin). A ``metrics speed`` by campaign or by rep over every client is then a read
of the group's histogram rows plus an index range of the clients whose SLA is still running
(``open_past_sla`` = not reached with a due moment, minus those due after now).

Exactness (the same figures as ``speed_rows``' computation, a test compares them on a
generated book on both backends):

- values are computed by the very SQL of ``speed.client_facts`` and ``speed._bin`` for the
  clients concerned, under the business clock and first-contact SLA of the rules
  (``fingerprint``, kept in ``client_speed_state``: other rules recompute every client once);
- every writer is covered by triggers (migration 0025) that append a client's id to
  ``client_speed_dirty`` when one of its inputs changes (client, assignment, client_fact rows:
  log/import, merges and undo, reassign, ``facts.rebuild``, raw SQL alike). ``refresh`` takes
  the log (``DELETE … RETURNING``: an entry committed later stays for the next refresh) and then
  recomputes those clients, so nothing committed before the log was taken is missed;
- readers use the stored rows only when the log is empty, the rules match, the facts are
  current (``facts.current``) and no stored input is later than the evaluation moment
  (``horizon``), else they compute (``speed.speed_rows``' SQL), so ``--since``, ``--until``,
  ``--campaign``, the other groupings and a past ``at`` are unchanged.

Concurrency: ``refresh`` runs in its own write transaction and locks the one state row first, so
refreshes run one at a time; writers only append to the log (no unique key: an append never
waits), so no new lock edge appears between writers. Two refreshes or a refresh and a writer
never deadlock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    SmallInteger,
    String,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.engine import Connection, Engine

from leadctl.rules import Rules
from leadctl.storage import schema
from leadctl.storage.sqlfunc import CHUNK, greatest, member_of

S = schema.client_speed
H = schema.speed_hist
D = schema.client_speed_dirty
ST = schema.client_speed_state
C = schema.client
KINDS = {"campaign": (0, S.c.campaign_id), "rep": (1, S.c.manager_id)}
# ``metrics sla`` also by the capture's local hour and weekday (migration 0029): measure 3 only
SLA_KINDS = {**KINDS, "hour": (2, S.c.cap_hour), "weekday": (3, S.c.cap_weekday)}
NONE_GRP = -1  # grp of a client with no campaign / rep
OPEN, DUE = -1, -2  # bins of speed_hist: not reached; not reached with a due moment
RUNNING = -3  # read only: not reached and due after the evaluation moment
BASES = ("clock", "business")
FULL_SHARE = 0.2  # a log naming more than this share of the clients: recompute them all
FUTURE = timedelta(days=400)  # the day tables reach this far past now (dues, future moments)
COLUMNS = (
    "client_id",
    "campaign_id",
    "manager_id",
    "assigned",
    "c0",
    "b0",
    "c1",
    "b1",
    "c2",
    "b2",
    "due0",
    "due1",
    "due2",
    "fc_d",
    "fc_met",
    "fc_due",
    "cap_hour",
    "cap_weekday",
    "horizon",
)
SLA_M = 3  # speed_hist's measure of the first-contact SLA (basis 0):
MET, LATE, UNCALLED, SUM_D = 0, 1, 2, 3  # its bins: met, breached after the call, not called, Σ fc_d


def fingerprint(rules: Rules) -> str:
    """A short digest of what the stored values depend on: the business clock (hours, zone,
    calendar) and the first-contact SLA."""
    spec = [repr(rules.business_hours), repr(rules.calendar), repr(rules.sla.first_contact)]
    return hashlib.sha1(json.dumps(spec, default=str).encode()).hexdigest()[:16]


# -- computing and storing


@contextmanager
def _rows(
    conn: Connection, rules: Rules, ids: Sequence[int] | None, at: datetime, span: tuple[datetime, datetime]
) -> Iterator[Any]:
    """A SELECT of ``COLUMNS`` for the live clients among ``ids`` (None: all), by the SQL of
    ``speed.client_facts`` and ``speed._bin``, with ``at`` beyond every input moment."""
    from leadctl.services.assign.calendar import clock_from_rules
    from leadctl.services.metrics.speed import MEASURES, FactScope, _bin, _measure, client_facts
    from leadctl.services.work.business_sql import open_days

    scope = FactScope(None, None, None)
    built = client_facts(conn, rules, "campaign", scope, at, ids=True, stored=True, client_ids=ids, span=span)
    with built as (facts, _now_b), open_days(conn, clock_from_rules(rules), *span) as od:
        f = facts.c
        cols: list[Any] = [f.cid, f.camp, f.mgr, f.cap_hour, f.cap_weekday]
        cols += [f.asg_e, f.cap_e, f.call_e, f.conv_e, f.allowed]
        # ``metrics sla``'s per-client terms (``sla._compliance``): the business seconds to the
        # first call and, while not called, the ``B`` at which the allowance runs out.
        fc_d = f.call_b - f.cap_b
        cols += [
            case((f.call_e.is_(None), null()), else_=fc_d).label("fc_d"),
            case((f.call_e.is_(None), null()), (fc_d <= f.allowed, 1), else_=0).label("fc_met"),
            case((f.call_e.is_(None), f.cap_b + f.allowed), else_=null()).label("fc_due"),
        ]
        for i, name in enumerate(MEASURES):
            clock_s, business_s, start_b = _measure(facts, name)
            cols += [clock_s.label(f"c{i}"), business_s.label(f"b{i}"), start_b.label(f"s{i}")]
        d = select(*cols).offset(0).subquery("durations")  # each duration computed once

        def binned(v: Any) -> Any:
            return case((v.is_(None), null()), else_=_bin(v))

        def due(i: int) -> Any:  # B⁻¹(start + allowed): past ⇔ B(at) - start >= allowed ⇔ at >= due
            s = d.c[f"s{i}"]
            reached = d.c[f"c{i}"].is_not(None)
            return case((or_(reached, s.is_(None)), null()), else_=od.moment(s + d.c.allowed))

        cap = d.c.cap_e
        yield select(
            d.c.cid,
            d.c.camp,
            d.c.mgr,
            case((d.c.asg_e.is_(None), 0), else_=1),
            *(binned(d.c[f"{b}{i}"]) for i in range(3) for b in "cb"),
            *(due(i) for i in range(3)),
            d.c.fc_d,
            d.c.fc_met,
            d.c.fc_due,
            d.c.cap_hour,
            d.c.cap_weekday,
            greatest(
                cap,
                func.coalesce(d.c.call_e, cap),
                func.coalesce(d.c.conv_e, cap),
                func.coalesce(d.c.asg_e, cap),
            ),
        )


def _store(
    conn: Connection, rules: Rules, ids: Sequence[int] | None, at: datetime, span: tuple[datetime, datetime]
) -> int:
    """Recompute ``ids`` (None: every client) into ``client_speed`` and ``speed_hist`` on the
    day table ``span`` (``speed.day_range``); the latest input moment of the rows written (0 if
    none)."""
    if ids is None:
        conn.execute(delete(H))
        conn.execute(delete(S))
        with _rows(conn, rules, None, at, span) as q:
            conn.execute(insert(S).from_select(list(COLUMNS), q))
        conn.execute(
            insert(H).from_select(["kind", "grp", "m", "basis", "bin", "n"], _contributions(None, 1))
        )
        return int(conn.execute(select(func.max(S.c.horizon))).scalar() or 0)
    top = 0
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        cond = member_of(S.c.client_id, chunk, conn.dialect.name)
        _count(conn, cond, -1)
        conn.execute(delete(S).where(cond))
        with _rows(conn, rules, chunk, at, span) as q:
            conn.execute(insert(S).from_select(list(COLUMNS), q))
        _count(conn, cond, 1)
        top = max(top, int(conn.execute(select(func.max(S.c.horizon)).where(cond)).scalar() or 0))
    conn.execute(delete(H).where(H.c.n == 0))
    return top


def _contributions(cond: Any, sign: int) -> Any:
    """The ``speed_hist`` rows of the ``client_speed`` rows matching ``cond`` (None: all), each
    count times ``sign``."""
    parts = []
    for kind, col in SLA_KINDS.values():
        g = func.coalesce(col, NONE_GRP)
        speed = any(kind == k for k, _c in KINDS.values())  # speed: by campaign and rep only
        for i in range(3 if speed else 0):
            where = [cond] if cond is not None else []
            if i == 2:
                where.append(S.c.assigned == 1)
            for basis, c in ((0, S.c[f"c{i}"]), (1, S.c[f"b{i}"])):
                b = func.coalesce(c, OPEN)
                parts.append(
                    select(literal(kind), g, literal(i), literal(basis), b, func.count() * sign)
                    .where(*where)
                    .group_by(g, b)
                )
            parts.append(
                select(literal(kind), g, literal(i), literal(0), literal(DUE), func.count() * sign)
                .where(*where, S.c[f"c{i}"].is_(None), S.c[f"due{i}"].is_not(None))
                .group_by(g)
            )
        g = func.coalesce(col, NONE_GRP)
        where = [cond] if cond is not None else []

        def n(v: int) -> Any:  # constants inline: GROUP BY must see the same expression as SELECT
            return literal_column(str(v), SmallInteger)

        outcome = case((S.c.fc_met == n(1), n(MET)), (S.c.fc_met == n(0), n(LATE)), else_=n(UNCALLED))
        parts.append(
            select(literal(kind), g, literal(SLA_M), literal(0), outcome, func.count() * sign)
            .where(*where)
            .group_by(g, outcome)
        )
        parts.append(
            select(literal(kind), g, literal(SLA_M), literal(0), literal(SUM_D), func.sum(S.c.fc_d) * sign)
            .where(*where, S.c.fc_d.is_not(None))
            .group_by(g)
        )
    u = union_all(*parts).subquery("contrib")
    cols = list(u.c)
    return select(*cols).where(true())


def _count(conn: Connection, cond: Any, sign: int) -> None:
    from leadctl.storage.upsert import upsert_from_select

    upsert_from_select(
        conn,
        H,
        ["kind", "grp", "m", "basis", "bin", "n"],
        _contributions(cond, sign),
        ("kind", "grp", "m", "basis", "bin"),
        lambda excluded: {"n": H.c.n + excluded.n},
    )


def refresh(engine: Engine, rules: Rules) -> None:
    """Bring the stored values up to date when the log or the rules say so (a write
    transaction; nothing to do: one read). A database this run cannot write to (read-only, or
    another writer holding the lock past the busy timeout) is left as it is: the readers then
    compute, as before the tables existed."""
    from leadctl.errors import BusyError, ReadOnlyError
    from leadctl.storage.engine import read

    fp = fingerprint(rules)
    with read(engine) as conn:
        if _state(conn)[0] == fp and not _dirty(conn):
            return
    try:
        _refresh(engine, rules, fp)
    except (BusyError, ReadOnlyError):
        return


def _refresh(engine: Engine, rules: Rules, fp: str) -> None:
    from leadctl.services.metrics.speed import day_range
    from leadctl.storage.claims import lock
    from leadctl.storage.engine import write
    from leadctl.timeutil import now

    with write(engine) as conn:
        state = select(ST.c.rules, ST.c.horizon, ST.c.span_lo).where(ST.c.id == 1)
        rows = lock(conn, state)
        if not rows:  # a writer deleted it (a failed demo wipes every table): never filled
            from leadctl.storage.upsert import insert_ignore_from_select

            row: Any = select(literal(1), literal(None, String), literal(0)).where(true())
            insert_ignore_from_select(conn, ST, ["id", "rules", "horizon"], row, ["id"])
            rows = lock(conn, state)
        ((rules_fp, horizon, span_lo),) = rows
        taken = [int(i) for i in conn.execute(delete(D).returning(D.c.client_id)).scalars()]
        at = now() + FUTURE
        # One day table span for every chunk: a moment before its start is clamped to it (as the
        # computation clamps it), so a span starting elsewhere (an earlier capture, the first
        # one gone) recomputes every client.
        span = day_range(conn, at)
        lo = int(span[0].timestamp())
        if rules_fp != fp or span_lo is None or int(span_lo) != lo:
            top = _store(conn, rules, None, at, span)
        else:
            ids = sorted(set(taken))
            if not ids:
                return
            live = conn.execute(select(func.count()).select_from(S)).scalar() or 0
            if len(ids) > FULL_SHARE * max(live, 1) and len(ids) > 10 * CHUNK:
                top = _store(conn, rules, None, at, span)
            else:
                top = max(int(horizon), _store(conn, rules, ids, at, span))
        conn.execute(update(ST).where(ST.c.id == 1).values(rules=fp, horizon=top, span_lo=lo))


def _state(conn: Connection) -> tuple[str | None, int]:
    row = conn.execute(select(ST.c.rules, ST.c.horizon).where(ST.c.id == 1)).first()
    return (None, 0) if row is None else (row[0], int(row[1]))


def _dirty(conn: Connection) -> bool:
    return conn.execute(select(D.c.id).limit(1)).first() is not None


# -- reading


def _answers(conn: Connection, rules: Rules, at: datetime) -> bool:
    """Whether the stored values are exact for ``at``: filled under these rules, nothing logged
    since, the facts current and no stored input later than ``at``."""
    from leadctl.services.work.facts import current

    fp, horizon = _state(conn)
    if fp != fingerprint(rules) or _dirty(conn):
        return False
    if horizon > int(at.timestamp()):  # the state's is an upper bound (a refresh only raises it)
        horizon = int(conn.execute(select(func.max(S.c.horizon))).scalar() or 0)
        if horizon > int(at.timestamp()):
            return False
    return current(conn, at)


def stored_hist(conn: Connection, rules: Rules, by: str, at: datetime) -> list[dict[str, Any]] | None:
    """``speed_rows``' histogram summary rows (grp id, m, basis, clients, reached, past, day,
    p50/p90/p95 bins, band counts) from the stored values, or None when they cannot answer
    exactly for ``at`` (rules changed, log not empty, facts not current, inputs after ``at``)."""
    from leadctl.services.metrics.speed import BANDS

    at_e = int(at.timestamp())
    if not _answers(conn, rules, at):
        return None
    kind, col = KINDS[by]
    gk = func.coalesce(col, NONE_GRP)
    # One statement, so the counts and the still-running clients are of one snapshot (a
    # refresh committing in between cannot mix on PostgreSQL's per-statement snapshots).
    parts: list[Any] = [
        select(H.c.grp, H.c.m, H.c.basis, H.c.bin, H.c.n).where(H.c.kind == kind, H.c.m < SLA_M)
    ]
    for i in range(3):
        running_i = select(gk, literal(i), literal(0), literal(RUNNING), func.count())
        parts.append(running_i.where(S.c[f"due{i}"] > at_e).group_by(gk))
    hist: dict[tuple[int, int, int], dict[int, int]] = {}
    running: dict[tuple[int, int], int] = {}
    for grp, m, basis, b, n in conn.execute(union_all(*parts)):
        if int(b) == RUNNING:
            running[(int(grp), int(m))] = int(n)
        else:
            hist.setdefault((int(grp), int(m), int(basis)), {})[int(b)] = int(n)
    out = []
    for (g, m, basis), bins in sorted(hist.items()):
        reached = sorted((b, n) for b, n in bins.items() if b >= 0)
        tot = sum(n for _b, n in reached)
        row: dict[str, Any] = {
            "grp": None if g == NONE_GRP else g,
            "m": m,
            "basis": BASES[basis],
            "clients": tot + bins.get(OPEN, 0),
            "reached": tot,
            "day": sum(n for b, n in reached if b < 152),
        }
        due_open = hist.get((g, m, 0), {}).get(DUE, 0)
        row["past"] = due_open - running.get((g, m), 0)
        for p in (0.5, 0.9, 0.95):
            cum, pick = 0, None
            for b, n in reached:
                cum += n
                if cum >= p * tot:
                    pick = b
                    break
            row[f"p{int(p * 100)}"] = pick
        for label, lo, hi in BANDS:
            row[label] = sum(n for b, n in reached if b >= lo and (hi is None or b < hi))
        out.append(row)
    return out


def stored_bands(engine: Engine, rules: Rules, at: datetime) -> list[dict[str, Any]] | None:
    """``speed.speed_bands`` over every client from the stored counts (to_attempt, clock), brought
    up to date first; None when they cannot answer exactly for ``at`` (see ``stored_hist``)."""
    from leadctl.storage.engine import read

    refresh(engine, rules)
    with read(engine) as conn:
        return bands_in(conn, rules, at)


def bands_in(conn: Connection, rules: Rules, at: datetime) -> list[dict[str, Any]] | None:
    """``stored_bands`` in an open read transaction (no refresh)."""
    from leadctl.services.metrics.speed import bands_from_counts

    if not _answers(conn, rules, at):
        return None
    q = (
        select(H.c.bin, func.sum(H.c.n))
        .where(H.c.kind == 0, H.c.m == 0, H.c.basis == 0, H.c.bin != DUE)
        .group_by(H.c.bin)
    )
    counts: dict[int | None, int] = {}
    for b, n in conn.execute(q):
        counts[None if b == OPEN else int(b)] = int(n)
    return bands_from_counts(counts)


def stored_sla(conn: Connection, rules: Rules, by: str, at: datetime) -> list[tuple[Any, ...]] | None:
    """``sla._compliance``'s rows (grp id, clients, met, breached, average business seconds to
    the first call) over every client from the stored counts, or None when they cannot answer
    exactly for ``at`` (see ``stored_hist``). A client not called is breached once ``B(at)``
    passes its ``fc_due``: the counts say how many were not called, an index range of
    ``ix_client_speed_fc_due`` how many of them are still running."""
    from leadctl.services.assign.calendar import clock_from_rules

    if not _answers(conn, rules, at):
        return None
    span_lo = conn.execute(select(ST.c.span_lo).where(ST.c.id == 1)).scalar()
    if span_lo is None:
        return None
    # ``B`` counts from the first day a clock was built for: the stored ``fc_due`` from the
    # refresh's span start, so ``B(at)`` on a clock built from the same day.
    clock = clock_from_rules(rules)
    lo = datetime.fromtimestamp(int(span_lo), UTC)
    clock.day_rows(lo, lo)
    now_b = clock.b(at)
    kind, col = SLA_KINDS[by]
    gk = func.coalesce(col, NONE_GRP)
    # One statement: the counts and the running clients of one snapshot (see ``stored_hist``).
    counts = select(H.c.grp, H.c.bin, H.c.n).where(H.c.kind == kind, H.c.m == SLA_M)
    running = select(gk, literal(RUNNING), func.count()).where(S.c.fc_due >= now_b).group_by(gk)
    groups: dict[int, dict[int, int]] = {}
    for grp, b, n in conn.execute(union_all(counts, running)):
        groups.setdefault(int(grp), {})[int(b)] = int(n)
    out = []
    for g, bins in sorted(groups.items()):
        met, late, uncalled = bins.get(MET, 0), bins.get(LATE, 0), bins.get(UNCALLED, 0)
        clients = met + late + uncalled
        if not clients:
            continue
        called = met + late
        avg = bins.get(SUM_D, 0) / called if called else None
        out.append((None if g == NONE_GRP else g, clients, met, late + uncalled - bins.get(RUNNING, 0), avg))
    return out
