"""The HTML site of a rendered course, which the ``html`` target writes and other targets reuse.

Layout (all links relative, so the site works from a web server, a zip or ``file://``)::

    index.html                    language chooser
    <lang>/index.html             course home
    <lang>/<section>/index.html   section page (labels shown inline)
    <lang>/<section>/<item>.html  item page
    assets/<content path>         images, PDFs ... referenced by pages (lower-case ASCII names,
                                  see :func:`packager.links.portable_path`)
    static/                       stylesheet and scripts

SCORM packages are this same site for one language plus a runtime script, so
:class:`SiteBuilder` takes :class:`SiteOptions` instead of being tied to one output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup

from .. import links
from ..cache import code_digest, digest, tree_digest
from ..i18n import language_name, translator
from ..model import ItemKind
from .compiled import CompiledTemplates
from .course import RenderedCourse, RenderedItem, RenderedLanguage, RenderedSection
from .nav import NAVIGABLE, Nav


@dataclass(frozen=True)
class SiteOptions:
    """How a site is embedded: extra scripts and styles, templates, a language switch."""

    scripts: tuple[str, ...] = ()  # files under static/, added to every page
    stylesheets: tuple[str, ...] = ()
    language_switch: bool = True
    language_chooser: bool = True  # write the root index.html
    template_dirs: tuple[str, ...] = ()  # searched before the built-in templates
    static_files: dict[str, bytes] = field(default_factory=dict)  # extra static/ files
    # Data for page scripts, embedded as JSON in the page: called with the page and the
    # page's link resolver; None or an empty result embeds nothing.
    page_data: Callable[[dict, links.Resolver], dict | None] | None = None


def site_paths(lang: str) -> Callable[[str], str]:
    """Page key -> path of its page inside the site."""

    def path(key: str) -> str:
        if key == links.HOME:
            return f"{lang}/index.html"
        if key.startswith(links.SECTION):
            return f"{lang}/{key[len(links.SECTION):]}/index.html"
        if key.startswith(links.ITEM):
            return f"{lang}/{key[len(links.ITEM):]}.html"
        if key.startswith(links.ASSET):
            return f"assets/{links.portable_path(key[len(links.ASSET):])}"
        raise KeyError(key)

    return path


def _home_at_root(paths: Callable[[str], str]) -> Callable[[str], str]:
    return lambda key: "index.html" if key == links.HOME else paths(key)


@dataclass
class _Link:
    title: str
    url: str


class SiteBuilder:
    """Turns a rendered course into site files: ``(path, bytes)`` pairs."""

    def __init__(self, rendered: RenderedCourse, options: SiteOptions | None = None):
        self.rendered = rendered
        self.course = rendered.course
        self.options = options or SiteOptions()
        self.env = _environment(self.options.template_dirs)
        self._targets = link_targets(self.course)
        self._templates = {name: self.env.get_template(f"{name}.html") for name in ("home", "section", "item")}
        self._site_digest: str | None = None
        self._one_language = len(self.course.languages) == 1  # a course in one language (not a --lang build)

    # --- public ----------------------------------------------------------------------

    def files(self, languages: tuple[str, ...] | None = None) -> Iterator[tuple[str, bytes]]:
        langs = languages or tuple(self.rendered.languages)
        for lang in langs:
            yield from self.language_pages(lang, langs)
        yield from self.shared_files(langs)

    def page_keys(self, lang: str) -> list[str]:
        """Keys of one language's pages, in reading order."""
        return [key for key, _, _ in self._sequence(self.rendered.language(lang))]

    def pages(self, langs: tuple[str, ...], keys: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
        """The pages of ``keys`` (language, page key): a share of the site for one worker."""
        for lang in langs:
            only = frozenset(key for other, key in keys if other == lang)
            if only:
                yield from self.language_pages(lang, langs, only)

    def shared_files(self, langs: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
        """What is not a page of one language: the language chooser, static files, assets."""
        if self.options.language_chooser and not self._one_language:
            yield "index.html", self._chooser(langs)
        yield from self.static_files()
        yield from self.asset_files()

    def language_pages(self, lang: str, langs: tuple[str, ...], only: frozenset[str] | None = None) -> Iterator[tuple[str, bytes]]:
        """Pages of one language; ``only`` limits them to some page keys (live preview)."""
        rl = self.rendered.language(lang)
        paths = site_paths(lang)
        if self.options.language_chooser and self._one_language:  # nothing to choose: the home is the site's index.html
            paths = _home_at_root(paths)
        sequence = self._sequence(rl)
        nav = Nav(rl, paths)
        t = translator(lang)
        common = {
            "lang": lang,
            "t": t,
            "course": self.course,
            "course_title": rl.text.title,
            "options": self.options,
        }
        reuse = self._reuse_key(rl, langs)
        for index, (key, kind, obj) in enumerate(sequence):
            if only is not None and key not in only:
                continue
            path = paths(key)
            fast = digest(reuse, key, self._own(kind, obj)) if reuse else None
            data = self._reused(fast)
            if data is not None:
                yield path, data
                continue
            page_dir = str(PurePosixPath(path).parent)
            url = lambda target, _dir=page_dir: links.relative_url(_dir, target)  # noqa: E731
            resolve = lambda k, _url=url: _url(paths(self._targets[k])) if k in self._targets else None  # noqa: E731
            page = self._page(rl, key, kind, obj, url, resolve, paths)
            page["prev"] = self._neighbour(sequence, index - 1, url, paths)
            page["next"] = self._neighbour(sequence, index + 1, url, paths)
            page_data = self.options.page_data(page, resolve) if self.options.page_data else None
            context = {
                **common,
                "page": page,
                "resolve": resolve,
                "static": url("static"),
                "page_data": page_data,
                "toc": nav.entries(key, url),
                "toc_html": nav.html(page_dir, key),
                "languages": [
                    {"lang": other, "name": language_name(other), "url": url((paths if other == lang else site_paths(other))(key))}
                    for other in langs
                ],
            }
            yield path, self._render(kind, context, fast)

    def _render(self, kind: str, context: dict, fast: str | None = None) -> bytes:
        """The page's bytes; with a build cache, a page whose template inputs are the same as
        in an earlier build is taken from it. The key is the context the template sees (the
        course, options and link resolver are in :meth:`_site_key`); of the item, templates see
        its own fields, not its texts in other languages."""
        template = self._templates["home" if kind == "home" else "section" if kind == "section" else "item"]
        cache = self.rendered.cache
        if cache is None:
            return template.render(context).encode("utf-8")
        seen = {name: context[name] for name in ("lang", "course_title", "static", "page_data", "toc_html", "languages")}
        seen["toc"] = context["toc"].summaries  # the rest of the table is in toc_html
        # an item's page shows this language's texts (already in the page), never another's
        item = context["page"].get("item")
        seen["page"] = {**context["page"], "item": item and (item.id, item.kind, item.url, item.file, item.completion)}
        key = digest(self._site_key(), kind, seen)
        data = cache.get("pages", key)
        if data is None:
            data = template.render(context).encode("utf-8")
            cache.put("pages", key, data)
        if fast is not None:
            cache.put("page-index", fast, key)
        return data

    # A page shows its own content (:meth:`_own`) and, of the rest of the course, only the
    # structure (titles, summaries, order: contents menu, pager, breadcrumbs): while neither
    # changed, its bytes are those of the last build, found without building its context
    # (``page-index``). Home and section pages too: a one-page edit leaves every section's
    # contents menu the same, and building them was a fifth of a site's time at 1000 pages.

    def _reuse_key(self, rl: RenderedLanguage, langs: tuple[str, ...]) -> str | None:
        if self.rendered.cache is None:
            return None
        structure = tuple(
            (s.key, s.text.title, s.text.summary, tuple((i.key, i.item.kind, i.text.title) for i in s.items)) for s in rl.sections
        )
        data = self.options.page_data  # a function of the page and its links (see SiteOptions): named, not called
        hook = data and f"{data.__module__}.{data.__qualname__}"
        return digest(self._site_key(), self.options.language_chooser, self._one_language, hook, rl.lang, langs, rl.text.title,
                      structure)

    def _own(self, kind: str, obj) -> tuple:
        """What a page shows beyond the structure in :meth:`_reuse_key`: the home its course
        text; a section page its text and, of each item listed, what the list shows beyond
        its title (summary, language, a label's body); an item page the item."""
        if kind == "home":
            return (obj.text.content_lang, obj.html)
        if kind == "section":
            listed = tuple((i.text.summary, i.text.content_lang, i.html if i.item.kind is ItemKind.LABEL else None) for i in obj.items)
            return (obj.text.content_lang, obj.html, listed)
        i = obj.item
        asset = self.course.assets[i.file] if i.kind is ItemKind.FILE and i.file else None
        return (i.id, i.kind, i.url, i.file, i.completion, obj.text.title, obj.text.content_lang, obj.rendering,
                asset and (asset.path, asset.media_type, asset.size))

    def _reused(self, fast: str | None) -> bytes | None:
        if fast is None:
            return None
        key = self.rendered.cache.get("page-index", fast)
        return self.rendered.cache.get("pages", key) if isinstance(key, str) else None

    def _site_key(self) -> str:
        """Everything every page depends on besides its own context: qser and its templates,
        the author's templates, the embedding options, the course facts in the footer and
        where every link leads."""
        if self._site_digest is None:
            o = self.options
            self._site_digest = digest(
                code_digest(), tree_digest(*map(Path, o.template_dirs)),
                (o.scripts, o.stylesheets, o.language_switch), self._course_facts(),
                sorted(self._targets.items()),
            )
        return self._site_digest

    def _course_facts(self) -> tuple:
        c = self.course
        return c.shortname, c.version, c.license, c.authors, c.date, c.languages, c.lti

    def static_files(self) -> Iterator[tuple[str, bytes]]:
        static = resources.files("packager") / "static"
        for entry in sorted(static.iterdir(), key=lambda p: p.name):
            if entry.is_file():
                yield f"static/{entry.name}", entry.read_bytes()
        for name, data in sorted(self.options.static_files.items()):
            yield f"static/{name}", data

    def asset_files(self) -> Iterator[tuple[str, bytes]]:
        for path in sorted(self.rendered.assets):
            yield f"assets/{links.portable_path(path)}", (self.course.root / path).read_bytes()

    # --- pages -----------------------------------------------------------------------

    def _sequence(self, rl: RenderedLanguage) -> list[tuple[str, str, object]]:
        """Reading order: home, then each section followed by its navigable items."""
        seq: list[tuple[str, str, object]] = [(links.HOME, "home", rl)]
        for section in rl.sections:
            seq.append((section.key, "section", section))
            seq.extend((item.key, item.item.kind.value, item) for item in section.items if item.item.kind in NAVIGABLE)
        return seq

    def _neighbour(self, sequence, index: int, url, paths) -> _Link | None:
        if index < 0 or index >= len(sequence):
            return None
        key, _, obj = sequence[index]
        return _Link(_title(obj), url(paths(key)))

    def _page(self, rl: RenderedLanguage, key: str, kind: str, obj, url, resolve, paths) -> dict:
        home_url = url(paths(links.HOME))
        page = {"key": key, "kind": kind, "home_url": home_url, "breadcrumbs": []}
        if kind == "home":
            page.update(title=rl.text.title, html=Markup(links.rewrite(rl.html, resolve)), content_lang=rl.text.content_lang)
            return page
        if kind == "section":
            section: RenderedSection = obj
            page.update(
                title=section.text.title,
                html=Markup(links.rewrite(section.html, resolve)),
                content_lang=section.text.content_lang,
                breadcrumbs=[_Link(rl.text.title, home_url)],
                entries=[self._entry(item, url, paths, resolve) for item in section.items],
            )
            return page
        item: RenderedItem = obj
        section = next(s for s in rl.sections if s.section.slug == item.item.section)
        page.update(
            title=item.text.title,
            html=Markup(links.rewrite(item.html, resolve)),
            content_lang=item.text.content_lang,
            item=item.item,
            breadcrumbs=[_Link(rl.text.title, home_url), _Link(section.text.title, url(paths(section.key)))],
            screener=item.screener,
            quiz=item.quiz,
        )
        if item.item.kind is ItemKind.FILE and item.item.file:
            asset = self.course.assets[item.item.file]
            page["file"] = {
                "url": url(paths(links.asset_key(asset.path))),
                "name": PurePosixPath(asset.path).name,
                "type": _file_type(asset.media_type, asset.path),
                "size": _human_size(asset.size),
            }
        return page

    def _entry(self, item: RenderedItem, url, paths, resolve) -> dict:
        entry = {
            "kind": item.item.kind.value,
            "title": item.text.title,
            "summary": item.text.summary,
            "content_lang": item.text.content_lang,
        }
        if item.item.kind is ItemKind.LABEL:
            entry["html"] = Markup(links.rewrite(item.html, resolve))
        else:
            entry["url"] = url(paths(item.key))
        return entry

    def _chooser(self, langs: tuple[str, ...]) -> bytes:
        template = self.env.get_template("languages.html")
        entries = [
            {
                "lang": lang,
                "name": language_name(lang),
                "title": self.rendered.language(lang).text.title,
                "url": f"{lang}/index.html",
                "choose": translator(lang).choose_language,
            }
            for lang in langs
        ]
        html = template.render(entries=entries, default_lang=langs[0], course_title=self.rendered.language(langs[0]).text.title)
        return html.encode("utf-8")


@lru_cache(maxsize=8)
def _environment(template_dirs: tuple[str, ...]) -> Environment:
    """One Jinja environment per template search path, kept for the process: compiling the
    templates again for every site (each SCORM language, each preview save) cost more than
    writing a small course. Jinja still reloads a template whose file changed."""
    loaders = [FileSystemLoader(list(template_dirs))] if template_dirs else []
    env = _SiteEnvironment(
        loader=ChoiceLoader([*loaders, PackageLoader("packager", "templates/site")]),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["links"] = _links_filter
    return env


class _SiteEnvironment(Environment):
    """Reads ``page.title`` from a dict (pages, entries) without first failing to find a dict
    attribute of that name, ~15 times a page; dict's own names (``items``) go Jinja's way."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_NAMES = frozenset(dir(dict))


def compile_templates() -> None:
    """Compiles every built-in site template now, or loads the code compiled before
    (:mod:`.compiled`): a build does this once before forking its writers, which inherit them.
    From then on this process (a build's, never the preview's) does not look at their files
    again, where Jinja stated them for every page it extends or includes them in."""
    env = _environment(())
    env.bytecode_cache = CompiledTemplates()
    try:
        for name in env.list_templates(extensions=["html"]):
            env.get_template(name)
    finally:
        env.bytecode_cache = None  # the preview's environment compiles what it reloads
    env.auto_reload = False


def link_targets(course) -> dict[str, str]:
    """Placeholder key -> key of the page that shows it. Labels have no page of their own:
    links to a label lead to its section page."""
    targets = {links.HOME: links.HOME}
    for section in course.sections:
        targets[links.section_key(section.slug)] = links.section_key(section.slug)
        for item in section.items:
            shown_on = links.section_key(section.slug) if item.kind is ItemKind.LABEL else links.item_key(item.id)
            targets[links.item_key(item.id)] = shown_on
    for path in course.assets:
        targets[links.asset_key(path)] = links.asset_key(path)
    return targets


def _title(obj) -> str:
    return obj.text.title


@pass_context
def _links_filter(context, html: str) -> Markup:
    """Rewrites placeholders in rendered HTML for the page being written."""
    return Markup(links.rewrite(html, context["resolve"]))


def _file_type(media_type: str, path: str) -> str:
    suffix = PurePosixPath(path).suffix.lstrip(".").upper()
    return suffix or media_type


def _human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
