"""The target entry points both SCORM versions share: one package per language."""

from __future__ import annotations

from collections.abc import Callable

from ..archive import Stage
from ..diagnostics import Diagnostics
from ..render import RenderedCourse
from . import limits, package
from .plan import tracking_plan
from .versions import Version


def writer(version: Version) -> Callable:
    def write(rendered: RenderedCourse, stage: Stage, options) -> list[str]:
        plan = tracking_plan(rendered.course)
        names = []
        for lang in options.languages or rendered.course.languages:
            built = package.build(rendered, lang, version, plan)
            stage.write(built.name, built.data)
            names.append(built.name)
        return names

    return write


def checker(version: Version) -> Callable:
    def check(rendered: RenderedCourse, options) -> Diagnostics:
        return limits.check(rendered.course, tracking_plan(rendered.course), version)

    return check
