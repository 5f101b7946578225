"""The domain: loading, processing, dedupe, routing, assignment, queue, metrics. No Click here."""
