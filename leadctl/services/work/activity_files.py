"""Reading activity files: CSV (delimiter sniffed) or JSON Lines, streamed row by row.

Headers are matched to activity fields case-insensitively, ignoring spaces, dashes,
underscores and dots ("Activity ID", "activity_id" and "activityId" are one column); other
columns are ignored (and reported). A file that cannot be trusted at all (empty, not UTF-8,
missing a needed column, broken CSV quoting) raises InputError naming the file and line; a
bad row is yielded with a marker so the importer rejects just that row.

``parse_row`` checks one row's values on its own (type, outcome fitting the type, times, flags,
numbers) into a ``Parsed`` row or the short, countable reasons it is rejected.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import IO, Any, Protocol

from leadctl.errors import InputError
from leadctl.timeutil import parse_datetime
from leadctl.vocab import OUTCOMES_BY_TYPE, ActivityOutcome, ActivityType


class _Summary(Protocol):
    ignored_columns: list[str]
    headers: list[str]


# The fields a file may carry, in the order rows are parsed, and the headers understood for
# each (compared lower-case without spaces, dashes, underscores or dots).
FIELDS = (
    "activity_id",
    "at",
    "rep",
    "client_id",
    "lead_id",
    "email",
    "type",
    "outcome",
    "verified_dial",
    "duration_s",
    "callback_at",
    "meeting_at",
    "note",
)
HEADER_ALIASES: dict[str, str] = {
    **{k: "activity_id" for k in ("activityid", "activity", "id", "externalid", "callid")},
    **{k: "at" for k in ("at", "time", "timestamp", "occurredat", "date", "datetime", "when")},
    **{k: "rep" for k in ("rep", "repemail", "agent", "agentemail", "user", "owner")},
    **{k: "client_id" for k in ("clientid", "client")},
    **{k: "lead_id" for k in ("leadid", "lead")},
    **{k: "email" for k in ("email", "emailaddress", "contactemail", "e-mail")},
    **{k: "type" for k in ("type", "activitytype", "kind", "channel")},
    **{k: "outcome" for k in ("outcome", "result", "disposition", "status")},
    **{k: "verified_dial" for k in ("verifieddial", "verified", "dialverified")},
    **{k: "duration_s" for k in ("durations", "duration", "seconds", "durationseconds")},
    **{k: "callback_at" for k in ("callbackat", "callback", "callbacktime")},
    **{k: "meeting_at" for k in ("meetingat", "meeting", "meetingtime")},
    **{k: "note" for k in ("note", "notes", "comment", "comments")},
}


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch not in " -_.\t")


def open_source(path: str) -> tuple[str, IO[str]]:
    if path == "-":
        return "stdin", io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        return path, open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an activity file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _mapping(name: str, headers: Iterable[str], line: int) -> tuple[list[str | None], list[str]]:
    """Header position -> field (None: ignored) and the ignored headers."""
    fields: list[str | None] = []
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for h in headers:
        f = HEADER_ALIASES.get(_key(h))
        if f is not None and f in taken:
            raise InputError(f"{name} line {line}: columns {taken[f]!r} and {h!r} both mean {f}")
        if f is None:
            ignored.append(h)
        else:
            taken[f] = h
        fields.append(f)
    missing = [f for f in ("at", "type", "outcome") if f not in taken]
    if not any(f in taken for f in ("client_id", "lead_id", "email")):
        missing.append("client_id | lead_id | email")
    if missing:
        raise InputError(f"{name} line {line}: missing column(s) {', '.join(missing)}")
    return fields, ignored


def records(name: str, stream: IO[str], summary: _Summary) -> Iterator[tuple[int, Any, Any]]:
    """(line, values in FIELDS order, raw row) for every non-blank row of a CSV or JSONL stream.

    For a structurally broken row the values are the reason (a str) instead. A CSV row's raw
    form is its list of values (``summary.headers`` names them), a JSON line's its object.
    """
    try:
        first = stream.readline()
        line = 1
        while first and not first.strip():
            first = stream.readline()
            line += 1
        if not first:
            raise InputError(f"{name}: the file is empty (expected a header line or JSON objects)")
        index = {f: i for i, f in enumerate(FIELDS)}
        if first.lstrip().startswith("{"):
            yield from _jsonl(name, first, line, stream, index, summary)
            return
        delimiter = max((",", ";", "\t", "|"), key=first.count)
        reader = csv.reader(_chain(first, stream), delimiter=delimiter)
        headers = [h.strip() for h in next(reader)]
        fields, ignored = _mapping(name, headers, line)
        summary.ignored_columns = ignored
        summary.headers = headers
        width = len(headers)
        # FIELDS position -> header position; width (the None appended to each row) when absent
        src = [fields.index(f) if f in fields else width for f in FIELDS]
        pick = itemgetter(*src)
        start = line + 1
        for values in reader:
            line_no, start = start, line + reader.line_num
            n = len(values)
            if n == width:
                values.append(None)  # type: ignore[arg-type]
                yield line_no, pick(values), values
                continue
            if n == 0 or (n == 1 and not values[0].strip()):
                continue
            if n > width and not any(v.strip() for v in values[width:]):
                del values[width:]  # trailing empty fields (a trailing delimiter): nothing is lost
                values.append(None)  # type: ignore[arg-type]
                yield line_no, pick(values), values
                continue
            yield line_no, f"row: {n} fields but the header has {width}", values
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except csv.Error as exc:
        raise InputError(f"{name} line {reader.line_num}: not valid CSV ({exc})") from None


def _chain(first: str, stream: IO[str]) -> Iterator[str]:
    yield first
    yield from stream


def _jsonl(
    name: str, first: str, line: int, stream: IO[str], index: dict[str, int], summary: _Summary
) -> Iterator[tuple[int, Any, Any]]:
    layouts: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    ignored: dict[str, None] = {}
    for line_no, text in enumerate(_chain(first, stream), line):
        s = text.strip()
        if not s:
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            yield line_no, "row: not a JSON object", {"_line": s[:1000]}
            continue
        keys = tuple(obj)
        layout = layouts.get(keys)
        if layout is None:
            layout = []
            for k in keys:
                f = HEADER_ALIASES.get(_key(k))
                if f is None:
                    ignored.setdefault(k, None)
                else:
                    layout.append((k, index[f]))
            layouts[keys] = layout
        out: list[Any] = [None] * len(FIELDS)
        for k, j in layout:
            v = obj[k]
            out[j] = v if v is None or isinstance(v, str | bool) else str(v)
        yield line_no, out, obj
    summary.ignored_columns = list(ignored)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "True", "TRUE", "Yes", "YES"})
_FALSE = frozenset({"", "0", "false", "f", "no", "n", "False", "FALSE", "No", "NO"})
_TYPES = {t.value: t for t in ActivityType}
_FITS = {t.value: {o.value for o in outs} for t, outs in OUTCOMES_BY_TYPE.items()}
_OUTCOMES = {o.value for o in ActivityOutcome}
MAX_KEY = 200


# ------------------------------------------------------------------ parsing one row


@dataclass(slots=True)
class Parsed:
    """One row's values, checked; ``target`` is ("client_id"|"lead_id"|"email", value)."""

    line: int
    raw: Any
    activity_id: str | None
    target: tuple[str, Any] | None
    rep: str | None
    type: str
    outcome: str
    at: datetime
    verified_dial: bool
    duration_s: int | None
    callback_at: datetime | None
    meeting_at: datetime | None
    note: str | None


def _text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    s = (v if type(v) is str else str(v)).strip()
    return s or None


_WORDS: dict[str, str | None] = {}  # type/outcome spellings seen -> normal form


def _word(v: Any) -> str | None:
    if v is None:
        return None
    w = _WORDS.get(v)
    if w is None and v not in _WORDS:
        s = str(v).strip()
        w = s.lower().replace("-", "_").replace(" ", "_") if s else None
        if len(_WORDS) < 10_000:
            _WORDS[v] = w
    return w


def _time(v: Any, name: str, reasons: list[str], required: bool = False) -> datetime | None:
    s = _text(v)
    if s is None:
        if required:
            reasons.append(f"{name}: missing")
        return None
    t: datetime | None = None
    if s[:4].isdigit() and not s.isdigit():  # ISO 8601, the dialer's usual form: the fast path
        try:
            t = datetime.fromisoformat(s)
            t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
        except ValueError:
            t = None
    if t is None:
        t = parse_datetime(s)
    if t is None:
        reasons.append(f"{name}: not a date/time")
    return t


def parse_row(line: int, values: Any, raw: Any) -> Parsed | list[str]:
    """A checked row (``values`` in FIELDS order), or the reasons it is rejected; ``values``
    is the reason itself for a structurally broken row."""
    if type(values) is str:
        return [values]
    reasons: list[str] = []
    activity_id, at, rep, client_id, lead_id, email, typ, outcome, verified, dur, cb, mt, note = values
    activity_id = _text(activity_id)
    if activity_id is not None and len(activity_id) > MAX_KEY:
        reasons.append(f"activity_id: longer than {MAX_KEY} characters")
    when = _time(at, "at", reasons, required=True)
    t = _word(typ)
    o = _word(outcome)
    if t is None:
        reasons.append("type: missing")
    elif t not in _TYPES:
        reasons.append("type: not one of call, email, meeting, disposition")
    if o is None:
        reasons.append("outcome: missing")
    elif o not in _OUTCOMES:
        reasons.append("outcome: unknown")
    elif t in _FITS and o not in _FITS[t]:
        reasons.append("outcome: does not fit the type")
    target: tuple[str, Any] | None = None
    for kind, value in (("client_id", client_id), ("lead_id", lead_id)):
        s = _text(value)
        if s is not None and target is None:
            s = s.removeprefix("#").removeprefix(f"{kind[:-3]}:")
            if not (s.isdigit() and len(s) <= 18):
                reasons.append(f"{kind}: not a number")
            target = (kind, int(s) if s.isdigit() and len(s) <= 18 else None)
    if target is None:
        e = _text(email)
        if e is None:
            reasons.append("client: missing (give client_id, lead_id or email)")
        else:
            target = ("email", e.lower())
    if verified is None or type(verified) is bool:
        flag = bool(verified)
    elif verified in _TRUE:
        flag = True
    elif verified in _FALSE:
        flag = False
    else:
        v = str(verified).strip().lower()
        flag = v in _TRUE
        if not flag and v not in _FALSE:
            reasons.append("verified_dial: not true/false")
    duration: int | None = None
    d = _text(dur)
    if d is not None:
        try:
            duration = int(float(d)) if "." in d else int(d)
        except ValueError:
            duration = -1
        if duration < 0 or duration > 10**7:
            reasons.append("duration_s: not a whole number of seconds (0 or more)")
    callback = _time(cb, "callback_at", reasons)
    meeting = _time(mt, "meeting_at", reasons)
    if reasons:
        return reasons
    assert when is not None and t is not None and o is not None
    return Parsed(
        line, raw, activity_id, target, _text(rep), t, o, when, flag, duration, callback, meeting, _text(note)
    )
