"""What a package tracks and how the course is scored: pure rules, shared with the runtime.

The launch page embeds the plan as JSON and ``qser-scorm.js`` applies it; the manifest's
mastery score comes from the same numbers, so the LMS and the SCO never disagree:

- Every item a learner can open (not labels) is tracked. It is *done* when viewed
  (``completion: view``), answered (``grade``) or passed (``pass``); the course is completed
  when every tracked item is done, and ``progress_measure`` is the share that is done.
- The *graded* items are the course's screeners or, when it has none, its quizzes. An item's
  score is a whole percentage (screener: 100 x yes / questions; quiz: ``Quiz.percent``), its
  pass mark likewise (screener: 100 x threshold / questions; quiz: ``pass_percent``).
- The course score is the mean of the graded items' scores, reported once every graded item
  is answered; the mastery score is the mean of their pass marks; the course is passed when
  score >= mastery. With one graded item (the Q-SER screener) these are just its score and
  threshold: 4 "yes" of 5 gives 80, mastery 80, passed.

Percentages round half to even, exactly as Python's ``round`` (and so ``Quiz.percent``);
the runtime script implements the same rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...model import Course, Item, ItemKind

TRACKED = tuple(kind for kind in ItemKind if kind is not ItemKind.LABEL)


@dataclass(frozen=True)
class TrackedItem:
    id: str
    kind: str
    completion: str  # view, grade or pass
    pass_mark: int | None  # percent, for screeners and quizzes
    graded: bool  # counts towards the course score


@dataclass(frozen=True)
class Plan:
    items: tuple[TrackedItem, ...]

    @property
    def graded(self) -> tuple[TrackedItem, ...]:
        return tuple(item for item in self.items if item.graded)

    @property
    def mastery(self) -> int | None:
        """Course pass mark in percent; None when nothing is graded."""
        marks = [item.pass_mark for item in self.graded if item.pass_mark is not None]
        return round(sum(marks) / len(marks)) if marks else None

    def as_json(self) -> dict:
        return {
            "items": [
                {"id": i.id, "kind": i.kind, "completion": i.completion, "pass": i.pass_mark, "graded": i.graded}
                for i in self.items
            ],
            "mastery": self.mastery,
        }


def percent(part: int | float, whole: int | float) -> int:
    return round(100 * part / whole) if whole else 0


def pass_mark(item: Item, lang: str) -> int | None:
    text = item.text(lang)
    if item.kind is ItemKind.SCREENER and text.screener:
        return percent(text.screener.threshold, text.screener.max_score)
    if item.kind is ItemKind.QUIZ and text.quiz:
        return text.quiz.pass_percent
    return None


def tracking_plan(course: Course) -> Plan:
    lang = course.default_language  # structure (thresholds, ids) is the same in every language
    tracked = [item for item in course.items if item.kind in TRACKED]
    graded_kind = ItemKind.SCREENER if any(i.kind is ItemKind.SCREENER for i in tracked) else ItemKind.QUIZ
    return Plan(
        tuple(
            TrackedItem(item.id, item.kind.value, item.completion, pass_mark(item, lang), item.kind is graded_kind)
            for item in tracked
        )
    )
