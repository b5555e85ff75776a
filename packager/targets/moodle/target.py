"""Moodle course backups: ``<shortname>-<lang>.mbz``, one course per language (the default:
a stock Moodle has the Multi-language content filter off, and would show every language of a
multilingual name run together), or with ``--moodle-multilang`` ``<shortname>.mbz``, one
multilingual course for sites that turn that filter on.

A university admin restores the file (Site administration > Courses > Restore course, or
``admin/cli/restore_backup.php``) and gets a course of native activities; the builders are
the other modules of :mod:`packager.targets.moodle`; :func:`.backup.write` writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...diagnostics import Diagnostics
from ...model import ItemKind
from .. import Lazy, Target, option, register
from ..scorm.targets import checker
from ..scorm.versions import SCORM12
from .versions import STAMPS

if TYPE_CHECKING:
    from ...render import RenderedCourse


@dataclass(frozen=True)
class MoodleOptions:
    version: str = field(default="4.5", metadata=option(
        "Moodle release the backup is for (5.0 and later: questions in a question bank activity).", choices=tuple(STAMPS)))
    multilang: bool = field(
        default=False,
        metadata=option(
            "One multilingual course <shortname>.mbz, for sites with the Multi-language content filter on; "
            "the default is one course per language, which any Moodle shows as written.",
            off="per-language",
        ),
    )
    scorm: bool = field(default=False, metadata=option("Also add the SCORM 1.2 package to the Moodle course as a SCORM activity."))


def check(rendered: RenderedCourse, options: MoodleOptions) -> Diagnostics:
    """Before anything is written: the screener needs the tool's address, and an embedded
    SCORM package must respect the SCORM 1.2 limits its own target checks."""
    diagnostics = Diagnostics()
    if not rendered.course.lti.url:
        for item in rendered.course.items_of(ItemKind.SCREENER):
            diagnostics.error(
                item.source.path, 1,
                "the Moodle backup links this screener to the qser LTI tool, but the tool's address is unknown: "
                "set lti.url in course.md or pass --lti-url",
            )
    if options.scorm:
        diagnostics.extend(checker(SCORM12)(rendered))
    return diagnostics


register(Target("moodle", "Moodle course backups <shortname>-<lang>.mbz (or one multilingual <shortname>.mbz)", Lazy("packager.targets.moodle.backup:write"), check, MoodleOptions, weight=13))
