"""Cross-process locks, one function per purpose, so services never branch on the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Arbitrary, stable advisory-lock keys (PostgreSQL).
_INTAKE_KEY = 714_082_101
_LOAD_CLASS = 714_082_102  # two-key form: (class, bucket id); never overlaps the one-key form


def intake_lock(conn: Connection) -> None:
    """Serialise intake processing (process, reprocess, dedupe scan --apply) until the transaction ends.

    SQLite: the write transaction already holds the database's single write lock
    (``BEGIN IMMEDIATE``). PostgreSQL: a transaction-scoped advisory lock, so two runs never
    decide about the same person at the same time and each batch sees the clients the other
    run committed.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _INTAKE_KEY})


def bucket_load_lock(conn: Connection, bucket_id: int) -> None:
    """One load per bucket at a time, until the transaction ends.

    Two loads into one bucket then never wait on each other's rows half-way (which could
    deadlock on PostgreSQL when two files overlap in a different order): the second starts
    when the first has committed, and finds its rows. SQLite: a write transaction already
    holds the database's only write lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOAD_CLASS, "k": bucket_id})
