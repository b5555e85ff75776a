"""Files every course, section or activity folder has, mostly empty by design.

Moodle writes them for every activity (``calendar.xml``, ``roles.xml`` ...); restore reads
several unconditionally (``roles.xml``, ``grades.xml``) and the rest when the matching root
setting is on. Writing all of them, as Moodle does, keeps every setting combination safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from .xml import Leaf, document, node


def inforef(files: Iterable[int] = (), grade_items: Iterable[int] = (), question_categories: Iterable[int] = (),
            roles: Iterable[int] = ()) -> bytes:
    """What a folder's XML references; restore only loads files and question banks listed here."""
    parts = []
    for group, element, ids in (
        ("roleref", "role", roles),
        ("fileref", "file", files),
        ("grade_itemref", "grade_item", grade_items),
        ("question_categoryref", "question_category", question_categories),
    ):
        ids = list(ids)
        if ids:
            parts.append(node(group, (node(element, Leaf("id", i)) for i in ids)))
    return document(node("inforef", parts))


def roles() -> bytes:
    return document(node("roles", node("role_overrides"), node("role_assignments")))


def filters() -> bytes:
    return document(node("filters", node("filter_actives"), node("filter_configs")))


def empty(root: str, *children: str) -> bytes:
    return document(node(root, (node(child) for child in children)))


@cache
def activity_extras() -> Mapping[str, bytes]:
    """The activity files that carry no data for a course without users."""
    return {
        "calendar.xml": empty("events"),
        "comments.xml": empty("comments"),
        "competencies.xml": empty("course_module_competencies", "competencies"),
        "completion.xml": empty("completions", "completionviews"),
        "filters.xml": filters(),
        "grade_history.xml": empty("grade_history", "grade_grades"),
        "roles.xml": roles(),
        "xapistate.xml": empty("states"),
    }


def php_array(values: Mapping[str, int | str]) -> str:
    """PHP ``serialize()`` of a flat array: how Moodle stores display options."""
    parts = []
    for key, value in values.items():
        parts.append(f's:{len(key.encode())}:"{key}";')
        if isinstance(value, bool) or isinstance(value, int):
            parts.append(f"i:{int(value)};")
        else:
            parts.append(f's:{len(value.encode())}:"{value}";')
    return f"a:{len(values)}:{{{''.join(parts)}}}"
