"""One naming pattern across the admin groups (issue 8, "Consistency"), the old spellings kept
as hidden aliases, and one plural helper for counted nouns."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

import leadctl
from leadctl.cli import cli
from leadctl.output import plural
from tests.conftest import Leadctl

# Groups whose thing is made with `create` and switched with `activate` / `deactivate`.
ENTITY_GROUPS = ("campaign", "bucket", "rep")
# Groups where `add` / `remove` put members or entries into something that exists.
MEMBER_GROUPS = ("dnc", "lists")


def _group(name: str) -> click.Group:
    ctx = click.Context(cli)
    command = cli.get_command(ctx, name)
    assert isinstance(command, click.Group), name
    return command


def _visible(group: click.Group) -> dict[str, click.Command]:
    ctx = click.Context(group)
    out = {}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            out[name] = command
    return out


def _visible_options(command: click.Command) -> set[str]:
    return {
        opt
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden
        for opt in (*p.opts, *p.secondary_opts)
    }


@pytest.mark.parametrize("name", [*ENTITY_GROUPS, "lists"])
def test_a_new_thing_is_made_with_create(name: str) -> None:
    commands = _visible(_group(name))
    assert "create" in commands
    if name in ENTITY_GROUPS:
        assert "add" not in commands  # `add` is for members and entries


@pytest.mark.parametrize("name", MEMBER_GROUPS)
def test_members_and_entries_are_added_and_removed(name: str) -> None:
    commands = _visible(_group(name))
    assert {"add", "remove"} <= set(commands)


@pytest.mark.parametrize("name", ENTITY_GROUPS)
def test_activation_is_a_verb_pair_and_list_takes_all(name: str) -> None:
    commands = _visible(_group(name))
    assert {"activate", "deactivate"} <= set(commands)
    assert "edit" in commands
    assert not {"--active", "--inactive"} & _visible_options(commands["edit"])
    assert "--all" in _visible_options(commands["list"])


def test_every_admin_listing_spells_include_deactivated_as_all() -> None:
    for name in (*ENTITY_GROUPS, "dnc"):
        listing = _visible(_group(name))["list"]
        options = _visible_options(listing)
        assert "--all" in options, name
        assert not {"--include-inactive", "--inactive"} & options, name


def test_old_spellings_still_work_but_are_hidden(leadctl: Leadctl) -> None:
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")  # the old verb
    assert "add " not in leadctl("rep", "--help").stdout.split("Commands:")[1]
    leadctl("rep", "deactivate", "ana@example.com")
    leadctl("rep", "edit", "ana@example.com", "--active")  # the old flag
    assert leadctl.json("rep", "show", "ana@example.com")["active"] is True
    leadctl("rep", "deactivate", "ana@example.com")
    back = leadctl("rep", "activate", "ana@example.com")
    assert "Rep ana@example.com reactivated." in back.stderr
    assert leadctl.json("rep", "show", "ana@example.com")["active"] is True

    leadctl("campaign", "create", "Outbound")
    leadctl("campaign", "edit", "Outbound", "--inactive")
    assert leadctl.json("campaign", "show", "Outbound")["active"] is False
    leadctl("campaign", "activate", "Outbound")
    assert leadctl.json("campaign", "show", "Outbound")["active"] is True
    leadctl("campaign", "deactivate", "Outbound")
    assert [c["active"] for c in leadctl.json("campaign", "list", "--all")] == [False]
    assert leadctl.json("campaign", "list", "--active-only") == []
    assert leadctl("campaign", "list", "--all", "--active-only", ok=False).exit_code == 2


def test_plural_helper() -> None:
    assert plural(1, "row") == "1 row"
    assert plural(0, "row") == "0 rows"
    assert plural(1234, "lead") == "1,234 leads"
    assert plural(2, "entry") == "2 entries"
    assert plural(2, "day") == "2 days"
    assert plural(2, "person", "people") == "2 people"


def test_counts_read_one_row_not_one_rows(leadctl: Leadctl, tmp_path: Path) -> None:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    path = tmp_path / "a.csv"
    path.write_text("Email,First Name\nana@x.example,Ana\n", encoding="utf-8")
    leadctl("load", str(path), "--bucket", "web")
    fixes = tmp_path / "f.csv"
    fixes.write_text("id,first_name\n1,Anna\n", encoding="utf-8")
    out = leadctl("leads", "import-fixes", str(fixes))
    assert f"{fixes}: 1 row; fixed 1 lead, 0 unchanged, 0 rejected" in out.stderr
    off = leadctl("bucket", "deactivate", "web")
    assert "its 1 lead is kept" in off.stderr


# The command modules of the admin and intake groups say "1 row", never "row(s)".
OWNED = ("load", "leads", "campaign", "bucket", "rep", "dnc", "db", "rules", "info")


def test_no_parenthesised_plurals_in_messages() -> None:
    root = Path(leadctl.__file__).parent
    paths = [root / "commands" / f"{m}.py" for m in OWNED]
    paths += [root / "services" / "intake" / f"{m}.py" for m in ("leads", "loads", "import_fixes", "fixes")]
    found = [
        f"{p.name}:{n}: {line.strip()}"
        for p in paths
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"[a-z]\(s\)", line) and ('f"' in line or "f'" in line)
    ]
    assert found == []
