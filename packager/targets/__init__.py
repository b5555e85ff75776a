"""Output formats. Each target module has one entry point, ``write(rendered, stage, options)``,
which writes its outputs into the build stage and returns their names.

Adding a format means adding a module and one line to :data:`TARGETS`; the CLI, ``make build``
and the build pipeline pick it up from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..archive import Stage
from ..diagnostics import Diagnostics
from ..render import RenderedCourse
from . import epub, html, imscc, moodle, pdf, scorm12, scorm2004


@dataclass(frozen=True)
class BuildOptions:
    languages: tuple[str, ...] = ()  # empty: every course language
    strict: bool = False
    moodle_version: str = "4.5"
    moodle_multilang: bool = True  # one multilingual Moodle course, or one per language
    moodle_scorm: bool = False  # also add the SCORM package as a SCORM activity
    lti_url: str = ""  # overrides the course's lti.url (the tool's base URL)
    pdf_paper: str = "a4"  # a4 or letter


@dataclass(frozen=True)
class Target:
    name: str
    help: str
    write: Callable[[RenderedCourse, Stage, BuildOptions], list[str]]
    # Format limits a valid course can still exceed (e.g. SCORM 1.2 field sizes): the build
    # runs it before writing anything and reports its problems with the course's own.
    check: Callable[[RenderedCourse, BuildOptions], Diagnostics] | None = None
    # Targets of one family are written in the same process, so they can share work.
    family: str = ""


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("html", "static HTML site in html/<lang>/", html.write),
        Target("imscc", "IMS Common Cartridge 1.1, <shortname>-<lang>.imscc", imscc.write),
        Target("pdf", "tagged PDF handbook per language: <shortname>-<lang>.pdf", pdf.write),
        Target("epub", "EPUB 3 handbook per language: <shortname>-<lang>.epub", epub.write),
        Target("moodle", "Moodle course backup <shortname>.mbz (or <shortname>-<lang>.mbz)", moodle.write, moodle.check),
        Target("scorm12", "SCORM 1.2 package per language: <shortname>-<lang>-scorm12.zip", scorm12.write, scorm12.check, "scorm"),
        Target("scorm2004", "SCORM 2004 4th edition package per language: <shortname>-<lang>-scorm2004.zip", scorm2004.write, scorm2004.check, "scorm"),
    )
}
