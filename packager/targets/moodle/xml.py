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
    children: tuple[Element, ...] = ()


@dataclass(frozen=True)
class Leaf:
    """A final element holding one value."""

    name: str
    value: Value


@dataclass(frozen=True)
class Leaves:
    """Final elements, one per name and value of a mapping, in its order: most elements of a
    backup are such runs (over 100 000 values at 1000 pages), written from the mapping
    without an object made for each."""

    values: Mapping[str, Value]


@dataclass(frozen=True)
class Raw:
    """An element already written at ``depth`` (by :func:`fragment` or :func:`flat`): a
    backup reuses it from the build cache, and writes it only where it was written for."""

    text: str
    depth: int


Element = Node | Leaf | Leaves | Raw


def node(name: str, *children: Element | Iterable[Element], **attrs: Value) -> Node:
    """``node("grade_items", item1, [item2, item3])``: iterables of children are flattened."""
    kids: list[Element] = []
    for child in children:
        if isinstance(child, (Node, Leaf, Leaves, Raw)):
            kids.append(child)
        else:
            kids.extend(child)
    return Node(name, attrs, tuple(kids))


def leaves(values: Mapping[str, Value]) -> Leaves:
    """Final elements in the mapping's order (Moodle's order is part of the format)."""
    return Leaves(values)


def text(value: Value) -> str:
    kind = type(value)  # by exact type first: a backup escapes over 100 000 values at 1000 pages
    if kind is int:
        return str(value)
    if kind is not str:
        if value is None:
            return NULL
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        value = str(value)
    if not _printable(value):
        value = _INVALID.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _printable(value: str) -> bool:
    """True when ``value`` has no character :data:`_INVALID` matches: each of them is unprintable
    (controls, unassigned), as tab, newline and return are, which XML allows. Two thirds of the
    time of searching a page's HTML with that pattern, a third of it for a short string."""
    return value.isprintable() or value.replace("\n", "").replace("\t", "").replace("\r", "").isprintable()


def attribute(value: Value) -> str:
    return text(value).replace('"', "&quot;")


def _write(element: Element, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    if isinstance(element, Leaves):
        out += [f"{pad}<{name}>{text(value)}</{name}>" for name, value in element.values.items()]
        return
    if isinstance(element, Leaf):
        out.append(f"{pad}<{element.name}>{text(element.value)}</{element.name}>")
        return
    if isinstance(element, Raw):
        if element.depth != depth:
            raise ValueError(f"an element written at depth {element.depth} cannot go at depth {depth}")
        out.append(element.text)
        return
    attrs = "".join(f' {key}="{attribute(value)}"' for key, value in element.attrs.items())
    out.append(f"{pad}<{element.name}{attrs}>")
    for child in element.children:
        _write(child, depth + 1, out)
    out.append(f"{pad}</{element.name}>")


def fragment(element: Node, depth: int) -> Raw:
    """``element`` written as it appears at ``depth`` of a document."""
    out: list[str] = []
    _write(element, depth, out)
    return Raw("\n".join(out), depth)


def flat(name: str, values: Mapping[str, Value], depth: int, **attrs: Value) -> Raw:
    """``fragment(node(name, leaves(values), **attrs), depth)`` without building the tree:
    the thousands of rows of ``files.xml`` are all of this shape."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    head = "".join(f' {key}="{attribute(value)}"' for key, value in attrs.items())
    rows = "".join(f"\n{inner}<{key}>{text(value)}</{key}>" for key, value in values.items())
    return Raw(f"{pad}<{name}{head}>{rows}\n{pad}</{name}>", depth)


def document(root: Node) -> bytes:
    """The file's bytes: the exact declaration line, then the tree, UTF-8, no final newline."""
    out = [DECLARATION]
    _write(root, 0, out)
    return "\n".join(out).encode("utf-8")
