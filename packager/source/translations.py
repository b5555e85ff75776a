"""A page's text in every course language: the default-language file overlaid with each
translation (list entries matched by position), warnings for what a translation leaves
out, and the texts built from the merged front matter."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostics
from ..model import Choice, ItemKind, Question, Quiz, Screener, ScreenerQuestion, SourceRef, SummaryField, Text
from . import schema as S
from .checks import choice_ids
from .files import SourceFile, read_source
from .naming import Group, translation_name


class Translations:
    """Needs ``root``, ``diag``, ``languages`` and ``_validate`` (:class:`~.checks.Checks`)."""

    root: Path
    diag: Diagnostics
    languages: tuple[str, ...]
    read: dict[str, bytes]

    def _texts(self, group: Group, source: SourceFile, fields: dict, schema: S.Schema, kind: ItemKind | None) -> dict[str, Text]:
        default_lang = self.languages[0]
        written_in = self._written_in(source, fields)
        texts = {default_lang: self._text(default_lang, source, fields, source, kind, fallback=False, written_in=written_in)}
        for lang in self.languages[1:]:
            named = group.translations.get(lang)
            if named is None:
                if written_in is None:
                    self.diag.warning(
                        source.path, 1,
                        f"missing translation '{lang}' ({translation_name(source.path, lang)}); the {default_lang} text is used",
                    )
                texts[lang] = self._text(lang, source, fields, source, kind, fallback=True, written_in=written_in)
                continue
            tsource = read_source(self.root, named.path, self.diag, self.read)
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
            screener=screener_of(fields) if kind is ItemKind.SCREENER else None,
            quiz=quiz_of(fields) if kind is ItemKind.QUIZ else None,
        )


def screener_of(fields: dict) -> Screener:
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


def quiz_of(fields: dict) -> Quiz:
    questions = []
    for q in fields.get("questions", []):
        choices = q.get("choices", [])
        feedback = q.get("feedback") or {}
        questions.append(
            Question(
                id=q["id"],
                prompt=q["prompt"],
                kind=q.get("type", "single"),
                choices=tuple(Choice(cid, c["text"], bool(c.get("correct")), c.get("feedback", "")) for cid, c in zip(choice_ids(choices), choices)),
                feedback_correct=feedback.get("correct", ""),
                feedback_incorrect=feedback.get("incorrect", ""),
                points=q.get("points", 1),
            )
        )
    return Quiz(questions=tuple(questions), pass_percent=fields.get("pass_percent", 50))
