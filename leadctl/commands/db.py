"""leadctl db …: schema migrations. These commands skip the schema check every other command does."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option, message, render, render_record

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@click.group()
def db() -> None:
    """Database schema: upgrade, downgrade, show the current revision and the history.

    A new empty database is set up automatically on first use. After installing a newer
    leadctl, run 'leadctl db upgrade' once; every other command refuses a database whose
    schema is not the one it needs.

    \b
    Example:
      leadctl db current
      leadctl db upgrade
    """


def _current(engine: Engine) -> str | None:
    from leadctl.storage.migrate import current_revision

    with engine.connect() as conn:
        return current_revision(conn)


def _migrate(engine: Engine, run: Callable[..., None], revision: str) -> None:
    """Run one Alembic migration under the migration lock; bad revisions become one-line errors.

    Each finished revision step is named on stderr with its time (a long downgrade shows it
    is moving); all steps are one transaction, so Ctrl-C leaves the database as it was.
    """
    import time

    from alembic.util import CommandError as AlembicError

    from leadctl.errors import InputError
    from leadctl.storage.migrate import migration_lock

    started = [time.monotonic()]

    def on_step(verb: str, src: str | None, dst: str | None, doc: str) -> None:
        now = time.monotonic()
        short = doc if len(doc) <= 50 else doc[:49] + "…"
        message(f"  {verb} {_show(src)} → {_show(dst)} ({short}): {now - started[0]:.1f} s")
        started[0] = now

    with migration_lock(engine):
        try:
            run(engine, revision, on_step=on_step)
        except AlembicError as exc:
            raise InputError(f"revision {revision!r}: {exc} (see 'leadctl db history')") from None


def _show(rev: str | None) -> str:
    return rev or "base (empty)"


@db.command("upgrade")
@click.argument("revision", default="head", metavar="[REV]")
@pass_app
def upgrade_cmd(app: AppContext, revision: str) -> None:
    """Upgrade the database schema (default: to the newest).

    REV is a revision from 'leadctl db history' (default: head, the newest).

    \b
    Example:
      leadctl db upgrade
      leadctl --db postgresql://leadctl@db.internal/leads db upgrade
    """
    from leadctl.storage import migrate

    engine = app.engine(check_schema=False)
    before = _current(engine)
    target = migrate.HEAD if revision == "head" else revision
    if before == target:
        message(
            f"The database is already at revision {_show(before)}"
            + (" (head): nothing to do." if before == migrate.HEAD else ": nothing to do.")
        )
        return
    _migrate(engine, migrate.upgrade, revision)
    message(f"Upgraded the database schema from {_show(before)} to {_show(_current(engine))}.")


@db.command("downgrade")
@click.argument("revision", metavar="REV")
@click.option(
    "-y", "--yes", is_flag=True, help="Do not ask for confirmation (needed when not on a terminal)."
)
@pass_app
def downgrade_cmd(app: AppContext, revision: str, yes: bool) -> None:
    """Downgrade the database schema to REV (may delete data).

    REV is a revision from 'leadctl db history', 'base', or a relative step such as -1
    (written after '--'); 'base' drops every table. Downgrading can delete data: it asks first on a terminal and
    needs --yes elsewhere.

    \b
    Example:
      leadctl db history
      leadctl db downgrade 0001 --yes
      leadctl db downgrade --yes -- -1      # one revision down
    """
    from leadctl.errors import InputError
    from leadctl.storage import migrate
    from leadctl.storage.engine import mask_url

    engine = app.engine(check_schema=False)
    before = _current(engine)
    if before == (None if revision == "base" else revision):
        message(f"The database is already at revision {_show(before)}: nothing to do.")
        return
    where = mask_url(engine.url)
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(f"downgrading {where} to {revision} may delete data; add --yes to confirm")
        click.confirm(
            f"Downgrade {where} from {_show(before)} to {revision}? This may delete data", abort=True
        )
    _migrate(engine, migrate.downgrade, revision)
    message(
        f"Downgraded the database schema from {_show(before)} to {_show(_current(engine))}; "
        "run 'leadctl db upgrade' to use it with this leadctl again."
    )


@db.command("current")
@format_option
@pass_app
def current_cmd(app: AppContext, fmt: str) -> None:
    """Show the schema revision and whether it is up to date.

    \b
    Example:
      leadctl db current
      leadctl db current --format json
    """
    from leadctl.storage import migrate

    engine = app.engine(check_schema=False)
    rev = _current(engine)
    if rev == migrate.HEAD:
        status = "up to date"
    elif rev is None or rev in migrate.known_revisions():
        status = "behind: run 'leadctl db upgrade'"
    else:
        status = "newer than this leadctl: upgrade leadctl"
    record: dict[str, Any] = {"revision": rev, "head": migrate.HEAD, "status": status}
    render_record(record, fmt)


@db.command("history")
@format_option
@pass_app
def history_cmd(app: AppContext, fmt: str) -> None:
    """List schema revisions, newest first.

    The database's current revision is marked.

    \b
    Example:
      leadctl db history
      leadctl db history --format json
    """
    from leadctl.storage import migrate

    rows = migrate.history(app.engine(check_schema=False))
    render(rows, fmt, ["revision", "down_revision", "message", "current", "head"])
