"""The declared front-matter schema (:mod:`.schema`) as JSON Schema, draft 2020-12.

Generated from the same :class:`~.schema.Key` declarations the loader validates with, so an
editor with the YAML language server completes and checks front matter exactly as
``qser check`` does (line-level detail and cross-file rules stay with ``qser check``).
One schema per file kind: ``course`` (course.md), ``section`` (index.md) and ``item`` (every
other page, its ``type`` choosing the item schema; no ``type`` is a page).
"""

from __future__ import annotations

from typing import Any

from . import schema as S

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("course", "section", "item")

_DATE = r"^\d{4}-\d{1,2}-\d{1,2}$"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file kind's front matter."""
    if kind == "course":
        body = _object(S.COURSE.keys)
    elif kind == "section":
        body = _object(S.SECTION.keys)
    elif kind == "item":
        body = _item()
    else:
        raise ValueError(f"unknown file kind {kind!r} (one of {', '.join(KINDS)})")
    return {"$schema": DRAFT, "$id": f"https://qser.example.org/schema/{kind}.json", "title": f"qser {kind} front matter", **body}


def _item() -> dict[str, Any]:
    types = list(S.ITEM_BY_TYPE)
    defs = {}
    for name, schema in S.ITEM_BY_TYPE.items():
        item = _object(schema.keys)
        item["properties"]["type"] = {**item["properties"]["type"], "const": name}
        if name != "page":  # a page may leave out its type
            item["required"] = ["type", *item.get("required", [])]
        defs[name] = item
    branches = [{"if": {"required": ["type"], "properties": {"type": {"const": name}}}, "then": {"$ref": f"#/$defs/{name}"}} for name in types]
    branches.append({"if": {"not": {"required": ["type"]}}, "then": {"$ref": "#/$defs/page"}})
    return {
        "type": "object",
        "properties": {"type": {"enum": types, "description": "Item type; page when left out."}},
        "required": ["title"],
        "allOf": branches,
        "$defs": defs,
    }


def _object(keys: tuple[S.Key, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {key.name: _value(key) for key in keys},
        "additionalProperties": False,
    }
    required = [key.name for key in keys if key.required]
    if required:
        out["required"] = required
    return out


def _value(key: S.Key) -> dict[str, Any]:
    kind = key.kind
    if kind == "map":
        value = _object(key.fields)
    elif kind == "list[map]":
        value = {"type": "array", "items": _object(key.fields)}
    elif kind.startswith("list["):
        value = {"type": "array", "items": _scalar(kind[5:-1])}
    else:
        value = _scalar(kind)
    if key.required and kind.startswith("list["):
        value["minItems"] = 1
    if key.choices:
        value["enum"] = list(key.choices)
    if key.minimum is not None:
        value["minimum"] = key.minimum
    if key.maximum is not None:
        value["maximum"] = key.maximum
    if key.default is not None:
        value["default"] = key.default
    return {"description": key.doc, **value}


def _scalar(kind: str) -> dict[str, Any]:
    return {
        "str": {"type": ["string", "number"], "minLength": 1},  # version: 1.0 is a string to the author
        "text": {"type": "string"},
        "int": {"type": "integer"},
        "bool": {"type": "boolean"},
        "url": {"type": "string", "pattern": r"^https?://[^\s/$.?#][^\s]*$"},
        "slug": {"type": ["string", "integer"], "pattern": S.SLUG_RE.pattern, "minimum": 0},
        "lang": {"type": "string", "pattern": S.LANG_RE.pattern},
        "date": {"type": "string", "format": "date", "pattern": _DATE},
    }[kind]
