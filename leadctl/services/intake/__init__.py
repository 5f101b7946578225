"""Intake: ``records`` (read, decode, map, normalise, validate, row hashes), ``phones``,
``loading`` (files into a bucket), ``processing`` (new leads → clients, duplicates, rejections),
``fixes`` (``leads fix``), ``leads`` (browsing: list and show)."""
