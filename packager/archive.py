"""Deterministic, atomic output: the one place packages are written.

Every archive lists its entries in a fixed order with fixed timestamps, modes and owners,
so the same course gives byte-identical packages. Every output (file or folder) is
written beside its destination and moved into place only when the whole build succeeded,
so a failed build leaves the previous outputs untouched and never a half-written package.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import shutil
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cache import Cache

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
# Deflate level of the packages an LMS unpacks once on upload (SCORM, Common Cartridge, Moodle
# backup), whose size no learner downloads. At 1000 pages level 2 takes about half the CPU of
# the default 6 (the site's pages as zip members: 0.098 s instead of 0.175, 3024 KB instead of
# 2856); level 1 is faster but 22% bigger. A handbook (EPUB), which readers download, keeps 6.
LMS_LEVEL = 2


def entry_date(iso_date: str = "") -> tuple[int, int, int, int, int, int]:
    """Archive timestamp from the course's publication date, so rebuilds do not differ."""
    if not iso_date:
        return ZIP_EPOCH
    day = _dt.date.fromisoformat(iso_date)
    return max((day.year, day.month, day.day, 0, 0, 0), ZIP_EPOCH)


def ordered(entries: Mapping[str, bytes], first: Iterable[str]) -> list[str]:
    """The order archives store entries in: ``first`` (those present), then the rest sorted."""
    head = [name for name in first if name in entries]
    skip = set(head)
    return head + sorted(name for name in entries if name not in skip)


def zip_bytes(entries: Mapping[str, bytes], *, first: Iterable[str] = (), date: tuple = ZIP_EPOCH, level: int = 6,
              stored: Iterable[str] = (), cache: Cache | None = None, compressed: dict | None = None) -> bytes:
    """A zip of ``entries``, the bytes :mod:`zipfile` writes for them (a test compares them)
    when it deflates with zlib-ng.

    ``stored`` entries are not compressed (an EPUB's ``mimetype``, read by its magic bytes).
    With a build ``cache``, an entry compressed by an earlier build is taken from it (area
    ``deflate``): each entry is deflated on its own, as zipfile does, so the archive is the
    same bytes either way. ``compressed`` holds the members this build already deflated for
    another package (the two SCORM versions carry the same pages), filled as it goes.
    """
    uncompressed = set(stored)
    dosdate = (date[0] - 1980) << 9 | date[1] << 5 | date[2]
    dostime = date[3] << 11 | date[4] << 5 | (date[5] // 2)
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name in ordered(entries, first):
        _check_name(name)
        data, raw = entries[name], name.encode("ascii")
        method = zipfile.ZIP_STORED if name in uncompressed else zipfile.ZIP_DEFLATED
        crc, packed = (zlib.crc32(data), data) if method == zipfile.ZIP_STORED else _deflated(data, level, cache, compressed)
        if max(len(data), len(packed), offset) > _ZIP_LIMIT:
            raise ValueError(f"package too large for a zip without ZIP64: {name}")
        fields = (20, 0, 0, method, dostime, dosdate, crc, len(packed), len(data), len(raw))
        chunks += (struct.pack("<4s2B4HL2L2H", b"PK\003\004", *fields, 0), raw, packed)
        directory += (struct.pack("<4s4B4HL2L5HLL", b"PK\001\002", 20, 3, *fields, 0, 0, 0, 0, 0o644 << 16, offset), raw)
        offset += 30 + len(raw) + len(packed)
    if len(directory) // 2 > 0xFFFF:
        raise ValueError("package has too many files for a zip without ZIP64")
    size = sum(map(len, directory))
    end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(directory) // 2, len(directory) // 2, size, offset, 0)
    return b"".join((*chunks, *directory, end))


_ZIP_LIMIT = (1 << 31) - 1  # zipfile switches to ZIP64 beyond this


def _deflated(data: bytes, level: int, cache: Cache | None, compressed: dict | None = None) -> tuple[int, bytes]:
    """CRC-32 and raw deflate stream of one zip entry, compressed as zipfile compresses it."""
    if compressed is not None:
        if (level, data) not in compressed:
            compressed[level, data] = _deflated(data, level, cache)
        return compressed[level, data]
    key = f"zip{level}:{_deflate_version()}:{hashlib.sha256(data).hexdigest()}" if cache is not None else ""
    if cache is not None:
        hit = cache.get("deflate", key)
        if isinstance(hit, tuple) and len(hit) == 2:
            return hit
    compressor = _compressor(level)
    value = (_zlib_ng().crc32(data), compressor.compress(data) + compressor.flush())
    if cache is not None:
        cache.put("deflate", key, value)
    return value


def tgz_bytes(entries: Mapping[str, bytes], *, first: Iterable[str] = (), date: tuple = ZIP_EPOCH, directories: bool = False,
              level: int = LMS_LEVEL, cache: Cache | None = None) -> bytes:
    """A gzip-compressed plain ustar tar: no PAX headers, integer mtimes, ASCII names.

    Moodle's tgz reader understands nothing else (PAX headers turn into stray files). The
    headers are the bytes :mod:`tarfile` writes in ``USTAR_FORMAT`` (a test compares them),
    built directly because ``TarFile.addfile`` copies and re-validates every entry, which
    was most of the time spent writing a big backup.

    The tar is compressed in runs of a few folders (a run starts at a folder whose name's
    CRC is a multiple of :data:`_RUN_FOLDERS`, so an edit moves no boundary), each run
    ending in a full flush: one gzip stream of blocks that do not refer to each other. With
    a build ``cache``, a run compressed by an earlier build is taken from it by the names
    and bytes of its members, so its tar headers are not even made again, and the archive
    is the same bytes either way (see :func:`_gzip_member`).
    """
    mtime = int(_dt.datetime(*date, tzinfo=_dt.timezone.utc).timestamp())
    runs: list[list[tuple[str, bytes | None]]] = []  # (name, bytes) of each member; None: a folder
    folder_of_run = None
    written_dirs: set[str] = set()
    for name in ordered(entries, first):
        _check_name(name)
        if len(name.encode("ascii")) > 255:
            raise ValueError(f"archive path longer than 255 characters: {name}")
        folder = name.rpartition("/")[0]
        if not runs or (folder != folder_of_run and zlib.crc32(folder.encode()) % _RUN_FOLDERS == 0):
            runs.append([])
        folder_of_run = folder
        members = runs[-1]
        if directories and folder and folder + "/" not in written_dirs:  # else its parents are written too
            parts = folder.split("/")
            for depth in range(1, len(parts) + 1):
                path = "/".join(parts[:depth]) + "/"
                if path not in written_dirs:
                    written_dirs.add(path)
                    members.append((path, None))
        members.append((name, entries[name]))
    packed = [_packed_tar_run(members, mtime, level, cache) for members in runs]
    size = sum(length for _, length, _ in packed) + 2 * tarfile.BLOCKSIZE
    tail = bytes(2 * tarfile.BLOCKSIZE + -size % tarfile.RECORDSIZE)  # end of archive, then fill the last record
    return _gzip_member([*packed, _packed_run(tail, level, cache)], level)


_RUN_FOLDERS = 16  # a run is about this many folders, chosen by name so an edit moves no boundary


Packed = tuple[int, int, bytes]  # CRC-32 and length of a run, and its deflate blocks


def _packed_run(run: bytes, level: int, cache: Cache | None) -> Packed:
    """A run compressed and closed by a full flush; with a ``cache``, looked up and stored
    by its digest."""
    if cache is None:
        return _compressed(run, level)
    key = f"gz{level}:{_deflate_version()}:{hashlib.sha256(run).hexdigest()}"
    return _cached(cache, key) or _stored(cache, key, _compressed(run, level))


def _zlib_ng():
    """zlib-ng, imported only to deflate: zlib's format, its own bytes (level 2, 1000 pages: 60% of
    zlib's CPU on the tar runs, 90% on zip members), zlib's CRC-32 in a third of its time."""
    from zlib_ng import zlib_ng
    return zlib_ng


def _compressor(level: int):  # a raw deflate stream
    return _zlib_ng().compressobj(level, zlib.DEFLATED, -15)


def _compressed(run: bytes, level: int) -> Packed:
    compressor = _compressor(level)
    return _zlib_ng().crc32(run), len(run), compressor.compress(run) + compressor.flush(zlib.Z_FULL_FLUSH)


def _cached(cache: Cache, key: str) -> Packed | None:
    hit = cache.get("deflate", key)
    return hit if isinstance(hit, tuple) and len(hit) == 3 and isinstance(hit[2], bytes) else None


def _stored(cache: Cache, key: str, value: Packed) -> Packed:
    cache.put("deflate", key, value)
    return value


def _packed_tar_run(members: list[tuple[str, bytes | None]], mtime: int, level: int, cache: Cache | None) -> Packed:
    """A run of tar members (name and bytes, None for a folder), compressed. Its cache key is
    the members' names, sizes and bytes, the date and this module's code: everything its
    headers are made of, so a hit needs no header made."""
    if cache is not None:
        sha = hashlib.sha256(b"%d\0" % mtime)
        for name, data in members:
            if data is None:
                sha.update(b"d%s\0" % name.encode("ascii"))
            else:
                sha.update(b"f%s\0%d\0" % (name.encode("ascii"), len(data)))
                sha.update(data)
        key = f"tar{level}:{_deflate_version()}:{sha.hexdigest()}"
        hit = _cached(cache, key)
        if hit is not None:
            return hit
    chunks: list[bytes] = []
    for name, data in members:
        if data is None:
            chunks.append(ustar_header(name, 0, mtime, directory=True))
            continue
        chunks += (ustar_header(name, len(data), mtime), data)
        if len(data) % tarfile.BLOCKSIZE:
            chunks.append(bytes(tarfile.BLOCKSIZE - len(data) % tarfile.BLOCKSIZE))
    value = _compressed(b"".join(chunks), level)
    return value if cache is None else _stored(cache, key, value)


@lru_cache(maxsize=None)
def _deflate_version() -> str:
    """What compressed bytes in the cache were made by: zlib-ng's version and this module's code
    (the tar headers), so neither an upgrade nor an edit here reuses bytes made before."""
    from zlib_ng import zlib_ng

    return hashlib.sha256(zlib_ng.ZLIBNG_RUNTIME_VERSION.encode() + Path(__file__).read_bytes()).hexdigest()[:16]


def _gzip_member(packed: list[Packed], level: int) -> bytes:
    """One gzip member (RFC 1952) holding the runs one after the other, each compressed on
    its own and closed by a full flush (so each starts a fresh deflate block with no
    reference to the one before), then an empty final block: the stream any gzip reader
    reads, and the same bytes whether a run came from the cache or not. The CRC of the whole is
    combined from the runs' own (crc32_combine: a few matrix products, no pass over any bytes)."""
    crc = total = 0
    combine = _zlib_ng().crc32_combine
    for run_crc, length, _ in packed:
        crc = combine(crc, run_crc, length)
        total += length
    final = _compressor(level).flush()  # the final, empty block
    extra = 2 if level == 9 else 4 if level == 1 else 0
    header = struct.pack("<BBBBLBB", 0x1F, 0x8B, 8, 0, 0, extra, 255)  # no name, mtime 0, OS unknown: as gzip.GzipFile writes it
    return b"".join((header, *(blocks for _, _, blocks in packed), final, struct.pack("<LL", crc, total & 0xFFFFFFFF)))


def ustar_header(name: str, size: int, mtime: int, directory: bool = False) -> bytes:
    """One ustar header block: owner root (0/0, no names), mode 644 (755 for a folder)."""
    prefix = b""
    raw = name.encode("ascii")
    if len(raw) > tarfile.LENGTH_NAME:
        prefix, raw = (part.encode("ascii") for part in _split_name(name))
    numbers = _octal(size, 12) + _octal(mtime, 12)
    # the checksum is the sum of the block's bytes, its own field counted as spaces: only the
    # name, the numbers and the prefix vary (their padding is zeros), the rest is summed once
    checksum = sum(raw) + sum(numbers) + sum(prefix) + _USTAR_SUM[directory]
    return b"".join((
        raw.ljust(100, b"\0"), _USTAR_DIR if directory else _USTAR_FILE, numbers, b"%06o\0 " % checksum,
        tarfile.DIRTYPE if directory else tarfile.REGTYPE, _USTAR_MIDDLE, prefix.ljust(155, b"\0"), bytes(12),
    ))


def _text(value: str, length: int) -> bytes:
    return value.encode("ascii")[:length].ljust(length, b"\0")


def _octal(number: int, length: int) -> bytes:
    if number >= 8 ** (length - 1):
        raise ValueError(f"number too large for a tar header: {number}")
    return b"%0*o\0" % (length - 1, number)


# the fields every header shares: mode, owner and group ids; link name, magic, owner names, device
_USTAR_FILE, _USTAR_DIR = (_octal(mode, 8) + _octal(0, 8) * 2 for mode in (0o644, 0o755))
_USTAR_MIDDLE = _text("", 100) + tarfile.POSIX_MAGIC + bytes(32 + 32 + 8 + 8)
_USTAR_SUM = {
    directory: sum(mode) + sum(b"        ") + sum(kind) + sum(_USTAR_MIDDLE)
    for directory, mode, kind in ((False, _USTAR_FILE, tarfile.REGTYPE), (True, _USTAR_DIR, tarfile.DIRTYPE))
}


def _split_name(name: str) -> tuple[str, str]:
    """ustar keeps a long name as a prefix (up to 155) and a name (up to 100), split at a slash."""
    parts = name.split("/")
    for index in range(1, len(parts)):
        prefix, rest = "/".join(parts[:index]), "/".join(parts[index:])
        if len(prefix) <= tarfile.LENGTH_PREFIX and len(rest) <= tarfile.LENGTH_NAME:
            return prefix, rest
    raise ValueError(f"archive path cannot be split for a tar header: {name}")


def _check_name(name: str) -> None:
    parts = set(name.rstrip("/").split("/"))
    if not name or name.startswith("/") or "\\" in name or "" in parts or "." in parts or ".." in parts:
        raise ValueError(f"unsafe archive path: {name!r}")
    if not name.isascii():
        raise ValueError(f"archive path must be ASCII: {name!r}")


def keep_or_write(existing: Path | str, target: Path | str, data: bytes) -> bool:
    """Stages ``data`` at ``target``: a hard link to ``existing`` when that file (in the
    current output) holds exactly these bytes, else a new file; True when it was linked.
    Reading costs less than writing, and the current output is only ever replaced at commit,
    never changed in place, so sharing its unchanged files is safe. Read through a bare
    descriptor, sized by its own ``fstat``: a one-page edit compares a site's every page
    (a third less CPU than pathlib's stat, open and read)."""
    try:
        descriptor = os.open(existing, os.O_RDONLY)
        try:
            same = os.fstat(descriptor).st_size == len(data) and os.read(descriptor, len(data) + 1) == data
        finally:
            os.close(descriptor)
        if same:
            os.link(existing, target)
            return True
    except OSError:  # gone, or a file system without hard links: write it
        pass
    _write_new(os.fspath(target), data)
    return False


def _write_new(path: str, data: bytes) -> None:
    """A new file, written through a bare descriptor: about 30 microseconds of CPU a file less than
    through pathlib's buffered file object (a site writes a file per page)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Stage:
    """Outputs built in a hidden folder inside ``out``, moved into place on :meth:`commit`.

    Use as a context manager: an exception discards everything staged.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=".qser-staging-", dir=self.out))
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Staging location of the top-level output ``name`` (a file or a folder)."""
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"output name must be a plain file or folder name: {name!r}")
        if name not in self.names:
            self.names.append(name)
        return self.root / name

    def write(self, name: str, data: bytes) -> Path:
        target = self.path(name)
        target.write_bytes(data)
        return target

    def write_tree(self, name: str, files: Iterable[tuple[str, bytes]], cache: Cache | None = None) -> Path:
        """The folder output ``name`` holding ``files`` (relative path, bytes). With a build
        ``cache``, a file the current output already holds with the same bytes is hard-linked
        from there (:func:`keep_or_write`) and counted as ``<name>.kept``."""
        root = self.path(name)
        folders: set[str] = set()
        for relative, data in files:
            target = os.path.join(root, relative)
            folder = os.path.dirname(target)
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            if cache is None:
                _write_new(target, data)
            else:
                kept = keep_or_write(os.path.join(self.out, name, relative), target, data)
                cache.stats[f"{name}.{'kept' if kept else 'written'}"] += 1
        return root

    def commit(self) -> list[Path]:
        placed = []
        for name in self.names:
            staged = self.root / name
            if not staged.exists():
                continue
            dest = self.out / name
            if staged.is_dir():
                old = None
                if dest.exists():
                    old = self.root / f".old-{name}"
                    os.replace(dest, old)
                os.replace(staged, dest)
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staged, dest)
            placed.append(dest)
        self.discard()
        return placed

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()
