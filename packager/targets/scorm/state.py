"""The suspend-data record, and its largest possible size for the build-time limit check.

``qser-scorm.js`` keeps one JSON object in ``cmi.suspend_data``::

    {"v": 1,                      format version
     "f": "1a2b3c4d",             fingerprint of the tracked item list (see below)
     "s": "f3",                   viewed items, a hex bitmap in plan order
     "r": {"<item id>": 80},      scores (percent) of answered screeners and quizzes
     "w": {"<item id>": {...}}}   widget states, opaque to the runtime:
                                    screener {"a": {"<question>": 1|0}, "f": {"<field>": "text"}}
                                    quiz     {"a": {"<question>": ["<choice>", ...]}, "d": 1}

The bitmap is compact (a course of 400 items needs 100 characters) but positional, so the
fingerprint says which item list it belongs to; a package whose items changed ignores an old
bitmap and rebuilds it from the LMS's objectives. Everything else is keyed by stable ids.
"""

from __future__ import annotations

import hashlib
import json

from ...model import Course, ItemKind
from .plan import Plan

VERSION = 1


def fingerprint(plan: Plan) -> str:
    return hashlib.sha1("\n".join(item.id for item in plan.items).encode("utf-8")).hexdigest()[:8]


def serialise(record: dict) -> str:
    """The same text ``JSON.stringify`` gives, so sizes computed here hold in the browser."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def largest_record(course: Course, plan: Plan) -> dict:
    """Every item viewed and answered, every choice ticked, every summary field full."""
    lang = course.default_language
    results: dict[str, int] = {}
    widgets: dict[str, dict] = {}
    items = {item.id: item for item in course.items}
    for tracked in plan.items:
        text = items[tracked.id].text(lang)
        if tracked.kind == ItemKind.SCREENER and text.screener:
            results[tracked.id] = 100
            widgets[tracked.id] = {
                "a": {q.id: 1 for q in text.screener.questions},
                "f": {f.id: "x" * f.max_length for f in text.screener.summary_fields},
            }
        elif tracked.kind == ItemKind.QUIZ and text.quiz:
            results[tracked.id] = 100
            widgets[tracked.id] = {"a": {q.id: [c.id for c in q.choices] for q in text.quiz.questions}, "d": 1}
    return {"v": VERSION, "f": fingerprint(plan), "s": "f" * -(-len(plan.items) // 4), "r": results, "w": widgets}


def summary_capacity(course: Course) -> int:
    """Characters all summary fields may hold together."""
    lang = course.default_language
    return sum(
        f.max_length for item in course.items_of(ItemKind.SCREENER) if item.text(lang).screener for f in item.text(lang).screener.summary_fields
    )
