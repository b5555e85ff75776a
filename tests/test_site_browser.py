"""The HTML site in headless Chromium: zero axe-core violations, keyboard and phone use."""

from __future__ import annotations

from pathlib import Path

import pytest

from packager.build import build
from packager.model import ItemKind
from packager.build import BuildOptions
from tests.support.browser import axe_violations, describe

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build(ROOT / "content", out, ["html"], BuildOptions())
    return out / "html"


def _pages(site: Path, lang: str) -> dict[str, Path]:
    from packager.source import load_course

    course, _ = load_course(ROOT / "content")
    section = course.sections[0]
    item = course.items_of(ItemKind.PAGE)[0]
    screener = course.items_of(ItemKind.SCREENER)[0]
    return {
        "home": site / lang / "index.html",
        "section": site / lang / section.slug / "index.html",
        "item": site / lang / f"{item.id}.html",
        "screener": site / lang / f"{screener.id}.html",
    }


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("kind", ["home", "section", "item", "screener"])
def test_pages_have_no_axe_violations(chromium, site: Path, lang: str, kind: str):
    page = chromium.new_page()
    try:
        page.goto(_pages(site, lang)[kind].as_uri())
        assert page.locator("html").get_attribute("lang") == lang
        violations = axe_violations(page)
        assert violations == [], describe(violations)
    finally:
        page.close()


@pytest.mark.browser
def test_language_chooser_has_no_axe_violations(chromium, site: Path):
    page = chromium.new_page()
    try:
        page.goto((site / "index.html").as_uri())
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        assert page.locator("li[lang=el] a").get_attribute("href") == "el/index.html"
    finally:
        page.close()


@pytest.mark.browser
def test_keyboard_skip_link_and_focus_ring(chromium, site: Path):
    page = chromium.new_page()
    try:
        page.goto(_pages(site, "el")["item"].as_uri())
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip-link"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # focus is visible
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
    finally:
        page.close()


@pytest.mark.browser
def test_phone_layout_has_no_sideways_scrolling(chromium, site: Path):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        for path in _pages(site, "el").values():
            page.goto(path.as_uri())
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            assert page.locator("details.toc__details").get_attribute("open") is None  # menu collapsed
    finally:
        context.close()


@pytest.mark.browser
def test_wide_screen_opens_the_contents(chromium, site: Path):
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(_pages(site, "en")["section"].as_uri())
        assert page.locator("details.toc__details").get_attribute("open") == ""
        assert page.locator(".toc a[aria-current=page]").count() == 1
    finally:
        page.close()


@pytest.mark.browser
def test_print_stylesheet_hides_navigation(chromium, site: Path):
    page = chromium.new_page()
    try:
        page.goto(_pages(site, "en")["item"].as_uri())
        page.emulate_media(media="print")
        assert page.locator("nav.toc").is_hidden()
        assert page.locator("article.content").is_visible()
    finally:
        page.close()
