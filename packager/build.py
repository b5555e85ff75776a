"""The build, top to bottom: load, render, write every target, then commit the outputs.

Nothing reaches the output folder unless every step succeeded; see :class:`~packager.archive.Stage`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .archive import Stage
from .diagnostics import CourseError, Diagnostics
from .loader import load_partial
from .model import Course
from .render import RenderedCourse, render_course
from .targets import TARGETS, BuildOptions

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Checked:
    course: Course
    rendered: RenderedCourse
    diagnostics: Diagnostics


def check(source: Path | str, options: BuildOptions = BuildOptions()) -> Checked:
    """Load and render without writing; raises :class:`CourseError` listing every problem."""
    course, diagnostics = load_partial(source)
    if course is None:
        raise CourseError(diagnostics, options.strict)
    unknown = [lang for lang in options.languages if lang not in course.languages]
    if unknown:
        diagnostics.error("course.md", 1, f"--lang {', '.join(unknown)} is not a course language ({', '.join(course.languages)})")
        raise CourseError(diagnostics, options.strict)
    if options.lti_url:
        course = replace(course, lti=replace(course.lti, url=options.lti_url))
    rendered, render_diagnostics = render_course(course, options.languages or None)
    diagnostics.extend(render_diagnostics)
    if diagnostics.failed(options.strict):
        raise CourseError(diagnostics, options.strict)
    return Checked(course, rendered, diagnostics)


def build(
    source: Path | str,
    out: Path | str,
    targets: Sequence[str] = tuple(TARGETS),
    options: BuildOptions = BuildOptions(),
    progress: Progress | None = None,
) -> tuple[list[Path], Diagnostics]:
    """Build ``targets`` into ``out``; returns the written outputs and the warnings."""
    step = progress or (lambda _name: None)
    checked = check(source, options)
    for name in targets:
        if TARGETS[name].check is not None:
            checked.diagnostics.extend(TARGETS[name].check(checked.rendered, options))
    if checked.diagnostics.failed(options.strict):
        raise CourseError(checked.diagnostics, options.strict)
    step("render")
    with Stage(Path(out)) as stage:
        for name in targets:
            TARGETS[name].write(checked.rendered, stage, options)
            step(name)
        written = stage.commit()
    return written, checked.diagnostics
