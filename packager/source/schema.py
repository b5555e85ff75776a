"""The declared front-matter schema, and its validator over YAML nodes.

Validation walks the composed YAML node tree rather than the loaded dict so every message
can name the exact line of the offending key or value. The schema is data: the README's
format reference and the "did you mean" suggestions both come from it.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..diagnostics import Diagnostics

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")

_constructor = yaml.constructor.SafeConstructor()


@dataclass(frozen=True)
class Key:
    """One front-matter key.

    ``kind`` is one of: str, text (Markdown), int, bool, url, slug, lang, date,
    list[str], list[lang], map (uses ``fields``), list[map] (uses ``fields``).
    """

    name: str
    kind: str
    doc: str
    required: bool = False
    translatable: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    fields: tuple[Key, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Schema:
    name: str
    keys: tuple[Key, ...]

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.keys]


# --- the format ------------------------------------------------------------------------

_LTI_FIELDS = (
    Key("url", "url", "Base URL of the qser LTI tool (https://...); screener activities point here."),
    Key("name", "str", "Tool name shown in the LMS."),
)

COURSE = Schema(
    "course",
    (
        Key("title", "str", "Full course title.", required=True, translatable=True),
        Key("shortname", "slug", "Short name: lower-case letters, digits and hyphens; names the packages.", required=True),
        Key("languages", "list[lang]", "Language codes; the first is the default and the fallback.", required=True),
        Key("version", "str", "Course version, written into package metadata.", required=True),
        Key("license", "str", "Licence of the course text (e.g. CC-BY-4.0).", required=True),
        Key("authors", "list[str]", "Authors and organisations credited in every package."),
        Key("summary", "str", "One-line description used in package metadata.", translatable=True),
        Key("date", "date", "Publication date (YYYY-MM-DD); the only date written into packages, so builds stay reproducible."),
        Key("lti", "map", "Settings of the qser LTI tool the screener runs on.", fields=_LTI_FIELDS),
    ),
)

SECTION = Schema(
    "section",
    (
        Key("title", "str", "Section title.", required=True, translatable=True),
        Key("summary", "str", "One-line description.", translatable=True),
        Key("slug", "slug", "Stable identifier; defaults to the folder name without its number prefix."),
    ),
)

_ITEM_COMMON = (
    Key("type", "str", "Item type.", choices=("page", "label", "url", "file", "screener", "quiz"), default="page"),
    Key("title", "str", "Item title.", required=True, translatable=True),
    Key("summary", "str", "One-line description, shown in lists and LMS activity descriptions.", translatable=True),
    Key("slug", "slug", "Stable identifier; defaults to the file name without number prefix and extension."),
    Key(
        "completion",
        "str",
        "What completes the item in an LMS: view, grade or pass (default: view; pass for screener and quiz).",
        choices=("view", "grade", "pass"),
    ),
    Key(
        "lang",
        "lang",
        "Language the item is written in, for an item that exists in one language only (e.g. a harvested case study): "
        "every course language shows it, marked with its language, and missing translations are not reported.",
    ),
)

_SCREENER_QUESTION = (
    Key("id", "slug", "Stable question id.", required=True),
    Key("text", "text", "The yes/no question.", required=True, translatable=True),
    Key("help", "text", "Optional hint shown under the question.", translatable=True),
)

_SUMMARY_FIELD = (
    Key("id", "slug", "Stable field id.", required=True),
    Key("label", "str", "Field label.", required=True, translatable=True),
    Key("kind", "str", "Input type.", choices=("text", "textarea"), default="text"),
    Key("required", "bool", "Whether the field must be filled.", default=True),
    Key("help", "text", "Optional hint under the field.", translatable=True),
    Key("max_length", "int", "Maximum characters.", minimum=1, maximum=20000, default=2000),
)

_CHOICE = (
    Key("id", "slug", "Choice id; defaults to a, b, c ... by position."),
    Key("text", "text", "Choice text.", required=True, translatable=True),
    Key("correct", "bool", "Whether this choice is correct (default language only).", default=False),
    Key("feedback", "text", "Feedback shown when this choice is selected.", translatable=True),
)

_QUESTION_FEEDBACK = (
    Key("correct", "text", "Feedback for a correct answer.", translatable=True),
    Key("incorrect", "text", "Feedback for a wrong answer.", translatable=True),
)

_QUIZ_QUESTION = (
    Key("id", "slug", "Stable question id.", required=True),
    Key("prompt", "text", "The question.", required=True, translatable=True),
    Key("type", "str", "single (one answer) or multiple (several answers).", choices=("single", "multiple"), default="single"),
    Key("points", "int", "Weight of the question.", minimum=1, maximum=100, default=1),
    Key("choices", "list[map]", "Answer options.", required=True, fields=_CHOICE),
    Key("feedback", "map", "General feedback.", fields=_QUESTION_FEEDBACK),
)

ITEM_BY_TYPE: dict[str, Schema] = {
    "page": Schema("page item", _ITEM_COMMON),
    "label": Schema("label item", _ITEM_COMMON),
    "url": Schema(
        "url item",
        _ITEM_COMMON + (Key("url", "url", "The external address (http or https).", required=True),),
    ),
    "file": Schema(
        "file item",
        _ITEM_COMMON + (Key("file", "str", "Path of the file, relative to this Markdown file.", required=True),),
    ),
    "screener": Schema(
        "screener item",
        _ITEM_COMMON
        + (
            Key("threshold", "int", "Number of yes answers that makes a case study suitable.", required=True, minimum=1),
            Key("questions", "list[map]", "The yes/no questions.", required=True, fields=_SCREENER_QUESTION),
            Key("suitable", "text", "Message when the case study is suitable.", required=True, translatable=True),
            Key("unsuitable", "text", "Message asking for another case study.", required=True, translatable=True),
            Key("summary_fields", "list[map]", "Fields of the case-study summary.", required=True, fields=_SUMMARY_FIELD),
        ),
    ),
    "quiz": Schema(
        "quiz item",
        _ITEM_COMMON
        + (
            Key("pass_percent", "int", "Percentage needed to pass.", minimum=0, maximum=100, default=50),
            Key("questions", "list[map]", "The questions.", required=True, fields=_QUIZ_QUESTION),
        ),
    ),
}

ALL_SCHEMAS = (COURSE, SECTION, *ITEM_BY_TYPE.values())


# --- validation ------------------------------------------------------------------------


@dataclass
class Validator:
    """Validates one file's front matter; lines are made absolute with ``line_offset``."""

    path: str
    diagnostics: Diagnostics
    line_offset: int = 0
    translation: bool = False  # a translation file may only carry translatable keys
    extra_checks: list[Callable[[], None]] = field(default_factory=list)

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.line_offset

    def error(self, node: yaml.Node | None, message: str) -> None:
        self.diagnostics.error(self.path, self.line(node) if node is not None else 1, message)

    def mapping(self, node: yaml.Node, schema_keys: tuple[Key, ...], what: str) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, found {_describe(node)}")
            return None
        known = {k.name: k for k in schema_keys}
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, f"keys in {what} must be plain names")
                continue
            name = str(key_node.value)
            if name in seen:
                self.error(key_node, f"duplicate key '{name}' (first given on line {self.line(seen[name])})")
                continue
            seen[name] = key_node
            key = known.get(name)
            if key is None:
                self.error(key_node, f"unknown key '{name}' in {what}{_suggest(name, list(known))}")
                continue
            if self.translation and not key.translatable and not key.fields and name != "id":
                self.error(
                    key_node,
                    f"key '{name}' cannot be translated; set it in the default-language file only",
                )
                continue
            value = self.value(value_node, key, f"'{name}'")
            if value is not _INVALID:
                result[name] = value
        if not self.translation:
            for key in schema_keys:
                if key.required and key.name not in result and key.name not in seen:
                    self.error(node, f"missing required key '{key.name}' in {what} ({key.doc.rstrip('.')})")
        return result

    def value(self, node: yaml.Node, key: Key, what: str) -> Any:
        kind = key.kind
        if kind == "map":
            return self.mapping(node, key.fields, what) if isinstance(node, yaml.MappingNode) else self._wrong(node, key, what)
        if kind.startswith("list["):
            if not isinstance(node, yaml.SequenceNode):
                return self._wrong(node, key, what)
            inner = kind[5:-1]
            out = []
            for index, child in enumerate(node.value, start=1):
                if inner == "map":
                    item = self.mapping(child, key.fields, f"{what} entry {index}")
                    if item is not None:
                        item["__line__"] = self.line(child)
                        out.append(item)
                else:
                    item = self.value(child, Key(key.name, inner, key.doc), f"{what} entry {index}")
                    if item is not _INVALID:
                        out.append(item)
            if key.required and not out and not self.translation:
                self.error(node, f"{what} must not be empty")
            return out
        if not isinstance(node, yaml.ScalarNode):
            return self._wrong(node, key, what)
        if kind in _TEXTUAL and node.tag != "tag:yaml.org,2002:null":
            raw = node.value  # as written: "Yes" stays "Yes", "1.10" stays "1.10"
        else:
            raw = _construct(node)
        checker = _SCALARS[kind]
        value, problem = checker(raw)
        if problem:
            self.error(node, f"{what} {problem}, found {_show(raw)}")
            return _INVALID
        if key.choices and value not in key.choices:
            self.error(node, f"{what} must be one of {', '.join(key.choices)}, found {_show(raw)}{_suggest(str(raw), list(key.choices))}")
            return _INVALID
        if key.minimum is not None and value < key.minimum:
            self.error(node, f"{what} must be at least {key.minimum}, found {value}")
            return _INVALID
        if key.maximum is not None and value > key.maximum:
            self.error(node, f"{what} must be at most {key.maximum}, found {value}")
            return _INVALID
        return value

    def _wrong(self, node: yaml.Node, key: Key, what: str) -> Any:
        self.error(node, f"{what} must be {_KIND_NAMES.get(key.kind, key.kind)}, found {_describe(node)}")
        return _INVALID


_INVALID = object()

_KIND_NAMES = {
    "map": "a mapping",
    "list[map]": "a list of mappings",
    "list[str]": "a list of strings",
    "list[lang]": "a list of language codes",
}


def _as_str(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, str):
        return raw.strip(), "" if raw.strip() else "must not be empty"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw), ""  # "version: 1.0" is a string to the author
    return None, "must be a string"


def _as_text(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, str):
        return raw.strip(), ""
    return None, "must be text"


def _as_int(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, ""
    return None, "must be a whole number"


def _as_bool(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, bool):
        return raw, ""
    return None, "must be true or false"


def _as_url(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, str) and re.match(r"^https?://[^\s/$.?#][^\s]*$", raw.strip()):
        return raw.strip(), ""
    return None, "must be an http:// or https:// address"


def _as_slug(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, str) and SLUG_RE.match(raw):
        return raw, ""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return str(raw), ""
    return None, "must use lower-case letters, digits and hyphens"


def _as_lang(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, str) and LANG_RE.match(raw):
        return raw, ""
    return None, "must be a language code such as en, el or es"


def _as_date(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, _dt.datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = _dt.date.fromisoformat(raw)
        except ValueError as exc:
            if _DATE_SHAPE.match(raw):
                return None, f"is not a real date ({exc})"
    if not isinstance(raw, _dt.date):
        return None, "must be a date written YYYY-MM-DD"
    if not _DATE_RANGE[0] <= raw <= _DATE_RANGE[1]:
        first, last = (d.isoformat() for d in _DATE_RANGE)
        return None, f"must be between {first} and {last} (the dates zip archives can store)"
    return raw.isoformat(), ""


_DATE_RANGE = (_dt.date(1980, 1, 1), _dt.date(2107, 12, 31))  # zip entries store 1980-2107
_DATE_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")

_TEXTUAL = {"str", "text", "url", "slug", "lang"}

_SCALARS: dict[str, Callable[[Any], tuple[Any, str]]] = {
    "str": _as_str,
    "text": _as_text,
    "int": _as_int,
    "bool": _as_bool,
    "url": _as_url,
    "slug": _as_slug,
    "lang": _as_lang,
    "date": _as_date,
}


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _show(_construct(node))


def _construct(node: yaml.ScalarNode) -> Any:
    """The scalar's Python value; a value YAML's resolver recognises but cannot build
    (``2026-02-30`` looks like a timestamp) stays the string the author wrote."""
    try:
        return _constructor.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError):
        return node.value


def _show(raw: Any) -> str:
    if raw is None:
        return "nothing"
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def suggest(name: str, candidates: list[str]) -> str:
    """A " (did you mean 'x'?)" suffix, or empty; shared with the loader's messages."""
    return _suggest(name, candidates)
