"""What processing did to each lead (``Outcome``) and to a whole run (``ProcessSummary``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from leadctl.vocab import LeadStatus


@dataclass
class Outcome:
    """What happened (or would happen) to one lead."""

    lead_id: int
    status: LeadStatus
    client_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    rule: str | None = None
    fields: dict[str, float] = field(default_factory=dict)
    created_client: bool = False


@dataclass
class ProcessSummary:
    selected: int = 0
    processed: int = 0
    duplicate: int = 0
    rejected: int = 0
    clients_created: int = 0
    unchanged: int = 0
    batches: int = 0
    dry_run: bool = False
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    duplicates_by_rule: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"metric": "leads selected", "value": self.selected},
            {"metric": "processed (new client)", "value": self.processed},
            {"metric": LeadStatus.DUPLICATE, "value": self.duplicate},
            {"metric": LeadStatus.REJECTED, "value": self.rejected},
        ]
        if self.unchanged:
            out.append({"metric": "unchanged", "value": self.unchanged})
        out += [
            {"metric": f"  duplicate by {r}", "value": n} for r, n in self.duplicates_by_rule.most_common()
        ]
        out += [{"metric": f"  rejected: {r}", "value": n} for r, n in self.rejected_by_reason.most_common()]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "selected": self.selected,
            LeadStatus.PROCESSED: self.processed,
            LeadStatus.DUPLICATE: self.duplicate,
            LeadStatus.REJECTED: self.rejected,
            "clients_created": self.clients_created,
            "unchanged": self.unchanged,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "duplicates_by_rule": dict(self.duplicates_by_rule),
            "examples": self.examples,
        }
