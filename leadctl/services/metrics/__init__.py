"""Metric tables: ``duplicates`` (duplicate and rejection rates, spikes), ``funnel``, ``reps``,
``queue`` (``common`` holds the period/campaign scope and group keys), ``leads`` (per day),
``speed`` and ``sla`` (speed-to-lead, first-contact SLA compliance), ``compliance`` (blocked calls,
violations).
"""
