"""Alembic environment: the engine comes from leadctl (``config.attributes['engine']``)."""

from __future__ import annotations

from alembic import context

from leadctl.storage.engine import create
from leadctl.storage.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
