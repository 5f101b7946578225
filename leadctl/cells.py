"""How values look in a table for people: cells, display formats, fitting, display times.

Part of the output module, cut out by job: ``leadctl.output`` renders (table | json | jsonl
| csv, sections, messages) and re-exports the public names here (``percent``, ``fixed``,
``fit_table``, ``display_time`` …), so commands keep importing them from ``output``. This
module imports nothing from ``output`` (no cycle) and nothing heavy.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _cell(value: Any) -> str:
    """A value as flat text (tables and CSV)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
            return ", ".join(str(v) for v in value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    return str(value)


def _truncate(text: str, width: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrap(text: str, width: int) -> str:
    import textwrap

    parts = text.split("\n")
    return "\n".join(
        "\n".join(textwrap.wrap(p, width, break_long_words=True, break_on_hyphens=False) or [""])
        for p in parts
    )


def terminal_width() -> int | None:
    """Columns to fit a table into: ``$COLUMNS``, else the terminal's width; None when stdout is
    not a terminal (a pipe or file gets whole rows)."""
    raw = os.environ.get("COLUMNS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


MIN_COLUMN = 8  # a cell is never cut below this many characters (or its header)


def fit_table(
    cols: list[str], table: list[list[str]], width: int | None
) -> tuple[list[str], list[list[str]], list[str]]:
    """Columns and cells that fit ``width`` characters: long cells are cut with an ellipsis,
    widest first, down to ``MIN_COLUMN``; if that is not enough the rightmost columns are
    left out (returned as the third value, for a note). ``width`` None: unchanged."""
    if width is None or not cols:
        return cols, table, []
    # tabulate pads each header by 2 (its MIN_PADDING): a column is never narrower than that
    widths = [max([len(c) + 2, *(len(r[i]) for r in table)]) for i, c in enumerate(cols)]
    floors = [min(w, max(MIN_COLUMN, len(c) + 2)) for w, c in zip(widths, cols, strict=True)]
    keep = len(cols)
    while keep > 1 and sum(floors[:keep]) + 2 * (keep - 1) > width:
        keep -= 1
    target = widths[:keep]
    excess = sum(target) + 2 * (keep - 1) - width
    while excess > 0:
        i = max(range(keep), key=lambda j: target[j] - floors[j])
        room = target[i] - floors[i]
        if room <= 0:
            break
        cut = min(room, excess)
        target[i] -= cut
        excess -= cut
    cut_table = [[_truncate(r[i], target[i]) for i in range(keep)] for r in table]
    return cols[:keep], cut_table, cols[keep:]


# ---------------------------------------------------------------- times in tables

DISPLAY_TZ_ENV = "LEADCTL_DISPLAY_TIMEZONE"


def display_zone_name() -> str:
    """The zone tables show times in: ``$LEADCTL_DISPLAY_TIMEZONE``, else the config file's
    ``display_timezone``, else UTC. json, jsonl and csv always carry UTC."""
    name = os.environ.get(DISPLAY_TZ_ENV, "").strip()
    if not name:
        from leadctl.config import config_value

        name = str(config_value("display_timezone") or "UTC")
    return name


_display_zones: dict[str, Any] = {}


def _zone() -> Any:
    name = display_zone_name()
    found = _display_zones.get(name)
    if found is None:
        from leadctl.errors import ConfigError
        from leadctl.timeutil import zone

        try:
            found = _display_zones[name] = zone(name)
        except ValueError as exc:
            if os.environ.get(DISPLAY_TZ_ENV, "").strip():
                raise ConfigError(f"${DISPLAY_TZ_ENV}: {exc}") from None
            from leadctl.config import config_file

            raise ConfigError(f"{config_file()}: display_timezone: {exc}") from None
    return found


def display_time(value: datetime) -> str:
    """A time for a table: in the display zone, to the second, ``2026-03-14T09:30:00+00:00``."""
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone()).isoformat(timespec="seconds")


def _table_cell(value: Any, formatter: Formatter | None) -> str:
    if formatter is None and isinstance(value, datetime):
        return display_time(value)
    return _shown(value, formatter)


# ---------------------------------------------------------------- display formats (tables only)

Formatter = Callable[[Any], str]
Display = Mapping[str, Formatter]


def _shown(value: Any, formatter: Formatter | None) -> str:
    return _cell(value) if formatter is None or value is None else formatter(value)


def percent(value: Any) -> str:
    """A ratio as a percentage with one decimal: 0.125 → ``12.5%``."""
    return f"{float(value) * 100:.1f}%"


def fixed(digits: int) -> Formatter:
    """Floats with ``digits`` decimals (other values as they are)."""

    def show(value: Any) -> str:
        return f"{value:.{digits}f}" if isinstance(value, float) else _cell(value)

    return show


def path_end(width: int = 40) -> Formatter:
    """A file path cut at the front (the file name is the part people read): ``…/exports/a.csv``."""
    return lambda value: str(value) if len(str(value)) <= width else "…" + str(value)[-(width - 1) :]


def flag(text: str) -> Formatter:
    """A boolean column as ``text`` when true, blank when false."""
    return lambda value: text if value else ""
