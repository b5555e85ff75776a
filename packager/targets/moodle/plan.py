"""Every id a backup uses, allocated once before any XML is written.

A Moodle backup is a web of ids (section ids in ``moodle_backup.xml`` and section sequences,
course-module ids in directory names and ``$@...VIEWBYID*<cmid>@$`` links, context ids in
``files.xml``, grade item ids in ``inforef.xml``). Restore maps every one of them; a single
mismatch silently drops a file or a question. Allocating them in one pure pass, in course
order, keeps them consistent by construction and identical across rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ...model import Course, Item, ItemKind

COURSE_ID = 2  # never 1: that is the front page (SITEID) on every Moodle site
SYSTEM_CONTEXT = 1
COURSE_CONTEXT = 2

MODNAME = {
    ItemKind.PAGE: "page",
    ItemKind.LABEL: "label",
    ItemKind.URL: "url",
    ItemKind.FILE: "resource",
    ItemKind.SCREENER: "lti",
    ItemKind.QUIZ: "quiz",
}
GRADED = frozenset({ItemKind.SCREENER, ItemKind.QUIZ})
QBANK = "qbank"


@dataclass(frozen=True)
class Module:
    """One course module (activity or resource) and the ids that point at it."""

    cmid: int
    modname: str
    instance: int  # id in the module's own table, numbered per module type
    contextid: int
    section_id: int
    section_number: int
    item: Item | None  # None for a SCORM package added with --moodle-scorm, or the question bank
    grade_item: int | None  # id of its grade item, for graded modules
    lang: str | None = None  # the package's language, for a SCORM package
    visible: bool = True  # Moodle 5 creates question banks hidden (they never show on the course page)

    @property
    def directory(self) -> str:
        return f"activities/{self.modname}_{self.cmid}"

    @property
    def key(self) -> str:
        """Name prefix of its settings (``<key>_included``) and ``<activity>`` tag value."""
        return f"{self.modname}_{self.cmid}"


@dataclass(frozen=True)
class SectionRef:
    id: int
    number: int  # 0 is Moodle's "General" section, which holds the course description
    slug: str | None  # None for section 0
    modules: tuple[Module, ...]

    @property
    def directory(self) -> str:
        return f"sections/section_{self.id}"

    @property
    def key(self) -> str:
        return f"section_{self.id}"


@dataclass(frozen=True)
class Plan:
    sections: tuple[SectionRef, ...]

    @cached_property
    def modules(self) -> tuple[Module, ...]:
        return tuple(module for section in self.sections for module in section.modules)

    @cached_property
    def _by_item(self) -> dict[str, Module]:
        return {module.item.id: module for module in self.modules if module.item is not None}

    @cached_property
    def _by_slug(self) -> dict[str, SectionRef]:
        return {section.slug: section for section in self.sections if section.slug is not None}

    @cached_property
    def bank(self) -> Module | None:
        """The course's question bank activity (Moodle 5.x backups of a course with quizzes)."""
        return next((module for module in self.modules if module.modname == QBANK), None)

    def module(self, item_id: str) -> Module:
        return self._by_item[item_id]

    def section(self, slug: str) -> SectionRef:
        return self._by_slug[slug]

    @property
    def graded(self) -> tuple[Module, ...]:
        return tuple(module for module in self.modules if module.grade_item is not None)


def plan(course: Course, scorm_langs: tuple[str, ...] = (), bank: bool = False) -> Plan:
    """Ids for ``course``: section 0 first (with a SCORM activity per language of
    ``scorm_langs`` and, with ``bank`` and quizzes in the course, the question bank activity,
    where Moodle 5 adds it), then one section per course section."""
    cmid = 0
    instances: dict[str, int] = {}
    grade_item = 1  # 1 is the course total
    packages = []
    for lang in scorm_langs:
        cmid += 1
        grade_item += 1
        instances["scorm"] = instances.get("scorm", 0) + 1
        packages.append(Module(cmid, "scorm", instances["scorm"], COURSE_CONTEXT + cmid, 1, 0, None, grade_item, lang))
    if bank and course.items_of(ItemKind.QUIZ):
        cmid += 1
        packages.append(Module(cmid, QBANK, 1, COURSE_CONTEXT + cmid, 1, 0, None, None, visible=False))
    sections = [SectionRef(id=1, number=0, slug=None, modules=tuple(packages))]
    for number, section in enumerate(course.sections, start=1):
        section_id = number + 1
        modules = []
        for item in section.items:
            cmid += 1
            modname = MODNAME[item.kind]
            instances[modname] = instances.get(modname, 0) + 1
            graded = None
            if item.kind in GRADED:
                grade_item += 1
                graded = grade_item
            modules.append(
                Module(
                    cmid=cmid,
                    modname=modname,
                    instance=instances[modname],
                    contextid=COURSE_CONTEXT + cmid,
                    section_id=section_id,
                    section_number=number,
                    item=item,
                    grade_item=graded,
                )
            )
        sections.append(SectionRef(id=section_id, number=number, slug=section.slug, modules=tuple(modules)))
    return Plan(tuple(sections))
