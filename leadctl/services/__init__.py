"""The domain, grouped by job; no Click here. Each subpackage's ``__init__`` names its modules.

- ``events``  — the one timeline writer (every ``lead_event`` row goes through it)
- ``admin/``  — campaigns, buckets, reps, name-or-id lookup, ``info``
- ``intake/`` — reading, mapping, normalising and validating files; loading; processing; fixes;
  browsing leads
- ``dedupe/`` — the matching engine (config, keys, similarity, blocking, clustering,
  evaluation), client keys, scans and reversible merges
- ``assign/`` — routing at intake and campaign assignment
- ``work/``   — the rep's work: stages, lists, scoring, queue
- ``metrics/`` — metric tables
"""
