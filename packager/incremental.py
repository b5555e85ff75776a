"""What lets a build skip work it did before: the digest of a course's files, each target's
input digest, and the record of the last build's outputs (kept in the build cache).

A target whose input digest (qser code, course files, shared options, its own options) is
the one recorded, and whose outputs are still exactly as that build left them (same size
and modification time of every file), is not written again: the build keeps its output.
When that holds for every requested target, the course is not even loaded.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .cache import Cache, code_digest, digest
from .diagnostics import Diagnostic, Diagnostics, Severity
from .targets import TARGETS

PACKAGE = Path(__file__).resolve().parent

AREA = "build"


def source_digest(root: Path, skip: Iterable[Path] = ()) -> str:
    """Names and bytes of every visible file of the course (what the loader reads), leaving
    out the output and cache folders when they sit inside it."""
    root = Path(root)
    skipped = {p.resolve() for p in skip}
    sha = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (here / d).resolve() not in skipped and not _loops(here, d))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = here / name
                sha.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
                try:
                    sha.update(hashlib.sha256(path.read_bytes()).digest())
                except OSError as exc:  # a broken or looping link: the loader reports it
                    sha.update(f"unreadable: {exc.errno}".encode())
    return sha.hexdigest()


def _loops(parent: Path, name: str) -> bool:
    """A folder link back to a folder that contains it (the loader reports it as a problem)."""
    path = parent / name
    return path.is_symlink() and parent.resolve().is_relative_to(Path(os.path.realpath(path)))


def target_digest(sources: str, name: str, shared: Any, own: Any) -> str:
    """A target's inputs; a target module from outside qser counts with its own source."""
    module = sys.modules.get(TARGETS[name].write.__module__)
    origin = getattr(module, "__file__", None)
    own_code = Path(origin).read_bytes() if origin and not origin.startswith(str(PACKAGE)) else b""
    return digest(code_digest(), sources, name, shared, own, hashlib.sha256(own_code).hexdigest())


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
        self.cache.save(AREA)


def _state(path: Path) -> tuple | None:
    """Size and modification time of a file, or of every file of a folder."""
    try:
        if not path.is_dir():
            stat = path.stat()
            return (stat.st_size, stat.st_mtime_ns)
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return tuple((p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    except OSError:
        return None
