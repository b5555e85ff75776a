"""``content/`` to an immutable :class:`~packager.model.Course`, reporting every problem.

Layout::

    course.md                 course front matter + description   (course.el.md ...)
    NN-section/index.md       a section                            (index.el.md ...)
    NN-section/NN-item.md     an item                              (NN-item.el.md ...)
    anything else             assets (images, PDFs ...) referenced by relative paths

Number prefixes order sections and items; the rest of the name is the stable slug.
"""

from __future__ import annotations

import mimetypes
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from . import schema as S
from .diagnostics import Diagnostics
from .model import (
    Asset,
    Choice,
    Course,
    Item,
    ItemKind,
    LtiSettings,
    Question,
    Quiz,
    Screener,
    ScreenerQuestion,
    Section,
    SourceRef,
    SummaryField,
    Text,
    frozen_map,
)
from .sources import SourceFile, read_source

NAME_RE = re.compile(r"^(?:(?P<order>\d+)-)?(?P<stem>[^.]+?)(?:\.(?P<lang>[^.]+))?\.md$")
COURSE_FILE = "course"
SECTION_FILE = "index"

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("image/webp", ".webp")


@dataclass
class _Named:
    """A Markdown file name split into order, slug and language."""

    path: str
    order: int | None
    stem: str
    lang: str | None


@dataclass
class _Group:
    """A default-language file and its translations."""

    default: _Named | None = None
    translations: dict[str, _Named] = field(default_factory=dict)


def load_course(root: Path | str) -> tuple[Course | None, Diagnostics]:
    """Load and validate a course; the course is None when it has any error."""
    course, diagnostics = load_partial(root)
    return (None if diagnostics.errors else course), diagnostics


def load_partial(root: Path | str) -> tuple[Course | None, Diagnostics]:
    """Like :func:`load_course`, but keeps the usable part of a course that has errors.

    ``qser check`` renders that part too, so link and image problems are reported in the
    same run as front-matter problems. Files that failed to load are listed in
    ``Course.unloaded`` so links to them are not reported a second time as missing pages.
    """
    return _Loader(Path(root)).load()


class _Loader:
    def __init__(self, root: Path):
        self.root = root
        self.diag = Diagnostics()
        self.languages: tuple[str, ...] = ()

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
        """Every visible file, sorted, split into Markdown sources and assets."""
        real_root = self.root.resolve()
        markdown: list[str] = []
        assets: dict[str, Asset] = {}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = Path(dirpath).relative_to(self.root)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath) / name
                rel = (rel_dir / name).as_posix()
                if not full.resolve().is_relative_to(real_root):
                    self.diag.error(rel, 1, "path escapes the course folder (a link to a file outside it)")
                    continue
                if name.endswith(".md"):
                    markdown.append(rel)
                else:
                    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    assets[rel] = Asset(rel, full.stat().st_size, media_type)
        return markdown, assets

    def _group_top_level(self, markdown: list[str]) -> tuple[_Group, dict[str, list[str]]]:
        """The course file with its translations, and the Markdown files of each section folder."""
        course = _Group()
        sections: dict[str, list[str]] = {}
        for rel in markdown:
            parts = PurePosixPath(rel).parts
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

    def _name(self, rel: str) -> _Named | None:
        name = PurePosixPath(rel).name
        match = NAME_RE.match(name)
        if not match:
            self.diag.error(rel, 1, "file name must look like 01-slug.md or 01-slug.el.md")
            return None
        order = int(match["order"]) if match["order"] is not None else None
        stem, lang = match["stem"], match["lang"]
        if stem not in (COURSE_FILE, SECTION_FILE) and not S.SLUG_RE.match(stem):
            fixed = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "item"
            self.diag.error(rel, 1, f"file name '{name}' must use lower-case letters, digits and hyphens (e.g. '{fixed}')")
            return None
        if lang is not None and self.languages and lang not in self.languages:
            self.diag.error(
                rel, 1,
                f"unknown language '{lang}' in file name (course languages: {', '.join(self.languages)}){S.suggest(lang, list(self.languages))}",
            )
            return None
        return _Named(rel, order, stem, lang)

    def _add(self, group: _Group, named: _Named) -> None:
        if named.lang is None or (self.languages and named.lang == self.languages[0]):
            if group.default is not None:
                self.diag.error(named.path, 1, f"duplicate of {group.default.path} (same slug)")
                return
            group.default = named
        else:
            group.translations[named.lang] = named

    # --- course ------------------------------------------------------------------------

    def _course(self, group: _Group) -> tuple[dict | None, dict[str, Text]]:
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
            order, folder_slug = _split_prefix(folder)
            if not S.SLUG_RE.match(folder_slug):
                self.diag.error(folder, 0, f"section folder name '{folder}' must use lower-case letters, digits and hyphens")
                continue
            index = _Group()
            item_groups: dict[str, _Group] = {}
            for rel in files:
                named = self._name(rel)
                if named is None:
                    continue
                if named.stem == SECTION_FILE:
                    self._add(index, named)
                else:
                    key = f"{named.order}-{named.stem}"
                    self._add(item_groups.setdefault(key, _Group()), named)
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

    def _section(self, folder: str, folder_slug: str, index: _Group, item_groups: dict[str, _Group], assets: dict[str, Asset]) -> Section | None:
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
                    self.diag.error(named.path, 1, f"translation without a default-language file ({_default_name(named)})")
                continue
            item = self._item(slug, group, assets)
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

    def _item(self, section_slug: str, group: _Group, assets: dict[str, Asset]) -> Item | None:
        source = read_source(self.root, group.default.path, self.diag)
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

    def _peek_type(self, source: SourceFile) -> str | None:
        node = source.front
        if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
            return "page"  # the full validation reports the shape problem
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == "type":
                value = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
                if value in S.ITEM_BY_TYPE:
                    return value
                types = list(S.ITEM_BY_TYPE)
                found = repr(value) if value is not None else "a list or mapping"
                self.diag.error(
                    source.path,
                    value_node.start_mark.line + 1 + source.front_line,
                    f"'type' must be one of {', '.join(types)}, found {found}{S.suggest(str(value), types) if value else ''}",
                )
                return None
        return "page"

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

    def _validate(self, source: SourceFile, keys: tuple[S.Key, ...], what: str, translation: bool = False) -> dict | None:
        validator = S.Validator(source.path, self.diag, line_offset=source.front_line, translation=translation)
        if source.front is None:
            if translation:
                return {}
            required = ", ".join(k.name for k in keys if k.required)
            self.diag.error(source.path, 1, f"front matter is empty; required keys: {required}")
            return None
        before = len(self.diag.errors)
        fields = validator.mapping(source.front, keys, what)
        if fields is None or len(self.diag.errors) > before:
            return None
        return fields

    def _key_line(self, source: SourceFile, name: str) -> int:
        for key_node, _ in getattr(source.front, "value", []):
            if getattr(key_node, "value", None) == name:
                return key_node.start_mark.line + 1 + source.front_line
        return 1

    def _texts(self, group: _Group, source: SourceFile, fields: dict, schema: S.Schema, kind: ItemKind | None) -> dict[str, Text]:
        default_lang = self.languages[0]
        written_in = self._written_in(source, fields)
        texts = {default_lang: self._text(default_lang, source, fields, source, kind, fallback=False, written_in=written_in)}
        for lang in self.languages[1:]:
            named = group.translations.get(lang)
            if named is None:
                if written_in is None:
                    self.diag.warning(
                        source.path, 1,
                        f"missing translation '{lang}' ({_translation_name(source.path, lang)}); the {default_lang} text is used",
                    )
                texts[lang] = self._text(lang, source, fields, source, kind, fallback=True, written_in=written_in)
                continue
            tsource = read_source(self.root, named.path, self.diag)
            tfields = self._validate(tsource, schema.keys, f"{schema.name} translation", translation=True) if tsource else None
            merged = self._merge(tsource, fields, tfields) if tfields is not None else None
            if merged is None:  # reported already; keep the structure whole for the rest of the check
                texts[lang] = self._text(lang, source, fields, source, kind, fallback=True)
                continue
            self._untranslated(tsource, schema.keys, fields, tfields, "", 1)
            texts[lang] = self._text(lang, tsource, merged, source, kind, fallback=False)
        return texts

    def _untranslated(self, tsource: SourceFile, keys: tuple[S.Key, ...], base: dict, override: dict, where: str, line: int) -> None:
        """Warn about texts a translation leaves out, which fall back to the default language."""
        for key in keys:
            value = base.get(key.name)
            if not value:
                continue
            label = f"{where}{key.name}"
            if key.translatable and key.name not in override:
                self.diag.warning(tsource.path, line, f"'{label}' is not translated; the {self.languages[0]} text is used")
            elif key.fields and key.kind == "map" and isinstance(value, dict):
                self._untranslated(tsource, key.fields, value, override.get(key.name) or {}, f"{label}.", line)
            elif key.fields and isinstance(value, list):
                entries = override.get(key.name)
                if entries is None:
                    if any(f.translatable for f in key.fields):
                        self.diag.warning(tsource.path, line, f"'{label}' is not translated; the {self.languages[0]} texts are used")
                    continue
                for index, (orig, tr) in enumerate(zip(value, entries), start=1):
                    self._untranslated(tsource, key.fields, orig, tr, f"{label}[{index}].", tr.get("__line__", line))

    def _merge(self, tsource: SourceFile, base: dict, override: dict) -> dict | None:
        """Overlay translated values on the default language, matching list entries by position."""
        merged = dict(base)
        ok = True
        for name, value in override.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                original = base.get(name, [])
                if len(value) != len(original):
                    line = value[0].get("__line__", 1)
                    self.diag.error(tsource.path, line, f"'{name}' has {len(value)} entries but the default language has {len(original)}; translate each entry in the same order")
                    ok = False
                    continue
                entries = []
                for index, (orig, tr) in enumerate(zip(original, value), start=1):
                    if "id" in tr and "id" in orig and tr["id"] != orig["id"]:
                        self.diag.error(tsource.path, tr.get("__line__", 1), f"'{name}' entry {index} has id '{tr['id']}' but the default language has '{orig['id']}' there")
                        ok = False
                    sub = self._merge(tsource, orig, {k: v for k, v in tr.items() if k != "id"})
                    if sub is None:
                        ok = False
                        continue
                    entries.append(sub)
                merged[name] = entries
            elif isinstance(value, dict):
                sub = self._merge(tsource, base.get(name) or {}, value)
                if sub is None:
                    ok = False
                    continue
                merged[name] = sub
            else:
                merged[name] = value
        return merged if ok else None

    def _written_in(self, source: SourceFile, fields: dict) -> str | None:
        """An item's ``lang``: the one language its text exists in (any course language)."""
        lang = fields.get("lang")
        if lang is not None and lang not in self.languages:
            self.diag.error(source.path, self._key_line(source, "lang"),
                            f"'lang' must be one of the course languages ({', '.join(self.languages)}), found '{lang}'")
            return None
        return lang

    def _text(self, lang: str, source: SourceFile, fields: dict, default_source: SourceFile, kind: ItemKind | None, fallback: bool,
              written_in: str | None = None) -> Text:
        body = source.body
        if not fallback and source is not default_source and not body.strip() and default_source.body.strip():
            self.diag.warning(source.path, source.body_line, f"translation has no body text; the {self.languages[0]} text is used")
            body, source = default_source.body, default_source
        return Text(
            lang=lang,
            title=fields["title"],
            body=body,
            source=SourceRef(source.path, source.body_line),
            content_lang=written_in if written_in and source is default_source else self.languages[0] if fallback else lang,
            summary=fields.get("summary", ""),
            screener=_screener(fields) if kind is ItemKind.SCREENER else None,
            quiz=_quiz(fields) if kind is ItemKind.QUIZ else None,
        )

    # --- structure rules: checked once, on the default language ------------------------

    def _check_structure(self, source: SourceFile, kind: ItemKind, fields: dict) -> bool:
        questions = fields.get("questions", [])
        ok = self._unique_ids(source, questions, "question")
        if kind is ItemKind.SCREENER:
            ok &= self._unique_ids(source, fields.get("summary_fields", []), "summary field")
            threshold = fields.get("threshold", 0)
            if questions and threshold > len(questions):
                self.diag.error(source.path, self._key_line(source, "threshold"), f"threshold {threshold} is more than the {len(questions)} questions")
                ok = False
        elif kind is ItemKind.QUIZ:
            for q in questions:
                ok &= self._check_question(source, q)
        completion = fields.get("completion", "view")
        if completion != "view" and kind not in (ItemKind.SCREENER, ItemKind.QUIZ):
            self.diag.error(
                source.path, self._key_line(source, "completion"),
                f"completion '{completion}' needs a score: only a screener or a quiz has one (use 'view')",
            )
            ok = False
        return ok

    def _check_question(self, source: SourceFile, q: dict) -> bool:
        line = q.get("__line__", 1)
        choices = q.get("choices", [])
        ids = _choice_ids(choices)
        problems = []
        if len(set(ids)) != len(ids):
            problems.append(f"question '{q['id']}' has duplicate choice ids")
        if len(choices) < 2:
            problems.append(f"question '{q['id']}' needs at least two choices")
        correct = sum(1 for c in choices if c.get("correct"))
        if q.get("type", "single") == "single" and correct != 1:
            problems.append(f"single-choice question '{q['id']}' needs exactly one correct choice, found {correct}")
        elif q.get("type") == "multiple" and correct < 1:
            problems.append(f"multiple-choice question '{q['id']}' needs at least one correct choice")
        for problem in problems:
            self.diag.error(source.path, line, problem)
        return not problems

    def _unique_ids(self, source: SourceFile, entries: list[dict], what: str) -> bool:
        seen: set[str] = set()
        ok = True
        for entry in entries:
            if entry["id"] in seen:
                self.diag.error(source.path, entry.get("__line__", 1), f"duplicate {what} id '{entry['id']}'")
                ok = False
            seen.add(entry["id"])
        return ok


def _choice_ids(choices: list[dict]) -> list[str]:
    return [c.get("id") or chr(ord("a") + i) for i, c in enumerate(choices)]


def _screener(fields: dict) -> Screener:
    return Screener(
        questions=tuple(ScreenerQuestion(q["id"], q["text"], q.get("help", "")) for q in fields.get("questions", [])),
        threshold=fields.get("threshold", 0),
        suitable=fields.get("suitable", ""),
        unsuitable=fields.get("unsuitable", ""),
        summary_fields=tuple(
            SummaryField(f["id"], f["label"], f.get("kind", "text"), f.get("required", True), f.get("help", ""), f.get("max_length", 2000))
            for f in fields.get("summary_fields", [])
        ),
    )


def _quiz(fields: dict) -> Quiz:
    questions = []
    for q in fields.get("questions", []):
        choices = q.get("choices", [])
        feedback = q.get("feedback") or {}
        questions.append(
            Question(
                id=q["id"],
                prompt=q["prompt"],
                kind=q.get("type", "single"),
                choices=tuple(Choice(cid, c["text"], bool(c.get("correct")), c.get("feedback", "")) for cid, c in zip(_choice_ids(choices), choices)),
                feedback_correct=feedback.get("correct", ""),
                feedback_incorrect=feedback.get("incorrect", ""),
                points=q.get("points", 1),
            )
        )
    return Quiz(questions=tuple(questions), pass_percent=fields.get("pass_percent", 50))


def _split_prefix(name: str) -> tuple[int | None, str]:
    match = re.match(r"^(\d+)-(.+)$", name)
    return (int(match[1]), match[2]) if match else (None, name)


def _translation_name(path: str, lang: str) -> str:
    return path[: -len(".md")] + f".{lang}.md"


def _default_name(named: _Named) -> str:
    return named.path.replace(f".{named.lang}.md", ".md")


def resolve_relative(from_path: str, target: str) -> str | None:
    """Resolve ``target`` against the folder of ``from_path``; None if it leaves the root.

    A leading "/" means the course root, so authors can write /assets/logo.svg anywhere.
    """
    if target.startswith("/"):
        parts: list[str] = []
        raw = target.lstrip("/").split("/")
    else:
        parts = list(PurePosixPath(from_path).parent.parts)
        raw = target.split("/")
    for part in raw:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)

