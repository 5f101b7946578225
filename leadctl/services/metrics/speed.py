"""Speed-to-lead and rep response (`leadctl metrics speed`), in clock and business time.

Three measures per client, each in clock seconds and business seconds (``BusinessClock``):

- ``to_attempt``: capture (the client's creation) → its first call;
- ``to_conversation``: capture → its first call that reached a conversation;
- ``rep_response``: the client's current assignment → its first call, for assigned clients
  (a client first called before its current assignment is left out of this measure).

A client not yet reached is counted as ``open`` (and ``open_past_sla`` when its first-contact SLA
has run out), never dropped. A call logged before the client's capture (imported history)
counts as immediate (0). Percentiles are nearest-rank over a histogram computed in SQL
(one GROUP BY, then window sums), reported at the histogram's resolution: the bin's lower edge,
1 minute below 1 hour, 15 minutes below 24 hours, 6 hours beyond. Bands (0–5, 5–15, 15–60, 60+
minutes, within 24 h, clock time) are shares of every client of the group, open ones included.

``client_facts`` (one fenced select of the per-client moments and their ``B`` values) is shared
with ``metrics sla``. Its first call and first conversation come from the stored per-client
facts (``services/work/facts``: a primary-key look-up per client instead of a GROUP BY of every
activity); the six bins of a client are computed once (one materialised CTE) and each histogram
groups plain columns.

By campaign or rep over every client, ``speed_rows`` reads the stored per-client bins and their
counts per group instead (``speed_store``, migration 0025: same figures, no per-client pass);
this module's SQL computes them, and answers every other case.

What keeps it lean on SQLite (each measured on the shared 1M-client database, see
``benchmarks/metrics.py``): the clients are read in rowid order (a covering index in stage order
made every fact and assignment look-up a random page: ``sla --by hour`` 8.2 → 3.0 s CPU);
every stage is a fenced subquery streamed as a co-routine (outer joins to the day table, so
SQLite does not materialise the clients first), and each ``B`` and duration is computed once
per client (without the fences SQLite re-evaluated the ``B`` arithmetic at every reference of
the bin expression, ~3 s CPU).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.rules import Rules
from leadctl.services.metrics.common import Facts
from leadctl.storage import schema
from leadctl.storage.sqlfunc import day_of, epoch_seconds, greatest, member_of, unindexed, utc_week

C = schema.client
A = schema.assignment
L = schema.lead
R = schema.rep
CAMP = schema.campaign

GROUPINGS = ("rep", "source", "bucket", "campaign", "day", "week")
MEASURES = ("to_attempt", "to_conversation", "rep_response")
BANDS = (("0-5m", 0, 5), ("5-15m", 5, 15), ("15-60m", 15, 60), ("60m+", 60, None))


def _bin(v: ColumnElement[Any]) -> ColumnElement[Any]:
    """Histogram bin of a duration in seconds (see the module docstring)."""

    def n(
        text: str,
    ) -> ColumnElement[Any]:  # constants inline: GROUP BY must see the same expression as SELECT
        return literal_column(text, BigInteger)

    # Typed as an integer, ``//`` is the database's own integer division on both backends
    # (untyped, SQLAlchemy renders FLOOR(a / b): on SQLite a Python function called per row).
    v = type_coerce(v, BigInteger)
    return case(
        (v < n("3600"), v // n("60")),
        (v < n("86400"), n("60") + (v - n("3600")) // n("900")),
        else_=n("152") + (v - n("86400")) // n("21600"),
    )


def bin_minutes(b: int) -> float:
    """The lower edge of a bin, in minutes."""
    if b < 60:
        return float(b)
    if b < 152:
        return 60.0 + (b - 60) * 15
    return 1440.0 + (b - 152) * 360


@dataclass
class FactScope:
    """The period (capture time) and resolved campaign id of ``client_facts``."""

    since: datetime | None
    until: datetime | None
    campaign_id: int | None


def _group_key(by: str, d: Any = None) -> tuple[ColumnElement[Any], list[tuple[Any, Any]]]:
    """The grouping expression over the client table and the joins it needs."""
    if by == "rep":
        return func.coalesce(R.c.email, "(unassigned)"), [(R, R.c.id == C.c.manager_id)]
    if by == "source":
        src = L.alias("origin")
        return func.coalesce(src.c.source, "(none)"), [(src, src.c.id == C.c.origin_lead_id)]
    if by == "bucket":
        return func.coalesce(C.c.bucket_label, "(none)"), []
    if by == "campaign":
        return CAMP.c.name, [(CAMP, CAMP.c.id == C.c.campaign_id)]
    if by == "day":
        return day_of(C.c.created_at), []
    if by == "week":
        return utc_week(C.c.created_at), []
    return literal("all"), []


def capture_group(by: str, s1: Any, dc: Any) -> Any:
    """The group of a facts row: the hour or weekday of its capture on the local wall clock
    (from its joined day row ``dc``: ``DayTable.local``), else the ``grp`` column the scope
    selected. (Counted from the day row's key instead, a capture between 00:00 and 01:00 in
    summer fell in the day before, at hour 24, and a daylight-saving day's hours shifted by one.)"""
    from leadctl.services.work.business_sql import DayTable

    if by == "hour":
        return DayTable.local(dc, s1.c.cap_e) % 86400 // 3600
    if by == "weekday":
        return (DayTable.local(dc, s1.c.cap_e) // 86400 + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    return s1.c.grp


ID_KEYED = {"rep": C.c.manager_id, "campaign": C.c.campaign_id}


def group_names(conn: Connection, by: str) -> dict[Any, Any]:
    """The label of each id of ``client_facts(ids=True)`` (the rep's e-mail, the campaign's
    name; no rep: ``(unassigned)``), as ``_group_key`` would have given it."""
    table, label = (R, R.c.email) if by == "rep" else (CAMP, CAMP.c.name)
    names: dict[Any, Any] = {i: n for i, n in conn.execute(select(table.c.id, label))}
    if by == "rep":
        names[None] = "(unassigned)"
    return names


def day_range(conn: Connection, at: datetime) -> tuple[datetime, datetime]:
    """The span of ``client_facts``' day table: the first capture's day before … ``at``'s day after
    (moments outside are clamped to its ends)."""
    first = conn.execute(select(func.min(C.c.created_at))).scalar() or at
    return min(first, at) - timedelta(days=1), at + timedelta(days=1)


@contextmanager
def client_facts(
    conn: Connection,
    rules: Rules,
    by: str,
    scope: FactScope,
    at: datetime,
    *,
    ids: bool = False,
    stored: bool = False,
    client_ids: Sequence[int] | None = None,
    span: tuple[datetime, datetime] | None = None,
) -> Iterator[tuple[Any, Any]]:
    """A fenced subquery of every client in scope: group, moments (epochs) and their ``B``.

    Yields ``(facts, now_b)`` (``B`` of ``at`` on the same clock); ``by`` may also be ``hour`` or ``weekday`` (of capture, local
    to the business hours' zone). With ``ids``, ``rep`` and ``campaign`` group by the integer
    id (NULL: unassigned) for the caller to name with ``group_names``: sorting and hashing 1M
    integers instead of e-mail strings is the cheaper part of ``metrics speed``'s histograms.

    ``stored`` (``speed_store``'s refresh): each client's ``cid``, ``camp`` (campaign id),
    ``mgr`` (manager id), ``cap_hour`` and ``cap_weekday`` (``capture_group``'s) alongside;
    ``client_ids``: only those live clients, captured at any time;
    ``span``: ``day_range(conn, at)`` when the caller already has it.
    """
    from leadctl.services.assign.calendar import clock_from_rules
    from leadctl.services.work.business_sql import business_days
    from leadctl.services.work.facts import facts_for

    clock = clock_from_rules(rules)
    acts = facts_for(conn, at)
    key, joins = _group_key(by if by in GROUPINGS else "all")
    if ids and by in ID_KEYED:
        key, joins = ID_KEYED[by], []
    active = and_(A.c.client_id == C.c.id, schema.held(A))  # every client's: the covering index
    source: Any = C.outerjoin(acts, acts.c.client_id == C.c.id).outerjoin(A, active)
    for table, on in joins:
        source = source.outerjoin(table, on)
    fc = rules.sla.first_contact
    allowed: ColumnElement[Any] = literal(fc.minutes * 60)
    if fc.by_bucket:
        allowed = case(
            *((C.c.bucket_label == k, literal(v * 60)) for k, v in fc.by_bucket.items()), else_=allowed
        )
    extra: list[Any] = []
    if stored:
        extra = [C.c.id.label("cid"), C.c.campaign_id.label("camp"), C.c.manager_id.label("mgr")]
    base = (
        select(
            *extra,
            key.label("grp"),
            epoch_seconds(C.c.created_at).label("cap_e"),
            epoch_seconds(acts.c.first_call_at).label("call_e"),
            epoch_seconds(acts.c.first_conversation_at).label("conv_e"),
            epoch_seconds(A.c.started_at).label("asg_e"),
            allowed.label("allowed"),
        )
        .select_from(source)
        .where(C.c.merged_into_id.is_(None))
    )
    if client_ids is None:
        base = base.where(unindexed(C.c.created_at) <= at)  # nearly every client
    else:
        base = base.where(member_of(C.c.id, client_ids, conn.dialect.name))
    if conn.dialect.name == "sqlite":
        # Read the client table in rowid order, not a covering index in (stage, …) order: the
        # per-client look-ups (facts, active assignment) then walk their tables in key order
        # instead of jumping at random. (PostgreSQL hash-joins them; a sort would only cost.)
        base = base.order_by(C.c.id)
    if scope.since is not None:
        base = base.where(C.c.created_at >= scope.since)
    if scope.until is not None:
        base = base.where(C.c.created_at <= scope.until)
    if scope.campaign_id is not None:
        base = base.where(C.c.campaign_id == scope.campaign_id)
    with business_days(conn, clock, *(span or day_range(conn, at))) as days:
        s1 = base.offset(0).subquery("s1")
        dc, onc = days.join(s1.c.cap_e)
        d1, on1 = days.join(func.coalesce(s1.c.call_e, s1.c.cap_e))
        d2, on2 = days.join(func.coalesce(s1.c.conv_e, s1.c.cap_e))
        d3, on3 = days.join(func.coalesce(s1.c.asg_e, s1.c.cap_e))
        grp = capture_group(by, s1, dc)
        local: list[Any] = []  # stored: the capture's local hour and weekday (``metrics sla``)
        if stored:
            local = [capture_group(k, s1, dc).label(f"cap_{k}") for k in ("hour", "weekday")]
        facts = (
            select(
                *(s1.c[c.name] for c in extra),
                *local,
                grp.label("grp"),
                s1.c.cap_e,
                s1.c.call_e,
                s1.c.conv_e,
                s1.c.asg_e,
                s1.c.allowed,
                days.b(dc, s1.c.cap_e).label("cap_b"),
                case((s1.c.call_e.is_(None), null()), else_=days.b(d1, s1.c.call_e)).label("call_b"),
                case((s1.c.conv_e.is_(None), null()), else_=days.b(d2, s1.c.conv_e)).label("conv_b"),
                case((s1.c.asg_e.is_(None), null()), else_=days.b(d3, s1.c.asg_e)).label("asg_b"),
            )
            # Outer joins (every clamped key has its day row, so no row goes unmatched): SQLite
            # then streams ``s1`` as a co-routine instead of materialising its 1M rows first.
            .select_from(s1.outerjoin(dc, onc).outerjoin(d1, on1).outerjoin(d2, on2).outerjoin(d3, on3))
            .offset(0)  # a fence: each ``B`` is computed once per client, not once per use
            .subquery("facts")
        )
        yield facts, clock.b(at)


def _measure(facts: Any, name: str) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """(clock seconds, business seconds, start B) of a measure; NULL seconds = not reached."""
    f = facts.c

    def nonneg(v: ColumnElement[Any]) -> ColumnElement[Any]:  # NULL stays NULL on both backends
        return case((v.is_(None), null()), else_=greatest(literal_column("0"), v))

    if name == "to_attempt":
        return nonneg(f.call_e - f.cap_e), nonneg(f.call_b - f.cap_b), f.cap_b
    if name == "to_conversation":
        return nonneg(f.conv_e - f.cap_e), nonneg(f.conv_b - f.cap_b), f.cap_b
    responded = and_(f.asg_e.is_not(None), f.call_e >= f.asg_e)
    return (
        case((responded, f.call_e - f.asg_e), else_=null()),
        case((responded, f.call_b - f.asg_b), else_=null()),
        f.asg_b,
    )


def speed_rows(
    engine: Engine,
    *,
    by: str,
    since: datetime | None = None,
    until: datetime | None = None,
    campaign: str | None = None,
    rules: Rules,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per group and measure: clients, reached, open, percentiles, bands.

    By campaign or rep over every client: from the stored bins (``speed_store``, brought up to
    date first) when they answer exactly, else computed."""
    from leadctl.services.metrics.common import client_facts_in_scope

    if by in ID_KEYED and since is None and until is None and campaign is None:
        from leadctl.services.metrics import speed_store
        from leadctl.storage.engine import read
        from leadctl.timeutil import now

        when = at or now()
        for _attempt in range(2):  # a writer may log a change between the refresh and the read
            speed_store.refresh(engine, rules)
            with read(engine) as conn:
                stored = speed_store.stored_hist(conn, rules, by, when)
                if stored is not None:
                    names = group_names(conn, by)
                    for r in stored:
                        r["grp"] = names.get(r["grp"], "(unassigned)")
                    return _speed_table(by, stored)

    with client_facts_in_scope(
        engine,
        rules,
        by=by,
        groupings=GROUPINGS,
        since=since,
        until=until,
        campaign=campaign,
        at=at,
        ids=True,
    ) as fx:
        conn, facts, now_b = fx.conn, fx.table, fx.now_b
        # Every client's six durations, computed once (a fenced subquery: without it SQLite
        # re-evaluates the ``B`` arithmetic at each of the bin expression's references), then
        # its six bins and three past-SLA flags, computed once (materialised), so each of the
        # six histograms below is a GROUP BY over plain columns.
        dur: list[Any] = [facts.c.grp, facts.c.asg_e.is_not(None).label("assigned")]
        for i, name in enumerate(MEASURES):
            clock_s, business_s, start_b = _measure(facts, name)
            dur += [clock_s.label(f"c{i}"), business_s.label(f"b{i}"), start_b.label(f"s{i}")]
        d = select(*dur, facts.c.allowed).offset(0).subquery("durations")
        cols: list[Any] = [d.c.grp, d.c.assigned]
        for i in range(len(MEASURES)):
            past = and_(d.c[f"c{i}"].is_(None), literal(now_b) - d.c[f"s{i}"] >= d.c.allowed)
            cols.append(case((past, 1), else_=0).label(f"past{i}"))
            for basis, v in (("clock", d.c[f"c{i}"]), ("business", d.c[f"b{i}"])):
                cols.append(case((v.is_(None), null()), else_=_bin(v)).label(f"bin{i}{basis}"))
        binned = select(*cols).cte("binned").prefix_with("MATERIALIZED")
        parts = []
        for i, name in enumerate(MEASURES):
            scoped = [binned.c.assigned] if name == "rep_response" else []
            for basis in ("clock", "business"):
                b = binned.c[f"bin{i}{basis}"]
                parts.append(
                    select(
                        binned.c.grp.label("grp"),
                        literal(i).label("m"),
                        literal(basis).label("basis"),
                        b.label("bin"),
                        func.count().label("n"),
                        func.sum(binned.c[f"past{i}"]).label("past"),
                    )
                    .where(*scoped)
                    .group_by(binned.c.grp, b)
                )
        hist = union_all(*parts).subquery("hist")
        reached = hist.c.bin.is_not(None)
        cum = select(
            hist,
            func.sum(case((reached, hist.c.n), else_=0))
            .over(partition_by=(hist.c.grp, hist.c.m, hist.c.basis), order_by=hist.c.bin)
            .label("cum"),
            func.sum(case((reached, hist.c.n), else_=0))
            .over(partition_by=(hist.c.grp, hist.c.m, hist.c.basis))
            .label("tot"),
        ).subquery("cum")
        pick = [
            func.min(case((and_(cum.c.bin.is_not(None), cum.c.cum >= p * cum.c.tot), cum.c.bin))).label(
                f"p{int(p * 100)}"
            )
            for p in (0.5, 0.9, 0.95)
        ]
        bands = [
            func.sum(
                case(
                    (and_(cum.c.bin >= lo, cum.c.bin < (hi if hi is not None else 10**9)), cum.c.n),
                    else_=0,
                )
            ).label(label)
            for label, lo, hi in BANDS
        ]
        q = (
            select(
                cum.c.grp,
                cum.c.m,
                cum.c.basis,
                func.sum(cum.c.n).label("clients"),
                func.sum(case((cum.c.bin.is_not(None), cum.c.n), else_=0)).label("reached"),
                func.sum(cum.c.past).label("past"),
                func.sum(case((and_(cum.c.bin.is_not(None), cum.c.bin < 152), cum.c.n), else_=0)).label(
                    "day"
                ),
                *pick,
                *bands,
            )
            .group_by(cum.c.grp, cum.c.m, cum.c.basis)
            .order_by(cum.c.grp, cum.c.m, cum.c.basis)
        )
        hist_rows = [dict(r) for r in conn.execute(q).mappings()]
        if by in ID_KEYED:
            names = group_names(conn, by)
            for r in hist_rows:
                r["grp"] = names.get(r["grp"], "(unassigned)")
    return _speed_table(by, hist_rows)


def _minutes(b: Any) -> float | None:
    return None if b is None else bin_minutes(int(b))


def _speed_table(by: str, rows: Any) -> list[dict[str, Any]]:
    out: dict[tuple[Any, int], dict[str, Any]] = {}
    for r in rows:
        key = (r["grp"], int(r["m"]))
        row = out.get(key)
        if row is None:
            clients, reached = int(r["clients"]), int(r["reached"])
            row = out[key] = {
                by: r["grp"],
                "measure": MEASURES[int(r["m"])],
                "clients": clients,
                "reached": reached,
                "open": clients - reached,
                "open_past_sla": int(r["past"] or 0),
            }
        if r["basis"] == "clock":
            clients = row["clients"] or 1
            row["_counts"] = {label: int(r[label] or 0) for label, _lo, _hi in BANDS}
            for label, _lo, _hi in BANDS:
                row[f"share_{label}"] = round(int(r[label] or 0) / clients, 4)
            row["share_24h"] = round(int(r["day"] or 0) / clients, 4)
            row["share_open"] = round(row["open"] / clients, 4)
            for p in ("p50", "p90", "p95"):
                row[f"{p}_min"] = _minutes(r[p])
        else:
            for p in ("p50", "p90", "p95"):
                row[f"{p}_bmin"] = _minutes(r[p])
    return [out[k] for k in sorted(out, key=lambda k: (str(k[0]), k[1]))]


COLUMNS = (
    "measure",
    "clients",
    "reached",
    "open",
    "open_past_sla",
    "p50_min",
    "p90_min",
    "p95_min",
    "p50_bmin",
    "p90_bmin",
    "p95_bmin",
    "share_0-5m",
    "share_5-15m",
    "share_15-60m",
    "share_60m+",
    "share_24h",
    "share_open",
)


def speed_bands(
    engine: Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    campaign: str | None = None,
    rules: Rules,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Speed-to-lead (capture → first attempt, clock time) over every client: band, clients,
    share — the distribution the report charts against the 5 min / 1 h / 24 h marks."""
    from leadctl.services.metrics.common import client_facts_in_scope

    with client_facts_in_scope(
        engine,
        rules,
        by="all",
        groupings=(*GROUPINGS, "all"),
        since=since,
        until=until,
        campaign=campaign,
        at=at,
    ) as fx:
        return bands_from_facts(fx)


def bands_from_facts(fx: Facts) -> list[dict[str, Any]]:
    """The bands of ``speed_bands`` from built facts: one pass (to_attempt, clock time only)."""
    clock_s, _business_s, _start_b = _measure(fx.table, "to_attempt")
    b = case((clock_s.is_(None), null()), else_=_bin(clock_s))
    counts = {
        None if k is None else int(k): int(n) for k, n in fx.conn.execute(select(b, func.count()).group_by(b))
    }
    return bands_from_counts(counts)


def bands_from_counts(counts: dict[int | None, int]) -> list[dict[str, Any]]:
    """The bands of ``speed_bands`` from the number of clients per to_attempt clock bin (None:
    not reached)."""
    total = sum(counts.values())
    out = []
    for label, lo, hi in BANDS:
        n = sum(v for k, v in counts.items() if k is not None and k >= lo and (hi is None or k < hi))
        out.append({"band": label, "clients": n, "share": round(n / total, 4) if total else 0.0})
    n_open = counts.get(None, 0)
    out.append({"band": "open", "clients": n_open, "share": round(n_open / total, 4) if total else 0.0})
    return out
