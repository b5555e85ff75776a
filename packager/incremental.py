"""What lets a build skip work it did before: the digest of a course's files, each target's
input digest, and the record of the last build's outputs (kept in the build cache).

A target whose input digest (qser code, course files, shared options, its own options) is
the one recorded, and whose outputs are still exactly as that build left them (same size
and modification time of every file), is not written again: the build keeps its output.
When that holds for every requested target, the course is not even loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .cache import Cache, code_digest, digest
from .diagnostics import Diagnostic, Diagnostics, Severity
from .targets import TARGETS

PACKAGE = Path(__file__).resolve().parent

AREA = "build"
SOURCES = "sources"


RACY_NS = 2_000_000_000  # a file changed this close to its hashing may change again unseen


def source_digest(root: Path, skip: Iterable[Path] = (), cache: Cache | None = None, files: dict[str, bytes] | None = None) -> str:
    """Names and bytes of every visible file of the course (what the loader reads), leaving
    out the output and cache folders when they sit inside it.

    With a ``cache``, a file is read only when its size, modification and change times or
    inode differ from the last build's record of it (area ``sources``), as git and make do.
    A record made less than :data:`RACY_NS` after the file was last changed is not trusted
    (a second write in the same clock tick would keep all four): such a file is read again.
    The digest is of the file's bytes either way; ``files``, when given, receives each
    file's own SHA-256 by its path (the loader reuses items by them, :mod:`.source.reuse`).
    """
    root = Path(root)
    skipped = {os.path.realpath(p) for p in skip}
    known = cache.record(SOURCES) if cache is not None else {}
    seen: dict[str, tuple] = {}
    sha = hashlib.sha256()
    for relative, path in _course_files(str(root), "", skipped):
        sha.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        try:
            stat = os.stat(path)
        except OSError as exc:  # a broken or looping link: the loader reports it
            sha.update(f"unreadable: {exc.errno}".encode())
            continue
        state = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        entry = known.get(relative)
        if (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == state and isinstance(entry[2], bytes)
                and max(state[1], state[2]) < entry[1] - RACY_NS):
            seen[relative] = entry
        else:
            hashed_at = time.time_ns()
            try:
                with open(path, "rb") as handle:
                    content = hashlib.sha256(handle.read()).digest()
            except OSError as exc:
                sha.update(f"unreadable: {exc.errno}".encode())
                continue
            seen[relative] = (state, hashed_at, content)
            if cache is not None:
                cache.stats["sources.read"] += 1
        sha.update(seen[relative][2])
    if files is not None:
        files.update((relative, entry[2]) for relative, entry in seen.items())
    if cache is not None and seen != known:
        cache.replace(SOURCES, seen)  # saved with the build's record, when the build succeeds
    return sha.hexdigest()


def _course_files(folder: str, prefix: str, skipped: set[str]) -> Iterator[tuple[str, str]]:
    """(path relative to the course, path) of every visible file, in name order, following
    folder links but not one that leads back to a folder containing it."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    files, folders = [], []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (folders if is_dir else files).append(entry)
    for entry in files:
        yield prefix + entry.name, entry.path
    for entry in folders:
        real = os.path.realpath(entry.path)
        if real in skipped or (entry.is_symlink() and Path(os.path.realpath(folder)).is_relative_to(real)):
            continue
        yield from _course_files(entry.path, f"{prefix}{entry.name}/", skipped)


def target_digest(sources: str, name: str, shared: Any, own: Any) -> str:
    """A target's inputs; a target module from outside qser counts with its own source."""
    origin = _origin(TARGETS[name].write.__module__)
    own_code = Path(origin).read_bytes() if origin and not origin.startswith(str(PACKAGE)) else b""
    return digest(code_digest(), sources, name, shared, own, hashlib.sha256(own_code).hexdigest())


def _origin(name: str) -> str | None:
    """The file of module ``name``, found without importing it (see :class:`~packager.targets.Lazy`)."""
    if name in sys.modules:
        return getattr(sys.modules[name], "__file__", None)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None else None


class Record:
    """The last build's outputs per target, read from and written to the cache."""

    def __init__(self, cache: Cache, out: Path):
        self.cache = cache
        self.out = Path(out)
        self.entries = cache.record(AREA)

    def unchanged(self, name: str, target_digest: str) -> bool:
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("digest") != target_digest:
            return False
        outputs = entry.get("outputs")
        return isinstance(outputs, dict) and all(state is not None and _state(self.out / output) == state for output, state in outputs.items())

    def outputs(self, name: str) -> list[Path]:
        return [self.out / output for output in self.entries[name]["outputs"]]

    def diagnostics(self, names: Iterable[str]) -> Diagnostics:
        result = Diagnostics()
        for name in names:
            for path, line, severity, message in self.entries[name]["diag"]:
                result.add(Diagnostic(path, line, Severity(severity), message))
        return result

    def update(self, name: str, target_digest: str, outputs: Iterable[str], diagnostics: Diagnostics) -> None:
        self.entries[name] = {
            "digest": target_digest,
            "outputs": {output: _state(self.out / output) for output in outputs},
            "diag": [(d.path, d.line, d.severity.value, d.message) for d in diagnostics.items],
        }

    def save(self) -> None:
        self.cache.replace(AREA, self.entries)
        self.cache.save(AREA, SOURCES)


def _state(path: Path) -> tuple | None:
    """Size and modification time of a file, or of every file of a folder."""
    try:
        stat = os.stat(path)
        if not os.path.isdir(path):
            return (stat.st_size, stat.st_mtime_ns)
        return tuple(sorted(_folder_state(str(path), "")))
    except OSError:
        return None


def _folder_state(folder: str, prefix: str) -> Iterator[tuple[str, int, int]]:
    with os.scandir(folder) as scan:
        for entry in scan:
            if entry.is_dir():
                yield from _folder_state(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file():
                stat = entry.stat()
                yield (prefix + entry.name, stat.st_size, stat.st_mtime_ns)
