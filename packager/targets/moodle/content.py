"""Rendered HTML to Moodle HTML: links that survive restore, images in the right file area.

Internal links become the encoded links Moodle's own backup writes
(``backup_<mod>_activity_task::encode_content_links``): ``$@PAGEVIEWBYID*<cmid>@$`` and
friends, which restore's link decoder rewrites to the new course-module ids; course and
section links use ``$@COURSEVIEWBYID*<courseid>@$``. Images and other files a text uses
are stored in the owning object's file area and referenced through ``@@PLUGINFILE@@``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape

from ... import links
from ...model import Course, ItemKind
from ...render.callouts import inline_styles
from .files import FileArea
from .plan import COURSE_ID, Plan
from .texts import Languages, Version

COURSE_LINK = f"$@COURSEVIEWBYID*{COURSE_ID}@$"


class Content:
    """Turns the versions of one text into the value of one Moodle field."""

    def __init__(self, course: Course, plan: Plan, languages: Languages):
        self.course = course
        self.plan = plan
        self.languages = languages
        self.asset_bytes = cache(lambda path: (course.root / path).read_bytes())

    def block(self, area: FileArea | None, versions: Sequence[Version]) -> str:
        return self.languages.block(self._rewritten(area, versions))

    def inline(self, area: FileArea | None, versions: Sequence[Version]) -> str:
        return self.languages.inline(self._rewritten(area, versions))

    def url(self, key: str, area: FileArea | None) -> str | None:
        """Moodle URL for a link key, escaped for an HTML attribute (``None``: unknown)."""
        if key == links.HOME:
            return COURSE_LINK
        if key.startswith(links.SECTION):
            try:
                section = self.plan.section(key[len(links.SECTION):])
            except KeyError:
                return None
            return escape(f"{COURSE_LINK}&section={section.number}")
        if key.startswith(links.ITEM):
            try:
                module = self.plan.module(key[len(links.ITEM):])
            except KeyError:
                return None
            if module.item.kind is ItemKind.LABEL:  # a label has no page of its own: show its section
                return escape(f"{COURSE_LINK}&section={module.section_number}")
            return f"$@{module.modname.upper()}VIEWBYID*{module.cmid}@$"
        if key.startswith(links.ASSET) and area is not None:
            path = key[len(links.ASSET):]
            asset = self.course.assets.get(path)
            if asset is None:
                return None
            return area.add(path, self.asset_bytes(path), asset.media_type, source=path)
        return None

    def _rewritten(self, area: FileArea | None, versions: Sequence[Version]) -> list[Version]:
        resolve = lambda key: self.url(key, area)  # noqa: E731
        return [Version(v.lang, v.content_lang, inline_styles(links.rewrite(v.value, resolve))) for v in versions]
