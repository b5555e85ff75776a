"""Where each ``qser:`` link of one language points inside a cartridge.

Pages, labels, section introductions, the home page and assets are files of the cartridge;
``url`` items are their external address. Quizzes and the screener are learning-application
resources that no HTML link can reach in CC 1.1, so links to them are unwrapped to their
text instead of becoming dead ``#`` links.

Inside QTI text, CC requires links to cartridge files to start with ``$IMS-CC-FILEBASE$``
followed by the path relative to the descriptor; Moodle's importer resolves it exactly so
(``backup/cc/entities.class.php::update_sources``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ... import links
from ...model import ItemKind
from ...render import RenderedLanguage
from . import layout

FILEBASE = "$IMS-CC-FILEBASE$"
_UNLINKED = "qser-unlinked:"
_UNLINKED_ANCHOR = re.compile(r'<a\b[^>]*\shref="' + re.escape(_UNLINKED) + r'[^"]*"[^>]*>(.*?)</a>', re.DOTALL)

Resolver = Callable[[str], str]


@dataclass(frozen=True)
class Addresses:
    pages: Mapping[str, str]  # page key -> archive path of its HTML file
    assets: Mapping[str, str]  # page key -> content path of the asset it shows (assets, file items)
    external: Mapping[str, str]  # page key -> absolute URL (url items)

    @classmethod
    def of(cls, rl: RenderedLanguage, assets: frozenset[str]) -> Addresses:
        pages = {links.HOME: layout.HOME_PAGE}
        files = {links.asset_key(path): path for path in assets}
        external = {}
        for section in rl.sections:
            if section.html:
                pages[section.key] = layout.section_page(section.section.slug)
            for item in section.items:
                kind = item.item.kind
                if kind in (ItemKind.PAGE, ItemKind.LABEL):
                    pages[item.key] = layout.item_file(item.item.id, layout.PAGE_FILE)
                elif kind is ItemKind.FILE and item.item.file:
                    files[item.key] = item.item.file
                elif kind is ItemKind.URL and item.item.url:
                    external[item.key] = item.item.url
        return cls(pages, files, external)

    def in_page(self, page_path: str, used: set[str]) -> Resolver:
        """Resolver for an HTML page of the cartridge: plain relative URLs.

        The content paths of the assets it links are added to ``used``: they become the
        dependencies of the page's resource.
        """
        folder = str(PurePosixPath(page_path).parent)

        def resolve(key: str) -> str:
            if key in self.pages:
                return links.relative_url(folder, self.pages[key])
            return self._resolve(key, used, lambda path: links.relative_url(folder, path))

        return resolve

    def in_descriptor(self, descriptor_path: str, used: set[str]) -> Resolver:
        """Resolver for HTML inside a QTI descriptor: assets behind ``$IMS-CC-FILEBASE$``.

        Links to pages are unwrapped: importers turn QTI text into question text and only
        carry the cartridge's files (assets, file items) along with it, not its pages.
        """
        folder = str(PurePosixPath(descriptor_path).parent)
        return lambda key: self._resolve(key, used, lambda path: FILEBASE + links.relative_url(folder, path))

    def _resolve(self, key: str, used: set[str], relative: Callable[[str], str]) -> str:
        if key in self.assets:
            used.add(self.assets[key])
            return relative(layout.asset_path(self.assets[key]))
        if key in self.external:
            return html.escape(self.external[key], quote=True)
        return _UNLINKED


def rewrite(fragment: str, resolve: Resolver) -> str:
    """Rewrite every placeholder, then unwrap links that have no target in a cartridge."""
    rewritten = links.rewrite(fragment, resolve)
    if _UNLINKED not in rewritten:
        return rewritten
    return _UNLINKED_ANCHOR.sub(r"\1", rewritten)
