"""The book itself: :func:`book` lays a rendered course out as chapters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ... import links
from ...i18n import translator
from ...model import ItemKind
from ...render import RenderedCourse, RenderedItem, RenderedSection
from ...render.site import NAVIGABLE, _file_type, _human_size

PRACTICES_SLUG = "case-studies"  # the section ``qser harvest`` writes by default

_ENV = Environment(
    loader=PackageLoader("packager", "templates/handbook"),
    autoescape=select_autoescape(["html", "xhtml", "xml", "opf"], default=True),
    keep_trailing_newline=True,
)
_ID = re.compile(r'\b(id|href)="(#?)([^"]*)"')
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_UNLINKED = re.compile(r'<a href="#"([^>]*)>')


def environment() -> Environment:
    return _ENV


@dataclass(frozen=True)
class Entry:
    """A heading of the book's outline: a chapter or an item, with the items under it."""

    anchor: str
    title: str
    lang: str  # the language the title is written in
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Chapter:
    name: str  # stable, ASCII: the EPUB file name without extension
    role: str  # frontmatter, bodymatter or backmatter (EPUB landmarks)
    entry: Entry
    html: str  # the chapter's body: heading, text, items; links resolved


@dataclass(frozen=True)
class Book:
    lang: str
    title: str
    summary: str
    version: str
    date: str  # ISO date from the course, never the clock
    authors: tuple[str, ...]
    license: str
    chapters: tuple[Chapter, ...]
    images: frozenset[str] = field(default_factory=frozenset)  # content paths of the images shown
    alt_missing: bool = False  # an image without a text alternative

    @property
    def outline(self) -> tuple[Entry, ...]:
        return tuple(chapter.entry for chapter in self.chapters)


def anchor(key: str) -> str:
    """Page key -> the id of its heading in the book (an XML name: it starts with a letter)."""
    if key == links.HOME:
        return "intro"
    if key.startswith(links.SECTION):
        return "s." + key[len(links.SECTION):]
    if key.startswith(links.ITEM):
        return "i." + key[len(links.ITEM):].replace("/", ".")
    raise KeyError(key)


def book(rendered: RenderedCourse, lang: str, href: Callable[[str, str], str], image: Callable[[str], str]) -> Book:
    """The book of one language. ``href(chapter name, anchor)`` is a link to an anchor,
    ``image(content path)`` the address of an image."""
    return _Assembler(rendered, lang, href, image).book()


class _Assembler:
    def __init__(self, rendered: RenderedCourse, lang: str, href, image):
        self.course = rendered.course
        self.rl = rendered.language(lang)
        self.lang = lang
        self.t = translator(lang)
        self.href = href
        self.image = image
        self.images: set[str] = set()
        self.alt_missing = False
        body = [s for s in self.rl.sections if s.section.slug != PRACTICES_SLUG]
        self.practices = [s for s in self.rl.sections if s.section.slug == PRACTICES_SLUG]
        self.quizzes = [item for item in self.rl.items if item.quiz is not None]
        # Every anchor a link may lead to, and the chapter that holds it.
        self.chapter_of: dict[str, str] = {"intro": "intro", "answers": "answers"}
        self.sections = [(f"ch{n:02d}", section) for n, section in enumerate(body, start=1)]
        for name, section in self.sections + [("practices", s) for s in self.practices]:
            self.chapter_of[anchor(section.key)] = name
            for item in section.items:
                self.chapter_of[anchor(item.key)] = name
                self.chapter_of["key." + anchor(item.key)] = "answers"
        self.files = {item.item.file: anchor(item.key) for item in self.rl.items if item.item.kind is ItemKind.FILE}

    def book(self) -> Book:
        rl, course = self.rl, self.course
        chapters = [self._chapter("intro", "frontmatter", links.HOME, rl.text.title, rl.text.content_lang, rl.html, ())]
        for name, section in self.sections:
            chapters.append(self._section(name, section))
        if self.practices:
            section = self.practices[0]
            items = tuple(item for s in self.practices for item in s.items)
            chapters.append(self._chapter("practices", "bodymatter", section.key, self.t.handbook_practices,
                                          self.lang, section.html, items, section.text.content_lang))
        if self.quizzes:
            chapters.append(self._answers())
        return Book(
            lang=self.lang, title=rl.text.title, summary=rl.text.summary, version=course.version, date=course.date,
            authors=course.authors, license=course.license, chapters=tuple(chapters),
            images=frozenset(self.images), alt_missing=self.alt_missing,
        )

    # --- chapters ------------------------------------------------------------------------

    def _section(self, name: str, section: RenderedSection) -> Chapter:
        return self._chapter(name, "bodymatter", section.key, section.text.title, section.text.content_lang, section.html, section.items)

    def _chapter(self, name, role, key, title, title_lang, intro_html, items, intro_lang=None) -> Chapter:
        here = anchor(key)
        entries, parts = [], []
        for item in items:
            if item.item.kind in NAVIGABLE:
                entries.append(Entry(anchor(item.key), item.text.title, item.text.content_lang))
            parts.append(self._item(item))
        html = _ENV.get_template("chapter.html").render(
            t=self.t, lang=self.lang, anchor=here, title=title, title_lang=title_lang,
            intro=Markup(self._fragment(here, intro_html, shift=0)), intro_lang=intro_lang or title_lang,
            items=[Markup(part) for part in parts],
        )
        return Chapter(name, role, Entry(here, title, title_lang, tuple(entries)), html)

    def _item(self, item: RenderedItem) -> str:
        here = anchor(item.key)
        context = {
            "t": self.t, "lang": self.lang, "anchor": here, "item": item, "kind": item.item.kind.value,
            "html": Markup(self._fragment(here, item.html)),
            "key_href": self.href("answers", "key." + here),
            "inline": lambda html: Markup(self._fragment(here, html, inline=True)),
        }
        if item.item.kind is ItemKind.FILE and item.item.file:
            asset = self.course.assets[item.item.file]
            context["file"] = {"name": PurePosixPath(asset.path).name, "type": _file_type(asset.media_type, asset.path),
                               "size": _human_size(asset.size)}
        return _ENV.get_template("item.html").render(context)

    def _answers(self) -> Chapter:
        quizzes = []
        for item in self.quizzes:
            here = "key." + anchor(item.key)
            quizzes.append({
                "anchor": here, "item": item, "href": self.href(self.chapter_of[anchor(item.key)], anchor(item.key)),
                "inline": lambda html, _a=here: Markup(self._fragment(_a, html, inline=True)),
            })
        entries = tuple(Entry(q["anchor"], q["item"].text.title, q["item"].text.content_lang) for q in quizzes)
        html = _ENV.get_template("answers.html").render(t=self.t, lang=self.lang, quizzes=quizzes)
        return Chapter("answers", "backmatter", Entry("answers", self.t.handbook_answer_key, self.lang, entries), html)

    # --- fragments -----------------------------------------------------------------------

    def _fragment(self, prefix: str, html: str, shift: int = 1, inline: bool = False) -> str:
        """A rendered page inside the book: ids prefixed, headings one level down (the
        item's title is the chapter's second level), links to anchors and images."""
        html = _ID.sub(lambda m: f'{m[1]}="{m[2]}{prefix}.{m[3]}"' if m[1] == "id" or m[2] else m[0], html)
        if shift and not inline:
            html = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + shift)}", html)
        self._note_images(html)
        html = links.rewrite(html, lambda _key: None, place=self._place)
        return _UNLINKED.sub(r"<a\1>", html)

    def _place(self, attribute: str, key: str, fragment: str) -> str | None:
        if key.startswith(links.ASSET):
            path = key[len(links.ASSET):]
            if attribute == "src":
                self.images.add(path)
                return self.image(path)
            if path in self.files:
                return self.href(self.chapter_of[self.files[path]], self.files[path])
            return None  # a file the book does not carry: the text stays, the link goes
        target = self._target(key)
        if target is None:
            return None
        name = target + "." + fragment[1:] if fragment[1:] else target
        return self.href(self.chapter_of[target], name)

    def _target(self, key: str) -> str | None:
        """The anchor of a page key, if the book shows that page (labels included)."""
        if key == links.HOME:
            return "intro"
        if key.startswith((links.SECTION, links.ITEM)) and anchor(key) in self.chapter_of:
            return anchor(key)
        return None

    def _note_images(self, html: str) -> None:
        for tag in re.findall(r"<img\b[^>]*>", html):
            if not re.search(r'\balt="[^"\s][^"]*"', tag):
                self.alt_missing = True
