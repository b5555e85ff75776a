"""A synthetic course for the SCORM tests: pages, a label, a link, a file and two quizzes (no screener),
in English and Greek, so quizzes are what the package grades. Shared by the package and runtime tests.
Also the shipped course with a summary too big for SCORM 1.2, for the suspend-data limit tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from packager.model import ItemKind
from packager.source import load_course
from . import CONTENT, make_course

QUIZ_COURSE = {
    "course.md": """
        ---
        title: Quiz course
        shortname: quizzes
        languages: [en, el]
        version: "2.1"
        license: CC-BY-4.0
        authors: [Test Author, "Lab; Team"]
        date: 2026-03-01
        summary: A course graded by its quizzes.
        ---
        Welcome. Start with [the first page](01-basics/01-first.md).
        """,
    "course.el.md": """
        ---
        title: Μάθημα με κουίζ
        summary: Ένα μάθημα που βαθμολογείται από τα κουίζ του.
        ---
        Καλώς ήρθατε.
        """,
    "01-basics/index.md": """
        ---
        title: Basics
        ---
        The first section.
        """,
    "01-basics/01-first.md": """
        ---
        title: First page
        ---
        Some text, and an [external site](https://example.org/).
        """,
    "01-basics/02-note.md": """
        ---
        type: label
        title: A note
        ---
        Labels are shown inline, not tracked.
        """,
    "01-basics/03-check.md": """
        ---
        type: quiz
        title: First check
        pass_percent: 50
        questions:
          - id: colour
            prompt: Which colour is the sky on a clear day?
            choices:
              - text: Blue
                correct: true
                feedback: Yes, blue.
              - text: Green
                feedback: No, grass is green.
          - id: numbers
            prompt: Which numbers are even?
            type: multiple
            choices:
              - text: Two
                correct: true
              - text: Three
              - text: Four
                correct: true
            feedback:
              correct: Well done.
              incorrect: Even numbers divide by two.
          - id: city-choice
            prompt: Which city is in Greece?
            choices:
              - id: athens-gr
                text: Athens
                correct: true
              - id: lyon-fr
                text: Lyon
        ---
        Answer the three questions.
        """,
    "02-more/index.md": """
        ---
        title: More
        ---
        The second section.
        """,
    "02-more/01-link.md": """
        ---
        type: url
        title: A useful site
        url: https://example.org/guide
        ---
        Read this guide.
        """,
    "02-more/02-handout.md": """
        ---
        type: file
        title: Handout
        file: ../assets/handout.txt
        ---
        Download the handout.
        """,
    "02-more/03-final.md": """
        ---
        type: quiz
        title: Final check
        pass_percent: 75
        questions:
          - id: capital
            prompt: What is the capital of Spain?
            choices:
              - text: Madrid
                correct: true
              - text: Seville
        ---
        One last question.
        """,
    "assets/handout.txt": "A handout.\n",
}


def quiz_course(root: Path) -> Path:
    return make_course(root, QUIZ_COURSE)


def oversized_summary_course(root: Path) -> Path:
    """A copy of the shipped course whose summary fields keep the default 2000 characters each."""
    shutil.copytree(CONTENT, root)
    screener = root / load_course(CONTENT)[0].items_of(ItemKind.SCREENER)[0].source.path
    text = screener.read_text(encoding="utf-8")
    screener.write_text(re.sub(r"\n    max_length: \d+", "", text), encoding="utf-8")
    return root
