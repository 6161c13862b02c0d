"""The layout is the architecture: each top-level package is a floor, and imports run downward only.

declarations (what is declared) <- components, policies <- stacks (platform, tenant) <- tools (offline
runner, diff, policy runner, deployment) <- api <- dbaas (the command line). Lazy imports inside
functions count too: an upward import is a cycle waiting to happen whether or not it runs at import
time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOORS = {"declarations": 0, "components": 1, "policies": 1, "stacks": 2, "tools": 3, "api": 4, "dbaas": 5}


def imported_packages(source: str) -> list[tuple[str, int]]:
    """(top-level package, line) of every absolute import in a module, lazy ones included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def layering_violations(package: str, path: str, source: str) -> list[str]:
    """Imports of `source` (a module of `package`) that reach a floor at or above its own, other than itself."""
    return [f"{path}:{line}: {package} (floor {FLOORS[package]}) imports {target} (floor {FLOORS[target]})"
            for target, line in imported_packages(source)
            if target in FLOORS and target != package and FLOORS[target] >= FLOORS[package]]


def test_every_package_module_imports_only_from_lower_floors() -> None:
    violations = []
    for package in FLOORS:
        for module in sorted((ROOT / package).rglob("*.py")):
            rel = module.relative_to(ROOT).as_posix()
            violations += layering_violations(package, rel, module.read_text(encoding="utf-8"))
    assert violations == []


def test_no_module_is_left_outside_the_floors() -> None:
    """Python code lives in a floor (or is an entry point, a test or a benchmark): no stray package."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - set(FLOORS) == {"tests"}


@pytest.mark.parametrize(("package", "source", "expected"), [
    ("declarations", "from tools.offline.plan import build_plan\n",
     ["x.py:1: declarations (floor 0) imports tools (floor 3)"]),
    ("components", "def f():\n    from policies.rules import model\n",
     ["x.py:2: components (floor 1) imports policies (floor 1)"]),
    ("tools", "import stacks.platform.build\nfrom declarations import errors\nimport json\n", []),
    ("api", "from dbaas.cli import main\n", ["x.py:1: api (floor 4) imports dbaas (floor 5)"]),
])
def test_the_checker_finds_upward_and_sideways_imports(package: str, source: str, expected: list[str]) -> None:
    assert layering_violations(package, "x.py", source) == expected
