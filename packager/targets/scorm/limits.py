"""Build-time checks of what a valid course can still exceed in a SCORM runtime.

SCORM 1.2 guarantees only 4096 characters of suspend data and 255-character bookmarks and
identifiers; an LMS may reject longer values (Moodle does in its "SCORM standards" mode), and
a learner would lose work. The runtime never writes more than the limit (the summary form
stops accepting text when the record is full), so these are warnings that tell the author
before a learner meets the limit.
"""

from __future__ import annotations

import re

from ...diagnostics import Diagnostics
from ...model import Course, ItemKind
from .plan import Plan
from .state import largest_record, serialise, summary_capacity
from .versions import Version

MAX_CHOICES = 36  # a choice interaction's response lists at most 36 identifiers


def check(course: Course, plan: Plan, version: Version) -> Diagnostics:
    diagnostics = Diagnostics()
    _suspend_data(course, plan, version, diagnostics)
    items = {item.id: item for item in course.items}  # Course.item() walks every item: once per item was quadratic
    for tracked in plan.items:
        item = items[tracked.id]
        where = item.source.path
        bookmark = f"item/{item.id}"
        if len(bookmark) > version.location_limit:
            diagnostics.warning(
                where, 1, f"{version.label}: the bookmark of this item ({len(bookmark)} characters) is longer than the "
                f"{version.location_limit} an LMS must store; shorten the section or item slug",
            )
        quiz = item.text(course.default_language).quiz
        if quiz is None:
            continue
        for question in quiz.questions:
            interaction = f"{item.id}/{question.id}"
            if len(interaction) > version.identifier_limit:
                diagnostics.warning(
                    where, _line(course, where, "questions"), f"{version.label}: the interaction id '{interaction}' is longer "
                    f"than the {version.identifier_limit} characters an LMS must store; shorten the question id",
                )
            if len(question.choices) > MAX_CHOICES:
                diagnostics.warning(
                    where, _line(course, where, "questions"), f"{version.label}: question '{question.id}' has "
                    f"{len(question.choices)} choices; a SCORM interaction records at most {MAX_CHOICES}",
                )
    return diagnostics


def _suspend_data(course: Course, plan: Plan, version: Version, diagnostics: Diagnostics) -> None:
    largest = len(serialise(largest_record(course, plan)))
    if largest <= version.suspend_data_limit:
        return
    capacity = summary_capacity(course)
    screeners = course.items_of(ItemKind.SCREENER)
    if not capacity:
        diagnostics.warning(
            "course.md", 1,
            f"{version.label}: the learner's answers to every quiz could reach {largest} characters of saved work but an "
            f"LMS must store only {version.suspend_data_limit}; split the course or use the SCORM 2004 package.",
        )
        return
    where = screeners[0].source.path
    room = max(0, version.suspend_data_limit - (largest - capacity))
    diagnostics.warning(
        where, _line(course, where, "summary_fields"),
        f"{version.label}: the learner's saved work could reach {largest} characters but an LMS must store only "
        f"{version.suspend_data_limit}; the summary fields allow {capacity} characters together, and the "
        f"{version.label} package will accept about {room}. Lower the fields' max_length so they add up to "
        f"{room} or less, or use the SCORM 2004 package.",
    )


def _line(course: Course, path: str, key: str) -> int:
    """Line of a top-level front-matter key, so the message points at what to change."""
    try:
        text = (course.root / path).read_text(encoding="utf-8")
    except OSError:
        return 1
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1
