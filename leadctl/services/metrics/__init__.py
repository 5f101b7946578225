"""Metric tables: ``duplicates`` (duplicate and rejection rates, spikes)."""
