"""The course as plain immutable values.

Everything downstream (renderer, target writers, the LTI tool) reads these objects and
never the files in ``content/``: the loader is the only place that knows the source layout.
Translatable text lives in per-language ``*Text`` values; structure (order, ids, types,
thresholds, correct answers) is shared by every language so a package can never disagree
with itself across languages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path


class FrozenMap(Mapping):
    """A read-only mapping that, unlike ``MappingProxyType``, pickles: the renderer sends
    the course to worker processes."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | None = None):
        self._data = dict(data or {})

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self):
        return (FrozenMap, (self._data,))


def frozen_map(data: Mapping | None = None) -> FrozenMap:
    """A read-only mapping, so a frozen dataclass cannot be mutated through a dict field."""
    return FrozenMap(data)


class ItemKind(StrEnum):
    PAGE = "page"
    LABEL = "label"
    URL = "url"
    FILE = "file"
    SCREENER = "screener"
    QUIZ = "quiz"


@dataclass(frozen=True)
class SourceRef:
    """Where a piece of text came from, for messages and for body line offsets."""

    path: str  # relative to the content root, POSIX separators
    line: int = 1  # first line of the Markdown body


# --- screener -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenerQuestion:
    id: str
    text: str
    help: str = ""


@dataclass(frozen=True)
class SummaryField:
    id: str
    label: str
    kind: str = "text"  # "text" (one line) or "textarea"
    required: bool = True
    help: str = ""
    max_length: int = 2000


@dataclass(frozen=True)
class Screener:
    """One language's screener. The rule lives here so every target scores the same way."""

    questions: tuple[ScreenerQuestion, ...]
    threshold: int
    suitable: str  # Markdown shown when the case study is suitable
    unsuitable: str  # Markdown asking the learner to find another case study
    summary_fields: tuple[SummaryField, ...]

    @property
    def max_score(self) -> int:
        return len(self.questions)

    def score(self, answers: Mapping[str, bool]) -> int:
        """Number of "yes" answers; unknown question ids are ignored, never counted."""
        return sum(1 for q in self.questions if answers.get(q.id) is True)

    def is_suitable(self, score: int) -> bool:
        return score >= self.threshold


# --- quiz -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    kind: str  # "single" or "multiple"
    choices: tuple[Choice, ...]
    feedback_correct: str = ""
    feedback_incorrect: str = ""
    points: int = 1

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.correct)

    def is_correct(self, selected: frozenset[str] | set[str]) -> bool:
        return frozenset(selected) == self.correct_ids


@dataclass(frozen=True)
class Quiz:
    questions: tuple[Question, ...]
    pass_percent: int = 50

    @property
    def max_points(self) -> int:
        return sum(q.points for q in self.questions)

    def percent(self, responses: Mapping[str, frozenset[str] | set[str]]) -> int:
        """Score as a whole percentage, the scale every LMS grades SCORM scores on."""
        if not self.max_points:
            return 0
        got = sum(q.points for q in self.questions if q.is_correct(responses.get(q.id, frozenset())))
        return round(100 * got / self.max_points)

    def passed(self, percent: int) -> bool:
        return percent >= self.pass_percent


# --- course structure -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One language's text of a course, section or item.

    ``lang`` is the language of the page the text appears on; ``content_lang`` the language
    its words are in. They differ when the default language stands in for a missing
    translation, so writers can mark the content with its real ``lang`` attribute.
    """

    lang: str
    title: str
    body: str  # Markdown
    source: SourceRef
    content_lang: str
    summary: str = ""  # one-line plain-text description (optional)
    screener: Screener | None = None
    quiz: Quiz | None = None


@dataclass(frozen=True)
class Asset:
    """A non-Markdown file in ``content/`` (image, PDF ...), addressed by its content path."""

    path: str  # relative to the content root, POSIX separators
    size: int
    media_type: str


@dataclass(frozen=True)
class Item:
    id: str  # "<section slug>/<item slug>", stable across builds
    slug: str
    section: str  # section slug
    kind: ItemKind
    source: SourceRef
    texts: Mapping[str, Text]  # every course language is present (fallbacks included)
    url: str | None = None  # url items
    file: str | None = None  # file items: asset path
    completion: str = "view"  # "view", "grade" or "pass"

    def text(self, lang: str) -> Text:
        return self.texts[lang]


@dataclass(frozen=True)
class Section:
    slug: str
    source: SourceRef
    texts: Mapping[str, Text]
    items: tuple[Item, ...]

    def text(self, lang: str) -> Text:
        return self.texts[lang]


@dataclass(frozen=True)
class LtiSettings:
    """Where the qser LTI tool runs, so packages can link the screener to it."""

    url: str = ""  # tool base URL, e.g. https://qser.example.org/
    name: str = "Q-SER case-study screener"


@dataclass(frozen=True)
class Course:
    root: Path
    shortname: str
    languages: tuple[str, ...]  # first one is the default language
    version: str
    license: str
    authors: tuple[str, ...]
    texts: Mapping[str, Text]
    sections: tuple[Section, ...]
    assets: Mapping[str, Asset] = field(default_factory=frozen_map)
    lti: LtiSettings = field(default_factory=LtiSettings)
    date: str = ""  # ISO date the course was last published; feeds package metadata
    unloaded: frozenset[str] = frozenset()  # Markdown files skipped because of errors

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def text(self, lang: str) -> Text:
        return self.texts[lang]

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Made once (the course is frozen): writers and checks ask for it per item."""
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in reversed(self.items)}  # the first of equal ids wins, as before

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def items_of(self, kind: ItemKind) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == kind)
