"""leadctl dnc …: the do-not-contact list (add, import, list, remove)."""

from __future__ import annotations

from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import input_file_argument
from leadctl.output import format_option


@click.group()
def dnc() -> None:
    """Do-not-contact list: suppress e-mails and phones everywhere, now and later.

    A matching client (its e-mail, or either phone) gets stage do_not_contact, loses its
    active assignment and gets a 'suppressed' event; new leads are checked when processed.
    Phones are compared in E.164 (read with the rules' default region).

    \b
    Example:
      leadctl dnc add --email ana.silva@example.com --reason "asked by phone"
      leadctl dnc list
    """


def _report(result: Any, fmt: str) -> None:
    from leadctl.output import message, plural, render, render_record

    for line in result.rejections:
        message(f"rejected: {line}")
    message(
        f"{result.added:,} added, {result.already_listed:,} already listed, {result.rejected:,} rejected; "
        f"{plural(result.clients_suppressed, 'client')} suppressed, "
        f"{plural(result.assignments_ended, 'assignment')} ended"
    )
    if fmt == "table":
        if result.entries:
            render(result.entries, fmt)
    else:
        render_record(result.as_dict(), fmt)


@dnc.command("add")
@click.option("--email", metavar="EMAIL", help="The e-mail address to suppress.")
@click.option("--phone", metavar="PHONE", help="The phone number to suppress (any spelling).")
@click.option("--reason", metavar="TEXT", help="Why (kept with the entry and on the timeline).")
@format_option
@pass_app
def add_cmd(app: AppContext, email: str | None, phone: str | None, reason: str | None, fmt: str) -> None:
    """Suppress one e-mail address or phone number.

    \b
    Example:
      leadctl dnc add --email ana.silva@example.com --reason "unsubscribe request"
      leadctl dnc add --phone "(415) 555-0100" --reason "asked on call"
    """
    from leadctl.services.work import suppression

    if (email is None) == (phone is None):
        raise click.UsageError("give exactly one of --email or --phone")
    _report(suppression.add(app.engine(), app.rules, email=email, phone=phone, reason=reason), fmt)


@dnc.command("import")
@input_file_argument("path")
@format_option
@pass_app
def import_cmd(app: AppContext, path: str, fmt: str) -> None:
    """Suppress every e-mail and phone of a CSV or JSON Lines file (or - for stdin).

    Columns: email and/or phone, optional reason (or kind and value). Bad rows are
    rejected with line and reason and kept; entries already listed are skipped.

    \b
    Example:
      leadctl dnc import unsubscribes.csv
      jq -c '.[] | {email}' bounces.json | leadctl dnc import -
    """
    from leadctl.services.work import suppression

    _report(suppression.import_file(app.engine(), app.rules, path), fmt)


@dnc.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include removed entries.")
@click.option("--search", metavar="TEXT", help="Only values containing TEXT.")
@format_option
@pass_app
def list_cmd(app: AppContext, show_all: bool, search: str | None, fmt: str) -> None:
    """List do-not-contact entries (active ones; --all for removed too).

    \b
    Example:
      leadctl dnc list --search example.com
      leadctl dnc list --all --format csv > dnc.csv
    """
    from leadctl.output import render
    from leadctl.services.work import suppression

    rows = suppression.list_entries(app.engine(), include_removed=show_all, search=search)
    render(rows, fmt, suppression.LIST_FIELDS, empty="The do-not-contact list is empty.")


@dnc.command("remove")
@click.option("--email", metavar="EMAIL", help="The e-mail address to stop suppressing.")
@click.option("--phone", metavar="PHONE", help="The phone number to stop suppressing.")
@format_option
@pass_app
def remove_cmd(app: AppContext, email: str | None, phone: str | None, fmt: str) -> None:
    """Stop suppressing an e-mail or phone (future leads are no longer flagged).

    Clients already marked do_not_contact keep that stage (a request not to be contacted
    is never undone silently); they get an 'unsuppressed' event and are listed so someone
    can review them. The entry is kept with who removed it and when.

    \b
    Example:
      leadctl dnc remove --email ana.silva@example.com
    """
    from leadctl.output import plural, render_record, warn
    from leadctl.services.work import suppression

    if (email is None) == (phone is None):
        raise click.UsageError("give exactly one of --email or --phone")
    row = suppression.remove(app.engine(), app.rules, email=email, phone=phone)
    still = row["clients_still_do_not_contact"]
    if still:
        warn(
            f"{plural(len(still), 'client')} will stay do_not_contact: "
            f"{', '.join(map(str, still))} "
            "(review them with 'leadctl clients show ID')"
        )
    render_record(row, fmt)
