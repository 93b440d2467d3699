"""The sandbox's HTTP package imports one way: app → route tables → handlers → routing → tenant.

Read from the source (ast), not from ``sys.modules``, so an import counts wherever it is written:
under ``TYPE_CHECKING``, inside a function, or at the bottom of a module. A cycle hidden there is
still a cycle for a reader, and one refactor away from an ImportError. Importing ``a.b.c`` also runs
the packages ``a.b`` and ``a``, so those edges count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import m365_compliance.sandbox.http as http_package

PACKAGE = "m365_compliance.sandbox.http"
APP = f"{PACKAGE}.app"
ROOT = Path(http_package.__file__).parent


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, not ``__init__``)."""
    modules: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((PACKAGE, *parts))] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a ``from … import`` names, with relative levels resolved against ``module``."""
    if node.level == 0:
        return node.module or ""
    anchor = module.split(".")
    anchor = anchor if is_package else anchor[:-1]
    anchor = anchor[:len(anchor) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts) + 1)}


def imports_of(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every dotted name the source imports anywhere, with each one's parent packages; for
    ``from x import y`` both ``x`` and ``x.y`` (``y`` may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names |= _with_parents(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            names |= _with_parents(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (itself excluded)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imports_of(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py")
        graph[name] = {other for other in found if other in modules and other != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            if target in visiting:
                return [*visiting[visiting.index(target):], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            found = visit(start)
            if found:
                return found
    return None


def _registering(path: Path, table: str) -> bool:
    """Whether a module registers a handler with ``@<table>.add(…)``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else decorator
                if (isinstance(func, ast.Attribute) and func.attr == "add"
                        and isinstance(func.value, ast.Name) and func.value.id == table):
                    return True
    return False


# ---------------------------------------------------------------------- the rules
def test_nothing_in_the_package_imports_the_app() -> None:
    """Only server-level code outside the package (``sandbox/server.py``, the CLI) may import the app."""
    offenders = sorted(module for module, targets in import_graph().items() if module != APP and APP in targets)
    assert offenders == [], f"these modules import {APP}; declare what they need as a Protocol instead"


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_app_imports_the_tables_it_serves() -> None:
    assert f"{PACKAGE}.route_tables" in import_graph()[APP]


def test_every_registering_module_is_served() -> None:
    """A handler module missing from ``route_tables.py`` would register nothing: its routes 404."""
    from m365_compliance.sandbox.http.route_tables import CONTROL, ROUTES

    served = {route.handler.__module__ for table in (ROUTES, CONTROL) for route in table.routes}
    registering = {name for name, path in _modules().items()
                   if _registering(path, "ROUTES") or _registering(path, "CONTROL")}
    assert registering, "no module registers a route: the detector is broken"
    assert registering <= served, f"not imported by route_tables.py: {sorted(registering - served)}"


# ---------------------------------------------------------------------- the checker itself
def test_the_checker_sees_hidden_imports() -> None:
    """TYPE_CHECKING blocks, function-local and package-relative imports all count (the old cycles hid there)."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from m365_compliance.sandbox.http.app import SandboxApp\n"
        "def f():\n"
        "    from m365_compliance.sandbox.http.resources import sites\n"
        "from . import odata\n"
    )
    found = imports_of(source, f"{PACKAGE}.routing")
    assert {APP, f"{PACKAGE}.resources.sites", f"{PACKAGE}.resources", f"{PACKAGE}.odata"} <= found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
