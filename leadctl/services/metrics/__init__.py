"""Metric tables: ``duplicates`` (duplicate and rejection rates, spikes), ``funnel``, ``reps``,
``queue`` (``common`` holds the period/campaign scope and group keys), ``leads`` (per day)."""
