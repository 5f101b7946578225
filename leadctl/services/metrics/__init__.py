"""Metric tables: ``duplicates`` (duplicate and rejection rates, spikes), ``funnel`` (with
``rollup``: a client's stored funnel level), ``reps``, ``queue`` (``common`` holds the
period/campaign scope and group keys), ``leads`` (per day), ``speed`` and ``sla``
(speed-to-lead, first-contact SLA compliance; ``speed_store`` keeps the stored per-client speed
bins and their counts), ``compliance`` (blocked calls, violations).
"""
