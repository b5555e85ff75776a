"""What a Python file imports, read with ``ast``: the layout tests' one import reader."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(source: str, package: str) -> set[str]:
    """Absolute names of every module (and imported name) the source imports; relative imports
    are resolved against ``package``, the package the source's module lives in."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imported_modules(path: Path) -> set[str]:
    """What the file at ``path`` (under the repository) imports; an ``__init__.py`` is its package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return imports_of(path.read_text(encoding="utf-8"), package)


def offending(modules: set[str], forbidden: tuple[str, ...]) -> set[str]:
    """The names among ``modules`` that are, or live inside, one of ``forbidden``."""
    return {m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)}
