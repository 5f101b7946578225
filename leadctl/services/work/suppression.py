"""Do-not-contact (``leadctl dnc``): e-mails and phones suppressed everywhere, now and later.

An entry (``suppression``) is an e-mail (stored lower-case) or a phone (stored E.164, read
with the rules' default region, ``phones.default_region``) with a reason, who added it and
when; at most one active entry per kind and value (a partial unique index).

* Adding entries (``add``, ``import_file``) suppresses every unmerged client whose e-mail, or
  either phone, matches: stage ``do_not_contact`` (``stage_changed`` event), its active
  assignment ended via the ledger (``AssignmentEnd.SUPPRESSED``) and a ``suppressed`` event
  on its timeline — set-based, in the one write transaction.
* Processing checks new clients (``screen_new_clients`` / ``record_screened``, called by
  ``services/intake/processing.py``): a new lead matching an active entry still becomes a
  client (nothing is lost, duplicates still attach to it), but one born ``do_not_contact``
  with no manager, and with the ``suppressed`` event. A duplicate lead joins its existing
  client unchanged.
* Removing an entry (``remove``) stops it suppressing future leads and writes an
  ``unsuppressed`` event on each matching client's timeline. It does NOT move anyone out of
  ``do_not_contact``: a person who asked not to be contacted is not put back in a rep's list
  silently. The result lists those clients so an admin can review them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection, Engine

from leadctl.errors import InputError, NotFound
from leadctl.rules import Rules
from leadctl.services import events as timeline
from leadctl.services.admin.common import actor as current_actor
from leadctl.services.events import Event
from leadctl.services.work.activities import move_to_terminal
from leadctl.storage import bulk, schema
from leadctl.storage.engine import read, write
from leadctl.storage.sqlfunc import in_chunks
from leadctl.timeutil import now
from leadctl.vocab import EventKind, Stage, SuppressionKind

S = schema.suppression
C = schema.client
REJ = schema.rejected_row
LIST_FIELDS = ("id", "kind", "value", "reason", "added_at", "added_by", "removed_at", "removed_by")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
Entry = tuple[int, str, str, str | None]  # id, kind, value, reason


def normalise(kind: SuppressionKind, value: str, region: str) -> str:
    """The stored form of a value: a lower-case e-mail or an E.164 phone; InputError otherwise."""
    text = value.strip()
    if kind is SuppressionKind.EMAIL:
        email = text.lower()
        if not _EMAIL.match(email):
            raise InputError(f"email {value!r}: not an e-mail address")
        return email
    from leadctl.services.intake import phones

    info = phones.analyse(text, region) if text else None
    if info is None or not info.valid:
        raise InputError(f"phone {value!r}: not a phone number")
    return info.e164


def _client_matches(conn: Connection, entries: Iterable[Entry]) -> dict[int, list[Entry]]:
    """Unmerged clients matching entries: client id -> the entries it matches."""
    by_value: dict[tuple[str, str], Entry] = {(e[1], e[2]): e for e in entries}
    emails = [v for k, v in by_value if k == SuppressionKind.EMAIL]
    phones = [v for k, v in by_value if k == SuppressionKind.PHONE]
    out: dict[int, list[Entry]] = {}
    cols = (C.c.id, C.c.email, C.c.business_phone, C.c.mobile_phone)
    conds = [*in_chunks(conn, C.c.email, emails)]
    conds += [
        or_(a, b)
        for a, b in zip(
            in_chunks(conn, C.c.business_phone, phones),
            in_chunks(conn, C.c.mobile_phone, phones),
            strict=True,
        )
    ]
    seen: set[tuple[int, int]] = set()
    for cond in conds:
        for cid, email, business, mobile in conn.execute(
            select(*cols).where(cond, C.c.merged_into_id.is_(None))
        ):
            for key in (
                (SuppressionKind.EMAIL, email),
                (SuppressionKind.PHONE, business),
                (SuppressionKind.PHONE, mobile),
            ):
                e = by_value.get(key)  # type: ignore[arg-type]
                if e is not None and (cid, e[0]) not in seen:
                    seen.add((cid, e[0]))
                    out.setdefault(cid, []).append(e)
    return out


def _suppress(conn: Connection, entries: list[Entry], who: str, at: datetime) -> tuple[int, int]:
    """Apply new entries to existing clients; returns (clients suppressed, assignments ended)."""
    matches = _client_matches(conn, entries)
    if not matches:
        return 0, 0
    targets = {cid: (Stage.DO_NOT_CONTACT, f"dnc:{es[0][0]}") for cid, es in matches.items()}
    _moved, ended = move_to_terminal(conn, targets, actor=who, at=at)
    timeline.append(conn, _events(EventKind.SUPPRESSED, matches, who, at))
    return len(matches), ended


def _events(kind: EventKind, matches: Mapping[int, list[Entry]], who: str, at: datetime) -> list[Event]:
    out = []
    for cid, es in matches.items():
        for sid, k, value, reason in es:
            data: dict[str, Any] = {"suppression_id": sid, "kind": k, "value": value}
            if kind is EventKind.SUPPRESSED:
                data["reason"] = reason
            out.append(Event(kind, at, who, client_id=cid, data=data))
    return out


def _active(conn: Connection, kind: str, values: Iterable[str]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for cond in in_chunks(conn, S.c.value, values):
        q = select(S.c.id, S.c.kind, S.c.value, S.c.reason).where(
            cond, S.c.kind == kind, S.c.removed_at.is_(None)
        )
        out.update({r.value: (r.id, r.kind, r.value, r.reason) for r in conn.execute(q)})
    return out


def _insert(
    conn: Connection, pairs: list[tuple[str, str, str | None]], who: str, at: datetime
) -> tuple[list[Entry], int]:
    """Insert (kind, value, reason) entries not already active; return (new entries, already active)."""
    fresh: dict[tuple[str, str], str | None] = {}
    for kind in SuppressionKind:
        values = [v for k, v, _ in pairs if k == kind]
        existing = _active(conn, kind, values)
        for k, v, r in pairs:
            if k == kind and v not in existing and (k, v) not in fresh:
                fresh[(k, v)] = r
    rows = [(k, v, r, at, who) for (k, v), r in fresh.items()]
    bulk.insert_rows(conn, S, ("kind", "value", "reason", "added_at", "added_by"), rows)
    new: list[Entry] = []
    for kind in SuppressionKind:
        values = [v for k, v in fresh if k == kind]
        new += _active(conn, kind, values).values()
    return new, len(pairs) - len(fresh)


@dataclass
class DncResult:
    added: int = 0
    already_listed: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    rejections: list[str] = field(default_factory=list)
    clients_suppressed: int = 0
    assignments_ended: int = 0
    entries: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _entry_rows(conn: Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for cond in in_chunks(conn, S.c.id, ids):
        out += [dict(r) for r in conn.execute(select(*(S.c[f] for f in LIST_FIELDS)).where(cond)).mappings()]
    return sorted(out, key=lambda r: r["id"])


def add(
    engine: Engine,
    rules: Rules,
    *,
    email: str | None = None,
    phone: str | None = None,
    reason: str | None = None,
) -> DncResult:
    """Suppress one e-mail or phone (idempotent: an active entry is reported, not repeated)."""
    if (email is None) == (phone is None):
        raise InputError("give exactly one of email or phone")
    kind = SuppressionKind.EMAIL if email is not None else SuppressionKind.PHONE
    value = normalise(kind, email if email is not None else phone or "", rules.phones.default_region)
    who, ts = current_actor(), now()
    result = DncResult()
    with write(engine) as conn:
        new, already = _insert(conn, [(kind.value, value, (reason or "").strip() or None)], who, ts)
        result.added, result.already_listed = len(new), already
        result.clients_suppressed, result.assignments_ended = _suppress(conn, new, who, ts)
        ids = [e[0] for e in new] or [e[0] for e in _active(conn, kind, [value]).values()]
        result.entries = _entry_rows(conn, ids)
    return result


def import_file(engine: Engine, rules: Rules, path: str) -> DncResult:
    """Suppress the e-mails and phones of a CSV (columns email and/or phone, optional reason;
    or kind + value). Bad rows are rejected with line and reason and kept; the rest added."""
    from leadctl.services.intake.read import read_rows

    parsed = read_rows(path)
    heads = {h.strip().lower().replace(" ", "_"): h for h in parsed.headers}
    if not ({"email", "phone"} & heads.keys() or {"kind", "value"} <= heads.keys()):
        raise InputError(f"{parsed.name} line 1: missing column(s) email and/or phone (or kind and value)")
    region = rules.phones.default_region
    who, ts = current_actor(), now()
    result = DncResult()
    pairs: list[tuple[str, str, str | None]] = []
    rejected: list[tuple[Any, ...]] = []
    reasons_count: dict[str, int] = {}
    for line, raw_row, problem in parsed.rows:
        raw = parsed.raw_dict(raw_row)

        def get(name: str, raw: dict[str, Any] = raw) -> str:
            return str(raw.get(heads.get(name, ""), "") or "").strip()

        wanted: list[tuple[SuppressionKind, str]] = []
        if "kind" in heads:
            k = get("kind").lower()
            if k in ("email", "phone"):
                wanted.append((SuppressionKind(k), get("value")))
            else:
                problem = problem or "kind: not email or phone"
        wanted += [(SuppressionKind(k), get(k)) for k in ("email", "phone") if k in heads and get(k)]
        row_pairs: list[tuple[str, str, str | None]] = []
        for k, v in wanted:
            try:
                row_pairs.append((k.value, normalise(k, v, region), get("reason") or None))
            except InputError as exc:
                problem = problem or f"{k.value}: {str(exc).split(': ', 1)[1]}"
        if not row_pairs and problem is None:
            problem = "row: no email or phone"
        if problem is not None:
            result.rejected += 1
            reasons_count[problem] = reasons_count.get(problem, 0) + 1
            if len(result.rejections) < 20:
                result.rejections.append(f"{parsed.name} line {line}: {problem}")
            rejected.append(("dnc import", parsed.name, line, raw, [problem], who, ts))
            continue
        pairs += row_pairs
    result.rejected_by_reason = reasons_count
    with write(engine) as conn:
        new, already = _insert(conn, pairs, who, ts)
        result.added, result.already_listed = len(new), already
        result.clients_suppressed, result.assignments_ended = _suppress(conn, new, who, ts)
        bulk.insert_rows(
            conn, REJ, ("command", "source", "line_no", "raw", "reasons", "actor", "created_at"), rejected
        )
    return result


def list_entries(
    engine: Engine, *, include_removed: bool = False, search: str | None = None
) -> list[dict[str, Any]]:
    with read(engine) as conn:
        q = select(*(S.c[f] for f in LIST_FIELDS)).order_by(S.c.id)
        if not include_removed:
            q = q.where(S.c.removed_at.is_(None))
        if search and search.strip():
            q = q.where(S.c.value.contains(search.strip().lower(), autoescape=True))
        return [dict(r) for r in conn.execute(q).mappings()]


def remove(
    engine: Engine, rules: Rules, *, email: str | None = None, phone: str | None = None
) -> dict[str, Any]:
    """End an active entry: future leads are no longer suppressed by it; matching clients get an
    ``unsuppressed`` event but keep their stage (listed in ``clients_still_do_not_contact``)."""
    if (email is None) == (phone is None):
        raise InputError("give exactly one of email or phone")
    kind = SuppressionKind.EMAIL if email is not None else SuppressionKind.PHONE
    value = normalise(kind, email if email is not None else phone or "", rules.phones.default_region)
    who, ts = current_actor(), now()
    with write(engine) as conn:
        entry = _active(conn, kind, [value]).get(value)
        if entry is None:
            raise NotFound(f"{kind.value} {value} is not on the do-not-contact list (see 'leadctl dnc list')")
        conn.execute(update(S).where(S.c.id == entry[0]).values(removed_at=ts, removed_by=who))
        matches = _client_matches(conn, [entry])
        timeline.append(conn, _events(EventKind.UNSUPPRESSED, matches, who, ts))
        still = sorted(
            cid
            for cid, stage in conn.execute(select(C.c.id, C.c.stage).where(C.c.id.in_(list(matches) or [-1])))
            if stage == Stage.DO_NOT_CONTACT
        )
        row = _entry_rows(conn, [entry[0]])[0]
    row["clients_still_do_not_contact"] = still
    return row


# ------------------------------------------------------------------ intake hook


def screen_new_clients(conn: Connection, rows: Mapping[int, dict[str, Any]]) -> dict[int, list[Entry]]:
    """Of clients about to be created (key -> row with email and phones, already normalised),
    those matching an active entry: key -> entries. Their rows get no manager (never routed)."""
    emails = {r["email"] for r in rows.values() if r.get("email")}
    phones = {p for r in rows.values() for p in (r.get("business_phone"), r.get("mobile_phone")) if p}
    active = {
        (SuppressionKind.EMAIL.value, v): e for v, e in _active(conn, SuppressionKind.EMAIL, emails).items()
    }
    active |= {
        (SuppressionKind.PHONE.value, v): e for v, e in _active(conn, SuppressionKind.PHONE, phones).items()
    }
    if not active:
        return {}
    out: dict[int, list[Entry]] = {}
    for key, r in rows.items():
        hits = [
            active[k]
            for k in (
                ("email", r.get("email")),
                ("phone", r.get("business_phone")),
                ("phone", r.get("mobile_phone")),
            )
            if k in active
        ]
        if hits:
            out[key] = list(dict.fromkeys(hits))
            r["manager_id"] = None
    return out


def record_screened(conn: Connection, screened: Mapping[int, list[Entry]], who: str, at: datetime) -> None:
    """For new clients ``screen_new_clients`` found (by their real ids): stage do_not_contact,
    a ``stage_changed`` and a ``suppressed`` event each."""
    if screened:
        targets = {cid: (Stage.DO_NOT_CONTACT, f"dnc:{es[0][0]}") for cid, es in screened.items()}
        move_to_terminal(conn, targets, actor=who, at=at)
        timeline.append(conn, _events(EventKind.SUPPRESSED, screened, who, at))
