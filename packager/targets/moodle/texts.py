"""Several languages' versions of one text, merged into one Moodle field.

A multilingual course uses Moodle's "Multi-language content" filter: every version sits in
``<span lang="xx" class="multilang">`` and the filter shows the one matching the reader's
language, or the first one. Two details of that filter (``filter/multilang``) shape this
module:

- It finds a version's end with a lazy ``.*?</span>``, so a ``</span>`` inside a version
  would cut it short. Inner end tags are written ``</span >``, which HTML parsers read the
  same way but the filter's pattern does not match.
- It returns a version's inner HTML without the span, so the ``lang`` of the words would be
  lost. Texts therefore carry their language on an inner ``<div lang>`` (blocks) or
  ``<span lang>`` (inline; its end tag protected as above), in per-language courses too: a course's forced language only
  applies when the site has that language pack, and a fallback text is in another
  language anyway (WCAG 3.1.2, language of parts).

Versions that are only fallbacks (a missing translation) are left out: the filter already
shows the first (default) language when the reader's language is absent.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

_SPAN_END = re.compile(r"</span\s*>", re.IGNORECASE)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Version:
    """One language's text: the course language it belongs to and the language of its words."""

    lang: str
    content_lang: str
    value: str  # HTML, or plain text for names


@dataclass(frozen=True)
class Languages:
    """The languages of one backup: several (multilingual course) or one (per language)."""

    codes: tuple[str, ...]
    multilang: bool

    @property
    def course_lang(self) -> str:
        """The course's forced language: only a per-language course has one."""
        return "" if self.multilang else self.codes[0]

    def block(self, versions: Sequence[Version]) -> str:
        """Block HTML (page content, descriptions, feedback)."""
        kept = self._kept(versions)
        if len(kept) == 1:
            return _marked("div", kept[0])
        return "".join(_multilang(v.lang, _marked("div", v, _protect(v.value))) for v in kept)

    def inline(self, versions: Sequence[Version]) -> str:
        """Inline HTML (question answers): no block wrapper is allowed around it."""
        kept = self._kept(versions)
        if len(kept) == 1:
            return _marked("span", kept[0])
        return "".join(_multilang(v.lang, _protect(_marked("span", v))) for v in kept)

    def name(self, versions: Sequence[Version], limit: int = 255) -> str:
        """A plain-text name that fits a ``limit``-character column (names are varchar in Moodle)."""
        kept = self._kept(versions)
        if len(kept) == 1:
            return _fit(kept[0].value, limit, _escape_name)
        room = limit - sum(len(_multilang(v.lang, "")) for v in kept)
        budgets = _shares([len(html.escape(v.value)) for v in kept], room)
        return "".join(_multilang(v.lang, _fit(v.value, budget, html.escape)) for v, budget in zip(kept, budgets))

    def _kept(self, versions: Sequence[Version]) -> list[Version]:
        wanted = [v for v in versions if v.lang in self.codes]
        if not self.multilang:
            return wanted[:1]
        kept = [v for i, v in enumerate(wanted) if i == 0 or v.content_lang == v.lang]
        if all(v.value == kept[0].value for v in kept):
            return kept[:1]
        return kept


def _marked(tag: str, version: Version, value: str | None = None) -> str:
    value = version.value if value is None else value
    return f'<{tag} lang="{version.content_lang}">{value}</{tag}>' if value else ""


def _multilang(lang: str, inner: str) -> str:
    return f'<span lang="{lang}" class="multilang">{inner}</span>'


def _protect(value: str) -> str:
    return _SPAN_END.sub("</span >", value)


def _escape_name(value: str) -> str:
    """Moodle stores names as typed and prints them as HTML: only tag brackets must go."""
    return value.replace("<", "&lt;").replace(">", "&gt;")


def _shares(lengths: list[int], room: int) -> list[int]:
    """Split ``room`` characters fairly: short names stay whole, long ones share the rest."""
    budgets = [0] * len(lengths)
    pending = sorted(range(len(lengths)), key=lambda i: lengths[i])
    while pending:
        share = max(1, room // len(pending))
        index = pending.pop(0)
        budgets[index] = min(lengths[index], share)
        room -= budgets[index]
    return budgets


def _fit(value: str, limit: int, escape) -> str:
    if len(escape(value)) <= limit:
        return escape(value)
    keep = min(len(value), limit)
    while keep > 0 and len(escape(value[:keep].rstrip() + ELLIPSIS)) > limit:
        keep -= 1
    words = value[:keep].rsplit(" ", 1)[0]  # end on a whole word unless that loses too much
    cut = words if len(words) >= keep * 3 // 4 else value[:keep]
    return escape(cut.rstrip(" ,;:-") + ELLIPSIS)
