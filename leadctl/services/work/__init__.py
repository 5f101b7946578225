"""The rep's work: stages, lists, scoring and the next-best-lead queue (to come)."""
