"""Synthetic courses for benchmarks: N pages of about 600 words each, with headings, lists,
a table, a link and an image, spread over sections of 20 pages (plus a quiz per section)."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (
    "service citizen municipality migrant refugee counter interpreter appointment document housing "
    "employment health education family office colleague mentor practice case study language "
    "welcome respect listen explain form address register benefit request support network local "
    "department training communication trust time visit complaint solution record share"
).split()

PAGES_PER_SECTION = 20
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#0b5cad"/></svg>\n'


def _sentence(rng: random.Random, n: int = 12) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int = 5) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def page_body(rng: random.Random, index: int, link: str) -> str:
    """About 600 words: four headed parts, a list, a table, a link and an image."""
    parts = []
    for part in range(4):
        parts.append(f"## Part {part + 1}: {_sentence(rng, 4)[:-1]}")
        parts.append(_paragraph(rng, 6))
        parts.append(_paragraph(rng, 4))
        if part == 1:
            parts.append("\n".join(f"- {_sentence(rng, 8)}" for _ in range(5)))
        if part == 2:
            parts.append("| Step | Who | What |\n|---|---|---|\n" + "\n".join(f"| {i} | {rng.choice(WORDS)} | {_sentence(rng, 6)} |" for i in range(1, 5)))
    parts.append(f"See also [the next page]({link}) and the figure:\n\n![Diagram {index}](../assets/figure.svg)")
    return "\n\n".join(parts) + "\n"


def generate(root: Path, pages: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets" / "figure.svg").write_text(SVG, encoding="utf-8")
    (root / "course.md").write_text(
        f"---\ntitle: Synthetic course ({pages} pages)\nshortname: synthetic-{pages}\nlanguages: [en]\n"
        f"version: \"1.0\"\nlicense: CC-BY-4.0\ndate: 2026-01-01\nlti:\n  url: https://tool.example.org/\n---\n{_paragraph(rng)}\n",
        encoding="utf-8",
    )
    sections = (pages + PAGES_PER_SECTION - 1) // PAGES_PER_SECTION
    for s in range(sections):
        folder = root / f"{s + 1:03d}-section-{s + 1}"
        folder.mkdir(exist_ok=True)
        (folder / "index.md").write_text(f"---\ntitle: Section {s + 1}\nsummary: {_sentence(rng, 6)}\n---\n{_paragraph(rng)}\n", encoding="utf-8")
        count = min(PAGES_PER_SECTION, pages - s * PAGES_PER_SECTION)
        for p in range(count):
            link = f"{p + 2:02d}-page-{p + 2}.md" if p + 1 < count else "index.md"
            (folder / f"{p + 1:02d}-page-{p + 1}.md").write_text(
                f"---\ntitle: Page {s + 1}.{p + 1}\nsummary: {_sentence(rng, 6)}\n---\n{page_body(rng, p, link)}", encoding="utf-8"
            )
        (folder / "99-check.md").write_text(
            "---\ntype: quiz\ntitle: Check\nquestions:\n  - id: q1\n    prompt: Which one?\n    choices:\n"
            "      - text: This\n        correct: true\n      - text: That\n---\n",
            encoding="utf-8",
        )
    return root


def touch_one_page(root: Path, retitle: bool = False) -> Path:
    """Edit one page's body (and with ``retitle`` its title), as an author saving a change would."""
    page = sorted(root.glob("001-*/01-*.md"))[0]
    text = page.read_text(encoding="utf-8")
    if retitle:
        text = text.replace("title: Page ", "title: Renamed page ", 1)
    page.write_text(text + "\nOne more sentence.\n", encoding="utf-8")
    return page
