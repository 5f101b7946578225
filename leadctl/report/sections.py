"""The report's sections: a small registry, one function per section, in report order.

A section function takes a ``Context`` (engine, rules, scope) and returns a ``Section``:
title, the metric's definition, the chart (inline SVG, built lazily so ``--format json``
draws nothing) and the rows of its data table. Adding a section is one decorated function:

    @register("speed")
    def speed(ctx: Context) -> Section:
        from leadctl.services.metrics.speed import speed_bands
        rows = speed_bands(ctx.engine, since=ctx.scope.since, until=ctx.scope.until,
                           campaign=ctx.scope.campaign, rules=ctx.rules)
        return Section("Speed to lead", "…", lambda: charts.horizontal_bars(...), rows, ["band", "clients", "share"])

``after=`` places it after another section (default: at the end).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from leadctl.rules.loader import Rules
from leadctl.services.metrics.common import Scope
from leadctl.vocab import LeadStatus


@dataclass(frozen=True)
class Context:
    engine: Engine
    rules: Rules
    scope: Scope
    # Results sections share (computed once per report): e.g. the per-client facts behind
    # both the speed and the SLA sections are built once, not once per section.
    shared: dict[str, Any] = field(default_factory=dict, compare=False)

    def speed_and_sla(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The speed-to-lead bands and first-contact SLA by rep, from one build of the facts."""
        if "speed_and_sla" not in self.shared:
            from leadctl.services.metrics.sla import speed_bands_and_sla_by_rep

            s = self.scope
            self.shared["speed_and_sla"] = speed_bands_and_sla_by_rep(
                self.engine, since=s.since, until=s.until, campaign=s.campaign, rules=self.rules
            )
        result: tuple[list[dict[str, Any]], list[dict[str, Any]]] = self.shared["speed_and_sla"]
        return result


@dataclass
class Section:
    title: str
    definition: str
    chart: Callable[[], str]  # → inline SVG
    rows: list[dict[str, Any]]
    columns: Sequence[str]
    alt: str = ""  # the chart's text alternative (a one-sentence summary of the data)
    percent_columns: Sequence[str] = field(default_factory=tuple)


SectionFn = Callable[[Context], Section]
REGISTRY: dict[str, SectionFn] = {}


def register(name: str, after: str | None = None) -> Callable[[SectionFn], SectionFn]:
    def add(fn: SectionFn) -> SectionFn:
        items = [(k, v) for k, v in REGISTRY.items() if k != name]
        at = next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
        items.insert(at, (name, fn))
        REGISTRY.clear()
        REGISTRY.update(items)
        return fn

    return add


CHART_REPS = 15  # reps drawn in a per-rep chart (the data table lists every rep)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


@register("leads")
def leads_per_day(ctx: Context) -> Section:
    from leadctl.report import charts
    from leadctl.services.metrics.leads import leads_per_day as query

    rows = query(ctx.engine, ctx.scope)
    statuses = [s.value for s in LeadStatus]
    total = sum(r["leads"] for r in rows)
    return Section(
        "Leads per day by status",
        "Leads that arrived each UTC day, by where intake processing left them: processed (created "
        "a client), duplicate (matched an existing client), rejected (failed validation), new (not "
        "processed yet).",
        lambda: charts.stacked_bars(
            "Leads per day by status",
            [r["day"] for r in rows],
            {s: [r[s] for r in rows] for s in statuses},
            "leads",
        ),
        rows,
        ["day", "leads", *statuses],
        alt=f"Stacked bars: {total} leads over {len(rows)} days, split by status.",
    )


@register("duplicates")
def duplicate_rate(ctx: Context) -> Section:
    from leadctl.report import charts
    from leadctl.services.metrics.duplicates import duplicate_rates

    s = ctx.scope
    rows = duplicate_rates(
        ctx.engine, "day", since=s.since, until=s.until, rule=ctx.rules.monitoring, campaign=s.campaign
    )
    spikes = [r["day"] for r in rows if r["spike"]]
    return Section(
        "Duplicate rate per day",
        "Duplicates ÷ processed leads (duplicate, processed or rejected) per arrival day. A day is a "
        "spike (▲) when its rate is at least monitoring.spike_factor × the median of the "
        "monitoring.trailing_days days before it and monitoring.spike_min_increase higher, with at "
        "least monitoring.spike_min_leads leads.",
        lambda: charts.line_with_marks(
            "Duplicate rate per day",
            [r["day"] for r in rows],
            [r["duplicate_rate"] for r in rows],
            [bool(r["spike"]) for r in rows],
            "duplicate rate",
            "spike",
        ),
        rows,
        ["day", "leads", "duplicates", "rejected", "duplicate_rate", "baseline_rate", "spike"],
        alt=f"Line of the daily duplicate rate over {len(rows)} days; spikes: {', '.join(spikes) or 'none'}.",
        percent_columns=("duplicate_rate", "baseline_rate"),
    )


@register("funnel")
def funnel(ctx: Context) -> Section:
    from leadctl.report import charts
    from leadctl.services.metrics.funnel import funnel_steps

    rows = funnel_steps(ctx.engine, ctx.scope)
    notes = [_pct(r["step_rate"]) if r["step_rate"] is not None else "" for r in rows]
    counts = {r["step"]: r["count"] for r in rows}
    return Section(
        "Funnel",
        "The period's leads followed to today: each step counts the leads whose client got at least "
        "that far (processed → assigned or worked by a rep → a call or e-mail → a conversation → a "
        "meeting booked → held → held as qualified). In brackets: the step ÷ the step before. "
        "Qualification rate = qualified ÷ held; lead → meeting = booked ÷ leads.",
        lambda: charts.horizontal_bars(
            "Funnel", [r["step"] for r in rows], {"clients": [r["count"] for r in rows]}, "leads", notes
        ),
        rows,
        ["step", "count", "step_rate", "overall_rate"],
        alt=f"Funnel from {counts.get('leads', 0)} leads to {counts.get('qualified', 0)} qualified meetings.",
        percent_columns=("step_rate", "overall_rate"),
    )


@register("reps")
def leaderboard(ctx: Context) -> Section:
    from leadctl.report import charts
    from leadctl.services.metrics.reps import rep_metrics

    rows = rep_metrics(ctx.engine, ctx.scope, ctx.rules.calendar, touches=False)  # not shown here
    rows.sort(key=lambda r: (-r["meetings"], -r["conversations"], -r["calls"], r["rep"]))
    shown = rows[:CHART_REPS]
    return Section(
        "Rep leaderboard",
        "Per rep, activities in the period: meetings booked, conversations (calls that reached the "
        "person) and calls; ranked by meetings, then conversations. Hold rate = share of the rep's "
        "booked meetings whose time has passed that were held. Last active in business days.",
        lambda: charts.horizontal_bars(
            "Rep leaderboard",
            [r["rep"] for r in shown],
            {
                "meetings booked": [r["meetings"] for r in shown],
                "conversations": [r["conversations"] for r in shown],
            },
            "count",
        ),
        rows,
        [
            "rep",
            "clients_held",
            "calls",
            "conversations",
            "meetings",
            "call_to_conversation",
            "conversation_to_booked",
            "hold_rate",
            "last_active_business_days",
        ],
        alt=f"Bars of meetings booked and conversations for the top {len(shown)} of {len(rows)} reps.",
        percent_columns=("call_to_conversation", "conversation_to_booked", "hold_rate"),
    )


@register("queue")
def queue_by_stage(ctx: Context) -> Section:
    from leadctl.report import charts
    from leadctl.services.metrics.queue import columns, queue_depth

    result = queue_depth(
        ctx.engine,
        Scope(campaign=ctx.scope.campaign),
        ctx.rules.metrics,
        ctx.rules.cooldown,
        ctx.rules.stages.attempted_minimum,
        "stage",
    )
    rows = result.rows
    return Section(
        "Queue depth per stage (now)",
        "Open clients (untouched, attempted, engaged, appointment) by stage at the time of the report, "
        "with their age since they were created (bands: metrics.queue_age_bands_days) and how many "
        "are in the call cooldown (cooldown.after_call_hours).",
        lambda: charts.horizontal_bars(
            "Queue depth per stage",
            [r["stage"] for r in rows],
            {"clients": [r["clients"] for r in rows]},
            "clients",
        ),
        rows,
        columns("stage", ctx.rules.metrics.queue_age_bands_days),
        alt=f"Bars of open clients per stage: {sum(r['clients'] for r in rows)} in all.",
    )


@register("speed", after="duplicates")
def speed_to_lead(ctx: Context) -> Section:
    from leadctl.report import charts

    rows = ctx.speed_and_sla()[0]
    fast = sum(r["share"] for r in rows if r["band"] in ("0-5m",))
    return Section(
        "Speed to lead",
        "Clock time from capture (the client's creation) to the first call attempt, in bands against "
        "the 5 minute, 1 hour and 24 hour marks; clients not called yet are counted as open, never "
        "dropped (`leadctl metrics speed` gives percentiles in clock and business time).",
        lambda: charts.horizontal_bars(
            "Speed to lead",
            [r["band"] for r in rows],
            {"clients": [r["clients"] for r in rows]},
            "clients",
            [_pct(r["share"]) for r in rows],
        ),
        rows,
        ["band", "clients", "share"],
        alt=f"Bars of clients by time to first call; {_pct(fast)} within 5 minutes.",
        percent_columns=("share",),
    )


@register("sla", after="queue")
def sla_compliance(ctx: Context) -> Section:
    from leadctl.report import charts

    rows = ctx.speed_and_sla()[1]
    met = sum(r["met"] for r in rows)
    breached = sum(r["breached"] for r in rows)
    overall = met / (met + breached) if met + breached else None
    # The chart shows the reps with the most breaches (like the leaderboard's top 15): 200 reps
    # would draw a chart ~170 inches tall and cost a second of matplotlib; the table lists all.
    shown = sorted(rows, key=lambda r: (-r["breached"], str(r["rep"])))[:CHART_REPS]
    return Section(
        "First-contact SLA compliance by rep",
        "Met ÷ (met + breached) of the first-contact SLA (sla.first_contact.minutes of business time "
        "from capture to the first call); SLAs still running are left out. The chart shows the "
        f"{CHART_REPS} reps with the most breaches; the table lists every rep.",
        lambda: charts.horizontal_bars(
            "First-contact SLA by rep",
            [str(r["rep"]) for r in shown],
            {"met": [r["met"] for r in shown], "breached": [r["breached"] for r in shown]},
            "clients",
            [_pct(r["compliance"]) for r in shown],
        ),
        rows,
        ["rep", "clients", "met", "breached", "running", "compliance"],
        alt=f"Bars of met and breached first-contact SLAs for the {len(shown)} of {len(rows)} reps with "
        f"the most breaches; overall compliance {_pct(overall)}.",
        percent_columns=("compliance",),
    )
