"""One vocabulary: statuses and event kinds are spelled only in leadctl/vocab.py.

Words like "rejected" or "assigned" also label counts in summaries; what must never be a
bare literal is a status or event kind *used as one*: compared with a status/kind, or given
as a kind. The check looks for those uses across the package.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Table

from leadctl.storage import schema
from leadctl.vocab import STORED_EVENT_KINDS, EventKind, LeadStatus, values

PACKAGE = Path(__file__).resolve().parent.parent / "leadctl"
WORDS = "|".join(map(re.escape, sorted({*values(LeadStatus), *values(EventKind)})))
# status == "new", ["status"] != 'processed', "kind": "loaded", kind="merged", (… "rejected", …) in a status IN
USE = re.compile(rf"""(status|kind)\W{{1,8}}(["'])({WORDS})\2""")


def test_no_status_or_event_kind_literal_outside_the_vocabulary() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocab.py":
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if USE.search(code):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{no}: {line.strip()}")
    assert found == []


def test_the_check_finds_what_it_is_for() -> None:
    assert USE.search('q.where(L.c.status == "duplicate")')
    assert USE.search('{"kind": "loaded", "actor": None}')
    assert not USE.search('{"result": "rejected", "rows": 3}')


def _check(table: Table, name: str) -> str:
    for c in table.constraints:
        if c.name == name:
            return str(getattr(c, "sqltext", ""))
    raise AssertionError(name)


def test_check_constraints_are_generated_from_the_vocabulary() -> None:
    listed = ", ".join(f"'{v}'" for v in values(LeadStatus))
    assert _check(schema.lead, "ck_lead_status") == f"status IN ({listed})"
    kinds = _check(schema.lead_event, "ck_lead_event_kind")
    assert all(f"'{k}'" in kinds for k in STORED_EVENT_KINDS)
    assert "'loaded'" not in kinds


def test_every_event_kind_has_a_documented_payload_and_a_readme_entry() -> None:
    from leadctl.services.events import PAYLOADS

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    for kind in EventKind:
        assert kind in PAYLOADS, kind
        assert f"`{kind.value}`" in readme, kind
