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

    Moodle's tgz reader understands nothing else (PAX headers turn into stray files).
    """
    mtime = int(_dt.datetime(*date, tzinfo=_dt.timezone.utc).timestamp())
    names = ordered(entries, first)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
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
                        tar.addfile(_tarinfo(folder, 0, mtime, directory=True))
            data = entries[name]
            tar.addfile(_tarinfo(name, len(data), mtime), io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def _tarinfo(name: str, size: int, mtime: int, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o755 if directory else 0o644
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


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
