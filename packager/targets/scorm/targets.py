"""The SCORM 1.2 and SCORM 2004 targets: one package per language each, from one builder.

Both are in the family ``scorm``, so a build writes them in one process and the second
reuses the site pages of the first (see :func:`.package.site_files`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import Lazy, Target, register
from .versions import SCORM12, SCORM2004, Version

if TYPE_CHECKING:
    from ...archive import Stage
    from ...diagnostics import Diagnostics
    from ...render import RenderedCourse
    from .plan import Plan


def writer(version: Version) -> Callable:
    def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
        from . import package  # imported when writing: registering the targets stays light

        plan = _plan(rendered)
        names = []
        for lang in rendered.languages:
            built = package.build(rendered, lang, version, plan)
            stage.write(built.name, built.data)
            names.append(built.name)
        return names

    return write


def checker(version: Version) -> Callable:
    def check(rendered: RenderedCourse, _options=None) -> Diagnostics:
        from . import limits

        return limits.check(rendered.course, _plan(rendered), version)

    return check


def _plan(rendered: RenderedCourse) -> Plan:
    """The course's tracking plan, made once per build for both versions' checks and writers
    (a writer forked after the checks inherits it)."""
    from .plan import tracking_plan

    return rendered.shared("scorm-plan", lambda: tracking_plan(rendered.course))


for _version, _help in (
    (SCORM12, "SCORM 1.2 package per language: <shortname>-<lang>-scorm12.zip"),
    (SCORM2004, "SCORM 2004 4th edition package per language: <shortname>-<lang>-scorm2004.zip"),
):
    register(Target(_version.target, _help, writer(_version), checker(_version), family="scorm", weight=5,
                    prepare=Lazy("packager.render.site:compile_templates")))
