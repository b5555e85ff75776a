"""Items loaded from the build cache (:mod:`packager.source.reuse`): the same course and the
same problems as a plain load, and a change to an item's file or to the assets is seen."""

from __future__ import annotations

from pathlib import Path

from packager.cache import Cache
from packager.incremental import source_digest
from packager.source import load_partial
from packager.source.reuse import AREA, LoadedItems
from tests.support.courses import EVERY_KIND, make_course, write


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
