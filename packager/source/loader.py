"""``content/`` to an immutable :class:`~packager.model.Course`, reporting every problem.

Layout::

    course.md                 course front matter + description   (course.el.md ...)
    NN-section/index.md       a section                            (index.el.md ...)
    NN-section/NN-item.md     an item                              (NN-item.el.md ...)
    anything else             assets (images, PDFs ...) referenced by relative paths

Number prefixes order sections and items; the rest of the name is the stable slug
(:mod:`.naming`); front matter is checked in :mod:`.checks` and merged with its
translations in :mod:`.translations`.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import stat
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from ..diagnostics import Diagnostics
from ..model import Asset, Course, Item, ItemKind, LtiSettings, Section, SourceRef, Text, frozen_map
from . import schema as S
from .checks import Checks
from .files import SourceFile, read_source
from .naming import COURSE_FILE, SECTION_FILE, Group, Naming, default_name, resolve_relative, split_prefix
from .reuse import LoadedItems
from .translations import Translations

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("image/webp", ".webp")


def load_course(root: Path | str) -> tuple[Course | None, Diagnostics]:
    """Load and validate a course; the course is None when it has any error."""
    course, diagnostics = load_partial(root)
    return (None if diagnostics.errors else course), diagnostics


def load_partial(root: Path | str, reuse: LoadedItems | None = None) -> tuple[Course | None, Diagnostics]:
    """Like :func:`load_course`, but keeps the usable part of a course that has errors.

    ``qser check`` renders that part too, so link and image problems are reported in the
    same run as front-matter problems. Files that failed to load are listed in
    ``Course.unloaded`` so links to them are not reported a second time as missing pages.
    With ``reuse``, items an earlier build loaded from the same bytes come from the build
    cache (:mod:`.reuse`).
    """
    loader = _Loader(Path(root))
    loader.reuse = reuse
    return loader.load()


def item_files(course: Course) -> dict[str, str]:
    """Markdown file (content-relative) -> id of the item it belongs to."""
    return {text.source.path: item.id for item in course.items for text in item.texts.values()}


def reload_items(course: Course, paths: set[str], owners: Mapping[str, str] | None = None) -> tuple[Course, Diagnostics] | None:
    """``course`` with the items that own the Markdown files ``paths`` (content-relative)
    read again, for the live preview: one saved page costs one page of loading. ``owners``
    is :func:`item_files` of the course, when the caller keeps it.

    None when that cannot be decided from those files alone (a path that is no item's file,
    a new or lost translation, an item that now fails to load or changes its id): the caller
    loads the whole course, which reports every problem with its context.
    """
    owners = item_files(course) if owners is None else owners
    if not paths or course.unloaded or any(path not in owners for path in paths):
        return None
    loader = _Loader(course.root)
    loader.languages = course.languages
    assets = dict(course.assets)
    fresh: dict[str, Item] = {}
    for item in map(course.item, sorted({owners[path] for path in paths})):
        group = Group()
        for rel in sorted({text.source.path for text in item.texts.values()}):
            if not (course.root / rel).is_file():
                return None
            named = loader._name(rel)
            if named is None:
                return None
            loader._add(group, named)
        new = loader._item(item.section, group, assets) if group.default is not None else None
        if new is None or new.id != item.id or loader.diag.errors:
            return None
        fresh[item.id] = new
    sections = tuple(replace(s, items=tuple(fresh.get(i.id, i) for i in s.items)) for s in course.sections)
    return replace(course, sections=sections), loader.diag


class _Loader(Naming, Checks, Translations):
    """The walk and the course it builds; file names, checks and translations are in the
    mixins, one module each."""

    def __init__(self, root: Path):
        self.root = root
        self.diag = Diagnostics()
        self.languages: tuple[str, ...] = ()
        self.reuse: LoadedItems | None = None
        self.read: dict[str, bytes] = {}  # SHA-256 of the bytes of each file parsed

    # --- entry -------------------------------------------------------------------------

    def load(self) -> tuple[Course | None, Diagnostics]:
        if not self.root.is_dir():
            self.diag.error("", 0, f"course folder not found: {self.root}")
            return None, self.diag
        markdown, assets = self._walk()
        course_group, section_files = self._group_top_level(markdown)
        if course_group.default is None:
            self.diag.error("course.md", 0, "missing course.md (course title, shortname, languages, version, license)")
            return None, self.diag
        course_fields, course_texts = self._course(course_group)
        if course_fields is None:
            return None, self.diag
        sections = self._sections(section_files, assets)
        loaded = {t.source.path for s in sections for t in s.texts.values()}
        loaded |= {t.source.path for s in sections for i in s.items for t in i.texts.values()}
        loaded |= {t.source.path for t in course_texts.values()}
        lti = course_fields.get("lti") or {}
        course = Course(
            root=self.root,
            shortname=course_fields["shortname"],
            languages=self.languages,
            version=course_fields["version"],
            license=course_fields["license"],
            authors=tuple(course_fields.get("authors", ())),
            texts=frozen_map(course_texts),
            sections=tuple(sections),
            assets=frozen_map(assets),
            lti=LtiSettings(**{k: v for k, v in lti.items() if not k.startswith("__")}),
            date=course_fields.get("date", ""),
            unloaded=frozenset(markdown) - loaded,
        )
        return course, self.diag

    # --- file system -------------------------------------------------------------------

    def _walk(self) -> tuple[list[str], dict[str, Asset]]:
        """Every visible file, sorted, split into Markdown sources and assets; symbolic links
        are followed, and a loop or a broken link is a problem of the course, not a crash."""
        real_root = self.root.resolve()
        markdown: list[str] = []
        assets: dict[str, Asset] = {}
        # folders reached without a symbolic link: a file in one that is no link itself is
        # inside the course by construction, so only links are resolved (most of the walk's time)
        plain = {str(self.root)}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True):
            rel_dir = Path(dirpath).relative_to(self.root)
            dirnames[:] = [d for d in sorted(dirnames) if not d.startswith(".") and not self._loops(Path(dirpath), rel_dir, d, real_root)]
            in_plain = dirpath in plain
            if in_plain:
                plain.update(p for p in (os.path.join(dirpath, d) for d in dirnames) if not os.path.islink(p))
            prefix = "" if rel_dir == Path(".") else f"{rel_dir.as_posix()}/"
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = os.path.join(dirpath, name)
                rel = prefix + name
                try:
                    status = os.lstat(full)
                    link = stat.S_ISLNK(status.st_mode)
                    size = os.stat(full).st_size if link else status.st_size
                except OSError as exc:
                    self.diag.error(rel, 0, _link_problem(Path(full), exc))
                    continue
                if (link or not in_plain) and not Path(full).resolve().is_relative_to(real_root):
                    self.diag.error(rel, 1, "path escapes the course folder (a link to a file outside it)")
                    continue
                if name.endswith(".md"):
                    markdown.append(rel)
                else:
                    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    assets[rel] = Asset(rel, size, media_type)
        return markdown, assets

    def _loops(self, parent: Path, rel_dir: Path, name: str, real_root: Path) -> bool:
        """Whether folder ``name`` is a link back to a folder that contains it (reported)."""
        path = parent / name
        if not path.is_symlink():
            return False
        target = Path(os.path.realpath(path))
        if not parent.resolve().is_relative_to(target):
            return False
        shown = target.relative_to(real_root).as_posix() if target.is_relative_to(real_root) else str(target)
        where = "the course folder" if shown == "." else shown
        self.diag.error((rel_dir / name).as_posix(), 0, f"symbolic link loop: the folder links to {where}, which contains it")
        return True

    def _group_top_level(self, markdown: list[str]) -> tuple[Group, dict[str, list[str]]]:
        """The course file with its translations, and the Markdown files of each section folder."""
        course = Group()
        sections: dict[str, list[str]] = {}
        for rel in markdown:
            parts = rel.split("/")  # the walk's own relative paths: no empty or '.' parts
            if len(parts) == 1:
                named = self._name(rel)
                if named is None:
                    continue
                if named.stem != COURSE_FILE or named.order is not None:
                    self.diag.error(rel, 1, "only course.md (and its translations) may sit at the top of the course folder; put pages in a section folder")
                    continue
                self._add(course, named)
            elif len(parts) == 2:
                sections.setdefault(parts[0], []).append(rel)
            else:
                self.diag.error(rel, 1, "Markdown files must sit directly in a section folder (no deeper folders)")
        return course, sections

    # --- course ------------------------------------------------------------------------

    def _course(self, group: Group) -> tuple[dict | None, dict[str, Text]]:
        source = read_source(self.root, group.default.path, self.diag)
        if source is None:
            return None, {}
        fields = self._validate(source, S.COURSE.keys, "course front matter")
        if fields is None or not {"title", "shortname", "languages", "version", "license"} <= fields.keys():
            return None, {}
        languages = list(dict.fromkeys(fields["languages"]))
        if not languages:
            return None, {}
        self.languages = tuple(languages)
        # translations named before the languages were known: re-check them now
        for lang, named in list(group.translations.items()):
            if lang == self.languages[0]:
                self.diag.error(named.path, 1, f"'{lang}' is the default language: its text belongs in course.md")
                del group.translations[lang]
            elif lang not in self.languages:
                self.diag.error(named.path, 1, f"unknown language '{lang}' in file name (course languages: {', '.join(self.languages)})")
                del group.translations[lang]
        texts = self._texts(group, source, fields, S.COURSE, kind=None)
        return fields, texts

    # --- sections and items ------------------------------------------------------------

    def _sections(self, section_files: dict[str, list[str]], assets: dict[str, Asset]) -> list[Section]:
        sections: list[tuple[tuple, Section]] = []
        slugs: dict[str, str] = {}
        for folder, files in section_files.items():
            order, folder_slug = split_prefix(folder)
            if not S.SLUG_RE.match(folder_slug):
                self.diag.error(folder, 0, f"section folder name '{folder}' must use lower-case letters, digits and hyphens")
                continue
            index = Group()
            item_groups: dict[str, Group] = {}
            for rel in files:
                named = self._name(rel)
                if named is None:
                    continue
                if named.stem == SECTION_FILE:
                    self._add(index, named)
                else:
                    key = f"{named.order}-{named.stem}"
                    self._add(item_groups.setdefault(key, Group()), named)
            if index.default is None:
                where = next(iter(index.translations.values())).path if index.translations else folder
                self.diag.error(where, 0, f"section folder '{folder}' has no index.md (section title and summary)")
                continue
            section = self._section(folder, folder_slug, index, item_groups, assets)
            if section is None:
                continue
            if section.slug in slugs:
                self.diag.error(section.source.path, 1, f"duplicate section slug '{section.slug}' (also used by {slugs[section.slug]})")
                continue
            slugs[section.slug] = section.source.path
            sections.append(((order is None, order or 0, folder), section))
        return [s for _, s in sorted(sections, key=lambda pair: pair[0])]

    def _section(self, folder: str, folder_slug: str, index: Group, item_groups: dict[str, Group], assets: dict[str, Asset]) -> Section | None:
        source = read_source(self.root, index.default.path, self.diag)
        if source is None:
            return None
        fields = self._validate(source, S.SECTION.keys, "section front matter")
        if fields is None:
            return None
        slug = fields.get("slug", folder_slug)
        texts = self._texts(index, source, fields, S.SECTION, kind=None)
        items: list[tuple[tuple, Item]] = []
        item_slugs: dict[str, str] = {}
        for group in item_groups.values():
            if group.default is None:
                for named in group.translations.values():
                    self.diag.error(named.path, 1, f"translation without a default-language file ({default_name(named)})")
                continue
            item = self._reused_item(slug, group, assets)
            if item is None:
                continue
            if item.slug in item_slugs:
                self.diag.error(item.source.path, 1, f"duplicate item slug '{item.slug}' in section '{slug}' (also used by {item_slugs[item.slug]})")
                continue
            item_slugs[item.slug] = item.source.path
            named = group.default
            items.append(((named.order is None, named.order or 0, named.stem), item))
        return Section(
            slug=slug,
            source=SourceRef(source.path, source.body_line),
            texts=frozen_map(texts),
            items=tuple(i for _, i in sorted(items, key=lambda pair: pair[0])),
        )

    def _reused_item(self, section_slug: str, group: Group, assets: dict[str, Asset]) -> Item | None:
        """:meth:`_item`, or the item and warnings an earlier build loaded from the same inputs."""
        key = self.reuse.key(section_slug, group, self.languages, assets) if self.reuse is not None else None
        hit = self.reuse.get(key) if key is not None else None
        if hit is not None:
            self.diag.extend(hit[1])
            return hit[0]
        outer, self.diag = self.diag, Diagnostics()
        try:
            item = self._item(section_slug, group, assets)
        finally:
            own, self.diag = self.diag, outer
        self.diag.extend(own)
        if key is not None and item is not None and not own.errors:
            self.reuse.put(key, item, own, self.read)
        return item

    def _item(self, section_slug: str, group: Group, assets: dict[str, Asset]) -> Item | None:
        source = read_source(self.root, group.default.path, self.diag, self.read)
        if source is None:
            return None
        kind_name = self._peek_type(source)
        if kind_name is None:
            return None
        item_schema = S.ITEM_BY_TYPE[kind_name]
        fields = self._validate(source, item_schema.keys, f"{kind_name} item front matter")
        if fields is None:
            return None
        kind = ItemKind(kind_name)
        if not self._check_structure(source, kind, fields):
            return None
        slug = fields.get("slug", group.default.stem)
        file_asset = None
        if kind is ItemKind.FILE and "file" in fields:
            file_asset = self._resolve_file(source, fields["file"], assets)
        texts = self._texts(group, source, fields, item_schema, kind=kind)
        completion = fields.get("completion") or ("pass" if kind in (ItemKind.SCREENER, ItemKind.QUIZ) else "view")
        return Item(
            id=f"{section_slug}/{slug}",
            slug=slug,
            section=section_slug,
            kind=kind,
            source=SourceRef(source.path, source.body_line),
            texts=frozen_map(texts),
            url=fields.get("url"),
            file=file_asset,
            completion=completion,
        )

    def _resolve_file(self, source: SourceFile, target: str, assets: dict[str, Asset]) -> str | None:
        resolved = resolve_relative(source.path, target)
        line = self._key_line(source, "file")
        if resolved is None:
            self.diag.error(source.path, line, f"file '{target}' escapes the course folder")
        elif resolved.endswith(".md"):
            self.diag.error(source.path, line, f"file '{target}' is a Markdown page; use a link in a page instead")
        elif resolved not in assets:
            self.diag.error(source.path, line, f"file '{target}' not found (looked for {resolved})")
        else:
            return resolved
        return None

    # --- front matter and translations -------------------------------------------------


def _link_problem(path: Path, exc: OSError) -> str:
    """Why a listed file cannot be read: nearly always a symbolic link gone wrong."""
    target = os.readlink(path) if path.is_symlink() else ""
    if exc.errno == errno.ELOOP:
        return f"symbolic link loop: {path.name} points to {target}, which leads back to itself"
    if target:
        return f"broken symbolic link: {path.name} points to {target}, which does not exist"
    return f"cannot read file: {exc.strerror or exc}"
