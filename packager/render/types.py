"""What rendering produces: sanitised HTML fragments beside the model objects they came from.

See :mod:`.course` for how they are made; writers only read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import links
from ..model import Course, Item, Quiz, Screener, Section, Text


@dataclass(frozen=True)
class RenderedChoice:
    id: str
    html: str
    correct: bool
    feedback_html: str


@dataclass(frozen=True)
class RenderedQuestion:
    id: str
    kind: str  # single or multiple
    prompt_html: str
    choices: tuple[RenderedChoice, ...]
    feedback_correct_html: str
    feedback_incorrect_html: str
    points: int


@dataclass(frozen=True)
class RenderedQuiz:
    model: Quiz
    questions: tuple[RenderedQuestion, ...]


@dataclass(frozen=True)
class RenderedScreenerQuestion:
    id: str
    html: str
    help_html: str


@dataclass(frozen=True)
class RenderedField:
    id: str
    label: str  # plain text
    kind: str
    required: bool
    help_html: str
    max_length: int


@dataclass(frozen=True)
class RenderedScreener:
    model: Screener
    questions: tuple[RenderedScreenerQuestion, ...]
    suitable_html: str
    unsuitable_html: str
    fields: tuple[RenderedField, ...]


@dataclass(frozen=True)
class RenderedItem:
    item: Item
    text: Text
    html: str  # body
    screener: RenderedScreener | None = None
    quiz: RenderedQuiz | None = None
    render_key: str = field(default="", compare=False)  # the build cache's key of its rendering; "" without a cache

    @property
    def key(self) -> str:
        return links.item_key(self.item.id)

    @property
    def rendering(self) -> str | tuple:
        """What stands for the rendered html, screener and quiz in a writer's cache key. They are
        a function of :attr:`render_key` (the render cache serves them under it), so a writer
        hashes that short key instead of the page's whole HTML once more in every target."""
        return self.render_key or (self.html, self.screener, self.quiz)


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    text: Text
    html: str
    items: tuple[RenderedItem, ...]

    @property
    def key(self) -> str:
        return links.section_key(self.section.slug)


@dataclass(frozen=True)
class RenderedLanguage:
    lang: str
    text: Text  # course text
    html: str  # course description
    sections: tuple[RenderedSection, ...]

    @property
    def items(self) -> tuple[RenderedItem, ...]:
        return tuple(item for section in self.sections for item in section.items)


@dataclass(frozen=True)
class RenderedCourse:
    course: Course
    languages: Mapping[str, RenderedLanguage]
    assets: frozenset[str]  # content paths of every asset a page or file item uses
    # What the writers of one build derive once and share (the site pages both SCORM
    # versions package); it lives exactly as long as the rendered course.
    _shared: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    # The build cache (:class:`packager.cache.Cache`) writers may take finished pages from.
    cache: Any = field(default=None, compare=False, repr=False)

    def language(self, lang: str) -> RenderedLanguage:
        return self.languages[lang]

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per rendered course and ``key``."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]
