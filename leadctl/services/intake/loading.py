"""Loading lead files into a bucket: all-or-nothing, idempotent, fast.

1. Read and parse the WHOLE input first (``read.read_rows``). A broken file (unclosed
   quote, binary, empty, only a header, duplicate headers, a huge field, no row matching
   the header, …) raises ``InputError`` before anything is written.
2. Write everything in ONE write transaction: a ``load`` row, then the leads through
   ``storage.bulk.insert_ignore`` keyed on ``UNIQUE(bucket_id, row_hash)``. Rows are mapped,
   normalised and validated in chunks that the database inserts as they come (PostgreSQL
   inserts one chunk while the next is prepared); a per-row problem never aborts a load,
   it becomes a rejection. A row already in the bucket (same content, from
   this or an earlier file) is skipped and counted as "already loaded", so re-running a
   load, or two loads of one file at once, never creates second copies. A load killed
   half-way leaves nothing; running it again completes it.

Invalid rows are stored too, with status ``rejected`` and their reasons, so nothing the
user gave is lost; valid rows get status ``new``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from operator import add
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.reporting import SILENT, ProgressBar, Reporter
from leadctl.rules import Rules
from leadctl.services.admin.common import actor
from leadctl.services.intake.mapping import CUSTOM, ColumnMapping, build_mapping
from leadctl.services.intake.read import ParsedInput, read_rows
from leadctl.services.intake.rows import RowBuilder
from leadctl.services.intake.validate import validator
from leadctl.storage import schema
from leadctl.storage.bulk import JSONText, gc_paused, insert_ignore
from leadctl.storage.engine import read, write
from leadctl.storage.locks import bucket_load_lock
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now as _now
from leadctl.vocab import LeadStatus
from leadctl.words import plural

L = schema.lead
PERSON_COLUMNS = schema.PERSON_COLUMNS
# The columns a load writes, load_id first (filled in once the load row exists).
# Fields taken from the record as they are, in one run of LEAD_COLUMNS.
RECORD_COLUMNS = ("external_id", *PERSON_COLUMNS)
LEAD_COLUMNS = (
    "load_id",
    "bucket_id",
    "campaign_id",
    "line_no",
    "row_hash",
    "status",
    "reasons",
    *RECORD_COLUMNS,
    "source",
    "affiliate_id",
    "registered_at",
    "custom",
    "raw",
    "created_at",
    "updated_at",
)
_LIMITS = {
    c: getattr(L.c[c].type, "length", None)
    for c in (*PERSON_COLUMNS, "external_id", "source", "affiliate_id")
}


@dataclass
class LoadSummary:
    """What a load did (or, with ``dry_run``, would do)."""

    load_id: int | None
    file: str
    bucket: str
    rows_read: int
    loaded: int
    rejected: int
    already_loaded: int
    rejected_by_reason: dict[str, int]
    dry_run: bool
    encoding: str
    warnings: list[str] = field(default_factory=list)
    file_format: str = "csv"
    delimiter: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)
    repeated_in_file: int = 0  # rows repeating an earlier row of the same file (in already_loaded)
    timezone: str = "UTC"  # the zone dates without an offset were read in
    preview: list[dict[str, Any]] = field(default_factory=list)  # column -> field, with a sample

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "file": self.file,
            "bucket": self.bucket,
            "format": self.file_format,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "already_loaded": self.already_loaded,
            "rejected_by_reason": dict(self.rejected_by_reason),
            "warnings": list(self.warnings),
            "timezone": self.timezone,
            "mapping": [dict(m) for m in self.preview],
        }


@dataclass
class _Bucket:
    id: int
    name: str
    campaign_id: int
    source: str | None
    affiliate_id: str | None


def _bucket(conn: Connection, ref: str) -> _Bucket:
    """The bucket (name or id), refusing a deactivated bucket or campaign."""
    from sqlalchemy.orm import Session

    from leadctl.services.admin.lookup import get_bucket, require_active_bucket

    with Session(bind=conn) as s:
        b = require_active_bucket(get_bucket(s, ref))
        return _Bucket(b.id, b.name, b.campaign_id, b.source, b.affiliate_id)


def _clip(values: list[Any]) -> None:
    """Make a rejected row's column values storable: text within the column's length, else empty."""
    for i, col in _CLIPPED:
        v = values[i]
        limit = _LIMITS[col]
        if v is not None and (type(v) is not str or (limit and len(v) > limit)):
            values[i] = None


_CLIPPED = tuple((LEAD_COLUMNS.index(c), c) for c in (*RECORD_COLUMNS, "source", "affiliate_id"))
CHUNK_ROWS = 5000
# A loaded row's status, as plain text: sqlite3 binds a str subclass (the StrEnum) through its
# adapter lookup, ~0.35 µs a row (0.035 s of CPU per 100k rows).
NEW, REJECTED = LeadStatus.NEW.value, LeadStatus.REJECTED.value


class _RawJSON:
    """The JSON text of a complete CSV row given as its values (``lead.raw``: header → value).

    Equal to ``json.dumps(dict(zip(headers, values)))``, with the key texts encoded once.
    """

    def __init__(self, headers: list[str]) -> None:
        from json.encoder import encode_basestring_ascii

        self.encode = encode_basestring_ascii
        self.prefixes = [encode_basestring_ascii(h) + ": " for h in headers]

    def __call__(self, values: list[str]) -> JSONText:
        return JSONText("{" + ", ".join(map(add, self.prefixes, map(self.encode, values))) + "}")


@dataclass
class _Stats:
    repeats: int = 0  # rows repeating an earlier row of the file
    valid: int = 0
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)  # (row hash, reasons)
    hashes: list[str] = field(default_factory=list)  # only collected for a dry run
    date_flags: list[tuple[int, str]] = field(default_factory=list)  # (line, why), dates.out_of_range: warn


def prepared_chunks(
    parsed: ParsedInput,
    mapping: ColumnMapping,
    rules: Rules,
    bucket: _Bucket,
    now: datetime,
    load_id: int | None,
    stats: _Stats,
    progress: ProgressBar | None = None,
    chunk_rows: int = CHUNK_ROWS,
    keep_hashes: bool = False,
    zone: tzinfo | None = None,
) -> Iterator[list[list[Any]]]:
    """Lead column values (LEAD_COLUMNS order) for every row, in chunks: mapped, normalised, validated.

    A row repeating an earlier row's content (same hash) is left out and counted in ``stats``.
    """
    validate = validator(rules)
    date_flag = validate.date_flag if validate.date_action == "warn" else None
    flags = stats.date_flags
    build = RowBuilder(mapping, rules.phones.default_region, parsed.headers, zone)
    build_row = build.checked
    bucket_id, campaign_id = bucket.id, bucket.campaign_id
    record_columns = RECORD_COLUMNS
    b_source, b_affiliate = bucket.source, bucket.affiliate_id
    seen: set[str] = set()
    rows = parsed.rows
    total = len(rows)
    done_bytes = 0
    chunk: list[list[Any]] = []
    raw_json = _RawJSON(parsed.headers)
    for n, (line_no, raw, problem) in enumerate(rows, 1):
        if problem is None:
            rec, custom, h, reasons = build_row(raw, validate, now)
        else:
            rec, custom, h = build(raw)
            reasons = [problem]
        if h in seen:
            stats.repeats += 1
            continue
        seen.add(h)
        get = rec.get
        reg = get("registered_at")
        values = [
            load_id,
            bucket_id,
            campaign_id,
            line_no,
            h,
            REJECTED if reasons else NEW,
            reasons,
            *map(get, record_columns),
            get("source") or b_source,
            get("affiliate_id") or b_affiliate,
            reg if type(reg) is datetime else now,
            custom,
            raw_json(raw) if type(raw) is list else raw,
            now,
            now,
        ]
        if reasons:
            _clip(values)
            stats.rejected.append((h, reasons))
        else:
            stats.valid += 1
            if date_flag is not None and (why := date_flag(reg, now)) is not None:
                flags.append((line_no, why))
        if keep_hashes:
            stats.hashes.append(h)
        chunk.append(values)
        if len(chunk) >= chunk_rows:
            if progress is not None:
                now_bytes = parsed.size * n // total
                progress.update(now_bytes - done_bytes)
                done_bytes = now_bytes
            yield chunk
            chunk = []
    if progress is not None:
        progress.update(parsed.size - done_bytes)
    if chunk:
        yield chunk


def _existing_hashes(conn: Connection, bucket_id: int, hashes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for cond in in_chunks(conn, L.c.row_hash, hashes):
        found.update(conn.execute(select(L.c.row_hash).where(L.c.bucket_id == bucket_id, cond)).scalars())
    return found


def _count_reasons(reason_lists: Iterable[list[str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for reasons in reason_lists:
        counts.update(reasons)
    return dict(counts.most_common())


def load_file(
    engine: Engine,
    rules: Rules,
    path: str,
    bucket_ref: str,
    *,
    file_format: str | None = None,
    mapping_path: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    data: bytes | None = None,
    report: Reporter = SILENT,
    timezone: str | None = None,
) -> LoadSummary:
    """Load a CSV, TSV or JSON Lines file (``-`` = stdin, or ``data``) into a bucket.

    Raises InputError for a broken file or mapping (nothing written), NotFound for an
    unknown bucket and ConflictError for a deactivated one. ``report`` shows a progress bar
    sized to the file in bytes (``reporting.Reporter``; silent by default).
    ``timezone`` (default: the rules' ``dates.input_timezone``) is the zone of dates
    written without an offset.
    """
    with gc_paused():  # rows are plain dicts and lists: no cycles to collect
        return _load(
            engine,
            rules,
            path,
            bucket_ref,
            file_format,
            mapping_path,
            delimiter,
            encoding,
            dry_run,
            data,
            report,
            timezone or rules.dates.input_timezone,
        )


def _load(
    engine: Engine,
    rules: Rules,
    path: str,
    bucket_ref: str,
    file_format: str | None,
    mapping_path: str | None,
    delimiter: str | None,
    encoding: str | None,
    dry_run: bool,
    data: bytes | None,
    report: Reporter,
    timezone: str,
) -> LoadSummary:
    from leadctl.errors import InputError
    from leadctl.timeutil import zone as _zone

    try:
        zone = _zone(timezone)
    except ValueError as exc:
        raise InputError(f"timezone: {exc}") from None
    with read(engine) as conn:
        bucket = _bucket(conn, bucket_ref)
    explicit = None
    if mapping_path:
        from leadctl.rules.loader import load_mapping

        explicit = load_mapping(mapping_path)
    parsed = read_rows(path, file_format=file_format, delimiter=delimiter, encoding=encoding, data=data)
    mapping = build_mapping(parsed.headers, rules, explicit, alternatives=parsed.file_format == "jsonl")
    summary = LoadSummary(
        load_id=None,
        file=parsed.name,
        bucket=bucket.name,
        rows_read=len(parsed.rows),
        loaded=0,
        rejected=0,
        already_loaded=0,
        rejected_by_reason={},
        dry_run=dry_run,
        encoding=parsed.encoding,
        warnings=[*parsed.warnings, *mapping.warnings],
        file_format=parsed.file_format,
        delimiter=parsed.delimiter,
        mapping=mapping.as_dict(),
        timezone=timezone,
        preview=preview(parsed, mapping),
    )
    bar = report.progress(parsed.size, f"Loading {parsed.name}")
    try:
        if dry_run:
            stats = _dry_run(engine, parsed, mapping, rules, bucket, summary, bar, zone)
        else:
            stats = _write(engine, bucket_ref, path, parsed, mapping, rules, summary, bar, zone)
    finally:
        bar.close()
    if stats.date_flags:
        shown = ", ".join(f"line {n} ({why})" for n, why in stats.date_flags[:5])
        more = f" and {len(stats.date_flags) - 5} more" if len(stats.date_flags) > 5 else ""
        summary.warnings.append(
            f"{plural(len(stats.date_flags), 'row')} with a suspicious registration date, loaded as they are "
            f"(rules dates.out_of_range: warn): {shown}{more}"
        )
    if summary.repeated_in_file:
        summary.warnings.append(
            f"{plural(summary.repeated_in_file, 'row')} repeating an earlier row of the file; each is loaded once"
        )
    return summary


def _dry_run(
    engine: Engine,
    parsed: ParsedInput,
    mapping: ColumnMapping,
    rules: Rules,
    bucket: _Bucket,
    summary: LoadSummary,
    bar: ProgressBar | None,
    zone: tzinfo,
) -> _Stats:
    stats = _Stats()
    chunks = prepared_chunks(
        parsed, mapping, rules, bucket, _now(), None, stats, bar, keep_hashes=True, zone=zone
    )
    for _chunk in chunks:
        pass
    with read(engine) as conn:
        existing = _existing_hashes(conn, bucket.id, stats.hashes)
    rejected = [reasons for h, reasons in stats.rejected if h not in existing]
    summary.rejected = len(rejected)
    summary.loaded = len(stats.hashes) - len(existing) - summary.rejected
    summary.already_loaded = stats.repeats + len(existing)
    summary.repeated_in_file = stats.repeats
    summary.rejected_by_reason = _count_reasons(rejected)
    return stats


def _write(
    engine: Engine,
    bucket_ref: str,
    path: str,
    parsed: ParsedInput,
    mapping: ColumnMapping,
    rules: Rules,
    summary: LoadSummary,
    bar: ProgressBar | None,
    zone: tzinfo,
) -> _Stats:
    ld = schema.load
    filename = "stdin" if path == "-" else os.path.abspath(path)
    stats = _Stats()
    with write(engine) as conn:
        bucket_load_lock(conn, _bucket(conn, bucket_ref).id)  # one load per bucket at a time
        bucket = _bucket(conn, bucket_ref)  # again, inside the transaction: it may have changed
        started = _now()
        load_id = conn.execute(
            insert(ld)
            .values(
                bucket_id=bucket.id,
                filename=filename[:1000],
                file_format=parsed.file_format,
                encoding=parsed.encoding,
                mapping=mapping.as_dict() | {"delimiter": parsed.delimiter, "timezone": summary.timezone},
                actor=actor(),
                started_at=started,
                rows_read=len(parsed.rows),
            )
            .returning(ld.c.id)
        ).scalar_one()
        chunks = prepared_chunks(parsed, mapping, rules, bucket, started, load_id, stats, bar, zone=zone)
        inserted = insert_ignore(conn, L, LEAD_COLUMNS, chunks, ("bucket_id", "row_hash"))
        if inserted == stats.valid + len(stats.rejected):  # every row was new
            loaded, n_rejected = stats.valid, len(stats.rejected)
            by_reason = _count_reasons(reasons for _h, reasons in stats.rejected)
        else:  # some were already loaded: count what this load inserted
            q = select(L.c.reasons).where(L.c.load_id == load_id, L.c.status == LeadStatus.REJECTED)
            reason_lists = [reasons for (reasons,) in conn.execute(q)]
            n_rejected = len(reason_lists)
            loaded = inserted - n_rejected
            by_reason = _count_reasons(reason_lists)
        already = summary.rows_read - loaded - n_rejected
        conn.execute(
            update(ld)
            .where(ld.c.id == load_id)
            .values(
                finished_at=_now(),
                rows_loaded=loaded,
                rows_rejected=n_rejected,
                rows_already_loaded=already,
            )
        )
    summary.load_id = load_id
    summary.loaded = loaded
    summary.rejected = n_rejected
    summary.already_loaded = already
    summary.repeated_in_file = stats.repeats
    summary.rejected_by_reason = by_reason
    return stats


SAMPLE_ROWS = 1000  # rows searched for a column's first non-empty value (the preview's sample)


def preview(parsed: ParsedInput, mapping: ColumnMapping) -> list[dict[str, Any]]:
    """Which column went to which field (``custom`` for a custom field), how, and a sample value.

    So a wrong mapping is seen before anything is written (``load --dry-run``).
    """
    samples: dict[str, Any] = {}
    position = {h: i for i, h in enumerate(parsed.headers)}
    for _line, raw, _problem in parsed.rows[:SAMPLE_ROWS]:
        for h in parsed.headers:
            if h in samples:
                continue
            v = raw[position[h]] if type(raw) is list else raw.get(h)  # type: ignore[union-attr]
            if v is not None and (not isinstance(v, str) or v.strip()):
                samples[h] = v.strip() if isinstance(v, str) else v
        if len(samples) == len(parsed.headers):
            break
    out = []
    for h in parsed.headers:
        target = mapping.fields.get(h, CUSTOM)
        out.append(
            {
                "column": h,
                "field": target,
                "how": mapping.origin.get(h, ""),
                "sample": samples.get(h),
            }
        )
    return out


def summary_rows(summary: LoadSummary) -> list[dict[str, Any]]:
    """The summary as (result, reason, rows) lines for a table or CSV."""
    dry = summary.dry_run
    out: list[dict[str, Any]] = [
        {"result": "read", "reason": "", "rows": summary.rows_read},
        {"result": "would load" if dry else "loaded", "reason": "", "rows": summary.loaded},
        {"result": "would reject" if dry else "rejected", "reason": "", "rows": summary.rejected},
    ]
    for reason, n in summary.rejected_by_reason.items():
        out.append({"result": "would reject" if dry else "rejected", "reason": reason, "rows": n})
    out.append({"result": "already loaded", "reason": "", "rows": summary.already_loaded})
    return out
