"""Shared Click parameter types: option values are parsed and checked here, at the edge.

A bad option value is a usage error (``self.fail`` → Click's usage message, exit 2), never a
service error. Services receive typed values: aware UTC datetimes, lists of ``LeadStatus``,
``(field, value)`` pairs, and reference text that is known not to be blank. Resolving a
reference to a row needs the database, so it happens in one place on the service side
(``services.admin.lookup``); the types here only check its syntax.

This module imports only Click and the vocabulary (no SQLAlchemy): commands import it at
module level and ``leadctl --help`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

from leadctl.timeutil import parse_when
from leadctl.vocab import LeadStatus

F = TypeVar("F", bound=Callable[..., Any])

STATUSES: tuple[str, ...] = tuple(s.value for s in LeadStatus)


class When(click.ParamType):
    """``--since`` / ``--until``: an aware UTC datetime (``timeutil.parse_when``)."""

    name = "when"

    def __init__(self, *, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value), end_of_day=self.end_of_day)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class StatusList(click.ParamType):
    """``--status new,duplicate`` (repeatable): lead statuses from ``vocab.LeadStatus``."""

    name = "status"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[LeadStatus, ...]:
        if isinstance(value, tuple):
            return value
        out: list[LeadStatus] = []
        for part in str(value).split(","):
            text = part.strip().lower()
            if not text:
                continue
            if text not in STATUSES:
                self.fail(f"{part.strip()!r} is not one of {', '.join(STATUSES)}", param, ctx)
            status = LeadStatus(text)
            if status not in out:
                out.append(status)
        return tuple(out)


def _flatten_statuses(
    ctx: click.Context, param: click.Parameter, value: Sequence[tuple[LeadStatus, ...]]
) -> list[LeadStatus]:
    out: list[LeadStatus] = []
    for group in value or ():
        out += [s for s in group if s not in out]
    return out


def status_option(help: str, metavar: str = "STATUS") -> Callable[[F], F]:
    """``--status`` (repeatable, comma-separated) → ``statuses: list[LeadStatus]``."""
    return click.option(
        "--status",
        "statuses",
        multiple=True,
        type=StatusList(),
        callback=_flatten_statuses,
        metavar=metavar,
        help=help,
    )


class Ref(click.ParamType):
    """A campaign, bucket or rep given by name (e-mail for reps) or id; resolved by the service."""

    def __init__(self, kind: str, *, blank_ok: bool = False) -> None:
        self.kind = kind
        self.name = kind
        self.blank_ok = blank_ok

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not text and not self.blank_ok:
            self.fail(f"give the {self.kind}'s name or id, not an empty value", param, ctx)
        return text


def CampaignRef(*, blank_ok: bool = False) -> Ref:  # noqa: N802 (reads like a type)
    return Ref("campaign", blank_ok=blank_ok)


def BucketRef(*, blank_ok: bool = False) -> Ref:  # noqa: N802
    return Ref("bucket", blank_ok=blank_ok)


def RepRef(*, blank_ok: bool = False) -> Ref:  # noqa: N802
    """A rep by e-mail, name or id; ``blank_ok`` for options where '' means "none"."""
    return Ref("rep", blank_ok=blank_ok)


class TimeZone(click.ParamType):
    """An IANA time zone name (``America/New_York``, ``UTC``); ``blank_ok``: '' means "none"."""

    name = "zone"

    def __init__(self, *, blank_ok: bool = False) -> None:
        self.blank_ok = blank_ok

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from leadctl.timeutil import zone

        text = str(value).strip()
        if not text and self.blank_ok:
            return ""
        try:
            if not text or text.startswith(("/", ".")) or ".." in text:
                raise ValueError(
                    f"{text!r} is not a time zone (an IANA name such as UTC or America/New_York)"
                )
            zone(text)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return text


class NonBlank(click.ParamType):
    """Text that must not be empty or only spaces (a name, a label, a skill); trimmed."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not text:
            self.fail("must not be empty", param, ctx)
        return text


class Delimiter(click.ParamType):
    """A CSV delimiter: one character (not a quote or a line end), or ``tab``."""

    name = "char"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = {"tab": "\t", "\\t": "\t", "TAB": "\t"}.get(str(value), str(value))
        if len(text) != 1 or text in ('"', "\n", "\r"):
            self.fail(f"{value!r}: expected one character such as , ; | or tab", param, ctx)
        return text


class Encoding(click.ParamType):
    """A text encoding Python knows (``utf-8``, ``cp1252``, ``latin-1`` …)."""

    name = "encoding"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        import codecs

        try:
            codecs.lookup(str(value))
        except LookupError:
            self.fail(f"{value!r}: unknown encoding (try utf-8, cp1252 or latin-1)", param, ctx)
        return str(value)


class Assignment(click.ParamType):
    """``--set FIELD=VALUE`` → ``(field, value)``, fields checked by ``fixes.parse_assignments``."""

    name = "field=value"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        from leadctl.errors import InputError
        from leadctl.services.intake.fixes import parse_assignments

        try:
            ((field, text),) = parse_assignments([str(value)]).items()
        except InputError as exc:
            self.fail(str(exc), param, ctx)
        return field, text


class SortKey(click.ParamType):
    """``--sort FIELD`` or ``-FIELD`` (descending), FIELD one of ``fields``."""

    name = "field"

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        name = text.lstrip("-+").strip().lower()
        if name not in self.fields:
            self.fail(
                f"{text!r} is not sortable (choose from {', '.join(self.fields)}; -FIELD for descending)",
                param,
                ctx,
            )
        return ("-" if text.startswith("-") else "") + name


class Fraction(click.FloatRange):
    """A number from 0 to 1 (a score threshold); ``nan`` is refused too."""

    name = "0..1"

    def __init__(self) -> None:
        super().__init__(0.0, 1.0)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if number != number:  # NaN compares unequal to itself and passes any range check
            self.fail(f"{value!r} is not a number from 0 to 1", param, ctx)
        return number


def metric_options(
    by: Sequence[str] | None = None,
    *,
    default_by: str | None = None,
    period: str | None = "Only what happened",
    since_default: str | None = None,
) -> Callable[[F], F]:
    """The metric tables' shared flags: ``--by`` (one of ``by``), ``--since``/``--until`` (aware
    UTC; ``period`` says what they filter, None leaves them out) and ``--campaign C``.

    The command receives ``by``, ``since``, ``until`` and ``campaign_ref``.
    """

    def decorate(f: F) -> F:
        f = click.option(
            "--campaign", "campaign_ref", type=CampaignRef(), metavar="C", help="Only this campaign."
        )(f)
        if period is not None:
            f = click.option(
                "--until",
                type=When(end_of_day=True),
                metavar="WHEN",
                help=f"{period} until this date or time (inclusive).",
            )(f)
            f = click.option(
                "--since",
                type=When(),
                default=since_default,
                show_default=since_default is not None,
                metavar="WHEN",
                help=f"{period} since this date (2026-11-01, 30d, yesterday).",
            )(f)
        if by:
            f = click.option(
                "--by",
                type=click.Choice(tuple(by)),
                default=default_by,
                show_default=default_by is not None,
                help="Group the rows by " + ", ".join(by) + ".",
            )(f)
        return f

    return decorate


# ---------------------------------------------------------------- input files (FILE or -)

STDIN = "-"
_STDIN_META = "leadctl.stdin_taken_by"


class InputFile(click.Path):
    """A file to read, or ``-`` for stdin: one type for every command that reads a file.

    The path itself is not opened here (the service reads it and names it in its errors, with
    ``stdin`` for ``-``). Only one input of a command may be ``-``: stdin can be read once, so
    ``load - --mapping -`` is a usage error instead of an empty second read.
    """

    name = "file"

    def __init__(self) -> None:
        super().__init__(dir_okay=False, allow_dash=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        if str(text) == STDIN and ctx is not None:
            meta = ctx.find_root().meta
            here = _param_label(param)
            taken = meta.get(_STDIN_META)
            if taken is not None:
                self.fail(f"stdin (-) is already the input of {taken}; give a file here", param, ctx)
            meta[_STDIN_META] = here
        return text


def _param_label(param: click.Parameter | None) -> str:
    """How the user wrote a parameter: ``--mapping`` for an option, ``FILE|-`` for an argument."""
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    if param is not None:
        return param.metavar or param.human_readable_name
    return "FILE"


def input_file_argument(name: str, metavar: str = "FILE|-", **kwargs: Any) -> Callable[[F], F]:
    """A positional FILE that may be ``-`` (stdin)."""
    return click.argument(name, metavar=metavar, type=InputFile(), **kwargs)


def open_input(path: str) -> tuple[str, Any]:
    """(display name, text stream) of a path or ``-`` (stdin, not closed by the caller's close).

    For commands that read a small input themselves (``reassign --ids-from``); lead, activity,
    rules and mapping files are read by their services, which accept ``-`` too.
    """
    import io
    import sys

    from leadctl.errors import InputError

    if path == STDIN:
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        return "stdin", stream
    try:
        return path, open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


# ---------------------------------------------------------------- naming: old spellings kept


def hidden_alias(group: click.Group, command: click.Command, old_name: str) -> None:
    """Register ``command`` under its old name too, hidden from help: a rename (``rep add`` →
    ``rep create``) never breaks a script. ``tests/commands/test_naming.py`` checks the pattern."""
    import copy

    alias = copy.copy(command)
    alias.hidden = True
    alias.name = old_name
    new, old = f"leadctl {group.name} {command.name}", f"leadctl {group.name} {old_name}"
    body = (command.help or "").split("\n", 1)[-1].replace(new, old)
    alias.help = f"Old spelling of '{new}' (works the same).\n{body}"
    alias.short_help = None
    group.add_command(alias, old_name)
