"""Course model to rendered HTML fragments, once, for every target to share.

The result holds sanitised HTML with ``qser:`` link placeholders (see :mod:`packager.links`)
for every text of every language, plus the structured screener and quiz data with their
texts already rendered; writers only arrange it. Markdown is never parsed by a writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import links
from ..diagnostics import Diagnostics
from ..model import Course, Item, ItemKind, Quiz, Screener, Section, Text, frozen_map
from .markdown import RenderContext, render_block, render_inline


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

    @property
    def key(self) -> str:
        return links.item_key(self.item.id)


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

    def language(self, lang: str) -> RenderedLanguage:
        return self.languages[lang]

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per rendered course and ``key``."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]


def page_index(course: Course) -> dict[str, str]:
    """Source path of every Markdown file (translations included) -> page key."""
    pages: dict[str, str] = {}
    for text in course.texts.values():
        pages[text.source.path] = links.HOME
    for section in course.sections:
        for text in section.texts.values():
            pages[text.source.path] = links.section_key(section.slug)
        for item in section.items:
            for text in item.texts.values():
                pages[text.source.path] = links.item_key(item.id)
    return pages


def render_course(course: Course, languages: tuple[str, ...] | None = None, workers: int | None = None) -> tuple[RenderedCourse, Diagnostics]:
    """Render every text; ``workers`` > 1 splits languages and sections over processes."""
    langs = tuple(languages or course.languages)
    jobs = [(lang, index) for lang in langs for index in range(len(course.sections))]
    workers = _worker_count(workers, len(jobs), sum(len(s.items) for s in course.sections) * len(langs))
    if workers > 1:
        chunks = [jobs[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(course,)) as pool:
            results = [r for chunk_result in pool.map(_render_chunk, chunks) for r in chunk_result]
    else:
        results = _render_jobs(course, jobs)
    diagnostics = Diagnostics()
    by_job = {}
    used: set[str] = set()
    for job, section, diag, assets in results:
        by_job[job] = section
        diagnostics.extend(diag)
        used |= assets
    rendered_langs = {}
    pages = page_index(course)
    for lang in langs:
        text = course.text(lang)
        ctx = _context(course, pages, text, diagnostics)
        html = render_block(text.body, ctx)
        used |= ctx.used_assets
        sections = tuple(by_job[(lang, i)] for i in range(len(course.sections)))
        rendered_langs[lang] = RenderedLanguage(lang, text, html, sections)
    used |= {item.file for item in course.items if item.file}
    return RenderedCourse(course, frozen_map(rendered_langs), frozenset(used)), diagnostics


def rerender_items(rendered: RenderedCourse, course: Course, item_ids: set[str]) -> tuple[RenderedCourse, Diagnostics]:
    """Render only ``item_ids`` again (in every language) into a course whose structure is
    unchanged; the live preview uses it so one saved page costs one page of work."""
    pages = page_index(course)
    diagnostics = Diagnostics()
    used = set(rendered.assets)
    sections_by_slug = {s.slug: s for s in course.sections}
    languages = {}
    for lang, rl in rendered.languages.items():
        new_sections = []
        for rs in rl.sections:
            section = sections_by_slug[rs.section.slug]
            items = tuple(
                _render_item(course, pages, item, lang, diagnostics, used) if item.id in item_ids else old
                for item, old in zip(section.items, rs.items)
            )
            new_sections.append(RenderedSection(section, rs.text, rs.html, items))
        languages[lang] = RenderedLanguage(lang, rl.text, rl.html, tuple(new_sections))
    return RenderedCourse(course, frozen_map(languages), frozenset(used)), diagnostics


def _worker_count(requested: int | None, jobs: int, items: int) -> int:
    if requested is not None:
        return max(1, min(requested, jobs))
    if items < 400:  # process start-up costs more than it saves on small courses
        return 1
    return max(1, min(os.cpu_count() or 1, jobs))


_WORKER_COURSE: Course | None = None


def _init_worker(course: Course) -> None:
    global _WORKER_COURSE
    _WORKER_COURSE = course


def _render_chunk(jobs):
    return _render_jobs(_WORKER_COURSE, jobs)


def _render_jobs(course: Course, jobs):
    pages = page_index(course)
    out = []
    for lang, index in jobs:
        diag = Diagnostics()
        section = course.sections[index]
        used: set[str] = set()
        rendered = _render_section(course, pages, section, lang, diag, used)
        out.append(((lang, index), rendered, diag, used))
    return out


def _context(course: Course, pages: Mapping[str, str], text: Text, diag: Diagnostics, line: int | None = None) -> RenderContext:
    return RenderContext(text.source.path, text.source.line if line is None else line, pages, course.assets, diag, course.unloaded, lang=text.content_lang)


def _render_section(course: Course, pages, section: Section, lang: str, diag: Diagnostics, used: set[str]) -> RenderedSection:
    text = section.text(lang)
    ctx = _context(course, pages, text, diag)
    html = render_block(text.body, ctx)
    used |= ctx.used_assets
    items = []
    for item in section.items:
        items.append(_render_item(course, pages, item, lang, diag, used))
    return RenderedSection(section, text, html, tuple(items))


def _render_item(course: Course, pages, item: Item, lang: str, diag: Diagnostics, used: set[str]) -> RenderedItem:
    text = item.text(lang)
    ctx = _context(course, pages, text, diag)
    html = render_block(text.body, ctx)
    # front-matter texts have no body line of their own: report them at the file's top
    fm = _context(course, pages, text, diag, line=1)
    screener = _render_screener(text.screener, fm) if item.kind is ItemKind.SCREENER and text.screener else None
    quiz = _render_quiz(text.quiz, fm) if item.kind is ItemKind.QUIZ and text.quiz else None
    used |= ctx.used_assets | fm.used_assets
    return RenderedItem(item, text, html, screener, quiz)


def _render_screener(screener: Screener, ctx: RenderContext) -> RenderedScreener:
    return RenderedScreener(
        model=screener,
        questions=tuple(RenderedScreenerQuestion(q.id, render_inline(q.text, ctx), render_block(q.help, ctx)) for q in screener.questions),
        suitable_html=render_block(screener.suitable, ctx),
        unsuitable_html=render_block(screener.unsuitable, ctx),
        fields=tuple(
            RenderedField(f.id, f.label, f.kind, f.required, render_block(f.help, ctx), f.max_length) for f in screener.summary_fields
        ),
    )


def _render_quiz(quiz: Quiz, ctx: RenderContext) -> RenderedQuiz:
    return RenderedQuiz(
        model=quiz,
        questions=tuple(
            RenderedQuestion(
                id=q.id,
                kind=q.kind,
                prompt_html=render_inline(q.prompt, ctx),
                choices=tuple(RenderedChoice(c.id, render_inline(c.text, ctx), c.correct, render_block(c.feedback, ctx)) for c in q.choices),
                feedback_correct_html=render_block(q.feedback_correct, ctx),
                feedback_incorrect_html=render_block(q.feedback_incorrect, ctx),
                points=q.points,
            )
            for q in quiz.questions
        ),
    )

