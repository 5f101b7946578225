"""Duplicate detection.

The engine (pure Python, no database), cut by job:
``config`` (the compiled plan from the ``duplicates`` rules), ``keys`` (normalisation and
blocking keys), ``similarity`` (comparators and the pair score), ``blocking`` (candidate
generation), ``clustering`` (scan, union-find), ``evaluation`` (pairwise metrics, threshold
sweep), ``names`` (the matcher's nickname and word tables).

On the database: ``client_keys`` (clients and their match keys), ``candidates`` (the client a
new lead duplicates, for intake), ``scan`` (duplicate scans over
clients), ``merges`` (reversible merges, undo, history), ``truth`` (evaluation against a
labelled file).
"""
