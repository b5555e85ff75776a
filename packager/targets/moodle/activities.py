"""One ``activities/<mod>_<cmid>/`` folder per item: ``module.xml``, ``<mod>.xml`` and friends.

Completion is set so course progress works after restore: viewing completes a page, link or
file; a screener or quiz completes with a passing grade (``completion: pass``, its default),
any grade (``grade``) or a view (``view``); a SCORM package by the status it reports; a
label, which has nothing to open, never.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ...model import ItemKind
from .build import Activity, ActivityBody, Build
from .common import activity_extras, inforef
from .grades import GradeItem, activity_grades
from .lti import lti
from .plan import QBANK, Module
from .qbank import qbank
from .questions import QuestionBank
from .quiz import quiz
from .resources import label, page, resource, url
from .scorm import Embedded, scorm
from .xml import document, leaves, node

TRACKING_AUTOMATIC = 2  # COMPLETION_TRACKING_AUTOMATIC
IDNUMBER_MAX = 100

BUILDERS: Mapping[str, Callable[[Build, Module], ActivityBody]] = {
    "page": page,
    "label": label,
    "url": url,
    "resource": resource,
    "lti": lti,
    QBANK: qbank,
}


def body(build: Build, module: Module, bank: QuestionBank, packages: Mapping[str, Embedded]) -> ActivityBody:
    if module.modname == "quiz":
        return quiz(build, module, bank)
    if module.modname == "scorm":
        return scorm(build, module, packages[module.lang])
    return BUILDERS[module.modname](build, module)


def idnumber(module: Module) -> str:
    """The item id, Moodle's stable "ID number" (labels have none: FEATURE_IDNUMBER is off)."""
    item = module.item
    if item is None or item.kind is ItemKind.LABEL or len(item.id) > IDNUMBER_MAX:
        return ""
    return item.id


def completion(module: Module) -> dict:
    item = module.item
    if module.modname == QBANK:  # a bank has nothing learners complete (FEATURE_COMPLETION_* off)
        return {"completion": 0, "completiongradeitemnumber": None, "completionpassgrade": 0, "completionview": 0}
    if item is None:  # a SCORM package completes by the status it reports (scorm.completionstatusrequired)
        return {"completion": TRACKING_AUTOMATIC, "completiongradeitemnumber": None, "completionpassgrade": 0, "completionview": 0}
    if item.kind is ItemKind.LABEL:  # nothing to view: a label cannot complete automatically
        return {"completion": 0, "completiongradeitemnumber": None, "completionpassgrade": 0, "completionview": 0}
    if module.grade_item is not None and item.completion in ("grade", "pass"):
        return {
            "completion": TRACKING_AUTOMATIC,
            "completiongradeitemnumber": 0,
            "completionpassgrade": int(item.completion == "pass"),
            "completionview": 0,
        }
    return {"completion": TRACKING_AUTOMATIC, "completiongradeitemnumber": None, "completionpassgrade": 0, "completionview": 1}


def module_xml(build: Build, module: Module, show_description: bool) -> bytes:
    return document(
        node(
            "module",
            leaves(
                {
                    "modulename": module.modname,
                    "sectionid": module.section_id,
                    "sectionnumber": module.section_number,
                    "idnumber": idnumber(module),
                    "added": build.timestamp,
                    "score": 0,
                    "indent": 0,
                    "visible": int(module.visible),
                    "visibleoncoursepage": int(module.visible),
                    "visibleold": int(module.visible),
                    "groupmode": 0,
                    "groupingid": 0,
                    **completion(module),
                    "completionexpected": 0,
                    "availability": None,
                    "showdescription": int(show_description),
                    "downloadcontent": 1,
                    "lang": module.lang if build.languages.multilang else None,  # a package's player in its language
                }
            ),
            node("tags"),
            id=module.cmid,
            version=build.stamp.module_version,
        )
    )


def activity(build: Build, module: Module, bank: QuestionBank, packages: Mapping[str, Embedded]) -> Activity:
    """The module built: its element and its own documents."""
    made = body(build, module, bank, packages)
    wrapper = node("activity", made.element, id=module.instance, moduleid=module.cmid, modulename=module.modname, contextid=module.contextid)
    documents = {"module.xml": module_xml(build, module, made.show_description), f"{module.modname}.xml": document(wrapper)}
    file_ids = tuple(i for area in made.areas for i in area.ids)
    if not made.uses_bank:  # else it lists the whole bank, known once every quiz is built
        documents["inforef.xml"] = references(build, file_ids, made.grade, ())
    return Activity(made.name, documents, file_ids, made.grade, made.uses_bank)


def references(build: Build, file_ids: tuple[int, ...], grade: GradeItem | None, categories: tuple[int, ...]) -> bytes:
    """The folder's ``inforef.xml``."""
    refs = (file_ids, (grade.id,) if grade else (), categories)
    return build.once(("inforef", refs), lambda: inforef(*refs))


def files(build: Build, module: Module, activity: Activity, grade_total: float, bank: QuestionBank) -> dict[str, bytes]:
    """The folder's files, keyed by their archive path."""
    entries = {
        **activity.documents,
        "inforef.xml": activity.documents.get("inforef.xml") or references(build, activity.file_ids, activity.grade, bank.ids),
        "grades.xml": build.once(("grades", activity.grade, grade_total), lambda: activity_grades(activity.grade, grade_total, build.timestamp)),
        **activity_extras(),
    }
    return {f"{module.directory}/{name}": data for name, data in entries.items()}
