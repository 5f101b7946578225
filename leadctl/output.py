"""The only place that formats output: table | json | jsonl | csv, messages, errors, progress.

Data goes to stdout; messages, warnings and progress bars go to stderr. Progress is
shown only when stderr is a terminal, so JSON on stdout stays clean. How one value looks
in a table (display formats, fitting the terminal, display times) is ``leadctl.cells``;
its public names are re-exported here, so callers import everything from ``output``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import click

# Table cells and display formats live in ``cells``; the public ones are re-exported here.
from leadctl.cells import (  # noqa: F401
    DISPLAY_TZ_ENV,
    MIN_COLUMN,
    Display,
    Formatter,
    _cell,
    _json_default,
    _table_cell,
    _truncate,
    _wrap,
    display_time,
    display_zone_name,
    fit_table,
    fixed,
    flag,
    path_end,
    percent,
    terminal_width,
)
from leadctl.redact import scrub
from leadctl.words import plural as plural  # re-exported: commands count with output.plural

FORMATS = ("table", "json", "jsonl", "csv")
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# A CSV cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Signed cells a spreadsheet cannot evaluate: a plain number (it shows that number), or a
# phone number spelled with digits, spaces, parentheses, dots and hyphens in which two
# operands stand side by side with no operator between them ("1 (415)", "415) 555"),
# which no spreadsheet formula grammar accepts, so the cell stays text.
_PLAIN_NUMBER = re.compile(r"[+-]\d+(\.\d+)?")
_PHONE_CHARS = re.compile(r"[+-][\d ().-]+")
_SIDE_BY_SIDE = re.compile(r"[\d)]\s*\(|[\d)]\s+\d")


def format_option(f: F) -> F:
    """Add ``--format`` to a listing command (default: $LEADCTL_FORMAT, else table)."""

    def default() -> str:
        from leadctl.config import default_format

        value = default_format()
        if value not in FORMATS:
            raise click.BadParameter(f"LEADCTL_FORMAT={value!r} is not one of {', '.join(FORMATS)}")
        return value

    f = click.option(
        "--columns",
        metavar="COL,…",
        expose_value=False,
        callback=_columns_callback,
        help="Only these columns, in this order (comma-separated names as in the header or JSON).",
    )(f)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default="table, or $LEADCTL_FORMAT",
        help="Output format: a table for people, json/jsonl/csv for tools.",
    )(f)


# --columns of the running command (set by the option's callback, read by ``render``).
_chosen_columns: list[str] | None = None


def _columns_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    global _chosen_columns
    names = [c.strip() for c in value.split(",") if c.strip()] if value else []
    if value is not None and not names:
        raise click.BadParameter("expected column names, e.g. id,email,status", ctx=ctx, param=param)
    _chosen_columns = names or None


def page_size(limit: int | None, fmt: str, page: int = 50) -> int:
    """The rows a listing returns: ``--limit`` if given (0 = all), else a page for a table and
    everything for json, jsonl and csv (tools want every matching row)."""
    if limit is not None:
        return limit
    return page if fmt == "table" else 0


_JSONL = json.JSONEncoder(ensure_ascii=False, default=_json_default)  # to_json's, built once


def to_json(value: Any, indent: int | None = None) -> str:
    """JSON text for any row value (datetimes as ISO 8601 with offset)."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_json_default)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def csv_safe(text: str) -> str:
    """A CSV cell no spreadsheet evaluates: a leading ``'`` on anything it would compute.

    Cells starting with ``= + - @``, a tab or a carriage return are formulas to a
    spreadsheet (``=HYPERLINK(…)``, and arithmetic such as ``+1-000-000-0000`` or ``-2+3``).
    Two kinds of signed cells are left as they are because no spreadsheet can compute them:
    a plain number (``+14155550100``, a valid E.164 phone, or ``-42``), and a phone number
    with spaces or parentheses whose parts stand side by side without an operator
    (``+1 (415) 555-0100``).
    """
    if not text or not text.startswith(_FORMULA_START):
        return text
    if text[0] in "+-" and (
        _PLAIN_NUMBER.fullmatch(text)
        or (_PHONE_CHARS.fullmatch(text) and _SIDE_BY_SIDE.search(text) and text[1].isdigit())
    ):
        return text
    return "'" + text


def render(
    rows: Iterable[Mapping[str, Any]],
    fmt: str = "table",
    columns: Sequence[str] | None = None,
    *,
    empty: str | None = None,
    display: Display | None = None,
) -> None:
    """Write rows to stdout in the chosen format. ``columns`` fixes the field order.

    ``display`` maps a column to how a table shows it (``percent``, ``fixed(4)``,
    ``flag("SPIKE")`` …); json, jsonl and csv always carry the raw values. ``--columns``
    (``format_option``) picks and orders the columns in every format. A table fits the
    terminal (``fit_table``); its times are shown in the display time zone without
    microseconds (``display_time``), while json, jsonl and csv keep UTC ISO 8601.
    """
    columns = _select_columns(columns, rows) if _chosen_columns else columns
    if fmt == "jsonl":  # 1,000 lines per echo: a flush per line cost more than encoding (600k rows)
        it = iter(rows)  # one encoder for every line; a row already in column order is not copied
        enc, want = _JSONL.encode, tuple(columns) if columns else None
        while chunk := [
            enc(row if want is None or tuple(row) == want else _pick(row, columns))
            for row in itertools.islice(it, 1000)
        ]:
            click.echo("\n".join(chunk))
        return
    materialised = [_pick(r, columns) for r in rows]
    if fmt == "json":
        click.echo(to_json(materialised, indent=2))
        return
    cols = list(columns) if columns else _columns(materialised)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in materialised:
            writer.writerow([csv_safe(_cell(row.get(c))) for c in cols])
        click.echo(buf.getvalue(), nl=False)
        return
    if not materialised:
        message(empty or "No rows.")
        return
    from tabulate import tabulate

    shown = display or {}
    table = [[_truncate(_table_cell(row.get(c), shown.get(c))) for c in cols] for row in materialised]
    cols, table, hidden = fit_table(cols, table, terminal_width())
    click.echo(tabulate(table, headers=cols, tablefmt="simple", disable_numparse=True))
    if hidden:
        message(
            f"({len(hidden)} column{'s' if len(hidden) > 1 else ''} not shown to fit the terminal: "
            f"{', '.join(hidden)}; use --columns, a wider terminal or --format json)"
        )


def render_record(
    record: Mapping[str, Any],
    fmt: str = "table",
    *,
    fields: Sequence[str] | None = None,
    display: Display | None = None,
) -> None:
    """One object: key/value lines for people, one JSON object (or one row) for tools.

    ``fields`` (tables only) shows just those keys, in that order, when present;
    ``display`` as for ``render``.
    """
    if fmt in ("json", "jsonl"):
        indent = 2 if fmt == "json" else None
        click.echo(to_json(record, indent=indent))
        return
    if fmt == "csv":
        render([record], "csv")
        return
    from tabulate import tabulate

    shown = display or {}
    keys = [k for k in fields if k in record] if fields is not None else list(record)
    lines = [[k, _table_cell(record[k], shown.get(k))] for k in keys]
    if lines:
        width = terminal_width()
        key_width = max(len(k) for k in keys)
        room = (width - key_width - 2) if width else 0
        if room >= 20 and any(len(v) > room for _k, v in lines):  # wrap long values, never cut them
            lines = [[k, _wrap(v, room)] for k, v in lines]
        click.echo(tabulate(lines, tablefmt="plain", disable_numparse=True))


def render_yaml(value: Any) -> None:
    """A value as YAML (rules files and other configuration people edit)."""
    import yaml

    text = yaml.safe_dump(jsonable(value), sort_keys=False, allow_unicode=True, default_flow_style=False)
    click.echo(text.removesuffix("...\n"), nl=False)


# ---------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    """A headed sub-table of a record (tables only; other formats keep the record whole).

    ``key`` is the record's entry holding the rows (a list of dicts; ``rows`` builds them
    from the record instead, e.g. a dict shown as field/value pairs). ``title`` may depend
    on the record. With no rows: ``empty_title`` replaces the heading (and nothing is
    rendered), else ``skip_empty`` drops the section, else the heading is shown with the
    ``empty`` message. ``when`` limits the section to some records.
    """

    key: str
    title: str | Callable[[Mapping[str, Any]], str]
    columns: Sequence[str] | None = None
    empty: str | None = None
    empty_title: str | None = None
    skip_empty: bool = False
    rows: Callable[[Mapping[str, Any]], Sequence[Mapping[str, Any]]] | None = None
    when: Callable[[Mapping[str, Any]], bool] | None = None
    display: Display | None = None


def render_sections(
    record: Mapping[str, Any],
    fmt: str,
    sections: Sequence[Section],
    *,
    fields: Sequence[str] | None = None,
    display: Display | None = None,
) -> None:
    """A record and its headed sub-tables for people; one JSON object (or CSV row) for tools.

    For a table the record is shown first without the sections' keys (``fields`` and
    ``display`` as for ``render_record``), then each section under its heading.
    """
    global _chosen_columns
    if fmt != "table":
        render_record(record, fmt)
        return
    _chosen_columns = None  # --columns picks a listing's columns, not a record's sub-tables
    keys = {s.key for s in sections}
    render_record({k: v for k, v in record.items() if k not in keys}, fmt, fields=fields, display=display)
    for section in sections:
        if section.when is not None and not section.when(record):
            continue
        rows = section.rows(record) if section.rows is not None else list(record.get(section.key) or [])
        if not rows:
            if section.empty_title is not None:
                heading(section.empty_title)
                continue
            if section.skip_empty:
                continue
        title = section.title(record) if callable(section.title) else section.title
        heading(title)
        render(list(rows), fmt, section.columns, empty=section.empty, display=section.display)


def pairs(
    key: str, name: str = "field", value: str = "value"
) -> Callable[[Mapping[str, Any]], list[dict[str, Any]]]:
    """Rows for a ``Section`` from a dict entry of the record: one (name, value) row per item."""
    return lambda record: [{name: k, value: v} for k, v in (record.get(key) or {}).items()]


def heading(text: str) -> None:
    """A section heading inside table output (stdout)."""
    click.echo("")
    click.echo(style(text, bold=True))


def _pick(row: Mapping[str, Any], columns: Sequence[str] | None) -> dict[str, Any]:
    if columns is None:
        return dict(row)
    return {c: row.get(c) for c in columns}


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _select_columns(columns: Sequence[str] | None, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """``--columns``: the chosen names, each checked against the listing's columns."""
    chosen = _chosen_columns or []
    known = list(columns) if columns else (list(rows[0]) if isinstance(rows, list) and rows else chosen)
    unknown = [c for c in chosen if c not in known]
    if unknown and known is not chosen:
        import difflib

        hint = difflib.get_close_matches(unknown[0], known, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise click.UsageError(f"--columns: no column {unknown[0]!r}{extra}; columns: {', '.join(known)}")
    return list(chosen)


# ---------------------------------------------------------------- messages (stderr)

_color: bool | None = None
_quiet = False


def set_quiet(enabled: bool) -> None:
    """``--quiet``: no notes and no progress bars (warnings, errors and data still shown)."""
    global _quiet
    _quiet = enabled


def set_color(enabled: bool | None) -> None:
    global _color
    _color = enabled


def color_enabled() -> bool:
    if _color is not None:
        return _color
    return "NO_COLOR" not in os.environ and sys.stderr.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if color_enabled() else text


def message(text: str) -> None:
    """A note on stderr (secrets of the database URL masked, as in every message); not with --quiet."""
    if _quiet:
        return
    click.echo(scrub(text), err=True)


def warn(text: str) -> None:
    click.echo(style("Warning: ", fg="yellow") + scrub(text), err=True)


def error(text: str) -> None:
    click.echo(style("Error: ", fg="red") + scrub(text), err=True)


def progress_enabled() -> bool:
    """Progress bars go to stderr, and only when it is a terminal (and not with --quiet)."""
    return not _quiet and sys.stderr.isatty()


def progress(items: Iterable[T], length: int | None = None, label: str = "") -> Iterator[T]:
    """Iterate with a progress bar on stderr when stderr is a terminal; plain iteration otherwise."""
    if not progress_enabled():
        yield from items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
        yield from bar


class Progress:
    """A byte- or count-sized progress bar on stderr (only on a terminal) updated by hand."""

    def __init__(self, length: int, label: str = "") -> None:
        self._bar = (
            click.progressbar(length=length, label=label, file=sys.stderr) if progress_enabled() else None
        )
        if self._bar is not None:
            self._bar.__enter__()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class Reporter:
    """One command run's progress, warnings and notes, on stderr — the one object commands
    hand to services (``report=app.report(...)``; the protocol is ``leadctl.reporting.Reporter``).

    It also remembers what was done, for the note after Ctrl-C: ``batches`` and ``items``
    count what ``batch`` reported (services report a batch once its writes are done), and
    ``kept`` is the note ``cli`` prints when the run is interrupted (None: nothing kept).
    """

    def __init__(self, unit: str = "leads", partial: str | None = None) -> None:
        self.unit = unit
        self.partial = partial  # what is kept when the run commits in steps it does not count
        self.batches = 0
        self.items = 0
        self._bar: Progress | None = None

    def progress(self, length: int, label: str = "") -> Progress:
        """A progress bar (only on a terminal) that ``batch`` also advances."""
        self.close()
        self._bar = Progress(length, label=label)
        return self._bar

    def batch(self, n: int) -> None:
        self.batches += 1
        self.items += n
        if self._bar is not None:
            self._bar.update(n)

    def warn(self, text: str) -> None:
        warn(text)

    def note(self, text: str) -> None:
        message(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def kept(self) -> str | None:
        if not self.batches:
            return None if self.partial is None else self.partial + "."
        return (
            f"{self.batches:,} batch(es) ({self.items:,} {self.unit}) finished before the interrupt are kept; "
            "the batch in progress was rolled back. Run the command again for the rest."
        )
