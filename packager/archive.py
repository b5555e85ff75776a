"""Deterministic, atomic output: the one place packages are written.

Every archive lists its entries in a fixed order with fixed timestamps, modes and owners,
so the same course gives byte-identical packages. Every output (file or folder) is
written beside its destination and moved into place only when the whole build succeeded,
so a failed build leaves the previous outputs untouched and never a half-written package.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import io
import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def entry_date(iso_date: str = "") -> tuple[int, int, int, int, int, int]:
    """Archive timestamp from the course's publication date, so rebuilds do not differ."""
    if not iso_date:
        return ZIP_EPOCH
    day = _dt.date.fromisoformat(iso_date)
    return max((day.year, day.month, day.day, 0, 0, 0), ZIP_EPOCH)


def ordered(entries: Mapping[str, bytes], first: Iterable[str]) -> list[str]:
    """The order archives store entries in: ``first`` (those present), then the rest sorted."""
    head = [name for name in first if name in entries]
    return head + sorted(name for name in entries if name not in set(head))


def zip_bytes(entries: Mapping[str, bytes], *, first: Iterable[str] = (), date: tuple = ZIP_EPOCH, level: int = 6,
              stored: Iterable[str] = ()) -> bytes:
    """``stored`` entries are not compressed (an EPUB's ``mimetype``, read by its magic bytes)."""
    uncompressed = set(stored)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name in ordered(entries, first):
            _check_name(name)
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name in uncompressed else zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits above are honoured everywhere
            archive.writestr(info, entries[name], compress_type=info.compress_type, compresslevel=level)
    return buffer.getvalue()


def tgz_bytes(entries: Mapping[str, bytes], *, first: Iterable[str] = (), date: tuple = ZIP_EPOCH, directories: bool = False) -> bytes:
    """A gzip-compressed plain ustar tar: no PAX headers, integer mtimes, ASCII names.

    Moodle's tgz reader understands nothing else (PAX headers turn into stray files). The
    headers are the bytes :mod:`tarfile` writes in ``USTAR_FORMAT`` (a test compares them),
    built directly because ``TarFile.addfile`` copies and re-validates every entry, which
    was most of the time spent writing a big backup.
    """
    mtime = int(_dt.datetime(*date, tzinfo=_dt.timezone.utc).timestamp())
    names = ordered(entries, first)
    chunks: list[bytes] = []
    written_dirs: set[str] = set()
    for name in names:
        _check_name(name)
        if len(name.encode("ascii")) > 255:
            raise ValueError(f"archive path longer than 255 characters: {name}")
        if directories:
            parts = name.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth]) + "/"
                if folder not in written_dirs:
                    written_dirs.add(folder)
                    chunks.append(ustar_header(folder, 0, mtime, directory=True))
        data = entries[name]
        chunks.append(ustar_header(name, len(data), mtime))
        chunks.append(data)
        if len(data) % tarfile.BLOCKSIZE:
            chunks.append(bytes(tarfile.BLOCKSIZE - len(data) % tarfile.BLOCKSIZE))
    chunks.append(bytes(2 * tarfile.BLOCKSIZE))  # end of archive, then fill the last record
    size = sum(map(len, chunks))
    if size % tarfile.RECORDSIZE:
        chunks.append(bytes(tarfile.RECORDSIZE - size % tarfile.RECORDSIZE))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
        gz.write(b"".join(chunks))
    return out.getvalue()


def ustar_header(name: str, size: int, mtime: int, directory: bool = False) -> bytes:
    """One ustar header block: owner root (0/0, no names), mode 644 (755 for a folder)."""
    prefix = ""
    if len(name) > tarfile.LENGTH_NAME:
        prefix, name = _split_name(name)
    fields = b"".join((
        _text(name, 100),
        _octal(0o755 if directory else 0o644, 8), _octal(0, 8), _octal(0, 8), _octal(size, 12), _octal(mtime, 12),
        b"        ",  # the checksum, counted as spaces
        tarfile.DIRTYPE if directory else tarfile.REGTYPE,
        _text("", 100), tarfile.POSIX_MAGIC, _text("", 32), _text("", 32), _text("", 8), _text("", 8), _text(prefix, 155),
    ))
    block = fields.ljust(tarfile.BLOCKSIZE, b"\0")
    return block[:148] + b"%06o\0 " % sum(block) + block[156:]


def _split_name(name: str) -> tuple[str, str]:
    """ustar keeps a long name as a prefix (up to 155) and a name (up to 100), split at a slash."""
    parts = name.split("/")
    for index in range(1, len(parts)):
        prefix, rest = "/".join(parts[:index]), "/".join(parts[index:])
        if len(prefix) <= tarfile.LENGTH_PREFIX and len(rest) <= tarfile.LENGTH_NAME:
            return prefix, rest
    raise ValueError(f"archive path cannot be split for a tar header: {name}")


def _text(value: str, length: int) -> bytes:
    return value.encode("ascii")[:length].ljust(length, b"\0")


def _octal(number: int, length: int) -> bytes:
    if number >= 8 ** (length - 1):
        raise ValueError(f"number too large for a tar header: {number}")
    return b"%0*o\0" % (length - 1, number)


def _check_name(name: str) -> None:
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in name.rstrip("/").split("/")):
        raise ValueError(f"unsafe archive path: {name!r}")
    if not name.isascii():
        raise ValueError(f"archive path must be ASCII: {name!r}")


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
