"""Items an earlier build loaded from the same bytes, taken from the build cache.

Loading an item (reading its files, parsing and checking their front matter, merging its
translations) is most of a load, and a one-page edit changes one item. So an item is kept
in the cache area ``load`` under a digest of everything :meth:`~.loader._Loader._item`
reads: the SHA-256 of each of its files as this build's source digest read them
(:func:`packager.incremental.source_digest`), their names and languages, the section's
slug, the course languages, every asset (a file item points at one), and qser's own code.
A hit gives the same item and the same warnings; an item with errors, or one whose files
changed between the course digest and their parsing, is never stored. Each text's digest
(of its ``repr``, which shows every field) is kept with its item (:attr:`LoadedItems.texts`),
so the renderer keys a text on it instead of hashing the whole text again
(:func:`packager.render.payload.key`).

The value is plain data (:mod:`packager.cache` stores nothing else): each model object as
its class name and fields, turned back into the same frozen objects on a hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache as once
from typing import Any

from .. import model
from ..cache import Cache, code_digest, digest
from ..diagnostics import Diagnostic, Diagnostics, Severity
from .naming import Group

AREA = "load"
_CLASSES = {cls.__name__: cls for cls in (model.Item, model.Text, model.SourceRef, model.Screener, model.ScreenerQuestion,
                                          model.SummaryField, model.Quiz, model.Question, model.Choice)}


class LoadedItems:
    """The cache's items for one load; ``files`` maps each course file (content-relative)
    to the SHA-256 of its bytes as read for this build."""

    def __init__(self, cache: Cache, files: Mapping[str, bytes]):
        self.cache, self.files = cache, files
        self.base = ""
        # (source path, language) -> the digest of the text's repr, made once when its item
        # was parsed and kept with it, so a hit's texts are not turned into text to be hashed
        self.texts: dict[tuple[str, str], str] = {}
        self._named: dict[str, list[str]] = {}  # key -> the item's files

    def key(self, section: str, group: Group, languages: tuple[str, ...], assets: Mapping[str, model.Asset]) -> str | None:
        """The item's key, or None when one of its files was not digested (nothing is reused)."""
        named = [group.default, *(group.translations[lang] for lang in sorted(group.translations))]
        if any(n is None or n.path not in self.files for n in named):
            return None
        if not self.base:  # the course's languages and assets are known once the items are reached
            self.base = digest(code_digest(), languages, sorted(map(repr, assets.values())))
        key = digest(self.base, section, [(n.path, n.lang, self.files[n.path]) for n in named])
        self._named[key] = [n.path for n in named]
        return key

    def get(self, key: str) -> tuple[model.Item, Diagnostics] | None:
        entry = self.cache.get(AREA, key)
        if not (isinstance(entry, tuple) and len(entry) == 3):
            return None
        plain, reported, texts = entry
        diagnostics = Diagnostics()
        try:
            for path, line, severity, message in reported:
                diagnostics.add(Diagnostic(path, line, Severity(severity), message))
            item = _value(plain)
            known = {(path, lang): text_digest for path, lang, text_digest in texts}
        except (KeyError, TypeError, ValueError):  # not what put() stores: built again
            return None
        if not isinstance(item, model.Item):
            return None
        self.texts.update(known)
        return item, diagnostics

    def put(self, key: str, item: model.Item, diagnostics: Diagnostics, read: Mapping[str, bytes]) -> None:
        """Keeps ``item`` when the bytes it was parsed from (``read``: SHA-256 by path) are
        those its key was made of: a file changed since the course digest read it is loaded
        as it is now, which the key does not describe."""
        if any(read.get(path) != self.files[path] for path in self._named[key]):
            return
        reported = [(d.path, d.line, d.severity.value, d.message) for d in diagnostics.items]
        texts = [(text.source.path, lang, digest(text)) for lang, text in item.texts.items()]
        self.cache.put(AREA, key, (_plain(item), reported, texts))
        self.texts.update(((path, lang), text_digest) for path, lang, text_digest in texts)


def _plain(value: Any) -> Any:
    """``value`` as marshal-able data: a model object or container as a tagged tuple."""
    if is_dataclass(value):
        return ("D", type(value).__name__, tuple(_plain(getattr(value, name)) for name in _fields(type(value))))
    if isinstance(value, model.FrozenMap):
        return ("M", tuple((key, _plain(item)) for key, item in value.items()))
    if isinstance(value, model.ItemKind):
        return ("K", value.value)
    if isinstance(value, tuple):
        return ("T", tuple(_plain(item) for item in value))
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"not a model value: {value!r}")


def _value(plain: Any) -> Any:
    """The model object :func:`_plain` made ``plain`` of (scalars are not passed through a
    call each: an item has a few dozen)."""
    if not isinstance(plain, tuple):
        return plain
    tag, body = plain[0], plain[-1]
    if tag == "D":
        return _CLASSES[plain[1]](*[_value(v) if isinstance(v, tuple) else v for v in body])
    if tag == "M":
        return model.frozen_map({key: _value(v) if isinstance(v, tuple) else v for key, v in body})
    if tag == "K":
        return model.ItemKind(body)
    return tuple(_value(v) if isinstance(v, tuple) else v for v in body)


@once
def _fields(cls: type) -> tuple[str, ...]:
    if cls.__name__ not in _CLASSES:
        raise TypeError(f"not a model class kept in the cache: {cls.__name__}")
    return tuple(f.name for f in fields(cls))
