"""One course backup, assembled: every file of the archive, then the ``.mbz`` bytes.

Order matters only where one part needs another's ids: activities first (they fill the file
pool and the question bank and know the grade items), then the course, the sections, the
root files that list everything, and finally the archive index.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from ...archive import entry_date, tgz_bytes
from ...i18n import language_name
from ...render import RenderedCourse
from ..scorm.versions import SCORM12
from . import activities
from .build import Build
from .common import empty
from .course import course_files, section_files
from .grades import gradebook
from .manifest import ARCHIVE_INDEX, archive_index, moodle_backup
from .plan import plan
from .questions import QuestionBank
from .reuse import Reuse
from .scorm import Embedded
from .texts import Languages
from .target import MoodleOptions
from .versions import Stamp, stamp
from .xml import document, node

MANIFEST = "moodle_backup.xml"


def timestamp(iso_date: str) -> int:
    """The course's publication date as a Unix time: the only time a backup records."""
    return calendar.timegm(entry_date(iso_date))


def entries(rendered: RenderedCourse, languages: Languages, stamp: Stamp, tool_base: str, filename: str,
            packages: Sequence[Embedded] = ()) -> dict[str, bytes]:
    """Every file of the backup; ``packages`` are SCORM packages to add to the General section."""
    course = rendered.course
    by_lang = {package.lang: package for package in packages}
    ids = plan(course, tuple(by_lang), bank=stamp.banks_in_modules)
    build = Build(rendered, ids, languages, stamp, timestamp(course.date), course.shortname, tool_base)
    bank = QuestionBank(build)
    reuse = Reuse(build, bank)
    built = {
        module.cmid: reuse.activity(module, lambda module=module: activities.activity(build, module, bank, by_lang))
        for module in build.plan.modules
    }
    grade_items = [activity.grade for activity in built.values() if activity.grade is not None]
    total = sum(item.grademax for item in grade_items)
    out: dict[str, bytes] = {}
    for module in build.plan.modules:
        out.update(activities.files(build, module, built[module.cmid], total, bank))
    has_questions = len(bank.categories) > 1
    # 4.5 lists the course bank in the course's inforef.xml; 5.x has no course bank
    out.update(course_files(build, bank.ids if has_questions and build.plan.bank is None else ()))
    for section in build.plan.sections:
        out.update(section_files(build, section))
    titles = {cmid: activity.name for cmid, activity in built.items()}
    out.update(
        {
            MANIFEST: moodle_backup(build, filename, titles),
            "files.xml": build.pool.xml(),
            "questions.xml": bank.xml() if has_questions else empty("question_categories"),
            "gradebook.xml": gradebook(grade_items, build.timestamp),
            "grade_history.xml": empty("grade_history", "grade_grades"),
            "groups.xml": document(node("groups", node("groupcustomfields"), node("groupings", node("groupingcustomfields")))),
            "outcomes.xml": empty("outcomes_definition"),
            "roles.xml": empty("roles_definition"),
            "scales.xml": empty("scales_definition"),
            "completion.xml": empty("course_completion"),
            "badges.xml": empty("badges"),
            "users.xml": empty("users"),
            **build.pool.entries(),
        }
    )
    out[ARCHIVE_INDEX] = archive_index(out, build.timestamp)
    return out


def mbz(rendered: RenderedCourse, languages: Languages, stamp: Stamp, tool_base: str, filename: str,
        packages: Sequence[Embedded] = ()) -> bytes:
    """The backup as Moodle writes it: gzip-compressed ustar, the index first."""
    files = entries(rendered, languages, stamp, tool_base, filename, packages)
    return tgz_bytes(files, first=(ARCHIVE_INDEX, MANIFEST), date=entry_date(rendered.course.date), directories=True,
                     cache=rendered.cache)


def variants(rendered: RenderedCourse, multilang: bool) -> list[tuple[str, Languages]]:
    """(file name, languages) of each backup to write."""
    course = rendered.course
    codes = tuple(rendered.languages)
    if multilang:
        return [(f"{course.shortname}.mbz", Languages(codes, True))]
    return [(f"{course.shortname}-{lang}.mbz", Languages((lang,), False)) for lang in codes]


def scorm_packages(rendered: RenderedCourse, languages: Languages) -> list[Embedded]:
    """The course's SCORM 1.2 package in each language of the backup (``--moodle-scorm``)."""
    from ..scorm import package as scorm_package  # imported here: Jinja and lxml cost a backup without them

    packages = []
    for lang in languages.codes:
        title = rendered.language(lang).text.title
        label = f"SCORM, {language_name(lang)}" if languages.multilang else "SCORM"
        packages.append(Embedded(scorm_package.build(rendered, lang, SCORM12), f"{title} ({label})"))
    return packages


def write(rendered: RenderedCourse, stage, options: MoodleOptions) -> list[str]:
    """The target's writer (registered in :mod:`.target`): one backup per variant."""
    release = stamp(options.version)
    names = []
    for name, languages in variants(rendered, options.multilang):
        packages = scorm_packages(rendered, languages) if options.scorm else []
        stage.write(name, mbz(rendered, languages, release, rendered.course.lti.url, name, packages))
        names.append(name)
    return names
