"""Moodle activities reused from the build cache (packager/targets/moodle/reuse.py): after each
kind of change (a page's words, a question, an asset's bytes, the course order, a target
option) a cached build gives exactly the bytes of a build without the cache, and the
activities the change did not touch come from the cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from packager.build import BuildOptions, build
from packager.cache import Cache
from packager.targets.moodle.target import MoodleOptions
from tests.support.courses import EVERY_KIND, make_course

QUIZ = "02-check/01-quiz.md"
# a second quiz, after the first: its question ids follow the first quiz's
COURSE = {**EVERY_KIND, "02-check/03-again.md": "---\ntype: quiz\ntitle: Again\nquestions:\n  - id: q\n    prompt: Sure?\n"
          "    choices:\n      - text: Yes\n        correct: true\n      - text: No\n---\n"}


def backups(course: Path, out: Path, options: BuildOptions, cache: Cache | None) -> dict[str, bytes]:
    written, _ = build(course, out, ["moodle"], options, cache=cache)
    return {path.name: path.read_bytes() for path in written}


def replace(course: Path, rel: str, old: str, new: str) -> None:
    path = course / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def same_size_asset(course: Path) -> None:
    """Other bytes of the same length at the same path: only the SHA-1 check can tell."""
    path = course / "assets/circle.svg"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"#0b5cad", b"#ad0b5c"))
    assert len(path.read_bytes()) == len(data)


CHANGES: dict[str, Callable[[Path], None]] = {
    "page words": lambda c: replace(c, "01-basics/02-second.md", "More text.", "More text, edited."),
    "question prompt": lambda c: replace(c, QUIZ, "Which are benefits", "Which ones are benefits"),
    "question added": lambda c: replace(c, QUIZ, "  - id: benefits", "  - id: extra\n    prompt: One more?\n    choices:\n"
                                        "      - text: Yes\n        correct: true\n      - text: No\n  - id: benefits"),
    "asset bytes, same size": same_size_asset,
    "image added to a page": lambda c: replace(c, "01-basics/02-second.md", "More text.", "More text ![A red square](../assets/square.svg)."),
    "page inserted first": lambda c: (c / "01-basics/00-intro.md").write_text("---\ntitle: Intro\n---\nFirst of all.\n", encoding="utf-8"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_cached_backup_after_a_change_is_the_uncached_bytes(change: str, tmp_path: Path):
    course = make_course(tmp_path / "content", COURSE)
    out, options = tmp_path / "out", BuildOptions()
    backups(course, out, options, Cache.for_output(out))
    CHANGES[change](course)
    cache = Cache.for_output(out)
    assert backups(course, out, options, cache) == backups(course, tmp_path / "plain", options, None)
    if change == "page inserted first":  # every course-module id moved, and links name them: all built again
        assert cache.stats["activities.hit"] == 0
    else:
        assert cache.stats["activities.hit"] > 0
    if change == "asset bytes, same size":  # found by its key, then refused: the image's bytes changed
        assert cache.stats["activities.stale"] > 0


def test_unchanged_activities_come_from_the_cache_and_a_page_edit_builds_only_its_own(tmp_path: Path):
    course = make_course(tmp_path / "content", COURSE)
    out = tmp_path / "out"
    first = Cache.for_output(out)
    backups(course, out, BuildOptions(), first)
    activities = first.stats["activities.miss"]
    assert activities > 10 and first.stats["activities.hit"] == 0
    CHANGES["page words"](course)
    again = Cache.for_output(out)
    backups(course, out, BuildOptions(), again)
    # the English and the Greek backup each build the edited page again (the Greek one shows its
    # English text as the fallback), and nothing else
    assert again.stats["activities.miss"] == 2 and again.stats["activities.hit"] == activities - 2


@pytest.mark.parametrize("moodle", [MoodleOptions(version="5.0"), MoodleOptions(multilang=True), MoodleOptions(scorm=True)])
def test_cached_backup_with_other_options_is_the_uncached_bytes(moodle: MoodleOptions, tmp_path: Path):
    course = make_course(tmp_path / "content", COURSE)
    out = tmp_path / "out"
    backups(course, out, BuildOptions(), Cache.for_output(out))
    options = BuildOptions(targets={"moodle": moodle})
    cache = Cache.for_output(out)
    assert backups(course, out, options, cache) == backups(course, tmp_path / "plain", options, None)
    assert cache.stats["activities.hit"] == 0  # every option is in the key
    options = BuildOptions(lti_url="https://other.example.org/qser/", targets={"moodle": moodle})
    assert backups(course, out, options, Cache.for_output(out)) == backups(course, tmp_path / "plain2", options, None)
