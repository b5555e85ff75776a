"""Grade items: each graded activity's ``grades.xml`` and the course's ``gradebook.xml``.

The course uses Moodle's default "natural" aggregation (13): the course total is the sum of
the activity maxima and each activity's weight (``aggregationcoef2``) is its share of it,
the values Moodle itself computes and writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .xml import Node, document, leaves, node

NATURAL = 13


@dataclass(frozen=True)
class GradeItem:
    id: int
    name: str
    module: str  # itemmodule
    instance: int
    grademax: float
    gradepass: float
    sortorder: int
    idnumber: str


def _decimal(value: float, places: int = 5) -> str:
    return f"{value:.{places}f}"


def _grade_item(item_id: int, fields: dict, *, grademax: float, gradepass: float, weight: float, sortorder: int, timestamp: int) -> Node:
    """A ``grade_item`` element: the fields every item has, then the ones that differ."""
    return node(
        "grade_item",
        leaves(
            {
                **fields,
                "calculation": None,
                "gradetype": 1,
                "grademax": _decimal(grademax),
                "grademin": _decimal(0),
                "scaleid": None,
                "outcomeid": None,
                "gradepass": _decimal(gradepass),
                "multfactor": _decimal(1),
                "plusfactor": _decimal(0),
                "aggregationcoef": _decimal(0),
                "aggregationcoef2": _decimal(weight),
                "weightoverride": 0,
                "sortorder": sortorder,
                "display": 0,
                "decimals": None,
                "hidden": 0,
                "locked": 0,
                "locktime": 0,
                "needsupdate": 0,
                "timecreated": timestamp,
                "timemodified": timestamp,
            }
        ),
        node("grade_grades"),
        id=item_id,
    )


def _item(item: GradeItem, *, weight: float, timestamp: int) -> Node:
    fields = {
        "categoryid": 1,
        "itemname": item.name,
        "itemtype": "mod",
        "itemmodule": item.module,
        "iteminstance": item.instance,
        "itemnumber": 0,
        "iteminfo": None,
        "idnumber": item.idnumber,
    }
    return _grade_item(
        item.id, fields, grademax=item.grademax, gradepass=item.gradepass, weight=weight, sortorder=item.sortorder, timestamp=timestamp
    )


def activity_grades(item: GradeItem | None, total: float, timestamp: int) -> bytes:
    """An activity's ``grades.xml`` (Moodle writes one even for ungraded activities)."""
    items = [] if item is None else [_item(item, weight=item.grademax / total if total else 0, timestamp=timestamp)]
    return document(node("activity_gradebook", node("grade_items", items), node("grade_letters")))


def gradebook(items: list[GradeItem], timestamp: int) -> bytes:
    """``gradebook.xml``: the course category and the course total item."""
    total = sum(item.grademax for item in items)
    category = node(
        "grade_category",
        leaves(
            {
                "parent": None,
                "depth": 1,
                "path": "/1/",
                "fullname": "?",  # Moodle's name for the course category
                "aggregation": NATURAL,
                "keephigh": 0,
                "droplow": 0,
                "aggregateonlygraded": 1,
                "aggregateoutcomes": 0,
                "timecreated": timestamp,
                "timemodified": timestamp,
                "hidden": 0,
            }
        ),
        id=1,
    )
    course_fields = {
        "categoryid": None,
        "itemname": None,
        "itemtype": "course",
        "itemmodule": None,
        "iteminstance": 1,
        "itemnumber": None,
        "iteminfo": None,
        "idnumber": None,
    }
    course_item = _grade_item(
        1, course_fields, grademax=total if items else 100, gradepass=0, weight=0, sortorder=1, timestamp=timestamp
    )
    setting = node("grade_setting", leaves({"name": "minmaxtouse", "value": 1}), id="")
    return document(
        node(
            "gradebook",
            node("attributes"),
            node("grade_categories", category),
            node("grade_items", course_item),
            node("grade_letters"),
            node("grade_settings", setting),
        )
    )
