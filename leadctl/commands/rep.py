"""leadctl rep …"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import (
    CampaignRef,
    NonBlank,
    RepRef,
    TimeZone,
    When,
    hidden_alias,
    input_file_argument,
)
from leadctl.output import (
    Section,
    format_option,
    message,
    plural,
    render,
    render_record,
    render_sections,
    warn,
)
from leadctl.vocab import RepRole

ROLES = tuple(r.value for r in RepRole)  # vocab imports nothing heavy
SHOW_SECTIONS = (
    Section(
        "campaign_approvals",
        "Campaigns",
        ["id", "name", "active", "approved_at", "revoked_at"],
        empty="Not approved on any campaign (see 'leadctl campaign approve').",
    ),
    Section(
        "managed_buckets", "Buckets managed", ["id", "name", "campaign", "active"], empty="Manages no bucket."
    ),
)


@click.group()
def rep() -> None:
    """Manage reps: roles, skills, territories, capacity and time zone.

    A rep is a person who works leads: an appointment setter, a full-cycle rep (closer)
    or a manager. E-mail addresses identify reps (case does not matter). Deactivating a
    rep keeps their history.

    \b
    Example:
      leadctl rep create ana@example.com --name "Ana Silva" --role closer --skill spanish --territory US-West
      leadctl rep list --all
    """


@rep.command("create")
@click.argument("email")
@click.option("--name", required=True, type=NonBlank(), help="Full name.")
@click.option(
    "--role",
    type=click.Choice(ROLES, case_sensitive=False),
    default="setter",
    show_default=True,
    help="setter (appointment setter), closer (full-cycle rep) or manager.",
)
@click.option(
    "--skill",
    "skills",
    multiple=True,
    metavar="SKILL",
    type=NonBlank(),
    help="A skill for skill-based routing (repeat for more).",
)
@click.option(
    "--territory",
    "territories",
    multiple=True,
    metavar="T",
    type=NonBlank(),
    help="A territory/swimlane: region, industry or segment (repeat for more).",
)
@click.option(
    "--capacity", type=click.IntRange(min=0), help="Most open leads the rep should hold (0 or more)."
)
@click.option("--timezone", metavar="TZ", type=TimeZone(), help="IANA time zone, e.g. America/New_York.")
@format_option
@pass_app
def create_cmd(
    app: AppContext,
    email: str,
    name: str,
    role: str,
    skills: tuple[str, ...],
    territories: tuple[str, ...],
    capacity: int | None,
    timezone: str | None,
    fmt: str,
) -> None:
    """Create a rep (identified by e-mail).

    'rep add' is the old spelling and still works.

    \b
    Example:
      leadctl rep create ana@example.com --name "Ana Silva" --role closer \\
          --skill spanish --skill enterprise --territory US-West --capacity 300 \\
          --timezone America/Los_Angeles
    """
    from leadctl.services.admin import reps

    row = reps.add(
        app.engine(),
        email,
        name,
        role=role,
        skills=skills,
        territories=territories,
        capacity=capacity,
        timezone=timezone,
    )
    render_record(row, fmt)


@rep.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated reps.")
@format_option
@pass_app
def list_cmd(app: AppContext, show_all: bool, fmt: str) -> None:
    """List reps with their campaign and bucket counts.

    Deactivated reps are shown with --all.

    \b
    Example:
      leadctl rep list
      leadctl rep list --all --format json
    """
    from leadctl.services.admin import reps

    rows = reps.list_reps(app.engine(), include_inactive=show_all)
    hint = "No reps yet: create one with 'leadctl rep create EMAIL --name NAME'."
    if not show_all:
        hint = "No active reps (see 'leadctl rep list --all'; create one with 'leadctl rep create')."
    render(rows, fmt, list(reps.LIST_COLUMNS), empty=hint)


@rep.command("show")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@format_option
@pass_app
def show_cmd(app: AppContext, rep_ref: str, fmt: str) -> None:
    """Show a rep with their campaigns and managed buckets.

    REP is an e-mail address, a name or an id.

    \b
    Example:
      leadctl rep show ana@example.com
      leadctl rep show 7 --format json
    """
    from leadctl.services.admin import reps

    render_sections(reps.show(app.engine(), rep_ref), fmt, SHOW_SECTIONS)


@rep.command("edit")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@click.option("--email", help="New e-mail address.")
@click.option("--name", type=NonBlank(), help="New name.")
@click.option("--role", type=click.Choice(ROLES, case_sensitive=False), help="New role.")
@click.option(
    "--add-skill",
    "add_skills",
    multiple=True,
    metavar="SKILL",
    type=NonBlank(),
    help="Add a skill (repeatable).",
)
@click.option(
    "--remove-skill",
    "remove_skills",
    multiple=True,
    metavar="SKILL",
    type=NonBlank(),
    help="Remove a skill (repeatable).",
)
@click.option(
    "--add-territory",
    "add_territories",
    multiple=True,
    metavar="T",
    type=NonBlank(),
    help="Add a territory (repeatable).",
)
@click.option(
    "--remove-territory",
    "remove_territories",
    multiple=True,
    metavar="T",
    type=NonBlank(),
    help="Remove a territory (repeatable).",
)
@click.option("--capacity", type=click.IntRange(min=0), help="New capacity (0 or more).")
@click.option("--no-capacity", is_flag=True, help="Remove the capacity limit.")
@click.option(
    "--timezone", metavar="TZ", type=TimeZone(blank_ok=True), help="New IANA time zone; '' removes it."
)
@click.option("--active", is_flag=True, hidden=True, help="Reactivate (old spelling of 'rep activate').")
@format_option
@pass_app
def edit_cmd(
    app: AppContext,
    rep_ref: str,
    email: str | None,
    name: str | None,
    role: str | None,
    add_skills: tuple[str, ...],
    remove_skills: tuple[str, ...],
    add_territories: tuple[str, ...],
    remove_territories: tuple[str, ...],
    capacity: int | None,
    no_capacity: bool,
    timezone: str | None,
    active: bool,
    fmt: str,
) -> None:
    """Change role, skills, territories, capacity, name, e-mail or time zone.

    \b
    Example:
      leadctl rep edit ana@example.com --role manager --add-skill german --remove-skill spanish
      leadctl rep edit ben@example.com --capacity 150 --timezone America/Chicago
    """
    from leadctl.services.admin import reps

    if capacity is not None and no_capacity:
        raise click.UsageError("--capacity and --no-capacity cannot be used together")
    row = reps.edit(
        app.engine(),
        rep_ref,
        email=email,
        name=name,
        role=role,
        add_skills=add_skills,
        remove_skills=remove_skills,
        add_territories=add_territories,
        remove_territories=remove_territories,
        capacity=capacity,
        clear_capacity=no_capacity,
        timezone=timezone,
        active=True if active else None,
    )
    if not row["changed"]:
        message(f"Rep {row['email']}: nothing changed.")
    render_record(row, fmt)


@rep.command("deactivate")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@format_option
@pass_app
def deactivate_cmd(app: AppContext, rep_ref: str, fmt: str) -> None:
    """Deactivate a rep; their history is kept.

    A deactivated rep is hidden from 'rep list' (see --all) and gets no new work;
    campaign approvals, managed buckets and history stay.

    \b
    Example:
      leadctl rep deactivate ben@example.com
      leadctl rep activate ben@example.com      # undo
    """
    from leadctl.services.admin import reps

    row = reps.deactivate(app.engine(), rep_ref)
    buckets = row["active_buckets_managed"]
    if row["changed"]:
        message(f"Rep {row['email']} deactivated; approvals and history are kept.")
    else:
        message(f"Rep {row['email']} was already deactivated.")
    if buckets:
        warn(
            f"{row['email']} is still the default manager of active "
            f"{'bucket' if len(buckets) == 1 else 'buckets'} {', '.join(buckets)}; "
            f"change it with 'leadctl bucket edit BUCKET --manager REP'."
        )
    render_record(row, fmt)


@rep.command("activate")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@format_option
@pass_app
def activate_cmd(app: AppContext, rep_ref: str, fmt: str) -> None:
    """Reactivate a deactivated rep: listed again and eligible for new work.

    \b
    Example:
      leadctl rep activate ben@example.com
    """
    from leadctl.services.admin import reps

    row = reps.edit(app.engine(), rep_ref, active=True)
    message(f"Rep {row['email']} " + ("reactivated." if row["changed"] else "was already active."))
    render_record(row, fmt)


hidden_alias(rep, create_cmd, "add")


@rep.command("import")
@input_file_argument("path")
@format_option
@pass_app
def import_cmd(app: AppContext, path: str, fmt: str) -> None:
    """Onboard a team from CSV: create new reps, update existing ones.

    Columns: email, name, role, skills, territories, capacity, timezone; skills and
    territories are ';'-separated lists. Reps are matched by e-mail (any case); an empty
    cell keeps the stored value. Importing the same file again changes nothing. Bad rows
    are reported with their line and reason; the others are imported (one transaction).

    \b
    Example:
      leadctl rep import team.csv
      leadctl rep import team.csv --format json
    """
    from leadctl.services.admin import rep_import

    result = rep_import.import_reps(app.engine(), path)
    for line in result.rejected:
        warn(f"rejected: {line}")
    if fmt == "table":
        render(result.rows(), fmt, ["result", "reps", "emails"])
    else:
        render_record(result.as_dict(), fmt)


@rep.command("away")
@click.argument("rep_ref", metavar="REP")
@click.option(
    "--from", "starts", required=True, type=When(), metavar="D", help="First day away (date or date-time)."
)
@click.option(
    "--until",
    "ends",
    required=True,
    type=When(end_of_day=True),
    metavar="D",
    help="Last day away (a date means its end).",
)
@click.option("--reason", help="Why (vacation, training …).")
@format_option
@pass_app
def away_cmd(
    app: AppContext, rep_ref: str, starts: datetime, ends: datetime, reason: str | None, fmt: str
) -> None:
    """Mark a rep away: routing and assign give them nothing meanwhile.

    \b
    Example:
      leadctl rep away ana@example.com --from 2026-07-01 --until 2026-07-14 --reason vacation
    """
    from leadctl.services.admin.common import actor
    from leadctl.services.assign import manual

    row = manual.away(
        app.engine(),
        rep_ref,
        starts,
        ends,
        reason,
        actor(),
    )
    message(f"{row['rep']} is away from {row['from']:%Y-%m-%d} until {row['until']:%Y-%m-%d}.")
    render_record(row, fmt)


@rep.command("leave")
@click.argument("rep_ref", metavar="REP")
@click.option("--reassign", "reassign_by_rules", is_flag=True, help="Hand their clients out again (assign).")
@click.option("-n", "--dry-run", is_flag=True, help="Preview: how many clients, on which campaigns.")
@format_option
@pass_app
def leave_cmd(app: AppContext, rep_ref: str, reassign_by_rules: bool, dry_run: bool, fmt: str) -> None:
    """Offboard a rep: deactivate; their open clients return to the pool.

    With --reassign the clients are handed out again by the assignment rules.

    \b
    Example:
      leadctl rep leave ben@example.com --dry-run
      leadctl rep leave ben@example.com --reassign
    """
    from leadctl.services.admin.common import actor
    from leadctl.services.assign import manual

    out = manual.leave(
        app.engine(), app.rules, rep_ref, reassign_by_rules=reassign_by_rules, dry_run=dry_run, actor=actor()
    )
    verb = "would return" if dry_run else "returned"
    message(f"{out['rep']}: {verb} {plural(out['open_clients'], 'open client')}, then {out['then']}.")
    render_record(out, fmt)


def _account_options(f: Any) -> Any:
    f = click.option(
        "--campaign", "campaign_ref", metavar="C", type=CampaignRef(), help="Only on this campaign."
    )(f)
    f = click.option("--company", metavar="NAME", help="The account by company name (any spelling of it).")(f)
    return click.option("--domain", metavar="D", help="The account by e-mail/website domain, e.g. acme.com.")(
        f
    )


def _one_account(domain: str | None, company: str | None) -> None:
    if (domain is None) == (company is None):
        raise click.UsageError("give exactly one of --domain or --company")


@rep.command("owns")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@_account_options
@format_option
@pass_app
def owns_cmd(
    app: AppContext, rep_ref: str, domain: str | None, company: str | None, campaign_ref: str | None, fmt: str
) -> None:
    """Make a rep the owner of an account: its new clients route to them (account_owner).

    An account is a domain or a company name, on one campaign or (without --campaign) on
    every campaign. Routing uses owners when rules.routing.models lists account_owner.

    \b
    Example:
      leadctl rep owns ana@example.com --domain acme.com
      leadctl rep owns ana@example.com --company "Globex Corp" --campaign "Outbound Q1"
    """
    from leadctl.services.assign import owners

    _one_account(domain, company)
    row = owners.own(app.engine(), rep_ref, domain=domain, company=company, campaign_ref=campaign_ref)
    where = f" on {row['campaign']}" if row["campaign"] else ""
    if row["added"]:
        message(f"{row['rep']} owns {row['kind']} {row['account']}{where}.")
    else:
        message(f"{row['rep']} already owns {row['kind']} {row['account']}{where}.")
    render_record(row, fmt)


@rep.command("owners")
@click.argument("rep_ref", metavar="[REP]", type=RepRef(), required=False)
@click.option(
    "--campaign", "campaign_ref", metavar="C", type=CampaignRef(), help="Accounts owned on this campaign."
)
@format_option
@pass_app
def owners_cmd(app: AppContext, rep_ref: str | None, campaign_ref: str | None, fmt: str) -> None:
    """List owned accounts (all, one rep's, or one campaign's).

    \b
    Example:
      leadctl rep owners
      leadctl rep owners ana@example.com --format json
    """
    from leadctl.services.assign import owners

    rows = owners.owners(app.engine(), rep_ref, campaign_ref)
    render(rows, fmt, ["rep", "kind", "account", "campaign", "created_at"], empty="No owned accounts.")


@rep.command("disown")
@click.argument("rep_ref", metavar="REP", type=RepRef())
@_account_options
@format_option
@pass_app
def disown_cmd(
    app: AppContext, rep_ref: str, domain: str | None, company: str | None, campaign_ref: str | None, fmt: str
) -> None:
    """Stop a rep owning an account (its clients already assigned stay where they are).

    \b
    Example:
      leadctl rep disown ana@example.com --domain acme.com
    """
    from leadctl.services.assign import owners

    _one_account(domain, company)
    row = owners.disown(app.engine(), rep_ref, domain=domain, company=company, campaign_ref=campaign_ref)
    message(f"{row['rep']} no longer owns {row['kind']} {row['account']}.")
    render_record(row, fmt)
