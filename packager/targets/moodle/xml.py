"""XML in the exact shape Moodle's ``xml_writer`` produces.

Moodle's restore only sniffs a backup as Moodle 2 when ``moodle_backup.xml`` starts with the
literal bytes ``<?xml version="1.0" encoding="UTF-8"?>`` (double quotes, upper-case
encoding); lxml and ElementTree write single quotes. So the declaration is written here by
hand, and so is the rest: containers always open and close on their own lines (even when
empty), leaves hold escaped text, ``None`` becomes Moodle's ``$@NULL@$`` marker, and there is
no trailing newline. The result is byte-for-byte the style of a backup Moodle wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
NULL = "$@NULL@$"  # how Moodle's backup writes an SQL NULL

# Characters XML 1.0 forbids; Moodle's xml_safe_utf8() drops them too.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Value = str | int | float | None


@dataclass(frozen=True)
class Node:
    """A container element: attributes plus child elements (possibly none)."""

    name: str
    attrs: Mapping[str, Value] = field(default_factory=dict)
    children: tuple[Node | Leaf, ...] = ()


@dataclass(frozen=True)
class Leaf:
    """A final element holding one value."""

    name: str
    value: Value


def node(name: str, *children: Node | Leaf | Iterable[Node | Leaf], **attrs: Value) -> Node:
    """``node("grade_items", item1, [item2, item3])``: iterables of children are flattened."""
    flat: list[Node | Leaf] = []
    for child in children:
        if isinstance(child, (Node, Leaf)):
            flat.append(child)
        else:
            flat.extend(child)
    return Node(name, attrs, tuple(flat))


def leaves(values: Mapping[str, Value]) -> list[Leaf]:
    """Final elements in the mapping's order (Moodle's order is part of the format)."""
    return [Leaf(name, value) for name, value in values.items()]


def text(value: Value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    value = str(value)
    if _INVALID.search(value):
        value = _INVALID.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: Value) -> str:
    return text(value).replace('"', "&quot;")


def _write(element: Node | Leaf, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    if isinstance(element, Leaf):
        out.append(f"{pad}<{element.name}>{text(element.value)}</{element.name}>")
        return
    attrs = "".join(f' {key}="{_attr(value)}"' for key, value in element.attrs.items())
    out.append(f"{pad}<{element.name}{attrs}>")
    for child in element.children:
        _write(child, depth + 1, out)
    out.append(f"{pad}</{element.name}>")


def document(root: Node) -> bytes:
    """The file's bytes: the exact declaration line, then the tree, UTF-8, no final newline."""
    out = [DECLARATION]
    _write(root, 0, out)
    return "\n".join(out).encode("utf-8")
