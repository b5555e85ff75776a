"""What every builder of one backup shares: the rendered course, the ids, the languages,
the file pool and the question bank (the last two fill up as activities are built)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from ...model import Course
from ...render import RenderedCourse, RenderedItem, RenderedSection
from .content import Content
from .files import FileArea, FilePool
from .grades import GradeItem
from .plan import Plan
from .texts import Languages, Version
from .versions import Stamp
from .xml import Node


@dataclass
class Build:
    rendered: RenderedCourse
    plan: Plan
    languages: Languages
    stamp: Stamp
    timestamp: int
    shortname: str
    tool_base: str  # base URL of the qser LTI tool
    pool: FilePool = field(init=False)
    content: Content = field(init=False)
    _made: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.pool = FilePool(self.timestamp)
        self.content = Content(self.rendered.course, self.plan, self.languages)
        languages = [self.rendered.language(lang) for lang in self.languages.codes]
        items = [{i.item.id: i for i in rl.items} for rl in languages]
        self._items = {item_id: [index[item_id] for index in items] for item_id in items[0]}
        sections = [{s.section.slug: s for s in rl.sections} for rl in languages]
        self._sections = {slug: [index[slug] for index in sections] for slug in sections[0]}

    @property
    def course(self) -> Course:
        return self.rendered.course

    def items(self, item_id: str) -> list[RenderedItem]:
        """The item's rendered versions, one per language of this backup."""
        return self._items[item_id]

    def once(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        """``make()`` once per backup and ``key``: most activities have the same (empty)
        ``inforef.xml`` and ``grades.xml``."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def sections(self, slug: str) -> list[RenderedSection]:
        return self._sections[slug]

    def versions(self, parts, value: Callable) -> list[Version]:
        """``value(part)`` of each rendered version, tagged with its languages."""
        return [Version(p.text.lang, p.text.content_lang, value(p)) for p in parts]

    def name(self, parts, limit: int = 255) -> str:
        return self.languages.name(self.versions(parts, lambda p: p.text.title), limit)

    @staticmethod
    def paragraph(plain: str) -> str:
        return f"<p>{escape(plain)}</p>" if plain else ""

    def summary(self, parts, area: FileArea | None = None) -> str:
        """The one-line summary as a paragraph (empty when there is none)."""
        return self.content.block(area, self.versions(parts, lambda p: self.paragraph(p.text.summary)))


@dataclass(frozen=True)
class ActivityBody:
    """A module's own XML element plus what its ``inforef.xml`` and ``grades.xml`` need."""

    name: str  # the activity name, as in the element
    element: Node
    areas: tuple[FileArea, ...] = ()
    grade: GradeItem | None = None
    uses_bank: bool = False  # its inforef.xml lists the question bank's categories (quizzes, the bank)
    show_description: bool = False


@dataclass(frozen=True)
class Activity:
    """A built activity as the rest of the backup needs it: its own documents (``module.xml``,
    ``<mod>.xml``, and ``inforef.xml`` unless it lists the question bank) and what its other
    files and the course's lists need.
    Plain data, so the build cache can keep it (:mod:`.reuse`)."""

    name: str
    documents: dict[str, bytes]
    file_ids: tuple[int, ...]
    grade: GradeItem | None
    uses_bank: bool
