"""Course model to rendered HTML fragments, once, for every target to share.

The result holds sanitised HTML with ``qser:`` link placeholders (see :mod:`packager.links`)
for every text of every language, plus the structured screener and quiz data with their
texts already rendered; writers only arrange it. Markdown is never parsed by a writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from .. import links, parallel
from ..cache import Cache
from ..diagnostics import Diagnostics
from ..model import Course, Item, ItemKind, Quiz, Screener, Text, frozen_map
from . import payload
from .anchors import check_anchors
from .markdown import RenderContext, render_block, render_inline
from .types import (
    RenderedChoice,
    RenderedCourse,
    RenderedField,
    RenderedItem,
    RenderedLanguage,
    RenderedQuestion,
    RenderedQuiz,
    RenderedScreener,
    RenderedScreenerQuestion,
    RenderedSection,
)


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


def render_course(
    course: Course, languages: tuple[str, ...] | None = None, workers: int | None = None, cache: Cache | None = None,
    known: Mapping[tuple[str, str], str] | None = None, meanwhile: Callable[[], Any] | None = None,
) -> tuple[RenderedCourse, Diagnostics]:
    """Render every text; ``workers`` > 1 splits the work over processes. With a ``cache``,
    a text rendered by an earlier build with the same inputs is taken from it instead
    (``known``: texts' digests the load cache kept, see :func:`payload.key`). ``meanwhile``
    runs in this process while forked workers render (not at all when none are forked)."""
    langs = tuple(languages or course.languages)
    pages = page_index(course)
    units = [(lang, s, i) for lang in langs for s, section in enumerate(course.sections) for i in range(-1, len(section.items))]
    units += [(lang, -1, -1) for lang in langs]  # the course description
    entries: dict[Unit, dict] = {}
    keys: dict[Unit, str] = {}
    if cache is not None:
        links_digest = payload.link_targets_digest(course, pages)
        for unit in units:
            keys[unit] = payload.key(links_digest, unit[0], _unit_kind(course, unit), _unit_text(course, unit), known)
            entry = cache.get("render", keys[unit])
            if entry is not None:
                entries[unit] = entry
    missing = [unit for unit in units if unit not in entries]
    workers = _worker_count(workers, len(missing))
    if workers > 1:  # in more chunks than workers: a worker done early takes the next, and
        # the chunks done come back (and are unpickled here) while the others are rendered
        chunks = [missing[i::4 * workers] for i in range(4 * workers)]
        computed = [r for part in parallel.fork_map(lambda chunk: _render_units(course, chunk), chunks, workers, meanwhile)
                    for r in part]
    else:
        computed = _render_units(course, missing)
    for unit, entry in computed:
        entries[unit] = entry
        if cache is not None:
            cache.put("render", keys[unit], entry)
    rendered, diagnostics = _assemble(course, langs, entries, keys)
    return replace(rendered, cache=cache), diagnostics


Unit = tuple[str, int, int]  # (language, section index or -1 for the course, item index or -1 for the section's own text)


def _unit_text(course: Course, unit: Unit) -> Text:
    lang, s, i = unit
    if s < 0:
        return course.text(lang)
    section = course.sections[s]
    return section.text(lang) if i < 0 else section.items[i].text(lang)


def _unit_kind(course: Course, unit: Unit) -> str:
    _, s, i = unit
    return "course" if s < 0 else "section" if i < 0 else course.sections[s].items[i].kind.value


def _assemble(course: Course, langs: tuple[str, ...], entries: dict[Unit, dict], keys: dict[Unit, str]) -> tuple[RenderedCourse, Diagnostics]:
    diagnostics = Diagnostics()
    used: set[str] = set()
    for unit in sorted(entries, key=lambda u: (langs.index(u[0]), u[1] < 0, u[1], u[2])):
        diagnostics.extend(payload.diagnostics(entries[unit]))
        used.update(entries[unit]["assets"])
    rendered_langs = {}
    for lang in langs:
        sections = []
        for s, section in enumerate(course.sections):
            items = []
            for i, item in enumerate(section.items):
                text, entry = item.text(lang), entries[(lang, s, i)]
                items.append(RenderedItem(item, text, entry["html"], payload.screener(entry, text), payload.quiz(entry, text),
                                          keys.get((lang, s, i), "")))
            sections.append(RenderedSection(section, section.text(lang), entries[(lang, s, -1)]["html"], tuple(items)))
        rendered_langs[lang] = RenderedLanguage(lang, course.text(lang), entries[(lang, -1, -1)]["html"], tuple(sections))
    used |= {item.file for item in course.items if item.file}
    rendered = RenderedCourse(course, frozen_map(rendered_langs), frozenset(used))
    diagnostics.extend(check_anchors(rendered))
    return rendered, diagnostics


def rerender_items(rendered: RenderedCourse, course: Course, item_ids: set[str], pages: Mapping[str, str] | None = None) -> tuple[RenderedCourse, Diagnostics]:
    """Render only ``item_ids`` again (in every language) into a course whose structure is
    unchanged; the live preview uses it so one saved page costs one page of work (``pages``:
    the :func:`page_index`, which only a change of structure changes)."""
    pages = page_index(course) if pages is None else pages
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
    rendered = RenderedCourse(course, frozen_map(languages), frozenset(used))
    diagnostics.extend(check_anchors(rendered, only=item_ids))
    return rendered, diagnostics


def _worker_count(requested: int | None, units: int) -> int:
    if requested is not None:
        return max(1, min(requested, units))
    if units < parallel.FROM_PAGES:  # process start-up costs more than it saves on small courses
        return 1
    return max(1, min(parallel.cores(), units))


def _render_units(course: Course, units: list[Unit]) -> list[tuple[Unit, dict]]:
    pages = page_index(course)
    out = []
    for unit in units:
        lang, s, i = unit
        diag = Diagnostics()
        used: set[str] = set()
        if i >= 0:
            rendered = _render_item(course, pages, course.sections[s].items[i], lang, diag, used)
            entry = payload.dump(rendered.html, diag, used, rendered.screener, rendered.quiz)
        else:
            text = _unit_text(course, unit)
            ctx = _context(course, pages, text, diag)
            html = render_block(text.body, ctx)
            entry = payload.dump(html, diag, ctx.used_assets)
        out.append((unit, entry))
    return out


def _context(course: Course, pages: Mapping[str, str], text: Text, diag: Diagnostics, line: int | None = None) -> RenderContext:
    return RenderContext(text.source.path, text.source.line if line is None else line, pages, course.assets, diag, course.unloaded, lang=text.content_lang)


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

