"""leadctl rules …"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import CampaignRef, When, input_file_argument
from leadctl.output import error, format_option, message, plural


@click.group()
def rules() -> None:
    """Validate, show and initialise the YAML rules file.

    The rules in effect are the built-in defaults, overridden key by key by the first of:
    --rules PATH, $LEADCTL_RULES, ~/.config/leadctl/rules.yaml.

    \b
    Example:
      leadctl rules validate rules.yaml
      leadctl --rules rules.yaml rules show
      leadctl rules init rules.yaml     # the defaults, every key commented
    """


@rules.command("validate")
@input_file_argument("files", metavar="FILE...", nargs=-1, required=True)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(dir_okay=False),
    help="Also check duplicate field names against the columns of this mapping file.",
)
@click.option("--no-db", is_flag=True, help="Do not look at the database's loads for custom columns.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (a field that matches no column).")
@click.pass_context
def validate_cmd(
    ctx: click.Context, files: tuple[str, ...], mapping_file: str | None, no_db: bool, strict: bool
) -> None:
    """Check rules files for errors (no database needed).

    Prints 'FILE: OK' or the first problem with its line and key; exits 1 if any file
    has a problem; - reads one file from stdin. A field named in duplicates.fields or
    blocking that is no lead field and no custom column of the leads loaded so far (when
    the database exists) or of --mapping is a warning naming the field and the columns
    present.

    \b
    Example:
      leadctl rules validate rules.yaml
      leadctl rules validate people-rules.yaml --mapping people-mapping.yaml --strict
      leadctl rules validate configs/*.yaml && git commit -m "new rules"
      git show HEAD:rules.yaml | leadctl rules validate -
    """
    from leadctl.errors import ConfigError
    from leadctl.output import warn
    from leadctl.rules import validate_file

    mapping, custom = _known_columns(ctx, mapping_file, no_db)
    failed = 0
    for name in files:
        try:
            validate_file(Path(name))
            warnings = _field_warnings(Path(name), mapping, custom, mapping_file)
        except ConfigError as exc:
            error(str(exc))
            failed += 1
        else:
            for text in warnings:
                warn(text)
            failed += bool(warnings and strict)
            message(f"{name}: OK" + (f" ({plural(len(warnings), 'warning')})" if warnings else ""))
    if failed:
        click.get_current_context().exit(1)


def _known_columns(
    ctx: click.Context, mapping_file: str | None, no_db: bool
) -> tuple[dict[str, str] | None, set[str] | None]:
    """The --mapping file's columns, and the custom columns of the stored loads (when the
    database exists and is reachable; rules validate never creates one)."""
    from leadctl.rules.loader import load_mapping

    mapping = load_mapping(mapping_file) if mapping_file else None
    app = ctx.find_object(AppContext)
    if no_db or app is None:
        return mapping, None
    from leadctl.services.dedupe.fieldcheck import stored_columns

    return mapping, stored_columns(app.database_url)


def _field_warnings(
    path: Path, mapping: dict[str, str] | None, custom: set[str] | None, mapping_file: str | None
) -> list[str]:
    from leadctl.rules.loader import duplicate_field_lines
    from leadctl.services.dedupe.fieldcheck import check_field_names

    source = " and ".join(
        s for s in ("the stored loads" if custom is not None else "", mapping_file or "") if s
    )
    return check_field_names(
        duplicate_field_lines(path), str(path), custom=custom, mapping=mapping, source=source
    )


@rules.command("show")
@click.argument("key", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("yaml", "json")),
    default="yaml",
    show_default=True,
    help="Output format.",
)
@pass_app
def show_cmd(app: AppContext, key: str | None, fmt: str) -> None:
    """Print the effective rules, or one KEY of them.

    The effective rules are the built-in defaults merged with your file; which file is in
    use is said on stderr.

    \b
    Example:
      leadctl rules show
      leadctl rules show phones.default_region
      leadctl --rules team.yaml rules show validation --format json
    """
    from leadctl.errors import InputError
    from leadctl.output import render_record, render_yaml

    effective = app.rules
    message(
        f"Rules: {effective.path} (over the built-in defaults)"
        if effective.path
        else "Rules: built-in defaults"
    )
    value = effective.data
    if key:
        try:
            value = effective.lookup(key)
        except (KeyError, TypeError):
            raise InputError(f"no rules key {key!r} (top-level keys: {', '.join(effective.data)})") from None
    if fmt == "json":
        render_record(value, "json")
    else:
        render_yaml(value)


@rules.command("lint")
@click.option("--no-db", is_flag=True, help="Check the file alone, without looking at reps and campaigns.")
@pass_app
def lint_cmd(app: AppContext, no_db: bool) -> None:
    """Flag unreachable or overlapping routing rules, zero-capacity pools, empty eligibility.

    Exits 1 when an error (not a warning) is found.

    \b
    Example:
      leadctl rules lint
      leadctl --rules new-rules.yaml rules lint --no-db
    """
    from leadctl.output import render
    from leadctl.services.assign.lint import lint

    rows = lint(app.rules, None if no_db else app.engine())
    if not rows:
        message(f"{app.rules.source}: no problems found")
        return
    render(rows, "table", ["level", "key", "problem"])
    errors = [r for r in rows if r["level"] == "error"]
    if errors:
        error(f"{plural(len(errors), 'error')} in the rules")
        raise SystemExit(1)


@rules.command("init")
@click.argument("path", required=False, metavar="[PATH]", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init_cmd(path: str | None, force: bool) -> None:
    """Write the built-in rules, every key commented, to PATH for an admin to edit.

    PATH defaults to ~/.config/leadctl/rules.yaml (the file leadctl reads when neither
    --rules nor $LEADCTL_RULES is given); - writes to stdout. An existing file is kept
    unless --force. Delete the keys you do not change: a rules file only needs those.

    \b
    Example:
      leadctl rules init
      leadctl rules init team-rules.yaml && leadctl rules validate team-rules.yaml
    """
    from pathlib import Path

    from leadctl.config import config_dir
    from leadctl.errors import ConflictError
    from leadctl.rules.loader import DEFAULT_FILE

    text = DEFAULT_FILE.read_text(encoding="utf-8")
    if path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path).expanduser() if path else config_dir() / "rules.yaml"
    if target.exists() and not force:
        raise ConflictError(f"{target}: exists already; add --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    message(f"Wrote the default rules to {target}; edit it, then run 'leadctl rules validate {target}'.")


@rules.command("diff")
@input_file_argument("old_file", metavar="OLD.yaml")
@input_file_argument("new_file", metavar="NEW.yaml")
@click.option(
    "--since",
    type=When(),
    default="30d",
    show_default=True,
    help="Replay the clients created since then (e.g. 30d, 2026-11-01).",
)
@click.option(
    "--campaign", "campaign_ref", metavar="C", type=CampaignRef(), help="Only this campaign's clients."
)
@format_option
@pass_app
def diff_cmd(
    app: AppContext, old_file: str, new_file: str, since: datetime, campaign_ref: str | None, fmt: str
) -> None:
    """Replay recent clients through two rule sets' routing and show who would change rep.

    Nothing is written. Both rule files are read over the built-in defaults, like --rules;
    one of them may be - (stdin).
    The table lists each from -> to move with the rule that decided on each side; JSON has
    the totals and the moves.

    \b
    Example:
      leadctl rules diff rules.yaml rules-new.yaml --since 30d
      leadctl rules diff rules.yaml rules-new.yaml --campaign "Outbound Q1" --format json
      git show HEAD~1:rules.yaml | leadctl rules diff - rules.yaml
    """
    from pathlib import Path

    from leadctl.output import heading, render, render_record
    from leadctl.rules import load_rules
    from leadctl.services.assign.rules_diff import diff

    result = diff(
        app.engine(),
        load_rules(Path(old_file)),
        load_rules(Path(new_file)),
        since=since,
        campaign_ref=campaign_ref,
    )
    if fmt == "json":
        render_record(result, fmt)
        return
    if fmt != "table":
        render(result["moves"], fmt, ["from_rep", "to_rep", "from_rule", "to_rule", "clients"])
        return
    message(
        f"{plural(result['clients'], 'client')} replayed: {result['changed']:,} would change rep, "
        f"{result['unchanged']} would not"
    )
    heading("From -> to")
    render(
        result["moves"],
        fmt,
        ["from_rep", "to_rep", "from_rule", "to_rule", "clients"],
        empty="No client changes rep.",
    )
