"""Where each ``qser:`` link of one language points inside a cartridge.

Assets other than web pages (images, PDFs, downloads) are files of the cartridge, linked by
relative URL; ``url`` items are their external address. Every other target is a place in the
course, and a cartridge cannot link to those in a way every importer keeps:

- Moodle's importer (``backup/cc/entity11.resource.class.php``) turns each web page into a
  Page activity and copies only the *other* files a page links to into that page
  (``entities11::get_all_files`` skips ``.html``/``.htm``/``.xhtml``), so a link from one page
  to another page, or to an HTML worksheet, ends at a file that does not exist
  (``@@PLUGINFILE@@/…/page.html``, 404);
- quizzes and the screener are learning-application resources no HTML link reaches in CC 1.1.

So such a link becomes its text followed by directions, the section and the title to open
("the glossary (in the section “Reference”: “Glossary”)"), in every LMS: a learner is
never sent to a dead link, and the cartridge stays plain CC 1.1.

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
from urllib.parse import quote, unquote

from ... import links
from ...i18n import translator
from ...render import RenderedLanguage
from . import layout

FILEBASE = "$IMS-CC-FILEBASE$"
PAGE_SUFFIXES = (".html", ".htm", ".xhtml")  # what Moodle's importer never carries as a file
_PLACE = "qser-place:"
_PLACE_ANCHOR = re.compile(r'<a\b[^>]*\shref="' + re.escape(_PLACE) + r'([^"#]*)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)

Resolver = Callable[[str], str]


@dataclass(frozen=True)
class Place:
    """Where a learner finds a target in the imported course."""

    title: str
    section: str | None  # None: the course home, the first thing in the course
    is_section: bool = False  # the section's own introduction page


@dataclass(frozen=True)
class Addresses:
    lang: str
    assets: Mapping[str, str]  # page key -> content path of a file it shows (assets, file items)
    external: Mapping[str, str]  # page key -> absolute URL (url items)
    places: Mapping[str, Place]  # page key -> place in the course, for everything else

    @classmethod
    def of(cls, rl: RenderedLanguage, assets: frozenset[str]) -> Addresses:
        files = {links.asset_key(path): path for path in assets}
        external = {}
        places = {links.HOME: Place(translator(rl.lang).home, None)}
        for section in rl.sections:
            title = section.text.title
            places[section.key] = Place(title, title, is_section=True)
            for item in section.items:
                places[item.key] = Place(item.text.title, title)
                if item.item.file:
                    files[item.key] = item.item.file
                    # the file item is where a web page asset (a worksheet) lives in the course
                    places.setdefault(links.asset_key(item.item.file), places[item.key])
                elif item.item.url:
                    external[item.key] = item.item.url
        return cls(rl.lang, files, external, places)

    def in_page(self, page_path: str, used: set[str]) -> Resolver:
        """Resolver for an HTML page of the cartridge: relative URLs for the files it shows.

        The content paths of the assets it links are added to ``used``: they become the
        dependencies of the page's resource.
        """
        folder = str(PurePosixPath(page_path).parent)
        return lambda key: self._resolve(key, used, lambda path: links.relative_url(folder, path))

    def in_descriptor(self, descriptor_path: str, used: set[str]) -> Resolver:
        """Resolver for HTML inside a QTI descriptor: assets behind ``$IMS-CC-FILEBASE$``."""
        folder = str(PurePosixPath(descriptor_path).parent)
        return lambda key: self._resolve(key, used, lambda path: FILEBASE + links.relative_url(folder, path))

    def _resolve(self, key: str, used: set[str], relative: Callable[[str], str]) -> str:
        if key in self.assets and not self.assets[key].lower().endswith(PAGE_SUFFIXES):
            used.add(self.assets[key])
            return relative(layout.asset_path(self.assets[key]))
        if key in self.external:
            return html.escape(self.external[key], quote=True)
        return _PLACE + quote(key, safe="/")

    def rewrite(self, fragment: str, resolve: Resolver) -> str:
        """Rewrite every placeholder; a link to a place becomes its text and the directions."""
        rewritten = links.rewrite(fragment, resolve)
        if _PLACE not in rewritten:
            return rewritten
        return _PLACE_ANCHOR.sub(lambda m: m.group(2) + self._directions(unquote(m.group(1))), rewritten)

    def _directions(self, key: str) -> str:
        place = self.places.get(key)
        if place is None:  # a web page asset no item presents: there is nowhere to send the learner
            return ""
        t = translator(self.lang)
        title, section = html.escape(place.title), html.escape(place.section or "")
        if place.section is None:
            text = t("cc_place_home", title=title)
        elif place.is_section:
            text = t("cc_place_section", section=section)
        else:
            text = t("cc_place_item", section=section, title=title)
        return f' <span class="qser-place">{text}</span>'
