"""The build cache: what an earlier build already computed, kept on disk for the next one.

It lives in ``<out>/.qser-cache/`` (or ``--cache-dir`` / ``QSER_CACHE_DIR``), one *area*
per kind of entry (rendered fragments, site pages of each target family, the last build's
record), each area in :data:`SHARDS` files by a hash of the key, so a build that changed a
few entries rewrites only the files holding them. Each file is plain data (dicts of
strings, bytes, numbers) in :mod:`marshal` format behind a header naming the cache format
and the qser version, and the payload's length and CRC-32; a file that is truncated, damaged, from
another version or from anything else is ignored (and rebuilt by this build), never
trusted. Nothing is ever unpickled.

Entries are looked up by a digest of everything their value depends on (see :func:`digest`
and :data:`CODE`), so a stale entry is simply never found again; each build keeps only the
entries it used. Files are replaced atomically, so two builds at once cannot leave a
half-written file: the last one to finish wins, and either result is complete.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .archive import write_atomic

FORMAT = 3
SHARDS = 16
MAGIC = b"qser-cache\n"
# The payload's CRC-32 and length guard against damage (a torn or flipped file), which is all a
# checksum here can do: whoever can write the cache folder could as well write a matching
# SHA-256. CRC-32 reads twice as fast (3.2 against 1.6 GB/s here), and a one-page edit of a
# 1000-page course reads some 65 MB of cache files across its processes.
_CHECK = struct.Struct("<IQ")
ENV = "QSER_CACHE_DIR"
FOLDER = ".qser-cache"


def digest(*parts: Any) -> str:
    """SHA-256 of the ``repr`` of ``parts``: callers pass plain values and frozen dataclasses,
    whose ``repr`` is deterministic and shows every field."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=None)
def code_digest(*folders: str) -> str:
    """The qser version and the bytes of the packager's own files under ``folders`` (all of
    it when none): a new release or an edited module or template is a different build.
    Walked with :func:`os.scandir` and read through plain file objects: every build (one
    with nothing to do too) hashes these ~150 files, and pathlib's rglob took three times
    as long."""
    sha = hashlib.sha256(__version__.encode())
    for relative in sorted(_files(_PACKAGE, folders)):
        sha.update(relative.encode() + b"\0")
        with open(os.path.join(_PACKAGE, relative), "rb") as handle:
            sha.update(handle.read())
    return sha.hexdigest()


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _files(root: str, folders: Iterable[str]) -> Iterator[str]:
    """Paths (relative to ``root``, with ``/``) of the files under ``folders``, outside ``__pycache__``."""
    pending = [f"{folder.strip('/')}/" for folder in folders] or [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(os.path.join(root, prefix)) as scan:
            for entry in scan:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        pending.append(f"{prefix}{entry.name}/")
                elif entry.is_file():
                    yield prefix + entry.name


def tree_digest(*folders: Path) -> str:
    """Names and bytes of every file under ``folders`` (templates an author passes in)."""
    sha = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            sha.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


class Cache:
    """The areas of one cache folder; ``stats`` counts hits and misses per area."""

    def __init__(self, folder: Path | str, prefix: str = ""):
        self.folder = Path(folder)
        self.prefix = prefix
        self.stats: Counter[str] = Counter()
        self.ignored: list[str] = []  # files that were unreadable, damaged or foreign
        self._areas: dict[str, dict] = {}
        self._shards: dict[str, list[dict]] = {}  # each area's files as read
        self._used: dict[str, dict] = {}

    @classmethod
    def for_output(cls, out: Path | str, folder: Path | str | None = None) -> Cache:
        """The cache a build into ``out`` uses: ``folder``, else ``$QSER_CACHE_DIR``, else ``out/.qser-cache``."""
        return cls(folder or os.environ.get(ENV) or Path(out) / FOLDER)

    def scope(self, name: str) -> Cache:
        """The same folder with areas of its own: writers running in parallel processes
        each save their own files, so none overwrites another's entries."""
        child = Cache(self.folder, f"{self.prefix}{name}-")
        child.stats, child.ignored = self.stats, self.ignored  # one tally per build (in one process)
        return child

    def get(self, area: str, key: str) -> Any:
        """The value stored under ``key``, or None; a hit is kept for the next build."""
        value = self._used.get(area, {}).get(key)
        if value is None:
            value = self._area(area).get(key)
        self.stats[f"{area}.{'hit' if value is not None else 'miss'}"] += 1
        if value is not None:
            self._used.setdefault(area, {})[key] = value
        return value

    def put(self, area: str, key: str, value: Any) -> None:
        self._used.setdefault(area, {})[key] = value

    def record(self, area: str) -> dict:
        """A whole small area (the last build's record), as stored."""
        return dict(self._area(area))

    def replace(self, area: str, entries: dict) -> None:
        self._used[area] = dict(entries)

    def save(self, *areas: str) -> None:
        """Write ``areas`` (default: every one used) with only this build's entries: the
        files whose entries differ from what was read."""
        for area in areas or tuple(self._used):
            if area not in self._used:
                continue
            (self.folder / f"{self.prefix}{area}.bin").unlink(missing_ok=True)  # one file per area, as before shards
            shards: list[dict] = [{} for _ in range(SHARDS)]
            for key, value in self._used[area].items():
                shards[shard_of(key)][key] = value
            before = self._shards.get(area) or [None] * SHARDS  # None: not read, or not usable
            for index, (now, then) in enumerate(zip(shards, before)):
                if then is None or now != then:
                    self._write(area, index, now)

    # --- files --------------------------------------------------------------------------

    def _path(self, area: str, shard: int) -> Path:
        return self.folder / f"{self.prefix}{area}.{shard:x}.bin"

    def _area(self, area: str) -> dict:
        if area not in self._areas:
            self._shards[area] = [self._read(area, index) for index in range(SHARDS)]
            self._areas[area] = {key: value for shard in self._shards[area] if shard for key, value in shard.items()}
        return self._areas[area]

    def _header(self) -> bytes:
        return MAGIC + f"format {FORMAT} qser {__version__}\n".encode()

    def _read(self, area: str, shard: int) -> dict | None:
        """The file's entries ({} when there is none); None when it was unusable."""
        path = self._path(area, shard)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            return self._ignore(path, f"unreadable ({exc.strerror})")
        header = self._header()
        if not raw.startswith(header):
            return self._ignore(path, "not a cache file of this qser version")
        body = memoryview(raw)[len(header):]  # views: a shard is up to megabytes, copied for nothing
        if len(body) < _CHECK.size:
            return self._ignore(path, "damaged (truncated)")
        crc, length = _CHECK.unpack_from(body)
        payload = body[_CHECK.size:]
        if len(payload) != length or zlib.crc32(payload) != crc:
            return self._ignore(path, "damaged (checksum mismatch)")
        try:
            value = marshal.loads(payload)
        except (EOFError, ValueError, TypeError) as exc:
            return self._ignore(path, f"damaged ({exc})")
        if not isinstance(value, dict):
            return self._ignore(path, "damaged (not a table)")
        return value

    def _ignore(self, path: Path, reason: str) -> None:
        self.ignored.append(f"{path}: {reason}")

    def _write(self, area: str, shard: int, entries: dict) -> None:
        payload = marshal.dumps(entries)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path(area, shard), self._header() + _CHECK.pack(zlib.crc32(payload), len(payload)) + payload)


def shard_of(key: Any) -> int:
    """The file of an area that holds ``key`` (keys are strings: digests, names, paths)."""
    return zlib.crc32(str(key).encode("utf-8", "surrogatepass")) % SHARDS
