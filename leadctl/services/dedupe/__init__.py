"""Duplicate detection.

The engine (pure Python, no database), cut by job:
``config`` (the compiled plan from the ``duplicates`` rules), ``fieldcheck`` (the fields it
compares against the data's columns), ``keys`` (normalisation and blocking keys),
``comparisons`` (typed field comparisons in levels), ``similarity`` (comparators and the pair
score), ``fellegi_sunter`` (match weights and probabilities), ``train`` (learning them without
labels), ``blocking`` (candidate
generation), ``clustering`` (scan, union-find), ``evaluation`` (pairwise metrics, threshold
sweep), ``names`` (the matcher's nickname and word tables).

On the database: ``client_keys`` (clients and their match keys), ``candidates`` (the client a
new lead duplicates, for intake), ``scan`` (duplicate scans over
clients), ``merges`` (reversible merges, undo, history), ``proposals`` (merges a new lead suggests),
``model`` (learned models stored: ``dedupe train``/``model``), ``truth`` (evaluation against
a labelled file).
"""
