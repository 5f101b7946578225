"""Lists — a rep's fixed lists, derived from activities, and the custom lists a rep keeps.

**Fixed lists** (``FIXED_LISTS``, one row each, the definitions the README repeats): a client
of the rep (active assignment) is on a fixed list when its *latest* activity among the
list's ``considered`` ones is one of the list's ``qualifying`` ones — so a rebooked no-show
leaves No Shows & Cancels, and a client called back after calling in leaves Missed Calls.
Each list is one set-based query (``ROW_NUMBER()`` over the rep's clients' activities).

**Custom lists** (``custom_list`` / ``custom_list_member``, migration 0009): named per rep;
``add`` takes the rep's own clients only (all or nothing; a ``listed`` event each), ``remove``
and ``delete`` write ``unlisted`` events. A member reassigned to another rep stays a member
but is not shown.

Disqualified and do-not-contact clients leave every list (fixed and custom) automatically.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from leadctl.errors import ConflictError, InputError, NotFound
from leadctl.services.events import Event
from leadctl.storage import schema
from leadctl.storage.sqlfunc import unindexed
from leadctl.vocab import ActivityOutcome as O  # noqa: N817
from leadctl.vocab import ActivityType as T  # noqa: N817
from leadctl.vocab import EventKind, Stage

if TYPE_CHECKING:
    from leadctl.rules import Rules

ACT = schema.activity
A = schema.assignment
C = schema.client
L = schema.custom_list
M = schema.custom_list_member
HIDDEN = (Stage.DISQUALIFIED, Stage.DO_NOT_CONTACT)
MAX_NAME = 200

# (type, outcome or None for any outcome of the type)
Kinds = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class FixedList:
    name: str
    considered: Kinds
    qualifying: Callable[[Rules], Kinds]
    definition: str


def _k(*pairs: tuple[str, str | None]) -> Callable[[Rules], Kinds]:
    return lambda _rules: tuple(pairs)


FIXED_LISTS: tuple[FixedList, ...] = (
    FixedList(
        "Missed Calls",
        ((T.CALL, None), (T.INTENT, O.INBOUND)),
        _k((T.CALL, O.NO_ANSWER), (T.CALL, O.VOICEMAIL), (T.INTENT, O.INBOUND)),
        "the latest call went unanswered (no_answer, voicemail), or the client called in "
        "(intent inbound) and has not been called since",
    ),
    FixedList(
        "No Shows & Cancels",
        ((T.MEETING, None),),
        _k((T.MEETING, O.NO_SHOW), (T.MEETING, O.CANCELLED)),
        "the latest meeting activity is a no-show or a cancellation (not rebooked since)",
    ),
    FixedList(
        "Nurture",
        ((T.DISPOSITION, None),),
        lambda rules: tuple((T.DISPOSITION.value, o) for o in rules.nurture.outcomes),
        "the latest disposition is one of nurture.outcomes in the rules (nurture, callback): "
        "the clients reserved for their rep",
    ),
    FixedList(
        "Booked Meetings",
        ((T.MEETING, None),),
        _k((T.MEETING, O.BOOKED), (T.MEETING, O.CONFIRMED)),
        "the latest meeting activity is booked or confirmed (not yet held, missed or cancelled)",
    ),
    FixedList(
        "Feedback Received",
        ((T.DISPOSITION, O.FEEDBACK),),
        _k((T.DISPOSITION, O.FEEDBACK)),
        "a feedback disposition was recorded",
    ),
    FixedList(
        "Email Responses",
        ((T.EMAIL, O.REPLIED),),
        _k((T.EMAIL, O.REPLIED)),
        "the client replied to an e-mail",
    ),
)

SHOW_COLUMNS = ("client_id", "name", "email", "company", "stage", "last", "at", "meeting_at", "callback_at")
CUSTOM_COLUMNS = ("client_id", "name", "email", "company", "stage", "added_at", "added_by")
OVERVIEW_COLUMNS = ("list", "type", "clients", "definition")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


_FIXED_BY_SLUG = {_slug(f.name): f for f in FIXED_LISTS}


def _match(kinds: Kinds) -> ColumnElement[bool]:
    """An activity of these kinds. The type is not offered to SQLite's planner: without
    statistics it read every activity of the type (2M calls at 1M clients) and then each one's
    assignment, instead of the rep's clients and then each one's activities."""
    typ = unindexed(ACT.c.type)
    return or_(*(typ == t if o is None else and_(typ == t, ACT.c.outcome == o) for t, o in kinds))


def _fixed_query(rep_id: int, fixed: FixedList, rules: Rules) -> Any:
    """The rep's clients on ``fixed``: their latest considered activity qualifies."""
    ranked = (
        select(
            ACT.c.client_id,
            ACT.c.type,
            ACT.c.outcome,
            ACT.c.at,
            ACT.c.meeting_at,
            ACT.c.callback_at,
            func.row_number()
            .over(partition_by=ACT.c.client_id, order_by=(ACT.c.at.desc(), ACT.c.id.desc()))
            .label("rn"),
        )
        .join(A, and_(A.c.client_id == ACT.c.client_id, A.c.ended_at.is_(None), A.c.rep_id == rep_id))
        .where(_match(fixed.considered))
        .subquery()
    )
    qualifying = fixed.qualifying(rules)
    hit = or_(
        *(
            and_(ranked.c.type == t, ranked.c.outcome == o) if o is not None else ranked.c.type == t
            for t, o in qualifying
        )
    )
    return (
        select(ranked, C.c.first_name, C.c.last_name, C.c.email, C.c.company, C.c.stage)
        .join(C, C.c.id == ranked.c.client_id)
        .where(ranked.c.rn == 1, hit, C.c.stage.not_in(HIDDEN), C.c.merged_into_id.is_(None))
    )


def _custom_members(list_id: int, rep_id: int) -> Any:
    return (
        select(M.c.client_id, M.c.added_at, M.c.added_by, C.c.first_name, C.c.last_name, C.c.email)
        .add_columns(C.c.company, C.c.stage)
        .join(C, C.c.id == M.c.client_id)
        .join(A, and_(A.c.client_id == M.c.client_id, A.c.ended_at.is_(None), A.c.rep_id == rep_id))
        .where(M.c.list_id == list_id, C.c.stage.not_in(HIDDEN))
    )


def _rep_id(conn: Connection, rep: str) -> int:
    from leadctl.services.admin.lookup import find_rep

    return int(find_rep(conn, rep)["id"])


def _custom(conn: Connection, rep_id: int, name: str) -> tuple[int, str] | None:
    row = conn.execute(
        select(L.c.id, L.c.name).where(L.c.rep_id == rep_id, func.lower(L.c.name) == name.strip().lower())
    ).first()
    return (int(row.id), str(row.name)) if row else None


def overview(engine: Engine, rules: Rules, rep: str) -> list[dict[str, Any]]:
    """The rep's fixed lists and custom lists with how many clients each shows."""
    from leadctl.storage.engine import read

    out: list[dict[str, Any]] = []
    with read(engine) as conn:
        rid = _rep_id(conn, rep)
        for fixed in FIXED_LISTS:
            n = conn.execute(
                select(func.count()).select_from(_fixed_query(rid, fixed, rules).subquery())
            ).scalar_one()
            out.append(
                {"list": fixed.name, "type": "fixed", "clients": int(n), "definition": fixed.definition}
            )
        for lid, name in conn.execute(select(L.c.id, L.c.name).where(L.c.rep_id == rid).order_by(L.c.name)):
            n = conn.execute(
                select(func.count()).select_from(_custom_members(lid, rid).subquery())
            ).scalar_one()
            out.append({"list": name, "type": "custom", "clients": int(n), "definition": "custom list"})
    return out


@dataclass
class Shown:
    name: str
    type: str  # fixed | custom
    definition: str
    rows: list[dict[str, Any]]
    hidden: int = 0  # custom lists: members reassigned away, disqualified or do-not-contact


def show(engine: Engine, rules: Rules, rep: str, name: str) -> Shown:
    """The clients on one list (a fixed list by name, spelled any way, else a custom list)."""
    from leadctl.storage.engine import read

    with read(engine) as conn:
        rid = _rep_id(conn, rep)
        fixed = _FIXED_BY_SLUG.get(_slug(name))
        if fixed is not None:
            q = _fixed_query(rid, fixed, rules)
            q = q.order_by(q.selected_columns.at.desc(), q.selected_columns.client_id)
            rows = [
                {
                    "client_id": r.client_id,
                    "name": _name(r.first_name, r.last_name),
                    "email": r.email,
                    "company": r.company,
                    "stage": r.stage,
                    "last": f"{r.type} {r.outcome}",
                    "at": r.at,
                    "meeting_at": r.meeting_at,
                    "callback_at": r.callback_at,
                }
                for r in conn.execute(q)
            ]
            return Shown(fixed.name, "fixed", fixed.definition, rows)
        found = _custom(conn, rid, name)
        if found is None:
            raise NotFound(f"no list {name!r} for {rep} (see 'leadctl lists --rep {rep}')")
        lid, shown_name = found
        members = conn.execute(select(func.count()).select_from(M).where(M.c.list_id == lid)).scalar_one()
        rows = [
            {
                "client_id": r.client_id,
                "name": _name(r.first_name, r.last_name),
                "email": r.email,
                "company": r.company,
                "stage": r.stage,
                "added_at": r.added_at,
                "added_by": r.added_by,
            }
            for r in conn.execute(_custom_members(lid, rid).order_by(M.c.added_at, M.c.client_id))
        ]
        return Shown(shown_name, "custom", "custom list", rows, int(members) - len(rows))


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


# ------------------------------------------------------------------ custom lists: changes


def create(engine: Engine, rep: str, name: str) -> dict[str, Any]:
    from leadctl.services.admin.common import actor
    from leadctl.storage.engine import write
    from leadctl.timeutil import now

    text = name.strip()
    if not text or len(text) > MAX_NAME:
        raise InputError(f"list name: give 1 to {MAX_NAME} characters")
    if _slug(text) in _FIXED_BY_SLUG:
        raise ConflictError(f"{text!r} is a fixed list; choose another name")
    with write(engine) as conn:
        rid = _rep_id(conn, rep)
        if _custom(conn, rid, text) is not None:
            raise ConflictError(f"{rep} already has a list {text!r}")
        ts = now()
        lid = conn.execute(
            insert(L).values(rep_id=rid, name=text, created_at=ts, created_by=actor())
        ).inserted_primary_key[0]  # type: ignore[index]
    return {"list_id": int(lid), "list": text, "rep": rep, "created_at": ts}


def _need(conn: Connection, rid: int, rep: str, name: str) -> tuple[int, str]:
    found = _custom(conn, rid, name)
    if found is None:
        if _slug(name) in _FIXED_BY_SLUG:
            raise ConflictError(f"{name!r} is a fixed list: its clients follow from their activities")
        raise NotFound(f"no custom list {name!r} for {rep} (create it with 'leadctl lists create')")
    return found


def _events(kind: EventKind, ids: Iterable[int], lid: int, name: str, who: str, ts: Any) -> list[Event]:
    return [Event(kind, ts, who, client_id=cid, data={"list_id": lid, "list": name}) for cid in ids]


def add(engine: Engine, rep: str, name: str, client_ids: Sequence[int]) -> dict[str, Any]:
    """Add the rep's own clients (all or nothing); already members are counted, not repeated."""
    from leadctl.services.admin.common import actor
    from leadctl.services.events import append
    from leadctl.storage import bulk
    from leadctl.storage.engine import write
    from leadctl.storage.sqlfunc import in_chunks
    from leadctl.timeutil import now

    wanted = sorted(set(client_ids))
    with write(engine) as conn:
        rid = _rep_id(conn, rep)
        lid, shown = _need(conn, rid, rep, name)
        found: dict[int, tuple[str, int | None, int | None]] = {}
        for cond in in_chunks(conn, C.c.id, wanted):
            q = (
                select(C.c.id, C.c.stage, C.c.merged_into_id, A.c.rep_id)
                .outerjoin(A, and_(A.c.client_id == C.c.id, A.c.ended_at.is_(None)))
                .where(cond)
            )
            found.update({r.id: (r.stage, r.merged_into_id, r.rep_id) for r in conn.execute(q)})
        for cid in wanted:
            hit = found.get(cid)
            if hit is None:
                raise NotFound(f"client {cid}: no such client")
            stage, merged, holder = hit
            if merged is not None:
                raise InputError(f"client {cid}: merged into client {merged} (add that one)")
            if stage in HIDDEN:
                raise InputError(f"client {cid}: stage {stage} leaves every list")
            if holder != rid:
                raise InputError(f"client {cid}: not assigned to {rep}")
        members: set[int] = set()
        for cond in in_chunks(conn, M.c.client_id, wanted):
            members.update(conn.execute(select(M.c.client_id).where(M.c.list_id == lid, cond)).scalars())
        new = [cid for cid in wanted if cid not in members]
        who, ts = actor(), now()
        bulk.insert_rows(
            conn, M, ("list_id", "client_id", "added_at", "added_by"), [(lid, c, ts, who) for c in new]
        )
        append(conn, _events(EventKind.LISTED, new, lid, shown, who, ts))
    return {"list": shown, "added": len(new), "already_members": len(wanted) - len(new)}


def remove(engine: Engine, rep: str, name: str, client_ids: Sequence[int]) -> dict[str, Any]:
    from leadctl.services.admin.common import actor
    from leadctl.services.events import append
    from leadctl.storage.engine import write
    from leadctl.storage.sqlfunc import in_chunks
    from leadctl.timeutil import now

    wanted = sorted(set(client_ids))
    with write(engine) as conn:
        rid = _rep_id(conn, rep)
        lid, shown = _need(conn, rid, rep, name)
        gone: list[int] = []
        for cond in in_chunks(conn, M.c.client_id, wanted):
            gone += conn.execute(select(M.c.client_id).where(M.c.list_id == lid, cond)).scalars()
            conn.execute(delete(M).where(M.c.list_id == lid, cond))
        append(conn, _events(EventKind.UNLISTED, sorted(gone), lid, shown, actor(), now()))
    return {"list": shown, "removed": len(gone), "not_members": len(wanted) - len(gone)}


def delete_list(engine: Engine, rep: str, name: str) -> dict[str, Any]:
    """Delete a custom list; each member gets an ``unlisted`` event."""
    from leadctl.services.admin.common import actor
    from leadctl.services.events import append
    from leadctl.storage.engine import write
    from leadctl.timeutil import now

    with write(engine) as conn:
        rid = _rep_id(conn, rep)
        lid, shown = _need(conn, rid, rep, name)
        members = list(
            conn.execute(select(M.c.client_id).where(M.c.list_id == lid).order_by(M.c.client_id)).scalars()
        )
        conn.execute(delete(M).where(M.c.list_id == lid))
        conn.execute(delete(L).where(L.c.id == lid))
        append(conn, _events(EventKind.UNLISTED, members, lid, shown, actor(), now()))
    return {"list": shown, "deleted": True, "members": len(members)}
