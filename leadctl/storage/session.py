"""ORM sessions for single-object admin commands, on leadctl's transaction rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadctl.storage.engine import read, write


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session inside one write transaction: committed when the block ends, else rolled back."""
    with write(engine) as conn:
        session = Session(bind=conn, expire_on_commit=False, autoflush=True)
        try:
            yield session
            session.flush()
        finally:
            session.close()


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with read(engine) as conn:
        session = Session(bind=conn, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
