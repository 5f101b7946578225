"""How the plan tests see what SQLite's planner does on a file without statistics.

leadctl never analyses a SQLite file (nor does SQLite), so a user's planner picks by index
shape alone. ``planned`` runs a piece of leadctl and plans every statement it makes, on the
statement's own connection as it runs (its temporary tables exist then); ``unanalysed`` checks
the file really has no statistics for the tables the test is about."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def planned(engine: Engine, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """(statement, its plan's lines) of every SELECT (or WITH …) ``run`` makes."""
    seen: list[tuple[str, list[str]]] = []

    def plan(_c: object, cur: Any, statement: str, params: Any, _ctx: object, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            rows = cur.connection.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            seen.append((statement, [row[3] for row in rows]))

    event.listen(engine, "before_cursor_execute", plan)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", plan)
    return seen


def unanalysed(engine: Engine, tables: Iterable[str]) -> bool:
    """Whether SQLite keeps no statistics for any of ``tables``."""
    names = sorted(tables)
    marks = ", ".join("?" * len(names))
    with engine.connect() as conn:
        sql = f"SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ({marks})"
        return conn.exec_driver_sql(sql, tuple(names)).scalar() == 0
