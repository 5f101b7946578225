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
CONFIG_KEYS = ("database_url", "rules", "format")


def data_dir() -> Path:
    """``$LEADCTL_DATA_DIR``, else ``$XDG_DATA_HOME/leadctl``, else ``~/.local/share/leadctl``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "leadctl"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "leadctl"


def config_file() -> Path:
    return config_dir() / "config.yaml"


@cache
def _config_values(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}{where}: not valid YAML") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of {', '.join(CONFIG_KEYS)}")
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"{p}: unknown key {unknown[0]!r} (expected one of {', '.join(CONFIG_KEYS)})")
    return data


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
    return user if user.is_file() else None


def default_format() -> str:
    return os.environ.get(FORMAT_ENV) or config_value("format") or "table"
