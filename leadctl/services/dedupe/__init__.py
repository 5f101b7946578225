"""Duplicate detection: ``matching`` (the engine), ``names`` (nickname and word tables),
``merges`` (scans, reversible merges, undo, history, evaluation against truth)."""
