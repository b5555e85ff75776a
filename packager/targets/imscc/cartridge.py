"""One cartridge: every file of one language (:func:`cartridge_files`), then the zip."""

from __future__ import annotations

from ...archive import LMS_LEVEL, Stage, entry_date, zip_bytes
from ...cache import code_digest, digest
from ...diagnostics import CourseError, Diagnostics
from ...i18n import translator
from ...model import ItemKind
from ...render import RenderedCourse, RenderedItem
from ...render.callouts import inline_styles
from ...render.markdown import plain_text
from .. import one_file_per_language
from . import descriptors, layout, qti
from .addresses import Addresses
from .manifest import ASSESSMENT, BASIC_LTI, WEBCONTENT, WEBLINK, Metadata, OrgItem, Resource, manifest
from .pages import Facts, page


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The target's writer (registered in the package): one cartridge per built language."""
    _require_tool_url(rendered)
    return one_file_per_language(rendered, stage, "imscc", lambda lang: cartridge(rendered, lang))


def _require_tool_url(rendered: RenderedCourse) -> None:
    """A screener becomes an LTI link, which needs the tool's address."""
    course = rendered.course
    if course.lti.url:
        return
    diagnostics = Diagnostics()
    for item in course.items_of(ItemKind.SCREENER):
        diagnostics.error(
            item.source.path, 1,
            "the Common Cartridge links this screener to the qser LTI tool: set lti.url in course.md or pass --lti-url",
        )
    if diagnostics.errors:
        raise CourseError(diagnostics)


def cartridge(rendered: RenderedCourse, lang: str) -> bytes:
    return zip_bytes(cartridge_files(rendered, lang), first=(layout.MANIFEST,), level=LMS_LEVEL,
                     date=entry_date(rendered.course.date), cache=rendered.cache)


def cartridge_files(rendered: RenderedCourse, lang: str) -> dict[str, bytes]:
    """Every file of one language's cartridge, by archive path."""
    return _Cartridge(rendered, lang).files()


class _Cartridge:
    def __init__(self, rendered: RenderedCourse, lang: str):
        self.course = rendered.course
        self.lang = lang
        self.rl = rendered.language(lang)
        self.addresses = Addresses.of(self.rl, rendered.assets)
        self.cache = rendered.cache
        # what every page depends on besides its own texts: qser (the template, the styles), the
        # language, where each link leads
        self._pages_key = digest(code_digest(), lang, self.addresses) if self.cache is not None else ""
        self.entries: dict[str, bytes] = {}
        self.resources: list[Resource] = []
        self.assets: set[str] = set()

    def files(self) -> dict[str, bytes]:
        rl = self.rl
        facts = Facts(self.course.version, self.course.license, self.course.authors)
        self._page(layout.HOME_RESOURCE_ID, layout.HOME_PAGE, rl.text.title, rl.html, rl.text.content_lang, facts)
        home = OrgItem(layout.HOME_ITEM_ID, translator(self.lang).home, layout.HOME_RESOURCE_ID)
        organization = [OrgItem(layout.HOME_GROUP_ID, rl.text.title, children=(home,))]
        for section in rl.sections:
            slug = section.section.slug
            children = []
            if section.html:
                ref = layout.section_resource_id(slug)
                self._page(ref, layout.section_page(slug), section.text.title, section.html, section.text.content_lang)
                children.append(OrgItem(layout.section_page_item_id(slug), section.text.title, ref))
            for item in section.items:
                children.append(OrgItem(layout.item_id(item.item.id), item.text.title, self._item(item)))
            organization.append(OrgItem(layout.section_item_id(slug), section.text.title, children=tuple(children)))
        for path in sorted(self.assets):
            archive_path = layout.asset_path(path)
            self.entries[archive_path] = (self.course.root / path).read_bytes()
            self.resources.append(Resource(layout.asset_resource_id(path), WEBCONTENT, (archive_path,), href=archive_path))
        description = rl.text.summary or plain_text(rl.html)
        meta = Metadata(rl.text.title, self.lang, description)
        self.entries[layout.MANIFEST] = self._reused(
            (self._pages_key, "manifest", self.course.shortname, self.course.authors, self.course.date, self.course.license, meta,
             organization, self.resources),
            lambda: manifest(self.course, self.lang, meta, tuple(organization), self.resources))
        return self.entries

    def _reused(self, inputs: tuple, make):
        """``make()``, or with a build cache what an earlier build made of the same ``inputs``
        (area ``cartridge``). For the manifest and the quizzes' descriptors, made with lxml:
        rebuilt on every one-page edit they were two thirds of a 1000-page cartridge's time."""
        if self.cache is None:
            return make()
        key = digest(*inputs)
        value = self.cache.get("cartridge", key)
        if value is None:
            value = make()
            self.cache.put("cartridge", key, value)
        return value

    def _item(self, item: RenderedItem) -> str:
        """Writes the item's resource; returns the identifier its organisation item refers to."""
        kind, item_id = item.item.kind, item.item.id
        ref = layout.resource_id(item_id)
        if kind in (ItemKind.PAGE, ItemKind.LABEL):
            path = layout.item_file(item_id, layout.PAGE_FILE)
            self._page(ref, path, item.text.title, item.html, item.text.content_lang, rendering=item.rendering)
        elif kind is ItemKind.FILE:
            self.assets.add(item.item.file)
            ref = layout.asset_resource_id(item.item.file)
        elif kind is ItemKind.URL:
            self._descriptor(ref, WEBLINK, layout.item_file(item_id, layout.WEBLINK_FILE), descriptors.web_link(item))
        elif kind is ItemKind.SCREENER:
            data = descriptors.lti_link(item, self.lang, self.course.lti)
            self._descriptor(ref, BASIC_LTI, layout.item_file(item_id, layout.LTI_FILE), data)
        elif kind is ItemKind.QUIZ:
            path = layout.item_file(item_id, layout.QTI_FILE)
            data, used = self._reused(
                (self._pages_key, "qti", path, item_id, item.text.title, item.text.content_lang, item.rendering),
                lambda: _sorted_used(*qti.assessment(item, self.lang, path, self.addresses)))
            self._descriptor(ref, ASSESSMENT, path, data, set(used))
        return ref

    def _page(self, ref: str, path: str, title: str, fragment: str, content_lang: str, facts: Facts | None = None,
              rendering: str | tuple | None = None) -> None:
        """With a build cache, a page made from the same inputs by an earlier build is reused
        (area ``cartridge``); ``rendering`` stands for ``fragment`` in its key when given
        (:attr:`RenderedItem.rendering`)."""
        key = digest(self._pages_key, path, title, rendering or fragment, content_lang, facts) if self.cache is not None else None
        hit = self.cache.get("cartridge", key) if key is not None else None
        if isinstance(hit, tuple) and len(hit) == 2:
            data, used = hit[0], set(hit[1])
        else:
            data, used = page(path, self.lang, title, inline_styles(fragment), content_lang, self.addresses, facts)
            if key is not None:
                self.cache.put("cartridge", key, (data, tuple(sorted(used))))
        self.entries[path] = data
        self.resources.append(Resource(ref, WEBCONTENT, (path,), href=path, dependencies=self._depend(used)))

    def _descriptor(self, ref: str, kind: str, path: str, data: bytes, used: set[str] = frozenset()) -> None:
        self.entries[path] = data
        self.resources.append(Resource(ref, kind, (path,), dependencies=self._depend(used)))

    def _depend(self, used: set[str]) -> tuple[str, ...]:
        self.assets |= used
        return tuple(layout.asset_resource_id(path) for path in sorted(used))


def _sorted_used(data: bytes, used: set[str]) -> tuple[bytes, tuple[str, ...]]:
    """A descriptor and the assets it shows, as the build cache keeps them (plain, ordered)."""
    return data, tuple(sorted(used))
