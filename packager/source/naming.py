"""Course file names: ``NN-slug.md`` and its translations ``NN-slug.<lang>.md``, and paths
between files (``qser harvest`` names the files it writes by the same rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..diagnostics import Diagnostics
from . import schema as S

NAME_RE = re.compile(r"^(?:(?P<order>\d+)-)?(?P<stem>[^.]+?)(?:\.(?P<lang>[^.]+))?\.md$")
COURSE_FILE = "course"
SECTION_FILE = "index"


@dataclass
class Named:
    """A Markdown file name split into order, slug and language."""

    path: str
    order: int | None
    stem: str
    lang: str | None


@dataclass
class Group:
    """A default-language file and its translations."""

    default: Named | None = None
    translations: dict[str, Named] = field(default_factory=dict)


class Naming:
    """Reads file names into :class:`Named` and groups a file with its translations;
    needs ``diag`` and ``languages`` (empty until course.md is read)."""

    diag: Diagnostics
    languages: tuple[str, ...]

    def _name(self, rel: str) -> Named | None:
        name = rel.rpartition("/")[2]
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
        return Named(rel, order, stem, lang)

    def _add(self, group: Group, named: Named) -> None:
        if named.lang is None or (self.languages and named.lang == self.languages[0]):
            if group.default is not None:
                self.diag.error(named.path, 1, f"duplicate of {group.default.path} (same slug)")
                return
            group.default = named
        else:
            group.translations[named.lang] = named


def split_prefix(name: str) -> tuple[int | None, str]:
    match = re.match(r"^(\d+)-(.+)$", name)
    return (int(match[1]), match[2]) if match else (None, name)


def translation_name(path: str, lang: str) -> str:
    return path[: -len(".md")] + f".{lang}.md"


def default_name(named: Named) -> str:
    return named.path.replace(f".{named.lang}.md", ".md")


def resolve_relative(from_path: str, target: str) -> str | None:
    """Resolve ``target`` against the folder of ``from_path``; None if it leaves the root.

    A leading "/" means the course root, so authors can write /assets/logo.svg anywhere.
    """
    if target.startswith("/"):
        parts: list[str] = []
        raw = target.lstrip("/").split("/")
    elif from_path.startswith("/"):
        parts = list(PurePosixPath(from_path).parent.parts)
        raw = target.split("/")
    else:  # the folder's parts as PurePosixPath gives them, in a tenth of its time (every link asks)
        parts = [part for part in from_path.split("/") if part not in ("", ".")][:-1]
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
