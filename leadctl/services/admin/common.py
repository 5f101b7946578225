"""Who is acting, for the audit trail. (Finding objects by name or id: ``lookup``.)"""

from __future__ import annotations

import getpass
import os


def actor() -> str:
    """Who is running leadctl, for the audit trail ($LEADCTL_ACTOR, else the login name)."""
    name = os.environ.get("LEADCTL_ACTOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return "leadctl"
