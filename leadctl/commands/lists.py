"""leadctl lists …: a rep's fixed lists (from activities) and custom lists."""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import RepRef
from leadctl.output import format_option

CLIENT_IDS = click.argument(
    "client_ids", metavar="CLIENT_ID...", nargs=-1, required=True, type=click.IntRange(min=1)
)


def _rep_option(required: bool = True):  # type: ignore[no-untyped-def]
    return click.option(
        "--rep",
        "rep_ref",
        type=RepRef(),
        required=required,
        metavar="REP",
        help="The rep (e-mail, name or id).",
    )


@click.group(invoke_without_command=True)
@_rep_option(required=False)
@format_option
@click.pass_context
def lists(ctx: click.Context, rep_ref: str | None, fmt: str) -> None:
    """A rep's fixed lists (missed calls, no-shows …) and custom lists.

    Fixed lists follow from activities: Missed Calls, No Shows & Cancels, Nurture, Booked
    Meetings, Feedback Received, Email Responses (each definition is shown). Custom lists
    are kept by hand with create/add/remove/delete. Disqualified and do-not-contact
    clients leave every list.

    \b
    Example:
      leadctl lists --rep ana@example.com
      leadctl lists show "No Shows & Cancels" --rep ana@example.com
      leadctl lists create "Call Friday" --rep ana@example.com
    """
    if ctx.invoked_subcommand is not None:
        return
    if rep_ref is None:
        raise click.UsageError("give --rep REP (or a subcommand: show, create, add, remove, delete)")
    from leadctl.output import render
    from leadctl.services.work import lists as service

    app = ctx.find_object(AppContext)
    assert app is not None
    render(service.overview(app.engine(), app.rules, rep_ref), fmt, service.OVERVIEW_COLUMNS)


@lists.command("show")
@click.argument("name")
@_rep_option()
@format_option
@pass_app
def show_cmd(app: AppContext, name: str, rep_ref: str, fmt: str) -> None:
    """Show the clients on one of the rep's lists (fixed or custom).

    A fixed list may be named in any spelling ("missed-calls", "Missed Calls").

    \b
    Example:
      leadctl lists show missed-calls --rep ana@example.com
      leadctl lists show "Call Friday" --rep ana@example.com --format csv
    """
    from leadctl.output import message, render
    from leadctl.services.work import lists as service

    shown = service.show(app.engine(), app.rules, rep_ref, name)
    columns = service.SHOW_COLUMNS if shown.type == "fixed" else service.CUSTOM_COLUMNS
    render(shown.rows, fmt, columns, empty=f"{shown.name}: no clients.")
    if fmt == "table":
        message(f"{shown.name} ({shown.type}): {shown.definition}")
    if shown.hidden:
        message(
            f"{shown.hidden} member(s) not shown: reassigned to another rep, disqualified or do-not-contact"
        )


@lists.command("create")
@click.argument("name")
@_rep_option()
@format_option
@pass_app
def create_cmd(app: AppContext, name: str, rep_ref: str, fmt: str) -> None:
    """Create a custom list for a rep.

    \b
    Example:
      leadctl lists create "Call Friday" --rep ana@example.com
    """
    from leadctl.output import render_record
    from leadctl.services.work import lists as service

    render_record(service.create(app.engine(), rep_ref, name), fmt)


@lists.command("add")
@click.argument("name")
@CLIENT_IDS
@_rep_option()
@format_option
@pass_app
def add_cmd(app: AppContext, name: str, client_ids: tuple[int, ...], rep_ref: str, fmt: str) -> None:
    """Add clients of the rep to a custom list (all or nothing).

    \b
    Example:
      leadctl lists add "Call Friday" 42 43 --rep ana@example.com
    """
    from leadctl.output import render_record
    from leadctl.services.work import lists as service

    render_record(service.add(app.engine(), rep_ref, name, client_ids), fmt)


@lists.command("remove")
@click.argument("name")
@CLIENT_IDS
@_rep_option()
@format_option
@pass_app
def remove_cmd(app: AppContext, name: str, client_ids: tuple[int, ...], rep_ref: str, fmt: str) -> None:
    """Remove clients from a custom list.

    \b
    Example:
      leadctl lists remove "Call Friday" 42 --rep ana@example.com
    """
    from leadctl.output import render_record
    from leadctl.services.work import lists as service

    render_record(service.remove(app.engine(), rep_ref, name, client_ids), fmt)


@lists.command("delete")
@click.argument("name")
@_rep_option()
@format_option
@pass_app
def delete_cmd(app: AppContext, name: str, rep_ref: str, fmt: str) -> None:
    """Delete a custom list (its members get an unlisted event).

    \b
    Example:
      leadctl lists delete "Call Friday" --rep ana@example.com
    """
    from leadctl.output import render_record
    from leadctl.services.work import lists as service

    render_record(service.delete_list(app.engine(), rep_ref, name), fmt)
