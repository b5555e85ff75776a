"""The LTI tool's layout rules, read from the source with ``ast``: the protocol core
(``lti_tool/lti/``) imports no web framework and no database layer, no production file grows
past the size a reader takes in at once, and no LTI test module imports another test module
(shared steps live in ``tests/support/``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lti_tool"
CORE = PACKAGE / "lti"
MAX_LINES = 420
NOT_IN_CORE = ("flask", "werkzeug", "gunicorn", "sqlalchemy", "alembic", "lti_tool.web", "lti_tool.store", "lti_tool.outbox")


def imported_modules(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return imports_of(path.read_text(encoding="utf-8"), package)


def imports_of(source: str, package: str) -> set[str]:
    """Absolute names of every module (and imported name) the source imports, relative imports resolved."""
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


def offending(modules: set[str], forbidden: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)}


def test_protocol_core_imports_no_web_framework_or_database():
    files = sorted(CORE.glob("*.py"))
    assert len(files) > 10  # the glob found the core
    problems = {str(p.relative_to(ROOT)): sorted(offending(imported_modules(p), NOT_IN_CORE)) for p in files}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_import_check_catches_every_form():
    """The check above can fail: Flask or the store reached any way from a core module is caught."""
    for source in ("from flask import request", "import werkzeug.serving", "from ..web import services",
                   "from .. import store", "from lti_tool.store.launches import LaunchRecord"):
        assert offending(imports_of(source, "lti_tool.lti"), NOT_IN_CORE), source
    assert not offending(imports_of("from . import claims\nfrom .errors import bad_request", "lti_tool.lti"), NOT_IN_CORE)


def test_no_production_file_is_too_long():
    lengths = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert lengths and {k: v for k, v in lengths.items() if v > MAX_LINES} == {}


def test_no_lti_test_module_imports_another_test_module():
    for path in sorted((ROOT / "tests" / "lti").glob("test_*.py")):
        shared = {m for m in imported_modules(path) if m.rsplit(".", 1)[-1].startswith(("test_", "conftest"))}
        assert not shared, f"{path.relative_to(ROOT)} imports {sorted(shared)}: move shared steps to tests/support/"
