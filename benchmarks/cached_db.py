"""One populated benchmark database per size, reused: the assign and queue benchmarks' inputs.

With ``LEADCTL_BENCH_CACHE=DIR`` each (kind, size) is populated once per schema head (SQLite: a
file in DIR; PostgreSQL: a template database) and every run works on a copy of it, so repeated
and before/after runs see the same input; populating 1M clients takes minutes. Without it each
run populates a fresh database.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE = os.environ.get("LEADCTL_BENCH_CACHE")  # a directory: keep each populated input for reuse


def admin(pg: str) -> Any:
    """(psycopg URL, AUTOCOMMIT engine) of the PostgreSQL server ``pg`` names."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(pg)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url, create_engine(url, isolation_level="AUTOCOMMIT")


def database(
    kind: str, populate: Callable[[str, int], Any], backend: str, n: int, tmp: Path, pg: str | None
) -> tuple[str, Any, float]:
    """A populated database of ``n`` clients for benchmark ``kind``: (url, drop, seconds to build or copy)."""
    from leadctl.storage.migrate import HEAD

    t0 = time.perf_counter()
    if backend == "sqlite":
        path = tmp / f"{kind}-{uuid.uuid4().hex[:6]}.db"
        if CACHE:
            cached = Path(CACHE) / f"{kind}-{n}-{HEAD}.db"
            if not cached.exists():
                cached.parent.mkdir(parents=True, exist_ok=True)
                populate(f"sqlite:///{cached}.part", n)
                Path(f"{cached}.part").rename(cached)
                Path(f"{cached}.part.migrate-lock").unlink(missing_ok=True)
            shutil.copyfile(cached, path)
        else:
            populate(f"sqlite:///{path}", n)
        return f"sqlite:///{path}", (lambda: None), time.perf_counter() - t0
    from sqlalchemy import text

    from benchmarks.load import _pg_database

    assert pg is not None
    if not CACHE:
        url, drop_db = _pg_database(pg)
        populate(url, n)
        return url, drop_db, time.perf_counter() - t0
    base, engine = admin(pg)
    template = f"leadctl_bench_{kind}_{n}_{HEAD}"
    with engine.connect() as conn:
        have = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": template}).first()
        if have is None:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}_part" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{template}_part"'))
    if have is None:
        populate(base.set(database=f"{template}_part").render_as_string(hide_password=False), n)
        with engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{template}_part" RENAME TO "{template}"'))
    name = f"leadctl_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop, time.perf_counter() - t0
