"""Typed errors raised by services; ``cli.main`` turns them into ``Error: …`` and an exit code."""

from __future__ import annotations


class LeadctlError(Exception):
    """Base class: an operational error the user can act on (exit code 1)."""


class InputError(LeadctlError):
    """Bad input: a file, a row, a field or an option value."""


class NotFound(LeadctlError):
    """A named or numbered object does not exist."""


class ConfigError(LeadctlError):
    """A rules or config file is wrong."""


class ConflictError(LeadctlError):
    """The request conflicts with what is stored (a name taken, a bucket inactive, …)."""


class SchemaError(LeadctlError):
    """The database schema is not at the revision this leadctl expects."""


class BusyError(LeadctlError):
    """Another leadctl run holds a lock this one needs (try again in a moment)."""


class ReadOnlyError(LeadctlError):
    """The database can be read but not changed by this user (file or directory not writable)."""
