"""Root Click group: global options, a lazy command registry, ``main()`` → exit codes.

Command modules are imported only when their command runs (or its help is shown), so
``leadctl --help`` and shell completion never pay for SQLAlchemy or Alembic.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from leadctl import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from leadctl.output import Reporter
    from leadctl.rules import Rules

# name -> (module:attribute, one-line summary, section). The summary is shown by
# `leadctl --help` without importing the module; tests check it matches the command.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "leadctl.commands.demo:demo",
        "Build a realistic demo database and show what to try next.",
        "Getting started",
    ),
    "info": (
        "leadctl.commands.info:info",
        "Show version, database, schema revision, rules file and counts.",
        "Getting started",
    ),
    "campaign": (
        "leadctl.commands.campaign:campaign",
        "Create, list, edit campaigns; approve reps on them.",
        "Set-up",
    ),
    "bucket": (
        "leadctl.commands.bucket:bucket",
        "Manage intake buckets (channels feeding a campaign).",
        "Set-up",
    ),
    "rep": ("leadctl.commands.rep:rep", "Manage reps: roles, skills, territories, capacity.", "Set-up"),
    "rules": ("leadctl.commands.rules:rules", "Validate, show and initialise the YAML rules file.", "Set-up"),
    "db": ("leadctl.commands.db:db", "Database schema: upgrade, downgrade, current, history.", "Set-up"),
    "load": (
        "leadctl.commands.load:load_group",
        "Load leads from CSV, TSV or JSON Lines into a bucket; list, undo.",
        "Intake",
    ),
    "leads": (
        "leadctl.commands.leads:leads",
        "Browse leads: list with filters, show, fix, import corrections.",
        "Intake",
    ),
    "process": (
        "leadctl.commands.process:process",
        "Process new leads: validate, detect duplicates, create clients.",
        "Intake",
    ),
    "reprocess": (
        "leadctl.commands.process:reprocess",
        "Re-run validation, duplicate checks and routing for chosen leads.",
        "Intake",
    ),
    "dedupe": (
        "leadctl.commands.dedupe:dedupe",
        "Find and merge duplicate clients (reversibly); evaluate rules.",
        "Intake",
    ),
    "clients": (
        "leadctl.commands.clients:clients",
        "Browse clients: list with filters, show history and activities.",
        "Work",
    ),
    "activity": (
        "leadctl.commands.activity:activity",
        "Log or import calls, e-mails, meetings and dispositions.",
        "Work",
    ),
    "dnc": (
        "leadctl.commands.dnc:dnc",
        "Do-not-contact list: suppress e-mails and phones everywhere.",
        "Work",
    ),
    "stages": (
        "leadctl.commands.stages:stages",
        "Clients per stage per rep; warn below the attempted minimum.",
        "Work",
    ),
    "lists": (
        "leadctl.commands.lists:lists",
        "A rep's fixed lists (missed calls, no-shows …) and custom lists.",
        "Work",
    ),
    "score": (
        "leadctl.commands.score:score",
        "Score and prioritise clients (fit, behaviour, recency, intent).",
        "Work",
    ),
    "queue": (
        "leadctl.commands.queue:queue_cmd",
        "The rep's ordered queue: tiers, priority, who is callable when.",
        "Work",
    ),
    "next": (
        "leadctl.commands.queue:next_cmd",
        "Claim the rep's next callable client for the dialer (a lease).",
        "Work",
    ),
    "timezones": (
        "leadctl.commands.queue:timezones_cmd",
        "Re-derive clients' time zones (state/postal before phone).",
        "Work",
    ),
    "assign": (
        "leadctl.commands.assign:assign",
        "Assign unassigned clients to stack-ranked reps (safe from cron).",
        "Assignment",
    ),
    "topup": (
        "leadctl.commands.assign:topup",
        "Top a rep up with clients from reps inactive on the campaign.",
        "Assignment",
    ),
    "reassign": (
        "leadctl.commands.assign:reassign",
        "Move clients to another rep by hand (recorded as manual).",
        "Assignment",
    ),
    "sla": (
        "leadctl.commands.sla:sla",
        "SLA deadlines in business time: check, escalate, explain.",
        "Work",
    ),
    "metrics": (
        "leadctl.commands.metrics:metrics",
        "Metric tables: funnel, reps, queue, duplicates, assignment.",
        "Metrics",
    ),
    "report": (
        "leadctl.commands.report:report",
        "HTML report: charts, their data and definitions (or JSON).",
        "Metrics",
    ),
}
SECTIONS = ("Getting started", "Set-up", "Intake", "Assignment", "Work", "Metrics")


@dataclass
class AppContext:
    """What every command may need, created lazily (no import cost until used)."""

    db_flag: str | None = None
    rules_flag: str | None = None
    verbose: bool = False
    _engine: Engine | None = field(default=None, repr=False)
    _rules: Rules | None = field(default=None, repr=False)
    reporter: Reporter | None = field(default=None, repr=False)

    def report(self, unit: str = "leads", partial: str | None = None) -> Reporter:
        """The run's reporter (progress, warnings, notes; what is kept after Ctrl-C)."""
        from leadctl.output import Reporter

        self.reporter = Reporter(unit, partial)
        return self.reporter

    @property
    def database_url(self) -> str:
        from leadctl.config import database_url
        from leadctl.redact import register

        url = database_url(self.db_flag)
        register(url)  # every message masks its secrets from now on
        return url

    def engine(self, *, check_schema: bool = True) -> Engine:
        if self._engine is None:
            from leadctl.storage.engine import open_engine

            self._engine = open_engine(self.database_url, check_schema=check_schema)
        return self._engine

    @property
    def rules(self) -> Rules:
        if self._rules is None:
            from leadctl.config import rules_origin, rules_path
            from leadctl.errors import ConfigError
            from leadctl.rules import load_rules

            path = rules_path(self.rules_flag)
            try:
                self._rules = load_rules(path)
            except ConfigError as exc:
                origin = rules_origin(self.rules_flag)
                if path is not None and origin and not path.exists():  # say where the name came from
                    raise ConfigError(f"{exc} (named by {origin})") from None
                raise
        return self._rules


class LazyGroup(click.Group):
    """A group whose subcommands live in the ``COMMANDS`` registry and load on demand."""

    def __init__(self, *args: Any, registry: dict[str, tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = registry

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.registry)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.registry.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.exceptions.Abort):
            raise interrupted(ctx) from None
        except (click.ClickException, click.exceptions.Exit):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            raise SystemExit(0) from None
        except Exception as exc:
            verbose = isinstance(ctx.obj, AppContext) and ctx.obj.verbose
            raise to_click_error(exc, verbose) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for section in SECTIONS:
            rows = [(name, entry[1]) for name, entry in sorted(self.registry.items()) if entry[2] == section]
            if rows:
                with formatter.section(f"{section} commands"):
                    formatter.write_dl(rows)


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(
    cls=LazyGroup,
    registry=COMMANDS,
    context_settings=CONTEXT_SETTINGS,
    epilog="Run 'leadctl COMMAND --help' for a command's options and an example.",
)
@click.version_option(__version__, "-V", "--version", prog_name="leadctl")
@click.option(
    "--db",
    "db",
    metavar="URL",
    help="Database URL (default: $LEADCTL_DATABASE_URL, config file, then the SQLite file in the data directory).",
)
@click.option(
    "--rules",
    "rules",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="Rules file (default: $LEADCTL_RULES, then ~/.config/leadctl/rules.yaml, then built-in).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show full tracebacks for bug reports.")
@click.option(
    "--no-color",
    is_flag=True,
    help="No colour in messages (also when NO_COLOR is set or stderr is not a terminal).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No notes and no progress bars (warnings, errors and data still)."
)
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, rules: str | None, verbose: bool, no_color: bool, quiet: bool
) -> None:
    """leadctl — lead intake, duplicate detection and assignment for sales ops.

    Admins create campaigns and intake buckets, load leads from files and browse them;
    everything is stored in one database (SQLite by default, PostgreSQL for a team) and
    configured by one YAML rules file.

    \b
    Example:
      leadctl demo                      # a realistic demo database
      leadctl --db postgresql+psycopg://user@host/leads info
    """
    if no_color:
        from leadctl.output import set_color

        set_color(False)
    from leadctl.output import set_quiet

    set_quiet(quiet)
    import os

    from leadctl.redact import register

    register(db)  # before anything can fail with the URL in its message
    register(os.environ.get("LEADCTL_DATABASE_URL"))
    ctx.obj = AppContext(db_flag=db, rules_flag=rules, verbose=verbose)


pass_app = click.make_pass_decorator(AppContext)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; errors become ``Error: …`` on stderr and an exit code."""
    try:
        cli.main(args=argv, prog_name="leadctl", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report a Ctrl-C


def interrupted(ctx: click.Context) -> click.exceptions.Exit:
    """Ctrl-C: one line saying what was kept, then exit 130 (not Click's "Aborted!", exit 1).

    Every command writes in transactions that a Ctrl-C rolls back; a command that commits
    in steps (``process``) registers its ``Reporter`` so the note can say how much is kept.
    """
    from leadctl.output import message

    app = ctx.obj if isinstance(ctx.obj, AppContext) else None
    kept = app.reporter.kept() if app is not None and app.reporter is not None else None
    if kept:
        message(f"Interrupted: {kept}")
    else:
        message("Interrupted: nothing was changed (the work in progress was rolled back).")
    return click.exceptions.Exit(INTERRUPTED_EXIT)


class CommandError(click.ClickException):
    """A service error or an unexpected failure, shown as one line (exit 1, ClickException's code)."""

    def show(self, file: Any = None) -> None:
        from leadctl.output import error

        error(self.format_message())


def to_click_error(exc: Exception, verbose: bool) -> click.ClickException:
    """Turn a service error or an unexpected exception into a one-line ClickException."""
    from leadctl.errors import LeadctlError

    if verbose:
        import traceback

        from leadctl.redact import scrub

        click.echo(scrub(traceback.format_exc()), err=True, nl=False)
    if isinstance(exc, LeadctlError):
        return CommandError(str(exc))
    db_message = _database_message(exc)
    if db_message:
        return CommandError(db_message)
    if isinstance(exc, OSError) and exc.filename:
        return CommandError(f"{exc.filename}: {exc.strerror or exc}")
    return CommandError(
        f"unexpected {type(exc).__name__}: {exc} (run with --verbose for the traceback and report it)"
    )


def _database_message(exc: Exception) -> str | None:
    """A one-line message for database errors that reach the edge (locked, unreachable, …)."""
    mod = type(exc).__module__
    if not mod.startswith("sqlalchemy"):
        return None
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()[0]
    if "database is locked" in text:
        return "the database is busy (locked by another leadctl run); try again in a moment"
    if (
        "could not connect" in text.lower()
        or "connection refused" in text.lower()
        or "connection failed" in text.lower()
    ):
        return f"cannot connect to the database: {text}"
    return f"database error: {text}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
