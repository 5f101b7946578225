"""Metric tables: ``duplicates`` (duplicate and rejection rates, spikes); ``compliance`` (blocked calls, violations)."""
