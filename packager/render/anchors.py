"""Links to a ``#fragment`` of another page, checked against that page's rendered ids.

Heading ids come from the rendered heading text, so they differ per language (``#a-heading``
on the English page is ``#επικεφαλίδα`` on the Greek one): every language is checked
against its own pages, after rendering, when every page's ids are known.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .. import links
from ..diagnostics import Diagnostics
from ..model import ItemKind, Text

if TYPE_CHECKING:  # course.py imports this module
    from .course import RenderedCourse, RenderedItem, RenderedLanguage

_ID = re.compile(r'\bid="([^"]*)"')
_FRAGMENT_LINK = re.compile(r'href="qser:(?P<key>[^"#]*)#(?P<frag>[^"]*)"')


def check_anchors(rendered: RenderedCourse, only: Collection[str] | None = None) -> Diagnostics:
    """An error for every link to a fragment its target page does not have; with ``only``
    (item ids), just the links written in those items, so the preview's save of one page
    costs that page's links, not the course (the next build checks the rest)."""
    diagnostics = Diagnostics()
    for lang, language in rendered.languages.items():
        pages = dict(_pages(language))
        ids: dict[str, set[str]] = {}
        for text, htmls in _sources(language, only):
            for html in htmls:
                for match in _FRAGMENT_LINK.finditer(html):
                    key, fragment = match["key"], unquote(_html.unescape(match["frag"]))
                    if key not in pages:
                        continue  # assets have no ids to check; missing pages are reported when rendered
                    if key not in ids:
                        ids[key] = {_html.unescape(i) for html in pages[key][1] for i in _ID.findall(html)}
                    if fragment in ids[key]:
                        continue
                    target = pages[key][0].source.path
                    known = ", ".join(f"#{i}" for i in sorted(ids[key])[:6]) or "none"
                    diagnostics.error(
                        text.source.path, _line(text, match["frag"], fragment),
                        f"link to '#{fragment}' on {target} ({lang}), which has no such heading (its anchors: {known})",
                    )
    return diagnostics


def _pages(language: RenderedLanguage) -> Iterator[tuple[str, tuple[Text, list[str]]]]:
    """Page key -> (its text, the HTML fragments shown on it); a label shows on its section."""
    yield links.HOME, (language.text, [language.html])
    for section in language.sections:
        labels = [item.html for item in section.items if item.item.kind is ItemKind.LABEL]
        yield section.key, (section.text, [section.html, *labels])
        for item in section.items:
            if item.item.kind is not ItemKind.LABEL:
                yield item.key, (item.text, _item_html(item))


def _sources(language: RenderedLanguage, only: Collection[str] | None) -> Iterator[tuple[Text, list[str]]]:
    if only is None:
        yield language.text, [language.html]
    for section in language.sections:
        if only is None:
            yield section.text, [section.html]
        for item in section.items:
            if only is None or item.item.id in only:
                yield item.text, _item_html(item)


def _item_html(item: RenderedItem) -> list[str]:
    parts = [item.html]
    if item.screener:
        s = item.screener
        parts += [s.suitable_html, s.unsuitable_html, *(q.html + q.help_html for q in s.questions), *(f.help_html for f in s.fields)]
    if item.quiz:
        for q in item.quiz.questions:
            parts += [q.prompt_html, q.feedback_correct_html, q.feedback_incorrect_html, *(c.html + c.feedback_html for c in q.choices)]
    return parts


def _line(text: Text, written: str, fragment: str) -> int:
    """The body line holding the link (as written, or decoded); the file's top for links in
    front-matter texts."""
    for index, line in enumerate(text.body.split("\n")):
        if f"#{fragment}" in line or f"#{written}" in line:
            return text.source.line + index
    return 1
