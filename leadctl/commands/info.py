"""leadctl info"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option, render_record


@click.command()
@format_option
@pass_app
def info(app: AppContext, fmt: str) -> None:
    """Show version, database, schema revision, rules file, data directory and counts.

    Problems (an unreachable database, an old schema, an invalid rules file) are shown as
    values, so this is the first thing to run when something is wrong; an unreachable
    database also makes it exit 1 (for scripts and health checks). Passwords and other
    secrets in the database URL are masked.

    \b
    Example:
      leadctl info
      leadctl --db postgresql://leadctl@db.internal/leads info --format json
    """
    from leadctl.config import data_dir, rules_path
    from leadctl.errors import LeadctlError
    from leadctl.services.admin.info import info as gather

    record = gather(app.engine(check_schema=False), rules_path(app.rules_flag), data_dir())
    render_record(record, fmt)
    if not record["database_reachable"]:
        raise LeadctlError(record["schema_status"])
