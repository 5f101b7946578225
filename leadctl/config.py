"""Where leadctl keeps things: data directory, config file, database URL, rules file.

Precedence everywhere: command-line flag > ``LEADCTL_*`` environment variable >
config file (``$XDG_CONFIG_HOME/leadctl/config.yaml``) > built-in default.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from leadctl.errors import ConfigError

DATA_DIR_ENV = "LEADCTL_DATA_DIR"
DATABASE_ENV = "LEADCTL_DATABASE_URL"
RULES_ENV = "LEADCTL_RULES"
FORMAT_ENV = "LEADCTL_FORMAT"
CONFIG_KEYS = ("database_url", "rules", "format", "display_timezone")


def data_dir() -> Path:
    """``$LEADCTL_DATA_DIR``, else ``$XDG_DATA_HOME/leadctl``, else ``~/.local/share/leadctl``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "leadctl"


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents as 0700 (they will hold personal data).

    Directories that already exist keep the permissions their owner gave them.
    """
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:  # created by a concurrent leadctl
            continue
        d.chmod(0o700)  # mkdir's mode is filtered by the umask


def open_private(path: Path) -> int:
    """A file descriptor for writing ``path`` from the start, created 0600 (and made 0600 if it
    existed), so lead files and databases are never readable by other local users."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "leadctl"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/leadctl``, else ``~/.cache/leadctl``: derived data leadctl can always
    compute again (the holidays library's dates)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leadctl"


def config_file() -> Path:
    return config_dir() / "config.yaml"


@cache
def _config_values(path: str) -> dict[str, Any]:
    """The config file's settings, each checked (a wrong one is a one-line ConfigError)."""
    p = Path(path)
    if not p.exists():
        return {}
    if not p.is_file():
        raise ConfigError(f"{p}: the config file is a directory (or not a regular file), expected a file")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start}); expected a YAML config file") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the config file ({exc.strerror or exc})") from None
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {' '.join(str(problem).split())}" if problem else ""
        raise ConfigError(f"{p}{where}: not valid YAML{detail}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of {', '.join(CONFIG_KEYS)}")
    unknown = sorted(str(k) for k in set(data) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"{p}: unknown key {unknown[0]!r} (expected one of {', '.join(CONFIG_KEYS)})")
    for key, value in data.items():
        _check_value(p, key, value)
    return data


def _check_value(path: Path, key: str, value: Any) -> None:
    if key == "display_timezone":
        from leadctl.timeutil import zone

        try:
            zone(str(value))
        except ValueError as exc:
            raise ConfigError(f"{path}: display_timezone: {exc}") from None
        return
    if key == "format":
        from leadctl.output import FORMATS

        if value not in FORMATS:
            raise ConfigError(f"{path}: format: expected one of {', '.join(FORMATS)}, got {value!r}")
        return
    if not isinstance(value, str) or not value.strip():
        what = "a database URL" if key == "database_url" else "a file path"
        shown = (
            "(a URL, not shown)"
            if key == "database_url" and isinstance(value, str) and value
            else repr(value)
        )
        raise ConfigError(f"{path}: {key}: expected {what} (text), got {shown}")


def config_value(key: str) -> Any:
    return _config_values(str(config_file())).get(key)


def default_database_path() -> Path:
    return data_dir() / "leadctl.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def database_url(flag: str | None = None) -> str:
    return flag or os.environ.get(DATABASE_ENV) or config_value("database_url") or default_database_url()


def rules_path(flag: str | None = None) -> Path | None:
    """The rules file in effect, or None for the built-in defaults."""
    explicit = flag or os.environ.get(RULES_ENV) or config_value("rules")
    if explicit:
        return Path(explicit).expanduser()
    user = config_dir() / "rules.yaml"
    return user if user.exists() else None  # a directory there is refused when it is read


def rules_origin(flag: str | None = None) -> str | None:
    """Where the rules file in effect was named: ``--rules``, ``$LEADCTL_RULES``, the config file."""
    if flag:
        return "--rules"
    if os.environ.get(RULES_ENV):
        return f"${RULES_ENV}"
    if config_value("rules"):
        return f"'rules:' in the config file {config_file()}"
    return None


def default_format() -> str:
    return os.environ.get(FORMAT_ENV) or config_value("format") or "table"
