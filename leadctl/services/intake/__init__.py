"""Intake: from a lead file to clients.

``read`` (bytes, decoding, CSV/TSV/JSON Lines parsing), ``mapping`` (headers → lead fields),
``normalise`` (trim, e-mail, phones E.164, time zone), ``validate`` (the one set of
validation rules), ``rows`` (row hashes; ``RowBuilder``, the loading hot path), ``phones``,
``loading`` (files into a bucket), ``processing`` (new leads → clients, duplicates,
rejections; ``recording`` writes each batch's decisions, ``runs`` drives the batches),
``fixes`` (``leads fix``), ``leads`` (browsing: list and show)."""
