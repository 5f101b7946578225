"""Intake: from a lead file to clients.

``read`` (bytes, decoding, CSV/TSV/JSON Lines parsing), ``mapping`` (headers → lead fields),
``normalise`` (trim, e-mail, phones E.164, time zone), ``validate`` (the one set of
validation rules), ``rows`` (row hashes; ``RowBuilder``, the loading hot path), ``phones``,
``loading`` (files into a bucket), ``processing`` (new leads → clients, duplicates,
rejections; ``recording`` writes each batch's decisions, ``runs`` drives the batches),
``outcome`` (what processing did), ``client_sync`` (clients kept in step with their leads),
``fixes`` (``leads fix``), ``import_fixes`` (``leads import-fixes``), ``loads`` (``load
list``/``load undo``), ``header_aliases`` (the built-in header spellings), ``leads``
(browsing: list and show)."""
