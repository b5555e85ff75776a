"""``course/`` and ``sections/``: the course record and its sections.

The course summary is the one-line ``summary`` of ``course.md`` (what course listings
show); the course description (the body of ``course.md``) opens section 0, the section
every learner sees first. Enrolment methods are left out on purpose: without
``course/enrolments.xml`` restore adds the target site's default methods, which is what an
admin expects of a new course.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ...i18n import translator
from .build import Build
from .common import empty, filters, inforef, roles
from .plan import COURSE_CONTEXT, COURSE_ID, SectionRef
from .texts import Version
from .xml import Leaf, document, leaves, node

FULLNAME_MAX = 254
SHORTNAME_MAX = 255


def shortname(build: Build) -> str:
    if build.languages.multilang:
        return build.shortname
    return f"{build.shortname}-{build.languages.codes[0]}"


def fullname(build: Build) -> str:
    langs = [build.rendered.language(lang) for lang in build.languages.codes]
    return build.languages.name([Version(rl.lang, rl.text.content_lang, rl.text.title) for rl in langs], FULLNAME_MAX)


def course_files(build: Build, question_categories: Iterable[int]) -> dict[str, bytes]:
    langs = [build.rendered.language(lang) for lang in build.languages.codes]
    area = build.pool.area(COURSE_CONTEXT, "course", "summary")
    summary = build.summary(langs, area)
    if not summary:  # no one-line summary: listings show the description instead
        summary = build.content.block(area, build.versions(langs, lambda rl: rl.html))
    course = node(
        "course",
        leaves(
            {
                "shortname": shortname(build),
                "fullname": fullname(build),
                "idnumber": "",
                "summary": summary,
                "summaryformat": 1,
                "format": "topics",
                "showgrades": 1,
                "newsitems": 0,  # no empty Announcements forum
                "startdate": 0,
                "enddate": 0,
                "marker": 0,
                "maxbytes": 0,
                "legacyfiles": 0,
                "showreports": 0,
                "visible": 1,
                "groupmode": 0,
                "groupmodeforce": 0,
                "defaultgroupingid": 0,
                "lang": build.languages.course_lang,
                "theme": "",
                "timecreated": build.timestamp,
                "timemodified": build.timestamp,
                "requested": 0,
                "showactivitydates": 0,
                "showcompletionconditions": 1,
                "pdfexportfont": None,
                "enablecompletion": 1,
                "completionnotify": 0,
            }
        ),
        node("category", Leaf("name", "Miscellaneous"), Leaf("description", None), id=1),
        node("tags"),
        node("customfields"),
        node(
            "courseformatoptions",
            (
                node("courseformatoption", leaves({"format": "topics", "sectionid": 0, "name": name, "value": value}))
                for name, value in (("hiddensections", 1), ("coursedisplay", 0))
            ),
        ),
        id=COURSE_ID,
        contextid=COURSE_CONTEXT,
    )
    entries = {
        "course.xml": document(course),
        "inforef.xml": inforef(files=area.ids, question_categories=question_categories),
        "roles.xml": roles(),
        "filters.xml": filters(),
        "calendar.xml": empty("events"),
        "comments.xml": empty("comments"),
        "competencies.xml": empty("course_competencies", "competencies", "user_competencies"),
        "completiondefaults.xml": empty("course_completion_defaults"),
        "contentbank.xml": empty("contents"),
    }
    return {f"course/{name}": data for name, data in entries.items()}


def facts(build: Build, lang: str) -> str:
    t, course = translator(lang), build.course
    parts = [escape(t("version", version=course.version)), f"{escape(t.licence)}: {escape(course.license)}"]
    if course.authors:
        parts.append(f"{escape(t.authors)}: {escape(', '.join(course.authors))}")
    return f"<p>{' · '.join(parts)}</p>"


def section_title(build: Build, section: SectionRef) -> str | None:
    """The section's name (``None`` for section 0: Moodle then shows "General")."""
    if section.slug is None:
        return None
    return build.name(build.sections(section.slug))


def section_files(build: Build, section: SectionRef) -> dict[str, bytes]:
    area = build.pool.area(COURSE_CONTEXT, "course", "section", section.id)
    if section.slug is None:  # the course description, then what the course is (version, licence, authors)
        langs = [build.rendered.language(lang) for lang in build.languages.codes]
        summary = build.content.block(area, build.versions(langs, lambda rl: rl.html + facts(build, rl.lang)))
    else:  # the section's introduction, or failing that its one-line summary
        parts = build.sections(section.slug)
        summary = build.content.block(area, build.versions(parts, lambda rs: rs.html)) or build.summary(parts, area)
    element = node(
        "section",
        leaves(
            {
                "number": section.number,
                "name": section_title(build, section),
                "summary": summary,
                "summaryformat": 1,
                "sequence": ",".join(str(m.cmid) for m in section.modules),
                "visible": 1,
                "availabilityjson": None,
                "component": None,
                "itemid": None,
                "timemodified": build.timestamp,
            }
        ),
        id=section.id,
    )
    entries = {"section.xml": document(element), "inforef.xml": inforef(files=area.ids)}
    return {f"{section.directory}/{name}": data for name, data in entries.items()}
