"""The bot's packages stand alone: they import no development tool, and the wheel holds
nothing but them."""

from __future__ import annotations

import ast
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

from tests.support import REPO

PACKAGED = ("bot", "routines", "storage")
TOOLS = ("devtools", "tests", "bench")


def imported(path: Path) -> set[str]:
    """The top-level names of every module the file imports, nested imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def offenders(folders: tuple[str, ...], forbidden: set[str]) -> dict[str, set[str]]:
    """Each file under `folders` that imports a forbidden package, with the packages."""
    found = {}
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            if names := imported(path) & forbidden:
                found[str(path.relative_to(REPO))] = names
    return found


def test_the_bot_imports_no_tool() -> None:
    assert offenders(PACKAGED, set(TOOLS)) == {}


def test_the_tools_and_benchmarks_import_nothing_from_the_tests() -> None:
    assert offenders(("devtools", "bench"), {"tests"}) == {}


def packages(top: str) -> list[str]:
    """Dotted names of `top` and of every package folder under it."""
    return [
        ".".join(init.parent.relative_to(REPO).parts) for init in (REPO / top).rglob("__init__.py")
    ]


def test_the_wheel_holds_the_bot_and_no_tool() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]

    def packaged(name: str) -> bool:
        return any(fnmatchcase(name, pattern) for pattern in include)

    assert all(packaged(name) for top in PACKAGED for name in packages(top))
    assert [name for top in TOOLS for name in packages(top) if packaged(name)] == []
