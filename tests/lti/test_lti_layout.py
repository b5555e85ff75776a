"""The LTI protocol core's layout rule, read from the source with ``ast``: ``lti_tool/lti/``
imports no web framework and no database layer. (File sizes and test-module imports are
checked for the whole project in ``tests/test_layout.py``.)"""

from __future__ import annotations

from tests.support.imports import ROOT, imported_modules, imports_of, offending

CORE = ROOT / "lti_tool" / "lti"
NOT_IN_CORE = ("flask", "werkzeug", "pyuwsgi", "uwsgi", "sqlalchemy", "alembic", "lti_tool.web", "lti_tool.store", "lti_tool.outbox")


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
