"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class _JSONB(TypeDecorator[Any]):
    """JSON everywhere; JSONB on PostgreSQL (indexable, compact).

    A decorator rather than ``JSON().with_variant(JSONB(), "postgresql")`` so that the
    PostgreSQL dialect (which pulls in asyncio through its asyncpg driver module) is imported
    only when a PostgreSQL database is used: every SQLite command starts faster.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = _JSONB()


def is_json(type_: TypeEngine[Any]) -> bool:
    """Whether a column of this type holds JSON (plain ``JSON`` or :data:`JSONType`)."""
    return isinstance(type_, JSON | _JSONB)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC; always returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
