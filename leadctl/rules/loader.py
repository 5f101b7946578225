"""Load a rules file over the built-in defaults, validating with file, line and key path."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from leadctl.errors import ConfigError
from leadctl.rules.schema import LEAD_FIELDS, SCHEMA, Spec
from leadctl.rules.sections import (
    SECTIONS,
    AssignmentRules,
    BusinessHoursRules,
    CalendarRules,
    CallingRules,
    CooldownRules,
    DateRules,
    DuplicateRules,
    MappingRules,
    MetricsRules,
    MonitoringRules,
    NurtureRules,
    PhoneRules,
    QueueRules,
    RoutingRules,
    ScoringRules,
    SlaRules,
    StageRules,
    TopupRules,
    ValidationRules,
)

DEFAULT_FILE = Path(__file__).with_name("default.yaml")


@dataclass(frozen=True)
class Rules:
    """The effective rules: defaults merged with the user's file, as typed sections.

    Build with ``Rules.build(data, path)``: every section (``rules.duplicates``,
    ``rules.validation`` …) is constructed once, here, from the validated dict; ``data`` stays
    for ``rules show``.
    """

    data: Mapping[str, Any]
    path: Path | None
    phones: PhoneRules
    validation: ValidationRules
    mapping: MappingRules
    duplicates: DuplicateRules
    monitoring: MonitoringRules
    routing: RoutingRules
    assignment: AssignmentRules
    topup: TopupRules
    nurture: NurtureRules
    cooldown: CooldownRules
    calendar: CalendarRules
    business_hours: BusinessHoursRules
    sla: SlaRules
    dates: DateRules
    stages: StageRules
    scoring: ScoringRules
    calling: CallingRules
    queue: QueueRules
    metrics: MetricsRules

    @classmethod
    def build(cls, data: dict[str, Any], path: Path | None = None) -> Rules:
        sections = {name: kind.build(data[name]) for name, kind in SECTIONS.items()}
        return cls(data=data, path=path, **sections)

    def lookup(self, dotted: str) -> Any:
        """The raw value at a dotted key (``rules show KEY``); services use the typed sections."""
        value: Any = self.data
        for part in dotted.split("."):
            value = value[part]
        return value

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "built-in defaults"


# libyaml's composer when PyYAML has it (the node tree, marks and tags are the same): composing
# the defaults with the pure-Python one was ~half of the ~50 ms every command paid to load rules.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# One constructor for every scalar: it gives the value the node's resolved tag says (int, bool,
# float, date, str…) - what ``safe_load(serialize(node))`` gave, without a YAML round trip each.
_CONSTRUCTOR = yaml.SafeLoader("")


def _value(node: yaml.ScalarNode) -> Any:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    finally:
        _CONSTRUCTOR.constructed_objects.clear()


def _mark(node: yaml.Node) -> int:
    return node.start_mark.line + 1


_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset(f"{_YAML_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq"))


def _check_tag(node: yaml.Node, where: str, key: str) -> None:
    """Refuse explicit YAML tags (``!!python/name:…``, ``!custom``): rules are plain values.

    The safe loader would refuse them too, but with a multi-line ConstructorError.
    """
    if node.tag not in _PLAIN_TAGS:
        shown = "!!" + node.tag[len(_YAML_TAG) :] if node.tag.startswith(_YAML_TAG) else node.tag
        raise ConfigError(
            f"{where} line {_mark(node)}: {key or 'top level'}: YAML tag {shown!r} is not allowed "
            "(write a plain value)"
        )


@cache
def _is_region(code: str) -> bool:
    """``code in phonenumbers.SUPPORTED_REGIONS`` without importing phonenumbers.

    Every command that reads the rules checks ``phones.default_region``; importing the library
    for its region list cost ~15 ms CPU of each ``queue`` and ``next`` (a dialer's call before
    every dial) that otherwise never parses a number. The library ships one metadata module
    per supported region (``phonenumbers/data/region_US.py``), the list it derives
    ``SUPPORTED_REGIONS`` from; a test checks the two agree. Any other layout: the import."""
    import importlib.util

    spec = importlib.util.find_spec("phonenumbers")
    data = Path(spec.origin).parent / "data" if spec is not None and spec.origin else None
    if data is None or not (data / "region_US.py").is_file():  # pragma: no cover - another layout
        import phonenumbers

        return code in phonenumbers.SUPPORTED_REGIONS
    return code.isascii() and code.isalpha() and (data / f"region_{code}.py").is_file()


def _scalar(node: yaml.Node, spec: Spec, where: str, key: str) -> Any:
    _check_tag(node, where, key)
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{where} line {_mark(node)}: {key}: expected {spec.expected()}")
    value = _value(node)
    ok: bool
    if spec.kind == "str":
        ok = isinstance(value, str) and value != ""
    elif spec.kind == "bool":
        ok = isinstance(value, bool)
    elif spec.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.kind == "region":
        ok = isinstance(value, str) and _is_region(value.upper())
        value = value.upper() if ok else value
    elif spec.kind == "scalar":
        ok = isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""
    elif spec.kind == "float":
        # .nan and .inf are floats YAML accepts, but no setting means anything with them
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = False
    if ok and spec.choices is not None and value not in spec.choices:
        import difflib  # only for a mistake: ~10 ms to import on every command

        hint = difflib.get_close_matches(str(value), spec.choices, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ConfigError(
            f"{where} line {_mark(node)}: {key}: expected {spec.expected()}, got {value!r}{extra}"
        )
    if ok and spec.minimum is not None and value < spec.minimum:
        ok = False
    if ok and spec.maximum is not None and value > spec.maximum:
        ok = False
    if not ok:
        raise ConfigError(f"{where} line {_mark(node)}: {key}: expected {spec.expected()}, got {value!r}")
    return value


def _convert(node: yaml.Node, spec: Spec, where: str, key: str) -> Any:
    """A YAML node checked against ``spec`` (and its ``check``) and turned into Python values."""
    value = _convert_node(node, spec, where, key)
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise ConfigError(f"{where} line {_mark(node)}: {key}: {problem}")
    return value


def _convert_node(node: yaml.Node, spec: Spec, where: str, key: str) -> Any:
    _check_tag(node, where, key)
    if spec.kind == "either":
        for option in spec.options:
            if (option.kind == "list") == isinstance(node, yaml.SequenceNode):
                return _convert(node, option, where, key)
        raise ConfigError(f"{where} line {_mark(node)}: {key}: expected {spec.expected()}")
    if spec.kind == "section":
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError(f"{where} line {_mark(node)}: {key or 'top level'}: expected {spec.expected()}")
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            name = knode.value if isinstance(knode, yaml.ScalarNode) else str(knode)
            path = f"{key}.{name}" if key else name
            if name not in spec.fields:
                import difflib

                hint = difflib.get_close_matches(name, list(spec.fields), n=1)
                extra = (
                    f" (did you mean {hint[0]!r}?)"
                    if hint
                    else f" (expected one of {', '.join(spec.fields)})"
                )
                raise ConfigError(f"{where} line {_mark(knode)}: unknown key {path!r}{extra}")
            if name in out:
                raise ConfigError(f"{where} line {_mark(knode)}: {path}: key given twice")
            out[name] = _convert(vnode, spec.fields[name], where, path)
        return out
    if spec.kind == "list":
        assert spec.item is not None
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise ConfigError(f"{where} line {_mark(node)}: {key}: expected {spec.expected()}")
        return [_convert(item, spec.item, where, f"{key}[{i}]") for i, item in enumerate(node.value)]
    if spec.kind == "map":
        assert spec.item is not None
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError(f"{where} line {_mark(node)}: {key}: expected {spec.expected()}")
        result: dict[str, Any] = {}
        for knode, vnode in node.value:
            result[str(knode.value)] = _convert(vnode, spec.item, where, f"{key}.{knode.value}")
        return result
    return _scalar(node, spec, where, key)


def _where(path: Path) -> str:
    return "stdin" if str(path) == "-" else str(path)


_STDIN: list[tuple[object, str]] = []


def _stdin_text() -> str:
    """stdin's text, read once per stdin stream: ``rules validate -`` parses it, then reads
    it again for its field names (a new stream, as a test runner gives each call, is read anew)."""
    import sys

    stream = sys.stdin
    if not _STDIN or _STDIN[0][0] is not stream:
        _STDIN[:] = [(stream, stream.buffer.read().decode("utf-8-sig"))]
    return _STDIN[0][1]


def _read(path: Path, what: str) -> str:
    """The file's text; ``-`` reads stdin (``rules validate -``, ``load --mapping -``)."""
    try:
        if str(path) == "-":
            return _stdin_text()
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: {what} is a directory, expected a file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_where(path)}: {what} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None


def _compose(text: str, where: str) -> yaml.Node | None:
    """The YAML node tree (with line numbers), or a one-line ConfigError."""
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{where}{line}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None


def parse_file(path: Path) -> dict[str, Any]:
    """Parse and validate one rules file (partial: only the keys it sets)."""
    return parse_text(_read(path, "rules file"), _where(path))


def parse_text(text: str, where: str) -> dict[str, Any]:
    node = _compose(text, where)
    if node is None:
        return {}
    result = _convert(node, SCHEMA, where, "")
    assert isinstance(result, dict)
    return result


@cache
def defaults() -> dict[str, Any]:
    return parse_file(DEFAULT_FILE)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        # aliases and duplicates.fields are complete lists: a file's own replaces the default
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("aliases", "fields"):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_rules(path: Path | None) -> Rules:
    """The effective rules: built-in defaults, overridden key by key by ``path``."""
    if path is None:
        return Rules.build(copy.deepcopy(defaults()), None)
    return Rules.build(merge(defaults(), parse_file(path)), path)


def validate_file(path: Path) -> Rules:
    """Validate a rules file; raise ConfigError naming file, line and key on the first problem."""
    return load_rules(path)


# ---------------------------------------------------------------- column mapping files

MAPPING_TARGET = Spec("str", choices=(*LEAD_FIELDS, "full_name", "custom"))


def load_mapping(path: Path | str) -> dict[str, str]:
    """A ``--mapping`` file: file header → lead field, validated with file and line.

    The file is a YAML mapping such as ``{"Mail Addr": email, "Contact": full_name}``;
    targets are lead fields, ``full_name`` (split into first/last) or ``custom`` (keep the
    column as a custom field, never map it).
    """
    p = Path(path)
    return parse_mapping_text(_read(p, "mapping file"), _where(p))


def parse_mapping_text(text: str, where: str) -> dict[str, str]:
    node = _compose(text, where)
    if node is None:
        raise ConfigError(f"{where}: the mapping file is empty (expected lines like 'E-mail address: email')")
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            f"{where} line {_mark(node)}: expected a mapping of column names to lead fields "
            "(lines like 'E-mail address: email')"
        )
    out: dict[str, str] = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode) or not str(knode.value).strip():
            raise ConfigError(f"{where} line {_mark(knode)}: expected a column name")
        header = str(knode.value).strip()
        if header in out:
            raise ConfigError(f"{where} line {_mark(knode)}: {header}: column given twice")
        out[header] = _scalar(vnode, MAPPING_TARGET, where, header)
    return out


# ---------------------------------------------------------------- field names a file compares


def duplicate_field_lines(path: Path) -> dict[str, int]:
    """The data fields a rules file's ``duplicates.fields`` and ``blocking`` name (transforms
    such as ``:3`` or ``:soundex`` dropped), each with the line it is first named on; built-in
    blocking keys (``company``, ``name`` …) are not fields. The file must be valid already."""
    node = _compose(_read(path, "rules file"), _where(path))
    out: dict[str, int] = {}
    section = _child(node, "duplicates")
    fields = _child(section, "fields")
    if isinstance(fields, yaml.MappingNode):
        for key, _value in fields.value:
            out.setdefault(str(key.value), _mark(key))
    blocking = _child(section, "blocking")
    if isinstance(blocking, yaml.SequenceNode):
        for rule in blocking.value:
            if isinstance(rule, yaml.SequenceNode):
                for item in rule.value:
                    out.setdefault(str(item.value).split(":", 1)[0].strip(), _mark(item))
    return out


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key), None)
