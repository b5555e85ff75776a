"""Package parts in the build cache: compressed zip members and tgz runs, cartridge pages and
unchanged site files are reused and counted, an edited page changes exactly its own entries,
the packages are the same bytes with and without the cache, and a damaged cache file is
ignored."""

from __future__ import annotations

import io
import random
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from zlib_ng import zlib_ng

from packager.archive import ZIP_EPOCH, _gzip_member, _packed_run, ordered, tgz_bytes, zip_bytes
from packager.build import build
from packager.cache import Cache
from tests.support.courses import EVERY_KIND, make_course

PACKAGES = ["html", "imscc", "moodle", "scorm12", "scorm2004"]
PAGE = "01-basics/01-first.md"


def members(path: Path) -> dict[str, bytes]:
    if path.suffix == ".mbz":
        with tarfile.open(path) as archive:
            return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def packages(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def cached(course: Path, out: Path) -> Cache:
    cache = Cache.for_output(out)
    build(course, out, PACKAGES, cache=cache)
    return cache


def edit_text(course: Path) -> None:
    """A change of words only: the page keeps its image and links."""
    page = course / PAGE
    text = page.read_text(encoding="utf-8")
    assert "Text with" in text
    page.write_text(text.replace("Text with", "Edited text with"), encoding="utf-8")


def zipfile_bytes(entries: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, first=(), date=ZIP_EPOCH, level=6, stored=()) -> bytes:
    """What :mod:`zipfile` writes for the same entries and settings, deflating with zlib-ng
    (as the packages do: the same format as zlib's, other bytes)."""
    monkeypatch.setattr(zipfile, "zlib", zlib_ng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name in ordered(entries, first):
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr, info.create_system = 0o644 << 16, 3
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name], compress_type=info.compress_type, compresslevel=level)
    return buffer.getvalue()


SAMPLE = {
    "mimetype": b"application/epub+zip",
    "a/page.html": b"<p>hello</p>" * 400,
    "empty.txt": b"",
    "noise.bin": random.Random(1).randbytes(70_000),
}


@pytest.mark.parametrize("settings", [{}, {"first": ("mimetype",), "stored": ("mimetype",), "date": (2026, 1, 15, 0, 0, 0)}, {"level": 9}])
def test_zip_writer_writes_zipfiles_bytes_with_and_without_the_cache(settings: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    expected = zipfile_bytes(SAMPLE, monkeypatch, **settings)
    assert zip_bytes(SAMPLE, **settings) == expected
    cache = Cache(tmp_path)
    assert zip_bytes(SAMPLE, **settings, cache=cache) == expected
    assert zip_bytes(SAMPLE, **settings, cache=cache) == expected
    compressed = len(SAMPLE) - len(settings.get("stored", ()))
    assert cache.stats["deflate.miss"] == compressed and cache.stats["deflate.hit"] == compressed


def test_tgz_is_one_gzip_member_the_same_with_the_cache(tmp_path: Path):
    entries = {f"activities/page_{i}/page.xml": f"<page>{i}</page>".encode() * 50 for i in range(60)}
    entries["moodle_backup.xml"] = b"<moodle_backup/>"
    plain = tgz_bytes(entries, first=("moodle_backup.xml",), directories=True)
    cache = Cache(tmp_path)
    assert tgz_bytes(entries, first=("moodle_backup.xml",), directories=True, cache=cache) == plain
    runs = cache.stats["deflate.miss"]
    assert runs > 2
    again = dict(entries, **{"activities/page_7/page.xml": b"<page>edited</page>"})
    edited = tgz_bytes(again, first=("moodle_backup.xml",), directories=True, cache=cache)
    assert edited == tgz_bytes(again, first=("moodle_backup.xml",), directories=True)
    # compressed again: the edited run, and the end of the archive (its padding follows the total size)
    assert cache.stats["deflate.miss"] == runs + 2 and cache.stats["deflate.hit"] == runs - 2
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    tar = stream.decompress(edited)
    assert stream.eof and not stream.unused_data  # a single gzip member, as every reader expects
    with tarfile.open(fileobj=io.BytesIO(edited)) as archive:
        assert {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()} == again
    assert len(tar) % tarfile.RECORDSIZE == 0
    runs = [_packed_run(run, 6, None) for run in (b"a" * 1000, b"", b"b" * 10)]  # an empty run keeps the CRC right
    assert zlib.decompress(_gzip_member(runs, 6), 16 + zlib.MAX_WBITS) == b"a" * 1000 + b"b" * 10


def test_edited_page_changes_exactly_its_entries_and_reuses_the_rest(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached(mini_course, out)
    before = {name: members(out / name) for name in packages(out)}
    html_before = {p: p.stat().st_ino for p in (out / "html").rglob("*") if p.is_file()}
    edit_text(mini_course)
    cache = cached(mini_course, out)
    changed = {}
    for name in packages(out):
        now = members(out / name)
        assert set(now) == set(before[name])
        changed[name] = {entry for entry in now if now[entry] != before[name][entry]}
    assert changed == {
        "mini-en-scorm12.zip": {"en/basics/first.html"}, "mini-en-scorm2004.zip": {"en/basics/first.html"},
        "mini-en.imscc": {"basics/first/page.html"}, "mini-en.mbz": {"activities/page_1/page.xml", ".ARCHIVE_INDEX"},
        "mini-el-scorm12.zip": set(), "mini-el-scorm2004.zip": set(), "mini-el.imscc": set(), "mini-el.mbz": set(),
    }
    # one page deflated again for both SCORM versions (they share it), one for the cartridge, one run of the backup
    assert cache.stats["deflate.miss"] == 3 and cache.stats["deflate.hit"] > 100
    assert cache.stats["html.written"] == 1 and cache.stats["html.kept"] == len(html_before) - 1
    unchanged = out / "html/el/basics/first.html"
    assert unchanged.stat().st_ino == html_before[unchanged]  # kept, not written again
    assert "Edited text" in (out / "html/en/basics/first.html").read_text(encoding="utf-8")
    plain = tmp_path / "plain"
    build(mini_course, plain, PACKAGES)
    assert packages(out) == packages(plain)
    assert {p.relative_to(out / "html"): p.read_bytes() for p in (out / "html").rglob("*") if p.is_file()} == \
        {p.relative_to(plain / "html"): p.read_bytes() for p in (plain / "html").rglob("*") if p.is_file()}


@pytest.mark.parametrize("path, old, new", [
    ("02-check/01-quiz.md", "pass_percent: 60", "pass_percent: 70"),  # the quiz's descriptor
    ("02-check/01-quiz.md", "Which are benefits", "Which are the benefits"),
    ("01-basics/02-second.md", "title: Second page", "title: Page two"),  # the manifest's organisation
    ("01-basics/02-second.md", "More text.", "More text. ![A red square](../assets/square.svg)"),  # a resource's dependencies
])
def test_cartridge_manifest_and_quiz_descriptors_follow_their_inputs(tmp_path: Path, path: str, old: str, new: str):
    course = make_course(tmp_path / "content", EVERY_KIND)
    out = tmp_path / "out"
    build(course, out, ["imscc"], cache=Cache.for_output(out))
    source = course / path
    source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    cache = Cache.for_output(out)
    build(course, out, ["imscc"], cache=cache)
    assert cache.stats["cartridge.miss"] >= 1  # made again, not the last build's
    plain = tmp_path / "plain"
    build(course, plain, ["imscc"])
    assert packages(out) == packages(plain)


@pytest.mark.parametrize("area", ["scorm-deflate", "imscc-deflate", "moodle-deflate", "imscc-cartridge", "html-pages"])
def test_damaged_package_cache_file_is_ignored(mini_course: Path, tmp_path: Path, area: str):
    out = tmp_path / "out"
    cached(mini_course, out)
    edit_text(mini_course)
    damaged = max((out / ".qser-cache").glob(f"{area}.*.bin"), key=lambda path: path.stat().st_size)
    data = damaged.read_bytes()
    damaged.write_bytes(data[:-40] + bytes(b ^ 0x55 for b in data[-40:]))
    cache = cached(mini_course, out)
    assert any(f"{damaged.name}: damaged" in line for line in cache.ignored)
    plain = tmp_path / "plain"
    build(mini_course, plain, PACKAGES)
    assert packages(out) == packages(plain)


def test_html_output_changed_in_place_is_written_again(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached(mini_course, out)
    page = out / "html/el/basics/first.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<!-- local edit --></body>"))
    edit_text(mini_course)
    cached(mini_course, out)
    assert b"local edit" not in page.read_bytes()
    plain = tmp_path / "plain"
    build(mini_course, plain, ["html"])
    assert page.read_bytes() == (plain / "html/el/basics/first.html").read_bytes()
