"""A plain (non-editable) install ships every package: setup.cfg lists packages explicitly, so a
new one left out installs without it (the demo then fails with ModuleNotFoundError)."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_setup_cfg_lists_every_package() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "leadctl").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to setup.cfg [options] packages"


def test_each_service_package_names_its_modules() -> None:
    """Each ``services`` subpackage's ``__init__`` docstring names every module in it (the map a
    reader starts from), and the package imports nothing (its docstring is all of it)."""
    import ast

    for init in sorted((ROOT / "leadctl" / "services").glob("*/__init__.py")):
        tree = ast.parse(init.read_text())
        doc = ast.get_docstring(tree) or ""
        assert all(isinstance(node, ast.Expr) for node in tree.body), f"{init}: imports or code"
        modules = {p.stem for p in init.parent.glob("*.py") if p.stem != "__init__"}
        words = set(doc.replace("`", " ").replace(",", " ").replace("(", " ").replace(")", " ").split())
        missing = sorted(m for m in modules if m not in words)
        assert missing == [], f"{init.parent.name}/__init__.py does not name {missing}"


def test_no_module_is_over_about_600_lines() -> None:
    """Issue 6's bound on a module's size: past it, a module is cut by job."""
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in (ROOT / "leadctl").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert {p: n for p, n in sizes.items() if n > 620} == {}
