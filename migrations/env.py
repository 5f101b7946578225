"""Alembic environment: the engine comes from leadctl (``config.attributes['engine']``).

All steps of one ``upgrade``/``downgrade`` run in ONE transaction, so a failure or a Ctrl-C
leaves the database as it was. On SQLite, foreign keys are switched off for the run (it must
happen before the transaction begins): batch migrations rebuild a table by copying it and
dropping the old one, which with foreign keys on fails ("FOREIGN KEY constraint failed")
or checks every child row per dropped parent row (time growing with the square of the data).
``PRAGMA foreign_key_check`` then verifies the result before the commit.
``config.attributes['on_step']`` (optional) is called with each revision step as it starts;
``on_connection`` with the connection first (``storage.migrate`` makes Ctrl-C abort SQLite statements).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import text

from leadctl.storage.engine import create
from leadctl.storage.schema import metadata

config = context.config


def _on_version_apply(*, step: Any, **_kw: Any) -> None:
    on_step = config.attributes.get("on_step")
    if on_step is not None:
        on_step(step)


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        on_connection = config.attributes.get("on_connection")
        if on_connection is not None:
            on_connection(connection)
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                compare_type=True,
                on_version_apply=_on_version_apply,
                # SQLite's DDL is transactional too (leadctl emits BEGIN itself): one transaction
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).first()
                    if broken is not None:
                        raise RuntimeError(
                            f"the migration would leave a row of {broken[0]} pointing at a missing "
                            f"{broken[2]} row; nothing was changed"
                        )
        finally:
            if sqlite:
                raw = connection.connection.driver_connection
                raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
                raw.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


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
