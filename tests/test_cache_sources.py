"""The course digest's stat fast path: a file is read again only when its stat changed, and a
changed file is always seen, even when its size and modification time are the same."""

from __future__ import annotations

import os
import types
from pathlib import Path

from packager import incremental
from packager.cache import Cache
from packager.incremental import source_digest
from tests.support.courses import write

PAGE = "01-basics/01-first.md"


def digest(course: Path, folder: Path) -> tuple[str, Cache]:
    """One build's digest: a fresh cache object on ``folder``, saved as a build saves it."""
    cache = Cache(folder)
    value = source_digest(course, cache=cache)
    cache.save(incremental.SOURCES)
    return value, cache


def test_unchanged_files_are_not_read_again(mini_course: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(incremental, "RACY_NS", -10**12)  # as if the record had been made long after the files' last change
    files = sum(1 for p in mini_course.rglob("*") if p.is_file())
    first, cache = digest(mini_course, tmp_path / "cache")
    assert cache.stats["sources.read"] == files
    again, cache = digest(mini_course, tmp_path / "cache")
    assert again == first and cache.stats["sources.read"] == 0
    assert first == source_digest(mini_course)  # the same digest as without a record
    write(mini_course, PAGE, "---\ntitle: First page\n---\nChanged.\n")
    changed, cache = digest(mini_course, tmp_path / "cache")
    assert changed != first and cache.stats["sources.read"] == 1


def test_same_size_and_mtime_is_still_seen(mini_course: Path, tmp_path: Path):
    page = mini_course / PAGE
    before, _ = digest(mini_course, tmp_path / "cache")
    stat = page.stat()
    page.write_bytes(bytes(b ^ 1 if chr(b).isalpha() else b for b in page.read_bytes()))  # same size, other bytes
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert page.stat().st_size == stat.st_size and page.stat().st_mtime_ns == stat.st_mtime_ns
    after, cache = digest(mini_course, tmp_path / "cache")
    assert after != before and cache.stats["sources.read"] >= 1
    assert after == source_digest(mini_course)


def test_ambiguous_record_is_not_trusted(mini_course: Path, tmp_path: Path, monkeypatch):
    """On a file system with coarse times, a second write in the same tick leaves every stat
    field as it was: a record made that close to the file's last change is read again."""
    page = mini_course / PAGE
    frozen = page.stat()
    real_stat = os.stat
    fake_os = types.SimpleNamespace(**{name: getattr(os, name) for name in ("scandir", "path")},
                                    stat=lambda path: frozen if Path(path) == page else real_stat(path))
    monkeypatch.setattr(incremental, "os", fake_os)
    before, _ = digest(mini_course, tmp_path / "cache")
    page.write_text(page.read_text(encoding="utf-8").replace("First", "Fisrt"), encoding="utf-8")
    after, cache = digest(mini_course, tmp_path / "cache")
    assert after != before and cache.stats["sources.read"] >= 1


def test_damaged_record_is_ignored(mini_course: Path, tmp_path: Path):
    first, _ = digest(mini_course, tmp_path / "cache")
    for record in (tmp_path / "cache").glob("sources.*.bin"):
        record.write_bytes(record.read_bytes()[:-5])
    again, cache = digest(mini_course, tmp_path / "cache")
    assert again == first and cache.ignored and cache.stats["sources.read"] > 0
