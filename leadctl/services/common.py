"""Helpers shared by services: who is acting, and finding objects by name or id."""

from __future__ import annotations

import getpass
import os
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadctl.errors import NotFound
from leadctl.storage.models import Bucket, Campaign, Rep

T = TypeVar("T", Campaign, Bucket, Rep)


def actor() -> str:
    """Who is running leadctl, for the audit trail ($LEADCTL_ACTOR, else the login name)."""
    name = os.environ.get("LEADCTL_ACTOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return "leadctl"


def _by_ref(session: Session, model: type[T], ref: str | int, label: str, *name_columns: str) -> T:
    text = str(ref).strip()
    if text.isdigit():
        obj = session.get(model, int(text))
        if obj is not None:
            return obj
    for column in name_columns:
        col = getattr(model, column)
        found = session.scalars(select(model).where(func.lower(col) == text.lower())).all()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            ids = ", ".join(str(o.id) for o in found)
            raise NotFound(f"{label} {text!r} is ambiguous (ids {ids}); use the id")
    raise NotFound(f"no {label} {text!r} (give its name or id; see 'leadctl {label} list')")


def get_campaign(session: Session, ref: str | int) -> Campaign:
    return _by_ref(session, Campaign, ref, "campaign", "name")


def get_bucket(session: Session, ref: str | int) -> Bucket:
    return _by_ref(session, Bucket, ref, "bucket", "name")


def get_rep(session: Session, ref: str | int) -> Rep:
    return _by_ref(session, Rep, ref, "rep", "email", "name")
