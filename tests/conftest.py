"""Shared fixtures: course sources to build, and one Chromium per test session."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests import browser

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


MINI_COURSE = {
    "course.md": """
        ---
        title: Mini course
        shortname: mini
        languages: [en, el]
        version: "1.0"
        license: CC-BY-4.0
        authors: [Test Author]
        date: 2026-01-15
        lti:
          url: https://tool.example.org/
        ---
        Welcome to the mini course. Start with [the first page](01-basics/01-first.md).
        """,
    "course.el.md": """
        ---
        title: Μικρό μάθημα
        ---
        Καλώς ήρθατε. Ξεκινήστε από [την πρώτη σελίδα](01-basics/01-first.md).
        """,
    "01-basics/index.md": """
        ---
        title: Basics
        summary: The first steps.
        ---
        What this section covers.
        """,
    "01-basics/index.el.md": """
        ---
        title: Βασικά
        summary: Τα πρώτα βήματα.
        ---
        Τι καλύπτει η ενότητα.
        """,
    "01-basics/01-first.md": """
        ---
        title: First page
        ---
        ## A heading

        Text with an image ![A blue circle](../assets/circle.svg) and a [link back](../course.md).

        | a | b |
        |---|---|
        | 1 | 2 |
        """,
    "01-basics/01-first.el.md": """
        ---
        title: Πρώτη σελίδα
        ---
        ## Επικεφαλίδα

        Κείμενο με εικόνα ![Ένας μπλε κύκλος](../assets/circle.svg).
        """,
    "01-basics/02-note.md": """
        ---
        type: label
        title: A note
        ---
        Remember to take notes.
        """,
    "01-basics/02-note.el.md": """
        ---
        title: Σημείωση
        ---
        Κρατήστε σημειώσεις.
        """,
    "assets/circle.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b5cad"/></svg>\n',
}


@pytest.fixture
def mini_course(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for rel, text in MINI_COURSE.items():
        write(root, rel, text)
    return root


@pytest.fixture
def shipped_course(tmp_path: Path) -> Path:
    """A private copy of content/, so a test may edit it."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as pw:
        browser_instance = browser.launch(pw)
        yield browser_instance
        browser_instance.close()
