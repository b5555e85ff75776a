"""Moodle course backups: ``<shortname>.mbz`` (one multilingual course) or, with
``--moodle-per-language``, ``<shortname>-<lang>.mbz`` per language.

A university admin restores the file (Site administration > Courses > Restore course, or
``admin/cli/restore_backup.php``) and gets a course of native activities; the builders are
in :mod:`packager.moodle`.
"""

from __future__ import annotations

from ..diagnostics import CourseError, Diagnostics
from ..i18n import language_name
from ..model import ItemKind
from ..moodle.backup import mbz
from ..moodle.scorm import Package
from ..moodle.texts import Languages
from ..moodle.versions import stamp
from ..render import RenderedCourse


def variants(rendered: RenderedCourse, multilang: bool) -> list[tuple[str, Languages]]:
    """(file name, languages) of each backup to write."""
    course = rendered.course
    codes = tuple(rendered.languages)
    if multilang:
        return [(f"{course.shortname}.mbz", Languages(codes, True))]
    return [(f"{course.shortname}-{lang}.mbz", Languages((lang,), False)) for lang in codes]


def _require_tool(rendered: RenderedCourse) -> None:
    """A screener activity is useless without the tool's address: say where to give it."""
    screeners = rendered.course.items_of(ItemKind.SCREENER)
    if screeners and not rendered.course.lti.url:
        diagnostics = Diagnostics()
        for item in screeners:
            diagnostics.error(
                item.source.path, 1,
                "the Moodle backup links this screener to the qser LTI tool, but the tool's address is unknown: "
                "set lti.url in course.md or pass --lti-url",
            )
        raise CourseError(diagnostics)


def scorm_packages(rendered: RenderedCourse, languages: Languages) -> list[Package]:
    """The course's SCORM 1.2 package in each language of the backup (``--moodle-scorm``)."""
    try:
        from ..scorm import package as scorm
        from ..scorm.versions import SCORM12
    except ImportError:
        diagnostics = Diagnostics()
        diagnostics.error("", 0, "--moodle-scorm needs qser's SCORM 1.2 target, which this version of qser does not have yet")
        raise CourseError(diagnostics) from None
    packages = []
    for lang in languages.codes:
        built = scorm.build(rendered, lang, SCORM12)
        title = rendered.language(lang).text.title
        label = f"SCORM, {language_name(lang)}" if languages.multilang else "SCORM"
        packages.append(Package(built.name, built.data, f"{title} ({label})", lang, built.info.mastery))
    return packages


def write(rendered: RenderedCourse, stage, options) -> list[str]:
    _require_tool(rendered)
    release = stamp(options.moodle_version)
    names = []
    for name, languages in variants(rendered, options.moodle_multilang):
        packages = scorm_packages(rendered, languages) if options.moodle_scorm else []
        stage.write(name, mbz(rendered, languages, release, rendered.course.lti.url, name, packages))
        names.append(name)
    return names
