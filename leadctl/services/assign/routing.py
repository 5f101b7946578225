"""Routing at intake: which manager a new client gets.

Today: the bucket's default manager. This is the seam the assignment issue plugs its routing
rules into (territory, account ownership, round robin, capacity): replace the body of
``intake_manager`` (or dispatch on the rules' routing section) and every caller — process,
reprocess, the demo — follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leadctl.rules import Rules


def intake_manager(lead: Mapping[str, Any], bucket: Mapping[str, Any], rules: Rules) -> int | None:
    """The manager (rep id) for a new client created from ``lead`` arriving through ``bucket``."""
    manager = bucket.get("manager_id")
    return int(manager) if manager is not None else None
