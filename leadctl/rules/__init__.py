"""The rules file: schema, loading with line numbers, defaults (``default.yaml``)."""

from leadctl.rules.loader import Rules, load_rules, validate_file

__all__ = ["Rules", "load_rules", "validate_file"]
