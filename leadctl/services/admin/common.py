"""Helpers shared by services: who is acting, and finding objects by name or id."""

from __future__ import annotations

import getpass
import os
from typing import TypeVar

from sqlalchemy.orm import Session

from leadctl.services.admin import lookup
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


def get_campaign(session: Session, ref: str | int) -> Campaign:
    return _orm(session, Campaign, lookup.find_campaign(session.connection(), ref))


def get_bucket(session: Session, ref: str | int) -> Bucket:
    return _orm(session, Bucket, lookup.find_bucket(session.connection(), ref))


def get_rep(session: Session, ref: str | int) -> Rep:
    return _orm(session, Rep, lookup.find_rep(session.connection(), ref))


def _orm(session: Session, model: type[T], row: dict[str, object]) -> T:
    obj = session.get(model, row["id"])
    assert obj is not None
    return obj
