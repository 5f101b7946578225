"""leadctl load FILE --bucket B; leadctl load list; leadctl load undo LOAD_ID"""

from __future__ import annotations

from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef, Delimiter, Encoding, InputFile, TimeZone, input_file_argument
from leadctl.output import format_option


@click.command("load")
@input_file_argument("file", metavar="FILE")
@click.option(
    "--bucket",
    "bucket_ref",
    required=True,
    metavar="BUCKET",
    type=BucketRef(),
    help="Bucket the leads enter (name or id).",
)
@click.option(
    "--format-in",
    "format_in",
    type=click.Choice(["csv", "tsv", "jsonl"], case_sensitive=False),
    help="Input format (default: from the extension, .jsonl/.ndjson/.json = JSON Lines, .tsv = TSV; stdin and other extensions: JSON Lines if the content starts with {, else CSV).",
)
@click.option(
    "--mapping",
    "mapping_path",
    metavar="MAP.yaml",
    type=InputFile(),
    help="YAML file (or - for stdin) mapping column names to lead fields (full_name splits into first/last; custom keeps a column as a custom field).",
)
@click.option(
    "--delimiter",
    metavar="CHAR",
    type=Delimiter(),
    help="CSV delimiter, or 'tab' (default: detected from the header: , ; TAB or |).",
)
@click.option(
    "--encoding",
    metavar="NAME",
    type=Encoding(),
    help="Force the file's encoding (default: UTF-8, else cp1252 with a warning).",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    type=TimeZone(),
    help="Time zone of dates without an offset in the file (default: the rules' dates.input_timezone, UTC).",
)
@click.option(
    "-n",
    "--dry-run",
    is_flag=True,
    help="Read and check everything, report what would happen, write nothing.",
)
@format_option
@pass_app
def load(
    app: AppContext,
    file: str,
    bucket_ref: str,
    format_in: str | None,
    mapping_path: str | None,
    delimiter: str | None,
    encoding: str | None,
    timezone: str | None,
    dry_run: bool,
    fmt: str,
) -> None:
    """Load leads from a CSV, TSV or JSON Lines FILE (or - for stdin) into a bucket.

    Columns are mapped onto lead fields by their header ("First Name", "E-mail",
    "Company Name", "Mobile", "Cell", "Work Phone", "Job Title", "Employees", "Lead ID",
    "Created Date", "Name" → first and last name, …), by the rules' mapping.aliases, or
    by --mapping MAP.yaml, a file of lines like 'Mail Addr: email' (targets: lead fields,
    full_name, or custom to keep a column as it is). Other columns are kept as custom
    fields, never dropped. Phones are stored in E.164 (a number without +country code is
    read in the row's country, else the rules' phones.default_region); the contact's time
    zone comes from the business phone, else the mobile.

    The summary (and --dry-run, before anything is written) shows which column went to
    which field, which became custom fields, and a sample value of each. Dates without an
    offset are read in --timezone (default: the rules' dates.input_timezone); a registration
    date in the future or before dates.oldest is rejected or only warned about
    (dates.out_of_range).

    Valid rows become leads with status new. Invalid rows are stored too, with status
    rejected and their reasons ("email: missing", "business_phone: not a valid
    number", …), so they can be fixed and reprocessed. A row with more or fewer fields
    than the header, or a JSON Lines line that is not a JSON object, is rejected the same
    way with its text kept.

    The whole file is read and parsed before anything is written, and everything is
    written in one transaction. A broken file is an error naming the file and line, and
    nothing is loaded: an unclosed quote, binary data, an empty file, only a header,
    duplicate column names, a field over 128 KB, no row matching the header (a wrong
    delimiter), or a .jsonl file in which no line is a JSON object.

    Loading is idempotent: a row whose content is already in the bucket (from this or any
    earlier file, whatever the column order or header spelling) is skipped and counted as
    "already loaded", so an interrupted or repeated load can simply be run again.

    \b
    Example:
      leadctl load leads.csv --bucket web-pricing
      leadctl load export.txt --bucket partner-acme --delimiter tab --mapping acme.yaml --dry-run
      gunzip -c leads.jsonl.gz | leadctl load - --bucket api --format json
      leadctl load list --bucket partner-acme        # the load history: file, when, who, counts, id
      leadctl load undo 7 --dry-run                  # what undoing load 7 would remove

    'leadctl load list' and 'leadctl load undo LOAD_ID' are described in their own --help
    (a file named list or undo is loaded as ./list).
    """
    import sys

    from leadctl.output import heading, render, render_record
    from leadctl.services.intake import loading

    report = app.report("bytes")
    data = sys.stdin.buffer.read() if file == "-" else None
    summary = loading.load_file(
        app.engine(),
        app.rules,
        file,
        bucket_ref,
        file_format=format_in,
        mapping_path=mapping_path,
        delimiter=delimiter,
        encoding=encoding,
        dry_run=dry_run,
        data=data,
        report=report,
        timezone=timezone,
    )
    for text in summary.warnings:
        report.warn(text)
    if fmt in ("json", "jsonl"):
        render_record(summary.as_dict(), fmt)
        return
    render(loading.summary_rows(summary), fmt, ["result", "reason", "rows"])
    if fmt == "table":
        heading(f"Mapping (dates without an offset read as {summary.timezone})")
        render(summary.preview, fmt, ["column", "field", "sample"])


class LoadGroup(click.Group):
    """``load FILE …`` loads a file (as it always did); ``load list`` / ``load undo`` are subcommands.

    Anything whose first word is not a subcommand name (a path, ``-``, an option, ``--help``)
    goes to the file command, with the same usage line and help as before.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            return super().parse_args(ctx, args)
        ctx.meta["leadctl.load_file_args"] = list(args)
        return []

    def invoke(self, ctx: click.Context) -> Any:
        args = ctx.meta.pop("leadctl.load_file_args", None)
        if args is None:
            return super().invoke(ctx)
        with load.make_context("load", args, parent=ctx.parent) as sub:
            return load.invoke(sub)


@click.group("load", cls=LoadGroup, help=load.help, invoke_without_command=True)
def load_group() -> None:
    pass


@load_group.command("list")
@click.option(
    "--bucket", "bucket_ref", metavar="BUCKET", type=BucketRef(), help="Only loads into this bucket."
)
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N loads (default: all).")
@format_option
@pass_app
def list_cmd(app: AppContext, bucket_ref: str | None, limit: int | None, fmt: str) -> None:
    """List loads, newest first: id, bucket, file, when, by whom, counts, undone.

    leads_now (json/csv) is how many of the load's leads still exist (0 after an undo).

    \b
    Example:
      leadctl load list
      leadctl load list --bucket partner-acme --format json
    """
    from leadctl.output import path_end, render
    from leadctl.services.intake import loads

    rows = loads.list_loads(app.engine(), bucket_ref, limit or 0)
    columns = loads.TABLE_COLUMNS if fmt == "table" else loads.LIST_FIELDS
    empty = "No loads yet: load a file with 'leadctl load FILE --bucket B'."
    render(rows, fmt, columns, empty=empty, display={"file": path_end()})


@load_group.command("undo")
@click.argument("load_id", metavar="LOAD_ID", type=click.IntRange(min=1))
@click.option("-n", "--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@format_option
@pass_app
def undo_cmd(app: AppContext, load_id: int, dry_run: bool, fmt: str) -> None:
    """Remove the leads a load added, while all of them are still new or rejected.

    If some already became clients or duplicates, undo refuses with their counts and
    changes nothing (reprocess or fix those leads instead). The removed leads' own
    timeline entries go with them; the load stays in 'leadctl load list', marked undone
    with when and by whom. Loading the same file again afterwards loads it afresh.

    \b
    Example:
      leadctl load undo 7 --dry-run
      leadctl load undo 7
    """
    from leadctl.output import message, plural, render_record
    from leadctl.services.intake import loads

    result = loads.undo_load(app.engine(), load_id, dry_run=dry_run)
    if fmt != "table":
        render_record(result.as_dict(), fmt)
        return
    verb = "Would remove" if dry_run else "Removed"
    detail = ", ".join(f"{n:,} {s}" for s, n in sorted(result.by_status.items()))
    message(
        f"{verb} {plural(result.removed, 'lead')} of load {load_id} ({result.file} into {result.bucket})"
        + (f": {detail}" if detail else "")
        + ("." if dry_run else "; recorded in 'leadctl load list'.")
    )
