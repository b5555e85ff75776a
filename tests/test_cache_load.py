"""Items loaded from the build cache (:mod:`packager.source.reuse`): the same course and the
same problems as a plain load, and a change to an item's file or to the assets is seen."""

from __future__ import annotations

from pathlib import Path

from packager.cache import Cache, digest
from packager.incremental import source_digest
from packager.source import load_partial
from packager.source.reuse import AREA, LoadedItems
from tests.support.courses import EVERY_KIND, MINI_COURSE, make_course, write


def loaded(course: Path, folder: Path):
    """A load as a build does it (the course's files digested first), its cache saved."""
    cache, files = Cache(folder), {}
    source_digest(course, cache=cache, files=files)
    result = load_partial(course, LoadedItems(cache, files))
    cache.save(AREA)
    return result, cache.stats


def test_items_come_from_the_cache_as_loaded_and_an_edit_is_seen(tmp_path: Path):
    course = make_course(tmp_path / "content", EVERY_KIND)
    plain, plain_problems = load_partial(course)
    items = len(plain.items)
    (first, problems), stats = loaded(course, tmp_path / "cache")
    assert stats[f"{AREA}.miss"] == items and stats[f"{AREA}.hit"] == 0
    assert first == plain and problems.items == plain_problems.items
    (again, problems), stats = loaded(course, tmp_path / "cache")
    assert stats[f"{AREA}.hit"] == items
    assert again == plain and problems.items == plain_problems.items and problems.warnings  # the reused items' warnings too
    write(course, "02-check/01-quiz.md", (course / "02-check/01-quiz.md").read_text(encoding="utf-8").replace("pass_percent: 60", "pass_percent: 80"))
    (edited, problems), stats = loaded(course, tmp_path / "cache")
    assert stats[f"{AREA}.miss"] == 1 and stats[f"{AREA}.hit"] == items - 1
    assert edited.item("check/quiz").text("en").quiz.pass_percent == 80
    assert (edited, problems.items) == (lambda c, d: (c, d.items))(*load_partial(course))


def test_a_removed_asset_is_seen_by_the_file_item_that_points_at_it(tmp_path: Path):
    course = make_course(tmp_path / "content", EVERY_KIND)
    loaded(course, tmp_path / "cache")
    (course / "assets/handout.pdf").unlink()
    (_, problems), stats = loaded(course, tmp_path / "cache")
    assert stats[f"{AREA}.hit"] == 0  # the assets are part of every item's key
    assert any("handout.pdf" in d.message for d in problems.errors)
    assert problems.items == load_partial(course)[1].items


def test_a_file_changed_after_the_course_digest_is_loaded_as_it_is_and_not_kept(tmp_path: Path):
    course = make_course(tmp_path / "content", MINI_COURSE)
    cache, files = Cache(tmp_path / "cache"), {}
    source_digest(course, cache=cache, files=files)
    write(course, "01-basics/01-first.md", "---\ntitle: Saved meanwhile\n---\nNew text.\n")
    for _ in range(2):  # the stale digest again: the item was not kept under it
        reuse = LoadedItems(cache, files)
        loaded, _ = load_partial(course, reuse)
        assert loaded.item("basics/first").text("en").title == "Saved meanwhile"
        assert ("01-basics/01-first.md", "en") not in reuse.texts
        # a kept item's texts are known by the digest the renderer would make of them
        assert reuse.texts["01-basics/02-note.md", "en"] == digest(loaded.item("basics/note").text("en"))
        cache.save(AREA)
    assert cache.stats[f"{AREA}.hit"] == 1 and cache.stats[f"{AREA}.miss"] == 3  # the other item was kept
