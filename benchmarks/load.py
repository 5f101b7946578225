"""Loading speed: `leadctl load` rows/s into SQLite and PostgreSQL, next to the practical limit.

Usage::

    python benchmarks/load.py                    # 100,000 rows; PostgreSQL from the env
    python benchmarks/load.py --n 20000 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The input is a generated CSV with messy headers (``leadctl.demo.fakedata``: "First Name",
"E-mail", "Business Phone", custom columns, ~2% invalid rows, ~10% duplicates of people but
not of rows). Each run uses fresh databases and goes end to end through the service
(``loading.load_file``: read, map, validate, normalise phones, write).

Next to it, measured in the same run on the same machine:

* the practical limit: the same rows as leadctl stored them, inserted by plain ``sqlite3``
  ``executemany`` in one transaction (SQLite) or one psycopg ``COPY`` (PostgreSQL), into a
  fresh table with the same schema and indexes, with no parsing or checking at all;
* ``sqlite-utils insert DB leads FILE --csv``: a general CSV importer (no validation, no
  indexes), as a subprocess.

PostgreSQL needs ``--pg-url`` or ``$LEADCTL_BENCH_POSTGRES_URL`` / ``$LEADCTL_TEST_POSTGRES_URL``;
the benchmark creates and drops its own databases on that server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from leadctl.demo import fakedata  # noqa: E402
from leadctl.rules import load_rules  # noqa: E402
from leadctl.services.admin import buckets, campaigns  # noqa: E402
from leadctl.services.intake import loading  # noqa: E402
from leadctl.storage import schema  # noqa: E402
from leadctl.storage.engine import open_engine  # noqa: E402

TARGET = "≥ 20,000 rows/s"


def _input(tmp: Path, n: int) -> Path:
    path = tmp / f"leads-{n}.csv"
    leads = fakedata.generate(n, seed=20260314, invalid_rate=0.02)
    fakedata.write_file(path, leads, "csv", messy_headers=True, seed=1)
    return path


def _leadctl_load(url: str, path: Path) -> tuple[float, loading.LoadSummary]:
    engine = open_engine(url)
    try:
        campaigns.create(engine, "Bench")
        buckets.create(engine, "bench", "Bench")
        start = time.perf_counter()
        summary = loading.load_file(engine, load_rules(None), str(path), "bench")
        return time.perf_counter() - start, summary
    finally:
        engine.dispose()


def _stored_rows(url: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The leads exactly as leadctl stored them (raw DBAPI values), in insertion order."""
    columns = [c.name for c in schema.lead.columns if c.name != "id"]
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cols = ", ".join(f'"{c}"' for c in columns)
            cur.execute(f"SELECT {cols} FROM lead ORDER BY id")
            rows = [tuple(r) for r in cur.fetchall()]
            return columns, rows
    finally:
        engine.dispose()


def _fresh_schema(url: str) -> None:
    """A migrated database with the campaign, bucket and load rows the stored leads reference."""
    engine = open_engine(url)
    try:
        campaigns.create(engine, "Bench")
        buckets.create(engine, "bench", "Bench")
        from leadctl.timeutil import now

        with engine.begin() as conn:
            conn.execute(
                schema.load.insert().values(
                    bucket_id=1,
                    filename="x",
                    file_format="csv",
                    encoding="utf-8",
                    mapping={},
                    actor="bench",
                    started_at=now(),
                )
            )
    finally:
        engine.dispose()


def _sqlite_limit(db: Path, columns: list[str], rows: list[tuple[Any, ...]]) -> float:
    """Plain sqlite3 executemany of the stored rows in one transaction (same pragmas as leadctl)."""
    import sqlite3

    _fresh_schema(f"sqlite:///{db}")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")
    sql = f"INSERT INTO lead ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _pg_limit(url: str, columns: list[str], rows: list[tuple[Any, ...]]) -> float:
    """One psycopg COPY of the stored rows into the lead table, in one transaction."""
    import psycopg
    from sqlalchemy.engine import make_url

    _fresh_schema(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    json_cols = [i for i, c in enumerate(columns) if c in ("reasons", "custom", "raw")]
    data = []
    for r in rows:
        values = list(r)
        for i in json_cols:
            values[i] = json.dumps(values[i])
        data.append(values)
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY lead ({', '.join(columns)}) FROM STDIN") as copy:
            for values in data:
                copy.write_row(values)
        conn.commit()
        return time.perf_counter() - start


def _sqlite_utils(tmp: Path, path: Path) -> float | None:
    exe = shutil.which("sqlite-utils") or str(Path(sys.executable).with_name("sqlite-utils"))
    if not Path(exe).exists():
        return None
    db = tmp / "sqlite-utils.db"
    start = time.perf_counter()
    subprocess.run([exe, "insert", str(db), "leads", str(path), "--csv"], check=True, capture_output=True)
    return time.perf_counter() - start


def _pg_database(base: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"leadctl_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _row(target: str, tool: str, n: int, seconds: float, limit: float | None = None) -> dict[str, Any]:
    rate = n / seconds
    out: dict[str, Any] = {
        "target": target,
        "tool": tool,
        "rows": n,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rate),
    }
    if limit is not None:
        out["limit_rows_per_s"] = round(n / limit)
        out["vs_limit"] = round(limit / seconds, 2)
    return out


def run(n: int, pg_url: str | None) -> list[dict[str, Any]]:
    """Rows/s of leadctl load (SQLite, and PostgreSQL when ``pg_url`` is given) and comparisons."""
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-load-"))
    results: list[dict[str, Any]] = []
    try:
        path = _input(tmp, n)
        url = f"sqlite:///{tmp / 'leadctl.db'}"
        seconds, summary = _leadctl_load(url, path)
        columns, rows = _stored_rows(url)
        limit = _sqlite_limit(tmp / "limit.db", columns, rows)
        results.append(_row("SQLite", "leadctl load", n, seconds, limit))
        results[-1]["goal"] = TARGET
        results[-1]["loaded"] = summary.loaded
        results[-1]["rejected"] = summary.rejected
        results.append(_row("SQLite", "sqlite3 executemany (limit)", len(rows), limit))
        su = _sqlite_utils(tmp, path)
        if su is not None:
            results.append(_row("SQLite", "sqlite-utils insert --csv", n, su))
        if pg_url:
            db_url, drop = _pg_database(pg_url)
            limit_url, drop_limit = _pg_database(pg_url)
            try:
                seconds, summary = _leadctl_load(db_url, path)
                columns, rows = _stored_rows(db_url)
                limit = _pg_limit(limit_url, columns, rows)
                results.append(_row("PostgreSQL", "leadctl load", n, seconds, limit))
                results[-1]["goal"] = TARGET
                results[-1]["loaded"] = summary.loaded
                results[-1]["rejected"] = summary.rejected
                results.append(_row("PostgreSQL", "psycopg COPY (limit)", len(rows), limit))
            finally:
                drop()
                drop_limit()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows in the generated file (default 100000)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LEADCTL_BENCH_POSTGRES_URL") or os.environ.get("LEADCTL_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (a database is created and dropped on it)",
    )
    args = parser.parse_args(argv)
    from tabulate import tabulate

    print(tabulate(run(args.n, args.pg_url), headers="keys", disable_numparse=True))


if __name__ == "__main__":
    main()
