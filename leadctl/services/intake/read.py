"""Reading lead files: bytes, decoding, the CSV delimiter, CSV/TSV and JSON Lines parsing.

``read_rows`` decodes (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252/latin-1
with a warning), sniffs the CSV delimiter from the header and parses CSV, TSV or JSON
Lines into ``(line_no, raw row, structural problem)``. Anything that makes the whole
file untrustworthy raises ``InputError`` naming the file and line. Pure: no database.

Limits, so hostile input is refused with one clear line instead of exhausting memory:

* Input size: at most ``LEADCTL_MAX_INPUT_MB`` MiB (default 512) per file or stdin;
  more is refused before parsing ("split the file and load the parts").
* A field: at most ``FIELD_LIMIT`` characters (an unclosed quote, or not a lead file).
* JSON Lines: a line nested more than ``MAX_DEPTH`` levels, holding ``NaN``/``Infinity``,
  a NUL character or a lone surrogate is a rejected row with that reason.
* A file that ends inside a quoted field (CSV) or in a line that is not valid JSON, with no
  final line end, was probably cut off: that row is rejected and a warning names the line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadctl.errors import InputError

FORMATS = ("csv", "tsv", "jsonl")
DELIMITERS = (",", ";", "\t", "|")
FIELD_LIMIT = csv.field_size_limit()  # 131072 characters: more is a broken file, not a lead
EXTRA_KEY = "_extra"  # raw: values beyond the header's columns
LINE_KEY = "_line"  # raw: a JSON Lines line that is not a JSON object (or holds bad values)
MAX_INPUT_MB = 512  # default input cap; LEADCTL_MAX_INPUT_MB overrides it
MAX_DEPTH = 20  # JSON Lines: deepest nesting of objects and arrays in a row

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


RawRow = dict[str, Any] | list[str]


@dataclass
class ParsedInput:
    """A lead file read into memory: rows are ``(line_no, raw, problem)``.

    ``raw`` is the row exactly as read: for a complete CSV/TSV row the list of its values in
    header order (compact; ``raw_dict`` makes the header → value dict), otherwise a dict
    (a JSON Lines object; a CSV row with values beyond the header under ``_extra``; a JSON
    Lines line that is no object under ``_line``). ``problem`` is a rejection reason for a
    structurally broken row ("row: 12 fields but the header has 10") or None.
    """

    name: str
    file_format: str
    encoding: str
    delimiter: str | None
    headers: list[str]
    rows: list[tuple[int, RawRow, str | None]]
    size: int
    warnings: list[str] = field(default_factory=list)

    def raw_dict(self, raw: RawRow) -> dict[str, Any]:
        """A row as header → value."""
        return dict(zip(self.headers, raw, strict=True)) if type(raw) is list else raw  # type: ignore[return-value]


def format_for(path: str, file_format: str | None) -> str:
    """The input format: as given, else from the file extension; else (stdin, ``.txt``) CSV.

    ``read_rows`` then sniffs content whose format neither says (``sniffed``).
    """
    if file_format:
        fmt = file_format.lower()
        if fmt not in FORMATS:
            raise InputError(f"file format {file_format!r}: expected one of {', '.join(FORMATS)}")
        return fmt
    if path == "-":
        return "csv"
    return _EXTENSIONS.get(Path(path).suffix.lower(), "csv")


def sniffed(path: str, file_format: str | None, text: str) -> str | None:
    """JSON Lines when neither the format nor the extension says and the first non-blank
    character is ``{`` (or ``[``: a JSON array, refused with a hint by the JSON Lines reader).

    So ``… | leadctl load - --bucket api`` needs no ``--format-in jsonl``. Anything else stays
    CSV/TSV (the delimiter sniffer decides). A header line never starts with ``{``.
    """
    if file_format or (path != "-" and Path(path).suffix.lower() in _EXTENSIONS):
        return None
    first = text.lstrip()[:1]
    return "jsonl" if first in ("{", "[") else None


def input_cap() -> int:
    """The most bytes one input may have (``LEADCTL_MAX_INPUT_MB``, default 512 MiB)."""
    raw = os.environ.get("LEADCTL_MAX_INPUT_MB", "").strip()
    try:
        mb = int(raw) if raw else MAX_INPUT_MB
    except ValueError:
        raise InputError(f"LEADCTL_MAX_INPUT_MB: expected a whole number of MiB, got {raw!r}") from None
    if mb < 1:
        raise InputError(f"LEADCTL_MAX_INPUT_MB: expected at least 1, got {mb}")
    return mb * 2**20


def _too_big(name: str, cap: int) -> InputError:
    return InputError(
        f"{name}: more than {cap // 2**20:,} MiB (the input cap, LEADCTL_MAX_INPUT_MB); "
        "split the file and load the parts"
    )


def check_size(name: str, data: bytes) -> None:
    """Refuse content over the input cap."""
    cap = input_cap()
    if len(data) > cap:
        raise _too_big(name, cap)


def read_bytes(path: str) -> tuple[str, bytes]:
    """(display name, content) of a path or ``-`` for stdin, reading at most the input cap."""
    cap = input_cap()
    if path == "-":
        import sys

        data = sys.stdin.buffer.read(cap + 1)
        if len(data) > cap:
            raise _too_big("stdin", cap)
        return "stdin", data
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(cap + 1)  # not stat(): /dev/zero and pipes have no size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a lead file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise _too_big(path, cap)
    return path, data


def _line_of(data: bytes | str, offset: int) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n", 0, offset) + 1
    return data.count("\n", 0, offset) + 1


def decode(name: str, data: bytes, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding used, warnings). UTF-8 (BOM or not) or UTF-16 with BOM; else cp1252/latin-1."""
    warnings: list[str] = []
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(
                f"encoding {encoding!r}: unknown encoding (try utf-8, cp1252 or latin-1)"
            ) from None
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name} line {_line_of(data, exc.start)}: not valid {encoding} (byte 0x{data[exc.start]:02x})"
            ) from None
        if "\x00" in text:
            raise InputError(
                f"{name} line {_line_of(text, text.index(chr(0)))}: NUL byte — a binary file, not text"
            )
        return text, codec, warnings
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: starts like UTF-16 but is not valid UTF-16") from None
        if "\x00" in text:
            raise InputError(
                f"{name} line {_line_of(text, text.index(chr(0)))}: NUL character — a binary file"
            )
        return text, "utf-16", warnings
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{name} line {_line_of(data, nul)}: NUL byte — a binary file, not CSV, TSV or JSON Lines"
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig", warnings
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name} line {_line_of(data, exc.start + 3)}: has a UTF-8 BOM but is not valid UTF-8 "
                f"(byte 0x{data[exc.start + 3]:02x})"
            ) from None
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    return _decode_lines(name, data)


def _decode_lines(name: str, data: bytes) -> tuple[str, str, list[str]]:
    """Text that is not all UTF-8: each line as UTF-8 if it is, else cp1252 (latin-1 if not that).

    A file with no UTF-8 beyond ASCII is a cp1252 file (an old Excel export); a UTF-8 file
    with a few cp1252 lines (pasted from another export) keeps its UTF-8 names, and the
    warning names the lines read as cp1252.
    """
    out: list[str] = []
    bad: list[tuple[int, int, str]] = []  # (line, first bad byte, codec used)
    utf8_beyond_ascii = False
    for line_no, line in enumerate(data.split(b"\n"), 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = line[exc.start]
            try:
                text, used = line.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, used = line.decode("latin-1"), "latin-1"
            bad.append((line_no, byte, used))
        else:
            utf8_beyond_ascii = utf8_beyond_ascii or not line.isascii()
        out.append(text)
    first_line, first_byte, _used = bad[0]
    codecs_used = {used for _l, _b, used in bad}
    if not utf8_beyond_ascii:
        fallback = "cp1252" if codecs_used == {"cp1252"} else "latin-1"
        warning = (
            f"{name} is not UTF-8 (line {first_line}: byte 0x{first_byte:02x}); read it as {fallback} — "
            f"check accented names, or give --encoding"
        )
        return data.decode(fallback), fallback, [warning]
    lines = ", ".join(str(n) for n, _b, _u in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    shown = "/".join(sorted(codecs_used))
    warning = (
        f"{name} is UTF-8 except line{'s' if len(bad) > 1 else ''} {lines} (line {first_line}: byte "
        f"0x{first_byte:02x}); read {'those lines' if len(bad) > 1 else 'that line'} as {shown} — "
        f"check accented names there, or give --encoding"
    )
    return "\n".join(out), "utf-8", [warning]


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of , ; TAB | in the header line (ties in that order); ',' if none."""
    best, best_n = ",", 0
    for d in DELIMITERS:
        n = header_line.count(d)
        if n > best_n:
            best, best_n = d, n
    return best


def _clean_headers(name: str, raw: list[str], line: int) -> list[str]:
    headers = []
    seen: dict[str, int] = {}
    for i, h in enumerate(raw, 1):
        h = h.strip() if isinstance(h, str) else str(h)
        if not h:
            h = f"column_{i}"
        if h in seen:
            raise InputError(f"{name} line {line}: duplicate column name {h!r} (columns {seen[h]} and {i})")
        seen[h] = i
        headers.append(h)
    return headers


class _Counter:
    """Counts characters of lines as a reader consumes them (progress by bytes)."""

    def __init__(self, lines: Iterable[str], report: Callable[[int], None] | None) -> None:
        self.lines = iter(lines)
        self.report = report
        self.pending = 0

    def __iter__(self) -> Iterator[str]:
        report = self.report
        if report is None:
            yield from self.lines
            return
        pending = 0
        for line in self.lines:
            pending += len(line)
            if pending > 262_144:
                report(pending)
                pending = 0
            yield line
        report(pending)


CUT_QUOTE = "cut off (the file ends inside a quoted field)"


def _cut_off(text: str, line_no: int) -> bool:
    """Whether the row starting at ``line_no`` is the file's last line, with no line end."""
    return not text.endswith(("\n", "\r")) and text.count("\n") + 1 == line_no


class _QuoteError(InputError):
    """A quoting mistake (unclosed quote, text after a closing quote): TSV falls back to literal."""


def _csv_rows(
    name: str,
    text: str,
    delimiter: str,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    literal: bool = False,
) -> tuple[list[str], list[tuple[int, RawRow, str | None]]]:
    source: Iterable[str] = io.StringIO(text, newline="")
    if progress is not None:
        source = _Counter(source, progress)
    if literal:
        reader = csv.reader(source, delimiter=delimiter, strict=True, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(source, delimiter=delimiter, strict=True)
    rows: list[tuple[int, RawRow, str | None]] = []
    append = rows.append
    start = 1
    headers: list[str] | None = None
    n_headers = 0
    header_line = 1
    try:
        for values in reader:  # the header: the first line that is not blank
            line_no, start = start, reader.line_num + 1
            if values and (len(values) > 1 or values[0].strip()):
                header_line = line_no
                headers = _clean_headers(name, values, line_no)
                n_headers = len(headers)
                break
        for values in reader:
            line_no, start = start, reader.line_num + 1
            n = len(values)
            if n == n_headers:
                append((line_no, values, None))
                continue
            if n == 0 or (n == 1 and not values[0].strip()):
                continue  # blank line
            if n > n_headers and not any(v.strip() for v in values[n_headers:]):
                # trailing empty fields (a trailing delimiter): nothing is lost
                append((line_no, values[:n_headers], None))
                continue
            raw: dict[str, Any] = dict(zip(headers, values, strict=False))  # type: ignore[arg-type]
            if n > n_headers:
                raw[EXTRA_KEY] = values[n_headers:]
            append((line_no, raw, f"row: {n} fields but the header has {n_headers}"))
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            raise InputError(
                f"{name} line {start}: a field is longer than {FIELD_LIMIT:,} characters "
                "(an unclosed quote, or not a lead file)"
            ) from None
        if "unexpected end of data" in msg and headers is not None and _cut_off(text, start):
            last = text.rsplit("\n", 1)[-1]
            append((start, {LINE_KEY: last}, f"row: {CUT_QUOTE}"))
            warnings.append(f"{name} line {start}: the last line is {CUT_QUOTE}")
        elif "unexpected end of data" in msg:
            raise _QuoteError(
                f"{name} line {start}: unclosed quote (the quoted field starting here runs to the end of the file)"
            ) from None
        elif "expected after" in msg:
            raise _QuoteError(
                f"{name} line {reader.line_num}: text after a closing quote "
                '(a quote inside a quoted field must be doubled: "")'
            ) from None
        else:
            raise InputError(f"{name} line {reader.line_num}: not valid CSV ({msg})") from None
    if headers is None:
        raise InputError(f"{name}: the file is empty (expected a header line and rows)")
    if not rows:
        raise InputError(f"{name} line {header_line}: only a header, no rows to load")
    if n_headers == 1:
        others = [d for d in DELIMITERS if d != delimiter and d in headers[0]]
        if others:
            shown = "TAB" if others[0] == "\t" else others[0]
            raise InputError(
                f"{name} line {header_line}: the header is a single column containing {shown!r}; "
                f"is the delimiter {shown!r}? (use --delimiter)"
            )
    if not any(problem is None for _line, _raw, problem in rows):
        line_no, _raw, problem = rows[0]
        shown = "TAB" if delimiter == "\t" else delimiter
        raise InputError(
            f"{name} line {line_no}: {problem.split(': ', 1)[1] if problem else 'bad row'}, and no row "
            f"matches the header: wrong delimiter (reading with {shown!r}) or a broken header?"
        )
    return headers, rows


class _Constant(ValueError):
    """NaN, Infinity or -Infinity: Python reads them, JSON (and PostgreSQL) does not."""


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


_DECODE = json.JSONDecoder(parse_constant=_refuse_constant).decode
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
# Reasons of a JSON Lines row that cannot be kept as it is (its line is kept as text).
NOT_JSON, NOT_OBJECT = "row: not valid JSON", "row: not a JSON object"
CONSTANT = "row: NaN or Infinity is not a JSON value"
NUL_CHAR = "row: a NUL character (\\u0000) in a value"
SURROGATE = "row: a lone surrogate (\\ud800-\\udfff) in a value"
TOO_DEEP = f"row: nested more than {MAX_DEPTH} levels deep"


def _value_problem(value: Any, depth: int = 1) -> str | None:
    """Why a parsed JSON value cannot be stored (NUL, lone surrogate, too deep), or None."""
    if depth > MAX_DEPTH:
        return TOO_DEEP
    if type(value) is str:
        m = _BAD_CHAR.search(value)
        return None if m is None else (NUL_CHAR if m.group() == "\x00" else SURROGATE)
    if type(value) is dict:
        for k, v in value.items():
            problem = _value_problem(k, depth) or _value_problem(v, depth + 1)
            if problem:
                return problem
    elif type(value) is list:
        for v in value:
            problem = _value_problem(v, depth + 1)
            if problem:
                return problem
    return None


def _jsonl_rows(
    name: str, text: str, progress: Callable[[int], None] | None, warnings: list[str]
) -> tuple[list[str], list[tuple[int, RawRow, str | None]]]:
    """Every non-blank line is a row; a line that is not a storable JSON object keeps its text.

    Such a row's raw is ``{"_line": text}`` and its reason says why, so two different bad
    lines are two rows (their text is in the row hash) and nothing unstorable reaches the
    database.
    """
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{name}: the file is empty (expected one JSON object per line)")
    rows: list[tuple[int, RawRow, str | None]] = []
    headers: dict[str, None] = {}
    objects = 0
    first_error: str | None = None
    loads = _DECODE
    pending = 0
    lines = text.split("\n")
    for line_no, line in enumerate(lines, 1):
        if progress is not None:
            pending += len(line) + 1
            if pending > 262_144:
                progress(pending)
                pending = 0
        s = line.strip()
        if not s:
            continue
        try:
            obj = loads(s)
        except _Constant:
            rows.append((line_no, {LINE_KEY: s}, CONSTANT))
            first_error = first_error or f"line {line_no}: NaN or Infinity is not JSON"
            continue
        except RecursionError:
            rows.append((line_no, {LINE_KEY: s[:FIELD_LIMIT]}, TOO_DEEP))
            first_error = first_error or f"line {line_no}: nested more than {MAX_DEPTH} levels deep"
            continue
        except ValueError as exc:
            rows.append((line_no, {LINE_KEY: s}, NOT_JSON))
            # json.loads raises a plain ValueError (no .msg) for an integer over Python's digit limit
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).split(":")[0]
            first_error = first_error or f"line {line_no}: not valid JSON ({reason})"
            if line_no == len(lines) and line:
                warnings.append(
                    f"{name} line {line_no}: the last line is cut off (no line end, not valid JSON)"
                )
            continue
        if not isinstance(obj, dict):
            problem = _value_problem(obj, 0) if type(obj) is list else None
            rows.append((line_no, {LINE_KEY: s}, problem if problem == TOO_DEEP else NOT_OBJECT))
            first_error = first_error or f"line {line_no}: not a JSON object"
            continue
        if "\\u" in s or "[" in s or s.count("{") > 1:  # escapes or nesting: look closer
            problem = _value_problem(obj)
            if problem is not None:
                rows.append((line_no, {LINE_KEY: s}, problem))
                first_error = first_error or f"line {line_no}: {problem.removeprefix('row: ')}"
                continue
        if len(s) > FIELD_LIMIT and any(isinstance(v, str) and len(v) > FIELD_LIMIT for v in obj.values()):
            raise InputError(f"{name} line {line_no}: a value is longer than {FIELD_LIMIT:,} characters")
        objects += 1
        for k in obj:
            if k not in headers:
                headers[k] = None
        rows.append((line_no, obj, None))
    if progress is not None and pending:
        progress(pending)
    if objects == 0:
        if stripped.startswith("["):
            raise InputError(
                f"{name} line 1: a JSON array, not JSON Lines (one object per line); "
                "convert it with: jq -c '.[]' FILE"
            )
        raise InputError(f"{name} {first_error}; no line is a JSON object: is this JSON Lines?")
    return list(headers), rows


def read_rows(
    path: str,
    *,
    file_format: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    data: bytes | None = None,
    progress: Callable[[int], None] | None = None,
) -> ParsedInput:
    """Read a lead file (or ``-`` for stdin) completely; raise InputError on a broken file.

    ``data`` gives the content directly (then ``path`` only names it). ``progress`` is called
    with numbers of characters as they are parsed.
    """
    fmt = format_for(path, file_format)
    if data is None:
        name, data = read_bytes(path)
    else:
        name = "stdin" if path == "-" else path
        check_size(name, data)
    text, used, warnings = decode(name, data, encoding)
    fmt = sniffed(path, file_format, text) or fmt
    if fmt == "jsonl":
        headers, rows = _jsonl_rows(name, text, progress, warnings)
        return ParsedInput(name, fmt, used, None, headers, rows, len(data), warnings)
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "TAB": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
            raise InputError(f"delimiter {delimiter!r}: expected one character such as , ; | or TAB")
    elif fmt == "tsv":
        delimiter = "\t"
    else:
        first_line = text.split("\n", 1)[0]
        delimiter = sniff_delimiter(first_line)
    if not text.strip():
        raise InputError(f"{name}: the file is empty (expected a header line and rows)")
    try:
        headers, rows = _csv_rows(name, text, delimiter, progress, warnings)
    except _QuoteError as exc:
        if delimiter != "\t":
            raise
        # TSV has no quoting convention: "Ada "The Countess"" is a name, not a broken quote.
        headers, rows = _csv_rows(name, text, delimiter, None, warnings, literal=True)
        where = str(exc).split(":", 1)[0]
        warnings.append(
            f"{where}: quotes that do not follow CSV rules; read every field of the file literally (TSV)"
        )
    return ParsedInput(name, fmt, used, delimiter, headers, rows, len(data), warnings)
