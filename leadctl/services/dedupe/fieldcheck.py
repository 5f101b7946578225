"""Field names a rules file compares, checked against the data's columns (``rules validate``).

What the columns are can be known from the database's loads (each load records its mapping:
the headers kept as custom fields) and from a ``--mapping`` file (header -> lead field or
``custom``). With neither, nothing is reported: any name may be a custom column still to come.
``process`` and ``train`` check the leads themselves (:func:`.model.unknown_fields`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection

from leadctl.services.dedupe.model import KNOWN_FIELDS
from leadctl.storage import schema

LOAD = schema.load


def stored_columns(url: str) -> set[str] | None:
    """The stored loads' custom columns, or None when there is no database yet (a SQLite file
    that does not exist is never created here), it cannot be reached or has no load."""
    from sqlalchemy import inspect

    from leadctl.errors import ConfigError
    from leadctl.storage.engine import create, normalise_url, sqlite_path

    try:
        parsed = normalise_url(url)
    except ConfigError:
        return None
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is None or not path.exists():
            return None
    engine = create(parsed)  # not open_engine: a new database is not set up from here
    try:
        with engine.connect() as conn:
            return loaded_columns(conn) if inspect(conn).has_table("load") else None
    except Exception:  # an unreachable server or an unreadable file: the rules file alone is checked
        return None
    finally:
        engine.dispose()


def loaded_columns(conn: Connection) -> set[str] | None:
    """Every custom column of the loads in force (each load records its mapping); None: no load."""
    out: set[str] | None = None
    for (mapping,) in conn.execute(select(LOAD.c.mapping).where(LOAD.c.undone_at.is_(None))):
        out = out if out is not None else set()
        if isinstance(mapping, Mapping):
            out.update(str(c) for c in mapping.get("custom") or ())
    return out


def check_field_names(
    named: Mapping[str, int],
    where: str,
    *,
    custom: Iterable[str] | None,
    mapping: Mapping[str, str] | None = None,
    source: str = "",
) -> list[str]:
    """``rules validate``: the fields a rules file names (name -> line) that match no lead field
    and no custom column known from ``custom`` (the stored loads) or ``mapping`` (header -> lead
    field or ``custom``). Nothing is reported when neither is known."""
    if custom is None and mapping is None:
        return []
    present = set(custom or ())
    mapped: dict[str, str] = {}
    for header, target in (mapping or {}).items():
        if target == "custom":
            present.add(header)
        else:
            mapped[header] = target
    out = []
    for name, line in named.items():
        if name in KNOWN_FIELDS or name in present:
            continue
        if name in mapped:
            out.append(
                f"{where} line {line}: duplicates: field {name!r} is a column the mapping loads as lead "
                f"field {mapped[name]!r}: name {mapped[name]!r} instead"
            )
            continue
        close = difflib.get_close_matches(name, sorted(present | KNOWN_FIELDS), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        columns = ", ".join(sorted(present)) or "none"
        out.append(
            f"{where} line {line}: duplicates: field {name!r} matches no lead field and no custom column "
            f"of {source}{hint}: it would never be compared; custom columns: {columns}"
        )
    return out
