"""Reading lead files and turning rows into lead records: decode, parse, map, normalise, validate.

Pure functions, no database, so ``loading`` (files → leads) and ``processing`` /
``reprocess`` (leads → clients) share one definition of what a valid lead is:

* ``read_rows`` decodes (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252/latin-1
  with a warning), sniffs the CSV delimiter from the header and parses CSV, TSV or JSON
  Lines into ``(line_no, raw row, structural problem)``. Anything that makes the whole
  file untrustworthy raises ``InputError`` naming the file and line.
* ``build_mapping`` maps headers onto lead fields (explicit mapping file > rules
  ``mapping.aliases`` > built-in spellings); unmapped columns are custom fields.
* ``normalise`` trims, lower-cases e-mail, writes phones in E.164 and derives the time zone.
* ``validate`` returns the reasons a record is not a valid lead (``[]`` if it is), as short
  stable strings without the value ("email: missing"), so they can be counted.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from leadctl.errors import InputError
from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.intake import phones
from leadctl.timeutil import now as _now
from leadctl.timeutil import parse_datetime

FORMATS = ("csv", "tsv", "jsonl")
DELIMITERS = (",", ";", "\t", "|")
FIELD_LIMIT = csv.field_size_limit()  # 131072 characters: more is a broken file, not a lead
EXTRA_KEY = "_extra"  # raw: values beyond the header's columns
LINE_KEY = "_line"  # raw: a JSON Lines line that is not a JSON object
PHONE_FIELDS = ("business_phone", "mobile_phone")
# Targets a mapping may name besides lead fields.
FULL_NAME = "full_name"
CUSTOM = "custom"
MAPPING_TARGETS = (*LEAD_FIELDS, FULL_NAME, CUSTOM)


def _length_limits() -> dict[str, int]:
    from leadctl.storage import schema

    out = {}
    for name in LEAD_FIELDS:
        col = schema.lead.c.get(name)
        length = getattr(col.type, "length", None) if col is not None else None
        if length:
            out[name] = int(length)
    return out


MAX_LENGTH = _length_limits()
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


# ---------------------------------------------------------------------------------- reading

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
    """The input format: as given, else from the file extension; ``-`` (stdin) means CSV."""
    if file_format:
        fmt = file_format.lower()
        if fmt not in FORMATS:
            raise InputError(f"--format-in {file_format!r}: expected one of {', '.join(FORMATS)}")
        return fmt
    if path == "-":
        return "csv"
    return _EXTENSIONS.get(Path(path).suffix.lower(), "csv")


def read_bytes(path: str) -> tuple[str, bytes]:
    """(display name, content) of a path or ``-`` for stdin."""
    if path == "-":
        import sys

        return "stdin", sys.stdin.buffer.read()
    p = Path(path)
    try:
        return path, p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a lead file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


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
                f"--encoding {encoding!r}: unknown encoding (try utf-8, cp1252 or latin-1)"
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
    except UnicodeDecodeError as exc:
        bad_line, bad_byte = _line_of(data, exc.start), data[exc.start]
    for fallback in ("cp1252", "latin-1"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        warnings.append(
            f"{name} is not UTF-8 (line {bad_line}: byte 0x{bad_byte:02x}); read it as {fallback} — "
            f"check accented names, or give --encoding"
        )
        return text, fallback, warnings
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


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


def _csv_rows(
    name: str, text: str, delimiter: str, progress: Callable[[int], None] | None
) -> tuple[list[str], list[tuple[int, RawRow, str | None]]]:
    source: Iterable[str] = io.StringIO(text, newline="")
    if progress is not None:
        source = _Counter(source, progress)
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
        if "unexpected end of data" in msg:
            raise InputError(
                f"{name} line {start}: unclosed quote (the quoted field starting here runs to the end of the file)"
            ) from None
        if "expected after" in msg:
            raise InputError(
                f"{name} line {reader.line_num}: text after a closing quote "
                '(a quote inside a quoted field must be doubled: "")'
            ) from None
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


def _jsonl_rows(
    name: str, text: str, progress: Callable[[int], None] | None
) -> tuple[list[str], list[tuple[int, RawRow, str | None]]]:
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{name}: the file is empty (expected one JSON object per line)")
    rows: list[tuple[int, RawRow, str | None]] = []
    headers: dict[str, None] = {}
    objects = 0
    first_error: str | None = None
    loads = json.loads
    pending = 0
    for line_no, line in enumerate(text.split("\n"), 1):
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
        except ValueError as exc:
            rows.append((line_no, {LINE_KEY: s}, "row: not valid JSON"))
            # json.loads raises a plain ValueError (no .msg) for an integer over Python's digit limit
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).split(":")[0]
            first_error = first_error or f"line {line_no}: not valid JSON ({reason})"
            continue
        if not isinstance(obj, dict):
            rows.append((line_no, {LINE_KEY: s}, "row: not a JSON object"))
            first_error = first_error or f"line {line_no}: not a JSON object"
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
    text, used, warnings = decode(name, data, encoding)
    if fmt == "jsonl":
        headers, rows = _jsonl_rows(name, text, progress)
        return ParsedInput(name, fmt, used, None, headers, rows, len(data), warnings)
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "TAB": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
            raise InputError(f"--delimiter {delimiter!r}: expected one character such as , ; | or TAB")
    elif fmt == "tsv":
        delimiter = "\t"
    else:
        first_line = text.split("\n", 1)[0]
        delimiter = sniff_delimiter(first_line)
    if not text.strip():
        raise InputError(f"{name}: the file is empty (expected a header line and rows)")
    headers, rows = _csv_rows(name, text, delimiter, progress)
    return ParsedInput(name, fmt, used, delimiter, headers, rows, len(data), warnings)


# ---------------------------------------------------------------------------------- mapping


def header_key(header: str) -> str:
    """Headers compare case-insensitively, ignoring spaces, dashes, underscores and dots."""
    return _KEY_DROP.sub("", header.lower())


_KEY_DROP = re.compile(r"[\s\-_.]+")

# Built-in spellings (compared by ``header_key``), per target.
BUILTIN_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "lead id", "id", "record id", "source id", "contact id", "lead number"),
    "first_name": ("first name", "first", "fname", "given name", "forename", "firstname"),
    "last_name": ("last name", "last", "lname", "surname", "family name", "lastname"),
    FULL_NAME: ("full name", "name", "contact name", "contact", "lead name", "person"),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "work email",
        "business email",
        "email 1",
        "primary email",
    ),
    "title": ("title", "job title", "position", "job", "role", "designation", "job role"),
    "business_phone": (
        "phone",
        "phone number",
        "business phone",
        "work phone",
        "office phone",
        "telephone",
        "tel",
        "direct phone",
        "direct dial",
        "company phone",
        "phone 1",
        "main phone",
        "landline",
    ),
    "mobile_phone": (
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "cellphone",
        "cell number",
        "cellular",
        "mobile #",
        "cell #",
    ),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile", "linkedin profile url", "li url"),
    "company": (
        "company",
        "company name",
        "organization",
        "organisation",
        "account",
        "account name",
        "employer",
    ),
    "website": ("website", "web site", "web", "url", "company website", "domain", "homepage", "website url"),
    "headcount": (
        "headcount",
        "employees",
        "number of employees",
        "employee count",
        "company size",
        "no of employees",
        "# employees",
        "#employees",
        "num employees",
        "staff",
    ),
    "revenue": ("revenue", "annual revenue", "company revenue", "revenue range"),
    "industry": ("industry", "sector", "vertical"),
    "city": ("city", "town", "locality"),
    "state": ("state", "province", "state/province", "state or province", "region", "county"),
    "country": ("country", "country code", "country name", "nation"),
    "source": ("source", "lead source", "utm source", "channel", "origin"),
    "affiliate_id": ("affiliate id", "affiliate", "partner id", "aff id", "affid", "affiliate code"),
    "registered_at": (
        "registered at",
        "created date",
        "created",
        "created at",
        "date created",
        "creation date",
        "registration date",
        "registered",
        "signup date",
        "signed up",
        "sign up date",
        "submitted at",
        "submitted",
        "date",
        "timestamp",
        "lead date",
        "created on",
    ),
}


def _builtin_keys() -> dict[str, str]:
    out: dict[str, str] = {}
    for target, spellings in BUILTIN_ALIASES.items():
        for s in (target, *spellings):
            out.setdefault(header_key(s), target)
    return out


_BUILTIN = _builtin_keys()


@dataclass
class ColumnMapping:
    """Which header feeds which lead field; every other header is a custom field."""

    fields: dict[str, str]  # header -> lead field (or full_name)
    custom: list[str]
    origin: dict[str, str]  # header -> "mapping file" | "rules" | "built-in" | "unmapped" | …
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Stored on the load row, so a lead can be re-derived from its raw row later."""
        return {"fields": dict(self.fields), "custom": list(self.custom)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        return cls(dict(data.get("fields", {})), list(data.get("custom", [])), {})


def build_mapping(
    headers: list[str], rules: Rules | None, explicit: Mapping[str, str] | None = None
) -> ColumnMapping:
    """Map headers onto lead fields: explicit mapping > rules ``mapping.aliases`` > built-in."""
    explicit = dict(explicit or {})
    explicit_keys = {header_key(h): t for h, t in explicit.items()}
    aliases: dict[str, str] = {}
    if rules is not None:
        aliases = {header_key(h): t for h, t in rules.mapping.aliases.items()}
    fields: dict[str, str] = {}
    custom: list[str] = []
    origin: dict[str, str] = {}
    warnings: list[str] = []
    taken: dict[str, str] = {}
    used_explicit: set[str] = set()
    for h in headers:
        key = header_key(h)
        if h in explicit:
            target, source = explicit[h], "mapping file"
            used_explicit.add(h)
        elif key in explicit_keys:
            target, source = explicit_keys[key], "mapping file"
            used_explicit.update(e for e in explicit if header_key(e) == key)
        elif key in aliases:
            target, source = aliases[key], "rules"
        elif key in _BUILTIN:
            target, source = _BUILTIN[key], "built-in"
        else:
            target, source = CUSTOM, "unmapped"
        if target == CUSTOM:
            custom.append(h)
            origin[h] = source
            continue
        if target in taken:
            warnings.append(
                f"columns {taken[target]!r} and {h!r} both map to {target}; {h!r} is kept as a custom field"
            )
            custom.append(h)
            origin[h] = f"custom ({target} taken)"
            continue
        taken[target] = h
        fields[h] = target
        origin[h] = source
    name_col = next((h for h, t in fields.items() if t == FULL_NAME), None)
    if name_col is not None and ("first_name" in taken or "last_name" in taken):
        del fields[name_col]
        custom.append(name_col)
        origin[name_col] = "custom (first/last name columns exist)"
    for h in explicit:
        if h not in used_explicit:
            warnings.append(f"the mapping names column {h!r}, which the file does not have")
    return ColumnMapping(fields, custom, origin, warnings)


def map_row(raw: Mapping[str, Any], mapping: ColumnMapping) -> tuple[dict[str, Any], dict[str, Any]]:
    """(mapped fields, custom fields) of a raw row. Custom keeps non-empty values only."""
    get = raw.get
    mapped = {target: get(h) for h, target in mapping.fields.items()}
    custom: dict[str, Any] = {}
    for h in mapping.custom:
        v = get(h)
        if v is None:
            continue
        if isinstance(v, str):
            v = v.strip()
            if not v:
                continue
        custom[h] = v
    extra = get(EXTRA_KEY)
    if extra:
        custom[EXTRA_KEY] = extra
    return mapped, custom


# ---------------------------------------------------------------------------------- normalising


def split_name(full: str) -> tuple[str | None, str | None]:
    """ "Ana Silva" → (Ana, Silva); "Silva, Ana" → (Ana, Silva); "Ana" → (Ana, None)."""
    if "," in full:
        last, _, first = full.partition(",")
        return (first.strip() or None), (last.strip() or None)
    parts = full.split(None, 1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1].strip()


def _text(value: Any) -> Any:
    """A JSON value as field text: strings trimmed, numbers and booleans as text, others as they are."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not value:  # an empty list or object: nothing given
        return ""
    return value


def normalise(raw_mapped: Mapping[str, Any], *, default_region: str = "US") -> dict[str, Any]:
    """A lead record from mapped fields: trimmed, e-mail lower-case, phones E.164, time zone.

    Empty fields are left out. ``full_name`` fills first/last name when those are absent.
    Phones are parsed in the region of the record's ``country`` (if it names one), else
    ``default_region``; a valid number is stored in E.164, anything else as given.
    ``timezone`` comes from the business phone, else the mobile. ``registered_at`` becomes
    an aware UTC datetime, or stays text when it is not a date (``validate`` says so); it is
    absent when not given (loading stores the load time). The private key ``_phones`` holds
    each phone's ``PhoneInfo`` for ``validate``.
    """
    return _normalise_trimmed(_content(raw_mapped), default_region)


def _content(mapped: Mapping[str, Any]) -> dict[str, Any]:
    """Mapped fields trimmed, as text, empty ones left out."""
    rec: dict[str, Any] = {}
    for k, v in mapped.items():
        if v is None:
            continue
        v = v.strip() if type(v) is str else _text(v)
        if v == "":
            continue
        rec[k] = v
    return rec


def _normalise_trimmed(rec: dict[str, Any], default_region: str) -> dict[str, Any]:
    """``normalise`` on a record whose values are already trimmed (changed in place)."""
    full = rec.pop(FULL_NAME, None)
    if type(full) is str and "first_name" not in rec and "last_name" not in rec:
        first, last = split_name(full)
        if first:
            rec["first_name"] = first
        if last:
            rec["last_name"] = last
    email = rec.get("email")
    if type(email) is str:
        rec["email"] = email.lower()
    business = rec.get("business_phone")
    mobile = rec.get("mobile_phone")
    if business is not None or mobile is not None:
        infos: dict[str, phones.PhoneInfo | None] = {}
        country = rec.get("country")
        region = (phones.region_for_country(country) if type(country) is str else None) or default_region
        tz = None
        for f, v in (("business_phone", business), ("mobile_phone", mobile)):
            if type(v) is not str:
                continue
            info = phones.analyse(v, region)
            if (info is None or not info.valid) and region != default_region:
                other = phones.analyse(v, default_region)
                if other is not None and other.valid:
                    info = other
            infos[f] = info
            if info is not None and info.valid:
                rec[f] = info.e164
                if tz is None:
                    tz = info.timezone
        if tz is not None:
            rec["timezone"] = tz
        rec["_phones"] = infos
    reg = rec.get("registered_at")
    if type(reg) is str:
        parsed = parse_datetime(reg)
        if parsed is not None:
            rec["registered_at"] = parsed
    return rec


# ---------------------------------------------------------------------------------- validating

# name@domain.tld: no spaces or specials, dot-separated non-empty parts, a letter TLD of 2+.
_ATOM = r"[^@\s\"(),:;<>\[\]\\.]+"
EMAIL_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*\.[^\W\d_]{{2,}}")
_TEXT_FIELDS = tuple(f for f in LEAD_FIELDS if f != "registered_at")
_STR_ONLY = {str}
_NO_PHONES: dict[str, Any] = {}
_UNSET: Any = object()


class Validator:
    """The rules' ``validation`` and ``phones`` sections, compiled once."""

    def __init__(self, rules: Rules) -> None:
        v = rules.validation
        self.required: tuple[str, ...] = v.required_fields
        self.phone_required: str = v.phone_required
        self.check_email: bool = v.check_email_syntax
        self.check_phones: bool = v.check_phone_numbers
        self.reject_future: bool = v.reject_future_registration
        self.default_region: str = rules.phones.default_region
        self.allowed = rules.phones.allowed_regions
        # Text fields and their maximum length (0: none checked; phones are checked as numbers).
        self.limits = {f: MAX_LENGTH.get(f, 0) for f in _TEXT_FIELDS}
        if self.check_phones:
            self.limits.update(dict.fromkeys(PHONE_FIELDS, 0))
        self.text_fields = tuple(self.limits)
        self.shortest_limit = min((n for n in self.limits.values() if n), default=0)
        self.future_slack = timedelta(days=1)

    def phone_info(self, rec: Mapping[str, Any], f: str, value: str) -> phones.PhoneInfo | None:
        """The number in ``value`` (of field ``f``), read in the record's country, else the default region."""
        country = rec.get("country")
        region = (
            phones.region_for_country(country) if isinstance(country, str) else None
        ) or self.default_region
        info = phones.analyse(value, region)
        if (info is None or not info.valid) and region != self.default_region:
            other = phones.analyse(value, self.default_region)
            if other is not None and other.valid:
                info = other
        return info

    def __call__(self, rec: Mapping[str, Any], now: datetime | None = None) -> list[str]:
        reasons: list[str] = []
        add = reasons.append
        get = rec.get
        if not all(map(get, self.required)):
            for f in self.required:
                v = get(f)
                if v is None or v == "":
                    add(f"{f}: missing")
        texts = list(filter(None, map(get, self.text_fields)))
        if texts and not (
            set(map(type, texts)) == _STR_ONLY and max(map(len, texts)) <= self.shortest_limit
        ):  # a value that is not text, or long enough to check field by field
            for f, limit in self.limits.items():
                v = get(f)
                if v is None or v == "":
                    continue
                if type(v) is not str:
                    add(f"{f}: not a text value")
                elif limit and len(v) > limit:
                    add(f"{f}: longer than {limit} characters")
        email = get("email")
        if self.check_email and type(email) is str and email and EMAIL_RE.fullmatch(email) is None:
            add("email: not a valid address")
        business, mobile = get("business_phone"), get("mobile_phone")
        has_business = type(business) is str and business != ""
        has_mobile = type(mobile) is str and mobile != ""
        pr = self.phone_required
        if pr == "any":
            if not (has_business or has_mobile):
                add("phone: none given")
        elif pr != "none":
            if pr in ("business", "both") and not has_business:
                add("business_phone: missing")
            if pr in ("mobile", "both") and not has_mobile:
                add("mobile_phone: missing")
        if (self.check_phones or self.allowed) and (has_business or has_mobile):
            known = get("_phones") or _NO_PHONES
            for f, v, has in (
                ("business_phone", business, has_business),
                ("mobile_phone", mobile, has_mobile),
            ):
                if not has or not isinstance(v, str):
                    continue
                info = known.get(f, _UNSET)
                if info is _UNSET or (info is not None and info.valid and info.e164 != v):
                    info = self.phone_info(rec, f, v)
                if info is None or not info.valid:
                    if self.check_phones:
                        add(f"{f}: not a valid number")
                elif self.allowed and info.region not in self.allowed:
                    add(f"{f}: region not allowed")
        reg = get("registered_at")
        if reg is not None:
            if not isinstance(reg, datetime):
                add("registered_at: not a date")
            elif self.reject_future and reg > (now or _now()) + self.future_slack:
                add("registered_at: in the future")
        if len(reasons) > 1 and len(set(reasons)) != len(reasons):
            reasons = list(dict.fromkeys(reasons))
        return reasons


_validators: dict[int, tuple[Rules, Validator]] = {}


def validator(rules: Rules) -> Validator:
    """The compiled validator for these rules (kept while the rules object lives)."""
    hit = _validators.get(id(rules))
    if hit is None or hit[0] is not rules:
        if len(_validators) > 16:
            _validators.clear()
        hit = _validators[id(rules)] = (rules, Validator(rules))
    return hit[1]


def validate(record: Mapping[str, Any], rules: Rules) -> list[str]:
    """Why ``record`` is not a valid lead under ``rules``: reasons like "email: missing"; [] if valid.

    Works on a record from ``normalise`` and on a lead read back from the database.
    """
    return validator(rules)(record)


# ---------------------------------------------------------------------------------- rows


_HASH_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
_SEP, _GROUP = "\x1f", "\x1d"


def _digest(content: Mapping[str, Any], custom: Mapping[str, Any]) -> str:
    """sha1 of (content, custom), both with their keys in sorted order.

    Text only: keys and values joined with control characters (fast); a value that is not
    text or contains those characters is hashed from canonical JSON instead.
    """
    try:
        blob = (
            _SEP.join(chain.from_iterable(content.items()))
            + _GROUP
            + _SEP.join(chain.from_iterable(custom.items()))
        )
    except TypeError:  # a value that is not text (JSON Lines)
        blob = ""
    else:
        n, m = len(content), len(custom)
        expected = (2 * n - 1 if n else 0) + (2 * m - 1 if m else 0)
        if blob.count(_SEP) != expected or blob.count(_GROUP) != 1:
            blob = ""
    if not blob:
        blob = "json" + _HASH_ENCODE([content, custom])
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def row_hash(mapped: Mapping[str, Any], custom: Mapping[str, Any]) -> str:
    """sha1 of a row's content: trimmed non-empty mapped fields and custom fields, keys sorted.

    Independent of column order, header spelling, empty columns and the line number, so the
    same row loaded twice into a bucket is recognised.
    """
    content = _content(mapped)
    return _digest(dict(sorted(content.items())), dict(sorted(custom.items())))


class RowBuilder:
    """The loading hot path for one file: map, trim, hash and normalise a raw row in one pass.

    Equal to ``map_row`` + ``row_hash`` + ``normalise``, with the mapping compiled once.
    """

    def __init__(self, mapping: ColumnMapping, default_region: str, headers: list[str] | None = None) -> None:
        # In target / header order, so records and custom fields come out with sorted keys.
        self.pairs = tuple(sorted(mapping.fields.items(), key=lambda hf: hf[1]))
        self.custom = tuple(sorted(mapping.custom))
        self.region = default_region
        # For rows given as value lists in ``headers`` order (complete CSV rows).
        position = {h: i for i, h in enumerate(headers or ())}
        self.index_pairs = tuple((position[h], f) for h, f in self.pairs if h in position)
        self.index_custom = tuple((position[h], h) for h in self.custom if h in position)
        self.lists_ok = headers is not None and len(self.index_pairs) == len(self.pairs)
        self.fast_ok = self.lists_ok and FULL_NAME not in mapping.fields.values()

    def __call__(self, raw: RawRow) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(normalised record, custom fields, row hash)."""
        if type(raw) is list:
            if not self.lists_ok:
                raise ValueError("RowBuilder needs the headers for rows given as value lists")
            rec = {f: v for i, f in self.index_pairs if (v := raw[i].strip())}
            custom = {h: v for i, h in self.index_custom if (v := raw[i].strip())}
        else:
            try:  # a complete text row: one comprehension each
                rec = {f: v for h, f in self.pairs if (v := raw[h].strip())}  # type: ignore[call-overload]
                custom = {h: v for h in self.custom if (v := raw[h].strip())}  # type: ignore[call-overload]
            except (KeyError, AttributeError):  # missing keys or JSON values
                rec, custom = self._slow(raw)  # type: ignore[arg-type]
            if EXTRA_KEY in raw:
                custom[EXTRA_KEY] = raw[EXTRA_KEY]  # type: ignore[call-overload]
                custom = dict(sorted(custom.items()))
        digest = _digest(rec, custom)
        return _normalise_trimmed(rec, self.region), custom, digest

    def checked(
        self, raw: RawRow, validate: Validator, now: datetime
    ) -> tuple[dict[str, Any], dict[str, Any], str, list[str]]:
        """(normalised record, custom fields, row hash, reasons): ``__call__`` + ``validate``.

        A complete CSV row takes one fused pass (the loading hot path); the tests check that
        it equals ``validate(normalise(...))`` row for row.
        """
        if type(raw) is not list or not self.fast_ok or validate.shortest_limit < 17:
            rec, custom, digest = self(raw)
            return rec, custom, digest, validate(rec, now)
        rec = {f: s for i, f in self.index_pairs if (s := raw[i].strip())}
        custom = {h: s for i, h in self.index_custom if (s := raw[i].strip())}
        digest = _digest(rec, custom)
        longest = max(map(len, rec.values()), default=0)  # E.164 (≤ 16) never exceeds a limit
        get = rec.get
        reasons: list[str] = []
        add = reasons.append
        if not all(map(get, validate.required)):
            for f in validate.required:
                if not get(f):
                    add(f"{f}: missing")
        email = get("email")
        if email is not None:
            rec["email"] = email = email.lower()
        business, mobile = get("business_phone"), get("mobile_phone")
        binfo = minfo = None
        if business is not None or mobile is not None:
            default = self.region
            country = get("country")
            region = (phones.region_for_country(country) if country is not None else None) or default
            analyse = phones.analyse
            if business is not None:
                binfo = analyse(business, region)
                if (binfo is None or not binfo.valid) and region != default:
                    other = analyse(business, default)
                    if other is not None and other.valid:
                        binfo = other
                if binfo is not None and binfo.valid:
                    rec["business_phone"] = binfo.e164
            if mobile is not None:
                minfo = analyse(mobile, region)
                if (minfo is None or not minfo.valid) and region != default:
                    other = analyse(mobile, default)
                    if other is not None and other.valid:
                        minfo = other
                if minfo is not None and minfo.valid:
                    rec["mobile_phone"] = minfo.e164
            tz = None
            if binfo is not None and binfo.valid:
                tz = binfo.timezone
            if tz is None and minfo is not None and minfo.valid:
                tz = minfo.timezone
            if tz is not None:
                rec["timezone"] = tz
        reg = get("registered_at")
        if reg is not None:
            parsed = parse_datetime(reg)
            if parsed is not None:
                rec["registered_at"] = reg = parsed
        if longest > validate.shortest_limit:
            for f, limit in validate.limits.items():
                v = get(f)
                if v and limit and len(v) > limit:
                    add(f"{f}: longer than {limit} characters")
        if validate.check_email and email is not None and EMAIL_RE.fullmatch(email) is None:
            add("email: not a valid address")
        pr = validate.phone_required
        if pr == "any":
            if business is None and mobile is None:
                add("phone: none given")
        elif pr != "none":
            if pr in ("business", "both") and business is None:
                add("business_phone: missing")
            if pr in ("mobile", "both") and mobile is None:
                add("mobile_phone: missing")
        if validate.check_phones or validate.allowed:
            for f, v, info in (("business_phone", business, binfo), ("mobile_phone", mobile, minfo)):
                if v is None:
                    continue
                if info is None or not info.valid:
                    if validate.check_phones:
                        add(f"{f}: not a valid number")
                elif validate.allowed and info.region not in validate.allowed:
                    add(f"{f}: region not allowed")
        if reg is not None:
            if type(reg) is not datetime:
                add("registered_at: not a date")
            elif validate.reject_future and reg > now + validate.future_slack:
                add("registered_at: in the future")
        if len(reasons) > 1 and len(set(reasons)) != len(reasons):
            reasons = list(dict.fromkeys(reasons))
        return rec, custom, digest, reasons

    def _slow(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        get = raw.get
        rec: dict[str, Any] = {}
        for h, f in self.pairs:
            v = get(h)
            if v is None:
                continue
            v = v.strip() if type(v) is str else _text(v)
            if v != "":
                rec[f] = v
        custom: dict[str, Any] = {}
        for h in self.custom:
            v = get(h)
            if v is None:
                continue
            if type(v) is str:
                v = v.strip()
                if not v:
                    continue
            custom[h] = v
        return rec, custom


def record_from_raw(
    raw: Mapping[str, Any], mapping: ColumnMapping, rules: Rules
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(normalised record, custom fields) of a stored raw row — for reprocessing a fixed row."""
    mapped, custom = map_row(raw, mapping)
    return normalise(mapped, default_region=rules.phones.default_region), custom
