"""Checks on front matter beyond its schema: validation against the schema with line
numbers, the item type, and the structure rules (unique ids, a quiz's choices, a
screener's threshold, completion), checked once, on the default language."""

from __future__ import annotations

import yaml

from ..diagnostics import Diagnostics
from ..model import ItemKind
from . import schema as S
from .files import SourceFile


class Checks:
    """Needs ``diag``."""

    diag: Diagnostics

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
        ids = choice_ids(choices)
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


def choice_ids(choices: list[dict]) -> list[str]:
    return [c.get("id") or chr(ord("a") + i) for i, c in enumerate(choices)]
