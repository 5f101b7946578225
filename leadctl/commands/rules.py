"""leadctl rules …"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import error, message


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
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate_cmd(files: tuple[str, ...]) -> None:
    """Check rules files for errors (no database needed).

    Prints 'FILE: OK' or the first problem with its line and key; exits 1 if any file
    has a problem.

    \b
    Example:
      leadctl rules validate rules.yaml
      leadctl rules validate configs/*.yaml && git commit -m "new rules"
    """
    from pathlib import Path

    from leadctl.errors import ConfigError
    from leadctl.rules import validate_file

    failed = 0
    for name in files:
        try:
            validate_file(Path(name))
        except ConfigError as exc:
            error(str(exc))
            failed += 1
        else:
            message(f"{name}: OK")
    if failed:
        click.get_current_context().exit(1)


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
        error(f"{len(errors)} error(s) in the rules")
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
