"""leadctl rep import on SQLite and PostgreSQL: creates, updates, idempotent, bad rows named."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from leadctl.storage import schema
from leadctl.storage.engine import read
from tests.conftest import Leadctl

TEAM = (
    "Email,Name,Role,Skills,Territories,Capacity,Time Zone\n"
    "Ana@Example.com,Ana Silva,closer,spanish; enterprise,US-West,300,America/Los_Angeles\n"
    "ben@example.com,Ben Ode,,,US-East;Canada,,America/Toronto\n"
    "not-an-email,Nobody,setter,,,,\n"
    "cy@example.com,Cy,boss,,,,\n"
    "dee@example.com,,setter,,,,\n"
    "eve@example.com,Eve,setter,,,lots,\n"
    "fay@example.com,Fay,setter,,,,Mars/Base\n"
    "ana@example.com,Ana Again,,,,,\n"
)


def test_import_creates_updates_and_is_idempotent(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("rep", "add", "ben@example.com", "--name", "Ben", "--capacity", "50")
    path = tmp_path / "team.csv"
    path.write_text(TEAM, encoding="utf-8")
    result = leadctl("rep", "import", str(path), "--format", "json")
    out = json.loads(result.stdout)
    assert out["created"] == ["ana@example.com"]
    assert out["updated"] == ["ben@example.com"]
    assert out["rejected"] == [
        f"{path} line 4: email: not an e-mail address",
        f"{path} line 5: role: not one of setter, closer, manager",
        f"{path} line 6: name: missing (needed for a new rep)",
        f"{path} line 7: capacity: not a whole number (0 or more)",
        f"{path} line 8: timezone: not a known time zone (use an IANA name such as America/New_York)",
        f"{path} line 9: email: repeats line 2",
    ]
    assert "rejected: " in result.stderr
    ana = leadctl.json("rep", "show", "ana@example.com")
    assert isinstance(ana, dict)
    assert (ana["role"], ana["skills"], ana["territories"], ana["capacity"], ana["timezone"]) == (
        "closer",
        ["spanish", "enterprise"],
        ["US-West"],
        300,
        "America/Los_Angeles",
    )
    ben = leadctl.json("rep", "show", "ben@example.com")
    assert isinstance(ben, dict)
    assert (ben["name"], ben["territories"], ben["capacity"]) == ("Ben Ode", ["US-East", "Canada"], 50)
    again = json.loads(leadctl("rep", "import", str(path), "--format", "json").stdout)
    assert again["created"] == [] and again["updated"] == []
    assert again["unchanged"] == ["ana@example.com", "ben@example.com"]
    with read(leadctl.engine()) as conn:
        n = conn.execute(select(func.count()).select_from(schema.rep)).scalar_one()
        kept = conn.execute(
            select(func.count())
            .select_from(schema.rejected_row)
            .where(schema.rejected_row.c.command == "rep import")
        ).scalar_one()
    assert n == 2 and kept == 12
    table = leadctl("rep", "import", str(path)).stdout
    assert "unchanged" in table


def test_a_file_without_an_email_column_changes_nothing(leadctl: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "team.csv"
    path.write_text("name,role\nAna,setter\n", encoding="utf-8")
    result = leadctl("rep", "import", str(path), ok=False)
    assert result.exit_code == 1 and "line 1: missing column email" in result.stderr
    assert leadctl.json("rep", "list", "--all") == []
