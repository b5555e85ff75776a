"""`qser preview`: incremental rebuilds, problems kept visible, pages that reload themselves."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from packager.preview import Previewer, PreviewServer
from packager.render import render_course
from packager.render.site import SiteBuilder
from packager.source import load_course
from tests.support.courses import write


def snapshot(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*.html")}


def test_one_saved_page_rewrites_only_that_page(mini_course: Path, tmp_path: Path):
    out = tmp_path / "preview"
    previewer = Previewer(mini_course, out)
    assert previewer.rebuild() == "full"
    before = snapshot(out)
    page = write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n## A heading\n\nFreshly edited text.\n")
    assert previewer.rebuild({page}) == "pages"
    after = snapshot(out)
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {"en/basics/first.html"}
    assert "Freshly edited text." in (out / "en/basics/first.html").read_text(encoding="utf-8")


def test_saved_page_is_read_alone(mini_course: Path, tmp_path: Path, monkeypatch):
    """The cost of a save does not grow with the course: the other files are not read again."""
    from packager import preview

    previewer = Previewer(mini_course, tmp_path / "p")
    previewer.rebuild()
    monkeypatch.setattr(preview, "load_partial", lambda _root: pytest.fail("the whole course was loaded again"))
    page = write(mini_course, "01-basics/01-first.el.md", "---\ntitle: Πρώτη σελίδα\n---\nΝέο κείμενο.\n")
    assert previewer.rebuild({page}) == "pages"
    assert "Νέο κείμενο." in (tmp_path / "p/el/basics/first.html").read_text(encoding="utf-8")


def test_label_change_rewrites_its_section_page(mini_course: Path, tmp_path: Path):
    previewer = Previewer(mini_course, tmp_path / "p")
    previewer.rebuild()
    label = write(mini_course, "01-basics/02-note.el.md", "---\ntitle: Σημείωση\n---\nΝέα σημείωση.\n")
    assert previewer.rebuild({label}) == "pages"
    assert "Νέα σημείωση." in (tmp_path / "p/el/basics/index.html").read_text(encoding="utf-8")


def test_title_change_rewrites_only_the_pages_that_show_it(mini_course: Path, tmp_path: Path):
    out = tmp_path / "p"
    previewer = Previewer(mini_course, out)
    previewer.rebuild()
    before = snapshot(out)
    page = write(mini_course, "01-basics/01-first.md", "---\ntitle: Renamed page\n---\nText\n")
    assert previewer.rebuild({page}) == "pages"
    after = snapshot(out)
    # the page and its section page (its list of items, contents menu and pager); the home
    # page lists sections only, and the Greek pages show the Greek title
    assert {path for path in after if after[path] != before[path]} == {"en/basics/first.html", "en/basics/index.html"}
    assert "Renamed page" in (out / "en/basics/index.html").read_text(encoding="utf-8")
    assert (out / "en/basics/first.html").read_bytes() == dict(SiteBuilder(render_course(load_course(mini_course)[0])[0], previewer.options).files())["en/basics/first.html"]


def test_section_file_change_rebuilds_everything(mini_course: Path, tmp_path: Path):
    previewer = Previewer(mini_course, tmp_path / "p")
    previewer.rebuild()
    section = write(mini_course, "01-basics/index.md", "---\ntitle: Basics renamed\nsummary: The first steps.\n---\nText\n")
    assert previewer.rebuild({section}) == "full"
    assert "Basics renamed" in (tmp_path / "p/en/index.html").read_text(encoding="utf-8")


def test_problems_keep_the_last_good_site(mini_course: Path, tmp_path: Path):
    previewer = Previewer(mini_course, tmp_path / "p")
    previewer.rebuild()
    good = (tmp_path / "p/en/basics/first.html").read_bytes()
    page = write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n[broken](gone.md)\n")
    assert previewer.rebuild({page}) == "failed"
    assert any("01-first.md:4: error: link to a page that does not exist" in p for p in previewer.problems)
    assert (tmp_path / "p/en/basics/first.html").read_bytes() == good


@pytest.mark.browser
def test_open_page_reloads_itself_after_a_save(chromium, mini_course: Path, tmp_path: Path):
    server = PreviewServer(mini_course, tmp_path / "p", port=0)
    server.start()
    watcher = threading.Thread(target=server.watch_forever, daemon=True)
    watcher.start()
    page = chromium.new_page()
    try:
        page.goto(server.url + "en/basics/first.html")
        page.wait_for_function("() => true")
        page.wait_for_timeout(300)  # let the page open its event stream before the save
        write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n## A heading\n\nSaved just now.\n")
        page.wait_for_selector("text=Saved just now.", timeout=15000)
        write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n[broken](gone.md)\n")
        banner = page.wait_for_selector("#qser-problems", timeout=15000)
        assert "link to a page that does not exist" in banner.inner_text()
    finally:
        page.close()
        server.stop()
        watcher.join(timeout=5)
