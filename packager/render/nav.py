"""The site's table of contents, as the HTML every page shows and as data for templates.

Every page shows the whole course's sections (and the items of its own section). Rendered
by the template, that was most of the time spent writing a big site: a 1000-page course
has 1100 pages of 50+ entries each, every title escaped again on every page. Here the
titles are escaped once per language, a link's URL once per folder (every page of a
section sits in the same folder), and a page's table is joined from those pieces with
only its "current page" markers set. The HTML is exactly what base.html's loop wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from markupsafe import Markup, escape

from .. import links
from ..model import ItemKind
from .types import RenderedLanguage

NAVIGABLE = tuple(kind for kind in ItemKind if kind is not ItemKind.LABEL)
_CURRENT = ' aria-current="page"'


def open_section(current: str) -> str | None:
    """Slug of the section whose items the table of contents of page ``current`` lists."""
    if current.startswith(links.SECTION):
        return current[len(links.SECTION):]
    if current.startswith(links.ITEM):
        return current[len(links.ITEM):].split("/", 1)[0]
    return None


class Nav:
    """The table of contents of one language's pages (``paths``: page key -> site path)."""

    def __init__(self, rl: RenderedLanguage, paths: Callable[[str], str]):
        self.rl = rl
        self.paths = paths
        self._sections = [
            (section.key, section.section.slug, str(escape(section.text.title)),
             [(item.key, str(escape(item.text.title))) for item in section.items if item.item.kind in NAVIGABLE])
            for section in rl.sections
        ]
        self._summaries = tuple(section.text.summary for section in rl.sections)
        self._listed = {key for key, _, _, children in self._sections for key in [key, *(child for child, _ in children)]}
        self._urls: dict[tuple[str, str], str] = {}
        self._tables: dict[tuple[str, str | None], str] = {}

    def _url(self, page_dir: str, key: str) -> str:
        url = self._urls.get((page_dir, key))
        if url is None:
            url = self._urls[page_dir, key] = str(escape(links.relative_url(page_dir, self.paths(key))))
        return url

    def html(self, page_dir: str, current: str) -> Markup:
        """The entries after the home link, for the page ``current`` in folder ``page_dir``.

        Made once per folder (all pages of a section share it), then the current page's link,
        whose URL is unique in the table, gets its marker."""
        here = open_section(current)
        table = self._tables.get((page_dir, here))
        if table is None:
            table = self._tables[page_dir, here] = self._table(page_dir, here)
        if current in self._listed:
            link = f'<a href="{self._url(page_dir, current)}">'
            table = table.replace(link, link[:-1] + _CURRENT + ">", 1)
        return Markup(table)

    def _table(self, page_dir: str, here: str | None) -> str:
        out = []
        for key, slug, title, children in self._sections:
            out.append(f'\n        <li>\n          <a href="{self._url(page_dir, key)}">{title}</a>')
            if slug == here and children:
                out.append("\n          <ul>")
                for child, child_title in children:
                    out.append(f'\n            <li><a href="{self._url(page_dir, child)}">{child_title}</a></li>')
                out.append("\n          </ul>")
            out.append("\n        </li>")
        return "".join(out)

    def entries(self, current: str, url: Callable[[str], str]) -> LazyToc:
        """The same table as data (what templates iterate as ``toc``), made only if read."""
        return LazyToc(lambda: self._entries(current, url), self._summaries)

    def _entries(self, current: str, url: Callable[[str], str]) -> list[dict]:
        """Sections, with the items of the current page's section (keeps big courses light)."""
        here = open_section(current)
        return [
            {
                "title": section.text.title,
                "summary": section.text.summary,
                "url": url(self.paths(section.key)),
                "current": section.key == current,
                "children": [
                    {"title": item.text.title, "url": url(self.paths(item.key)), "current": item.key == current}
                    for item in section.items
                    if item.item.kind in NAVIGABLE
                ]
                if section.section.slug == here
                else [],
            }
            for section in self.rl.sections
        ]


class LazyToc:
    """A list made on first use: the built-in pages read it only on the home page, an
    author's templates may read it anywhere."""

    def __init__(self, make: Callable[[], list[dict]], summaries: tuple[str, ...]):
        self._make = make
        self.summaries = summaries  # what the table has besides its HTML (for cache keys)
        self._list: list[dict] | None = None

    @property
    def value(self) -> list[dict]:
        if self._list is None:
            self._list = self._make()
        return self._list

    def __iter__(self) -> Iterator[dict]:
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, index):
        return self.value[index]
