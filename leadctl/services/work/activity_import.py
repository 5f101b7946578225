"""``leadctl activity import FILE|-``: activities from a dialer or e-mail tool, streaming, in chunks.

A CSV or JSON Lines file (``activity_files``) is read in chunks of ``CHUNK_ROWS``:

1. each row is parsed on its own (type, outcome fitting the type — ``OUTCOMES_BY_TYPE`` —,
   time, flags, numbers); a bad row gets short, countable reasons ("outcome: does not fit
   the type") and is kept in ``rejected_row`` with the file, line and the row as read;
2. whom it is about is resolved set-based per chunk (``activities.Resolver``);
3. rows are inserted through ``activities.insert_activities`` on ``activity_key`` — the
   source's ``activity_id``, else ``sha1:`` of the row's resolved content — so importing the
   same file again adds nothing;
4. after each chunk's insert the calls among the new activities are judged and recycled; the
   rest of the upkeep is done once, after the last chunk (``activities.Later``): the
   per-client facts, touch gaps and bookings, ranking's rollup (each rep, campaign and day
   written once per import), the touched clients' stages and the queue's scores. On
   PostgreSQL the grown tables are analysed whenever the import has doubled what the planner
   knows of them (``_Statistics``), so a first big import is not planned as into empty
   tables throughout;
5. a disposition ``disqualified`` / ``do_not_contact`` moves the client to that terminal
   stage (``activities.move_to_terminal``).

Everything happens in one write transaction: a failed import leaves the database as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from leadctl.rules import Rules
from leadctl.services.admin.common import actor as current_actor
from leadctl.services.work.activities import (
    TERMINAL_OUTCOMES,
    Later,
    Resolver,
    activity_key,
    insert_activities,
    move_to_terminal,
)
from leadctl.services.work.activity_files import Parsed, open_source, parse_row, records
from leadctl.storage import bulk, schema
from leadctl.storage.engine import write
from leadctl.storage.sqlfunc import refresh_statistics
from leadctl.timeutil import now
from leadctl.vocab import Stage

REJ = schema.rejected_row
CHUNK_ROWS = 20_000
COMMAND = "activity import"
MAX_SHOWN_REJECTIONS = 20


@dataclass
class ImportSummary:
    """What an import did; ``rejections`` holds the first rejected rows as ``FILE line N: why``."""

    source: str
    rows_read: int = 0
    imported: int = 0
    already_imported: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejections: list[str] = field(default_factory=list)
    stages_changed: int = 0
    assignments_ended: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # a CSV file's header (rejected rows name values by it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "stages_changed": self.stages_changed,
            "assignments_ended": self.assignments_ended,
            "ignored_columns": self.ignored_columns,
        }

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"result": "read", "reason": "", "rows": self.rows_read},
            {"result": "imported", "reason": "", "rows": self.imported},
            {"result": "already imported", "reason": "", "rows": self.already_imported},
            {"result": "rejected", "reason": "", "rows": self.rejected},
        ]
        out += [
            {"result": "rejected", "reason": r, "rows": n} for r, n in self.rejected_by_reason.most_common()
        ]
        if self.stages_changed:
            out.append({"result": "stage changed", "reason": "disposition", "rows": self.stages_changed})
        if self.assignments_ended:
            out.append({"result": "unassigned", "reason": "suppressed", "rows": self.assignments_ended})
        return out


def _reject(
    summary: ImportSummary,
    rejected: list[tuple[Any, ...]],
    line: int,
    raw: Any,
    reasons: list[str],
    who: str,
    ts: datetime,
) -> None:
    summary.rejected += 1
    summary.rejected_by_reason.update(reasons)
    if len(summary.rejections) < MAX_SHOWN_REJECTIONS:
        summary.rejections.append(f"{summary.source} line {line}: {'; '.join(reasons)}")
    if type(raw) is list:  # a CSV row: header -> value, values beyond the header under _extra
        headers = summary.headers
        row: dict[str, Any] = dict(zip(headers, raw, strict=False))
        if len(raw) > len(headers) + (raw[-1] is None):
            row["_extra"] = [v for v in raw[len(headers) :] if v is not None]
        raw = row
    rejected.append((COMMAND, summary.source, line, raw, reasons, who, ts))


def _write_chunk(
    conn: Connection,
    resolver: Resolver,
    parsed: list[Parsed],
    summary: ImportSummary,
    rejected: list[tuple[Any, ...]],
    terminal: dict[int, tuple[Stage, str]],
    source: str,
    who: str,
    ts: datetime,
    rules: Rules,
    later: Later,
) -> None:
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    reps = resolver.reps
    for r, hit in resolver.resolve(parsed):
        if isinstance(hit, str):
            _reject(summary, rejected, r.line, r.raw, [hit], who, ts)
            continue
        cid, campaign = hit
        rep_id = reps[r.rep.lower()] if r.rep is not None else None
        key = r.activity_id if r.activity_id is not None else activity_key(r, cid, rep_id)
        append((key, cid, rep_id, campaign, r.type, r.outcome, r.at, r.verified_dial, r.duration_s,
                r.callback_at, r.meeting_at, r.note, source, who, ts))  # fmt: skip
        if r.outcome not in TERMINAL_OUTCOMES:
            continue
        stage = TERMINAL_OUTCOMES.get(r.outcome)
        if stage is not None:
            prev = terminal.get(cid)
            if prev is None or prev[0] != Stage.DO_NOT_CONTACT:
                terminal[cid] = (stage, f"activity:{key}")
    inserted = len(insert_activities(conn, rows, at=ts, actor=who, rules=rules, later=later))
    summary.imported += inserted
    summary.already_imported += len(rows) - inserted
    if rejected:
        bulk.insert_rows(
            conn, REJ, ("command", "source", "line_no", "raw", "reasons", "actor", "created_at"), rejected
        )
        rejected.clear()


class _Statistics:
    """PostgreSQL: the planner's figures for the tables an import grows, kept current.

    An import into a table the planner last saw empty (a first big import) would otherwise
    have every upkeep statement of every chunk planned for a tiny table — sequential scans of
    the whole activity table, nested loops driven from the wrong side — so each chunk cost in
    proportion to the rows before it. Whenever the import has at least doubled what the
    planner knows of ``activity`` (and by a chunk at least) the grown tables are analysed,
    in the transaction (ANALYZE counts its own uncommitted rows): ~log2(rows / chunk) times,
    none for an import that adds little to a big table. Measured in ``benchmarks/activities.py``.
    """

    TABLES = ("activity",)  # the derived tables grow in ``Later.finish``, after the chunks

    def __init__(self, conn: Connection, chunk_rows: int) -> None:
        self.conn = conn
        self.on = conn.dialect.name == "postgresql"
        self.min_growth = chunk_rows // 2
        self.known = 0  # rows of activity the planner knows
        self.imported = 0  # this import's rows at that moment
        if self.on:
            sql = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'activity'::regclass"
            self.known = int(conn.exec_driver_sql(sql).scalar_one())

    def grown(self, imported: int) -> None:
        """After a chunk: ``imported`` rows so far."""
        grew = imported - self.imported
        if (
            self.on
            and grew >= max(self.known, self.min_growth)
            and refresh_statistics(self.conn, *self.TABLES, wait=False)
        ):
            self.known += imported - self.imported
            self.imported = imported


def import_file(engine: Engine, rules: Rules, path: str, *, chunk_rows: int = CHUNK_ROWS) -> ImportSummary:
    """Import activities from a CSV or JSON Lines file (``-``: stdin); see the module docstring."""
    name, stream = open_source(path)
    source = name if name == "stdin" else str(Path(name).resolve())
    summary = ImportSummary(source=name)
    who, ts = current_actor(), now()
    with stream, write(engine) as conn:
        resolver = Resolver(conn)
        stats = _Statistics(conn, chunk_rows)
        terminal: dict[int, tuple[Stage, str]] = {}
        later = Later()  # the upkeep done once, after the last chunk
        rejected: list[tuple[Any, ...]] = []
        chunk: list[Parsed] = []
        for line, values, raw in records(name, stream, summary):
            summary.rows_read += 1
            p = parse_row(line, values, raw)
            if isinstance(p, list):
                _reject(summary, rejected, line, raw, p, who, ts)
                continue
            chunk.append(p)
            if len(chunk) >= chunk_rows:
                _write_chunk(
                    conn,
                    resolver,
                    chunk,
                    summary,
                    rejected,
                    terminal,
                    source,
                    who,
                    ts,
                    rules,
                    later,
                )
                stats.grown(summary.imported)
                chunk = []
        _write_chunk(conn, resolver, chunk, summary, rejected, terminal, source, who, ts, rules, later)
        later.finish(conn, actor=who, rules=rules, at=ts)
        if terminal:
            moved, ended = move_to_terminal(conn, terminal, actor=who, at=ts)
            summary.stages_changed, summary.assignments_ended = len(moved), ended
    return summary
