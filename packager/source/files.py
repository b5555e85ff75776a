"""Reading one source file: bytes to (front matter node, Markdown body) with line numbers.

Kept apart from the loader so the hard parts of malformed input (bad UTF-8, missing or
unclosed front matter, YAML syntax) are handled in one place and never raise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from ..diagnostics import Diagnostics

try:  # libyaml is an order of magnitude faster; PyYAML wheels ship it
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _Loader = yaml.SafeLoader

_FENCE = frontmatter.YAMLHandler.FM_BOUNDARY


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the content root
    front: yaml.Node | None  # composed front matter (None when empty)
    front_line: int  # line number of the first front-matter line, minus one
    body: str
    body_line: int  # line number of the first body line


def read_source(root: Path, relpath: str, diagnostics: Diagnostics, read: dict[str, bytes] | None = None) -> SourceFile | None:
    """Parse a Markdown source file; report problems and return None when unusable. ``read``,
    when given, receives the SHA-256 of the bytes parsed (the build cache keeps an item only
    when they are the bytes its key was made of, :mod:`.reuse`)."""
    try:
        data = (root / relpath).read_bytes()
    except OSError as exc:
        diagnostics.error(relpath, 0, f"cannot read file: {exc.strerror or exc}")
        return None
    if read is not None:
        read[relpath] = hashlib.sha256(data).digest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(relpath, line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or not _FENCE.fullmatch(lines[0]):
        diagnostics.error(relpath, 1, "missing front matter: the file must start with a line '---'")
        return None
    end = next((i for i in range(1, len(lines)) if _FENCE.fullmatch(lines[i])), None)
    if end is None:
        diagnostics.error(relpath, 1, "front matter is not closed: add a line '---' after it")
        return None
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = _where(exc)
        line = (mark.line + 2) if mark else 1  # the YAML starts on the file's second line
        problem = exc.problem or exc.context or "invalid YAML"
        diagnostics.error(relpath, line, f"YAML syntax error in front matter: {problem}")
        return None
    except yaml.YAMLError as exc:  # composer errors without a mark
        diagnostics.error(relpath, 1, f"YAML syntax error in front matter: {exc}")
        return None
    body = "\n".join(lines[end + 1 :])
    return SourceFile(relpath, node, 1, body, end + 2)


def _where(exc: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where the author went wrong: an unclosed quote or bracket is noticed lines later, at
    the next key, so it is reported where it opened; anything else where it was noticed."""
    opened = exc.context or ""
    if exc.context_mark and ("quoted scalar" in opened or "flow" in opened):
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def read_front_matter(path: Path) -> dict | None:
    """The front matter of one file as plain data, for tools that read a course file without
    loading the course (``qser harvest``); None when the file has no usable front matter."""
    source = read_source(path.parent, path.name, Diagnostics())
    if source is None or source.front is None:
        return None
    try:
        data = _Loader("").construct_document(source.front)
    except (yaml.YAMLError, ValueError, OverflowError):  # 2026-02-30 looks like a date
        return None
    return data if isinstance(data, dict) else None
