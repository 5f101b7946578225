"""leadctl activity …: log one activity, import a dialer's or e-mail tool's file."""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import When, input_file_argument
from leadctl.output import format_option
from leadctl.vocab import ActivityType, values

TYPES = values(ActivityType)


@click.group()
def activity() -> None:
    """Log or import calls, e-mails, meetings and dispositions.

    Activities belong to a client (one person) and are the facts assignment ranks reps by
    and stages move on. A disposition 'disqualified' or 'do_not_contact' takes the client
    out of every rep's list (stage set, active assignment ended).

    \b
    Example:
      leadctl activity log --client 42 --rep ana@example.com --type call --outcome conversation
      leadctl activity import dialer-export.csv
    """


@activity.command("log")
@click.option("--client", "client_id", type=int, metavar="ID", help="The client it is about.")
@click.option("--lead", "lead_id", type=int, metavar="ID", help="A lead of the client it is about.")
@click.option("--rep", required=True, metavar="REP", help="Who did it (e-mail or id).")
@click.option("--type", "type_", required=True, type=click.Choice(TYPES), help="What kind of activity.")
@click.option(
    "--outcome",
    required=True,
    metavar="OUTCOME",
    help="call: no_answer, voicemail, wrong_number, conversation; email: sent, opened, replied; "
    "meeting: booked, confirmed, held_qualified, held_unqualified, no_show, cancelled; "
    "disposition: callback, nurture, disqualified, do_not_contact, feedback.",
)
@click.option("--at", type=When(), help="When it happened (default: now).")
@click.option("--verified-dial", is_flag=True, help="The dialer verified the number was dialled.")
@click.option("--duration", type=click.IntRange(min=0), metavar="S", help="Duration in seconds.")
@click.option("--callback-at", type=When(), help="When to call back.")
@click.option("--meeting-at", type=When(), help="When the meeting is.")
@click.option("--note", help="Free text.")
@format_option
@pass_app
def log_cmd(
    app: AppContext,
    client_id: int | None,
    lead_id: int | None,
    rep: str,
    type_: str,
    outcome: str,
    at: datetime | None,
    verified_dial: bool,
    duration: int | None,
    callback_at: datetime | None,
    meeting_at: datetime | None,
    note: str | None,
    fmt: str,
) -> None:
    """Record one activity for a client (or the client of a lead).

    \b
    Example:
      leadctl activity log --client 42 --rep ana@example.com --type call \\
          --outcome no_answer --verified-dial --duration 35
      leadctl activity log --lead 1042 --rep ana@example.com --type disposition \\
          --outcome callback --callback-at 2026-03-21T15:00
    """
    from leadctl.output import message, render_record
    from leadctl.services.work import activities

    if (client_id is None) == (lead_id is None):
        raise click.UsageError("give exactly one of --client ID or --lead ID")
    row = activities.log_activity(
        app.engine(),
        app.rules,
        client=client_id,
        lead=lead_id,
        rep=rep,
        type=type_,
        outcome=outcome,
        at=at,
        verified_dial=verified_dial,
        duration_s=duration,
        callback_at=callback_at,
        meeting_at=meeting_at,
        note=note,
    )
    if not row["recorded"]:
        message(f"Already recorded (activity {row['activity_key']}): nothing added.")
    render_record(row, fmt)


@activity.command("import")
@input_file_argument("path")
@format_option
@pass_app
def import_cmd(app: AppContext, path: str, fmt: str) -> None:
    """Import activities from a CSV or JSON Lines file (or - for stdin).

    Columns: activity_id, at, rep, client_id | lead_id | email, type, outcome,
    verified_dial, duration_s, callback_at, meeting_at, note (other spellings such as
    "Activity ID" or "Duration" are understood; other columns are ignored). Bad rows are
    rejected with file, line and reason and kept; the rest are imported. Importing the
    same file again adds nothing (by activity_id, else by content).

    \b
    Example:
      leadctl activity import dialer-2026-03-20.csv
      cat events.jsonl | leadctl activity import - --format json
    """
    from leadctl.output import message, render, render_record, warn
    from leadctl.services.work import activity_import

    summary = activity_import.import_file(app.engine(), app.rules, path)
    if summary.ignored_columns:
        warn(f"ignored column(s): {', '.join(summary.ignored_columns)}")
    for line in summary.rejections:
        message(f"rejected: {line}")
    if summary.rejected > len(summary.rejections):
        message(
            f"… and {summary.rejected - len(summary.rejections):,} more rejected rows (kept in the database)"
        )
    if fmt == "table":
        render(summary.rows(), fmt, ["result", "reason", "rows"])
    else:
        render_record(summary.as_dict(), fmt)
