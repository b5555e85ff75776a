"""The build cache: used when it can be, invalidated by exactly what changed, never trusted
when damaged, and giving the same bytes as a build without it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

from packager import cache as cache_module
from packager.archive import ustar_header
from packager.build import BuildOptions, build
from packager.cache import SHARDS, Cache, shard_of
from packager.render import render_course
from packager.render.site import SiteBuilder, SiteOptions
from packager.source import load_course
from packager.targets.moodle.target import MoodleOptions
from tests.support.courses import write

EDITED_PAGE = "---\ntitle: First page\n---\n## A heading\n\nEdited text.\n"


def outputs(out: Path) -> dict[str, str]:
    """sha256 of every output file, the cache folder left out."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".qser-cache" not in p.parts
    }


def cached_build(course: Path, out: Path, options: BuildOptions = BuildOptions()) -> Cache:
    cache = Cache.for_output(out)
    build(course, out, options=options, cache=cache)
    return cache


def uncached(course: Path, out: Path, options: BuildOptions = BuildOptions()) -> dict[str, str]:
    build(course, out, options=options)
    return outputs(out)


def test_cached_rebuild_reuses_everything_and_gives_the_same_bytes(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = cached_build(mini_course, out)
    assert first.stats["render.miss"] == 8 and first.stats["render.hit"] == 0  # 4 texts x 2 languages
    for path in out.iterdir():  # outputs gone, cache kept: everything is written again, from the cache
        if path.is_dir() and path.name != ".qser-cache":
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
    second = cached_build(mini_course, out)
    assert second.stats["render.hit"] == 8 and second.stats["render.miss"] == 0
    assert second.stats["pages.miss"] == 0 and second.stats["pages.hit"] == 12  # 3 pages per language, in the site and in SCORM
    assert outputs(out) == uncached(mini_course, tmp_path / "plain")


def test_nothing_changed_keeps_every_output(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    times = {p: p.stat().st_mtime_ns for p in out.rglob("*") if ".qser-cache" not in p.parts}
    again = cached_build(mini_course, out)
    assert again.stats["build.unchanged"] == 1 and again.stats["render.miss"] + again.stats["render.hit"] == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if ".qser-cache" not in p.parts} == times


def test_nothing_changed_in_a_new_process_imports_no_renderer_or_target_library(mini_course: Path, tmp_path: Path):
    """``qser build`` with nothing to do decides so before importing what only a real build needs."""
    out = tmp_path / "out"
    cached_build(mini_course, out)
    heavy = ["jinja2", "lxml", "markdown_it", "nh3", "yaml", "rich", "zlib_ng", "packager.render", "packager.source",
             "packager.targets.moodle.backup"]
    script = (
        "import sys; from packager.cli import main\n"
        f"try: main(['build', {str(mini_course)!r}, '--out', {str(out)!r}, '--quiet'])\n"
        "except SystemExit as exc: assert not exc.code, exc.code\n"
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_edited_page_renders_only_that_text_and_its_pages(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    write(mini_course, "01-basics/01-first.md", EDITED_PAGE)
    edited = cached_build(mini_course, out)
    assert edited.stats["render.miss"] == 1 and edited.stats["render.hit"] == 7
    assert edited.stats["load.miss"] == 1 and edited.stats["load.hit"] == 1  # the other item is not parsed again
    assert edited.stats["pages.miss"] == 2  # en/basics/first.html of the site and of the English SCORM package
    assert "Edited text." in (out / "html/en/basics/first.html").read_text(encoding="utf-8")
    assert outputs(out) == uncached(mini_course, tmp_path / "plain")


def test_title_change_rewrites_the_pages_that_show_it(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    write(mini_course, "01-basics/01-first.md", EDITED_PAGE.replace("First page", "Renamed page"))
    renamed = cached_build(mini_course, out)
    # the page itself and its section page (the list of items, the pager), in the site and in SCORM;
    # the course home lists sections only and is reused
    assert renamed.stats["pages.miss"] == 4 and renamed.stats["pages.hit"] == 8
    assert "Renamed page" in (out / "html/en/basics/index.html").read_text(encoding="utf-8")
    assert outputs(out) == uncached(mini_course, tmp_path / "plain")


@pytest.mark.parametrize("path, old, new, page", [
    ("01-basics/02-note.md", "Remember to take notes.", "Remember to rest.", "basics/index"),  # a label, shown on its section page
    ("01-basics/01-first.md", "title: First page\n", "title: First page\nsummary: Where it starts.\n", "basics/index"),
    ("01-basics/index.md", "What this section covers.", "What this part covers.", "basics/index"),
    ("course.md", "Welcome to the mini course.", "Welcome, reader.", "index"),
])
def test_what_a_home_or_section_page_shows_of_its_own_rewrites_it(mini_course: Path, tmp_path: Path, path: str, old: str,
                                                                   new: str, page: str):
    """Home and section pages are reused by their structure and their own content: a change to
    either is a page written again, never the last build's."""
    out = tmp_path / "out"
    cached_build(mini_course, out)
    source = mini_course / path
    source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    edited = cached_build(mini_course, out)
    assert edited.stats["pages.miss"] >= 2  # the site's and the English SCORM package's page
    assert new.strip().rpartition(": ")[2] in (out / f"html/en/{page}.html").read_text(encoding="utf-8")
    assert outputs(out) == uncached(mini_course, tmp_path / "plain")


def test_changed_option_rewrites_only_its_target(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    site = (out / "html/en/index.html").stat().st_mtime_ns
    backup = (out / "mini-en.mbz").read_bytes()
    options = BuildOptions(targets={"moodle": MoodleOptions(version="5.0")})
    changed = cached_build(mini_course, out, options)
    assert changed.stats["render.hit"] == 8 and changed.stats["render.miss"] == 0
    assert (out / "html/en/index.html").stat().st_mtime_ns == site
    assert (out / "mini-en.mbz").read_bytes() != backup
    assert outputs(out) == uncached(mini_course, tmp_path / "plain", options)


def test_changed_template_renders_pages_again_but_not_markdown(mini_course: Path, tmp_path: Path):
    templates = tmp_path / "templates"
    write(templates, "item.html", '{% extends "base.html" %}{% block content %}one {{ page.html }}{% endblock %}')
    cache = Cache(tmp_path / "cache")

    def site() -> dict[str, bytes]:
        rendered, _ = render_course(load_course(mini_course)[0], cache=cache)
        return dict(SiteBuilder(rendered, SiteOptions(template_dirs=(str(templates),))).files())

    site()
    cache.save()
    cache.stats.clear()
    write(templates, "item.html", '{% extends "base.html" %}{% block content %}two {{ page.html }}{% endblock %}')
    pages = site()
    assert cache.stats["render.hit"] == 8 and cache.stats["render.miss"] == 0
    assert cache.stats["pages.miss"] == 6 and cache.stats["pages.hit"] == 0
    assert b"two <h2" in pages["en/basics/first.html"]


def test_new_qser_version_ignores_the_old_cache(mini_course: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    cache_module.code_digest.cache_clear()
    try:
        bumped = cached_build(mini_course, out)
    finally:
        monkeypatch.undo()
        cache_module.code_digest.cache_clear()
    assert bumped.stats["render.hit"] == 0 and bumped.stats["render.miss"] == 8
    assert all("not a cache file of this qser version" in line for line in bumped.ignored) and bumped.ignored


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign"])
def test_damaged_cache_is_ignored_and_rebuilt(mini_course: Path, tmp_path: Path, damage: str):
    out = tmp_path / "out"
    cached_build(mini_course, out)
    write(mini_course, "01-basics/01-first.md", EDITED_PAGE)  # so the build has to read the cache
    for path in (out / ".qser-cache").glob("*.bin"):
        data = path.read_bytes()
        if damage == "flip":
            path.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
        elif damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        else:
            path.write_bytes(b"\x80\x04K\x01.")  # a pickle, which must never be loaded
    damaged = cached_build(mini_course, out)
    assert damaged.stats["render.hit"] == 0 and len(damaged.ignored) >= 3
    assert outputs(out) == uncached(mini_course, tmp_path / "plain")
    healthy = Cache.for_output(out)
    assert len(healthy.record("render")) == 8 and not healthy.ignored


def test_ustar_headers_match_tarfile():
    for name, size, directory in [("moodle_backup.xml", 1234, False), ("activities/page_12/", 0, True), ("a/" * 60 + "long.xml", 7, False)]:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, 1767225600, 0o755 if directory else 0o644
        info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
        expected = info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")
        assert ustar_header(name, size, 1767225600, directory) == expected


def test_two_builds_at_once_share_one_cache(mini_course: Path, tmp_path: Path):
    """Each cache file is replaced whole: builds that overlap leave only complete files."""
    shared = tmp_path / "cache"
    errors: list[BaseException] = []

    def one(out: str) -> None:
        try:
            build(mini_course, tmp_path / out, cache=Cache(shared))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(f"out{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    after = Cache(shared)
    assert len(after.record("render")) == 8 and not after.ignored
    assert not [p for p in shared.iterdir() if p.suffix != ".bin"]  # no temporary file left behind
    assert outputs(tmp_path / "out0") == outputs(tmp_path / "out2") == uncached(mini_course, tmp_path / "plain")


def test_a_build_rewrites_only_the_cache_files_whose_entries_changed(tmp_path: Path):
    first = Cache(tmp_path)
    for i in range(200):
        first.put("pages", f"k{i}", b"v%d" % i)
    first.save()
    inodes = {path.name: path.stat().st_ino for path in tmp_path.glob("pages.*.bin")}
    assert len(inodes) == SHARDS
    second = Cache(tmp_path)
    assert all(second.get("pages", f"k{i}") == b"v%d" % i for i in range(1, 200))  # k0 is not used again
    second.put("pages", "new", b"x")
    second.save()
    rewritten = {path.name for path in tmp_path.glob("pages.*.bin") if path.stat().st_ino != inodes[path.name]}
    assert rewritten == {f"pages.{shard_of(key):x}.bin" for key in ("k0", "new")}
    expected = {f"k{i}": b"v%d" % i for i in range(1, 200)} | {"new": b"x"}
    assert Cache(tmp_path).record("pages") == expected
