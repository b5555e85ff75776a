"""On a 360 px phone: table cells wrap between words, and each language's caption sits
under its own card on the language chooser."""

from __future__ import annotations

from pathlib import Path

import pytest

from packager.build import BuildOptions, build
from tests.support.courses import write

WORDS_SPLIT = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


@pytest.fixture
def phone_site(mini_course: Path, tmp_path: Path) -> Path:
    write(mini_course, "01-basics/01-first.md", """
        ---
        title: First page
        ---
        ## A heading

        | Department | Responsibility | Coordinator | Availability |
        |---|---|---|---|
        | Registration department | Accommodation | Interpretation | Wednesdays |
        """)
    build(mini_course, tmp_path / "out", ["html"], BuildOptions())
    return tmp_path / "out/html"


@pytest.mark.browser
def test_table_cells_do_not_break_words(chromium, phone_site: Path):
    page = chromium.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto((phone_site / "en/basics/first.html").as_uri())
        assert page.evaluate(WORDS_SPLIT) == []
    finally:
        page.close()


@pytest.mark.browser
def test_chooser_caption_sits_under_its_own_card(chromium, phone_site: Path):
    page = chromium.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto((phone_site / "index.html").as_uri())
        boxes = page.evaluate("""() => [...document.querySelectorAll('.language-list li')].map(li => ({
            card: li.querySelector('a').getBoundingClientRect().toJSON(),
            caption: li.querySelector('.muted').getBoundingClientRect().toJSON()}))""")
        assert len(boxes) == 2
        for index, box in enumerate(boxes):
            card, caption = box["card"], box["caption"]
            assert caption["top"] >= card["bottom"] - 1, box  # below its card, not beside it
            assert abs(caption["left"] - card["left"]) <= 1, box
            gap_below = (boxes[index + 1]["card"]["top"] - caption["bottom"]) if index + 1 < len(boxes) else None
            if gap_below is not None:
                assert gap_below > 2 * (caption["top"] - card["bottom"]), box  # closer to its own card than to the next
    finally:
        page.close()
