"""leadctl load FILE --bucket B"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef
from leadctl.output import format_option


@click.command("load")
@click.argument("file", metavar="FILE", type=click.Path(allow_dash=True, dir_okay=False))
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
    help="Input format (default: from the extension; .jsonl/.ndjson/.json = JSON Lines, .tsv = TSV, else CSV).",
)
@click.option(
    "--mapping",
    "mapping_path",
    metavar="MAP.yaml",
    type=click.Path(dir_okay=False),
    help="YAML file mapping column names to lead fields (full_name splits into first/last; custom keeps a column as a custom field).",
)
@click.option(
    "--delimiter",
    metavar="CHAR",
    help="CSV delimiter, or 'tab' (default: detected from the header: , ; TAB or |).",
)
@click.option(
    "--encoding",
    metavar="NAME",
    help="Force the file's encoding (default: UTF-8, else cp1252 with a warning).",
)
@click.option(
    "--timezone",
    metavar="ZONE",
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
      gunzip -c leads.jsonl.gz | leadctl load - --bucket api --format-in jsonl --format json
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
        progress=report.progress,
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
