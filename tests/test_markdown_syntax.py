"""A text is parsed without the optional syntax (admonitions, footnotes, definition lists,
strikethrough) whose markers it lacks (packager.render.markdown): the HTML must be exactly
what the complete parser writes, for texts that use each syntax and for arbitrary ones."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from packager.render.markdown import _EVERYTHING, _parser, _syntax

SAMPLES = {
    "admonition": ['!!! note "Title"\n    Body.\n', "??? tip\n    Folded.\n", "- item\n\n    !!! warning\n        In a list.\n"],
    "footnote": ["Text.[^1]\n\n[^1]: The note.\n", "Inline.^[An inline note.]\n"],
    "deflist": ["Term\n: Definition.\n", "> Term\n> : In a quote.\n", "- Term\n\n  ~ In a list.\n", "Term\n:\tTabbed.\n"],
    "strikethrough": ["~~gone~~ and ~one~\n"],
}
CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_each_syntax_is_found_and_rendered_as_the_complete_parser_does():
    for name, texts in SAMPLES.items():
        for text in texts:
            assert name in _syntax(text), (name, text)
            full = _parser().render(text)
            assert _parser(_syntax(text)).render(text) == full, (name, text)
            without = _parser(_EVERYTHING - {name}).render(text)
            assert without != full, f"the sample does not use {name}: {text!r}"


def test_the_course_texts_render_as_with_the_complete_parser():
    texts = [path.read_text(encoding="utf-8") for path in sorted(CONTENT.rglob("*.md"))]
    assert len(texts) > 10
    for text in texts:
        assert _parser(_syntax(text)).render(text) == _parser().render(text)


PIECES = ["a", "b c", " ", "\t", "\n", "\n\n", "    ", "> ", "- ", "1. ", ": ", "~ ", "~~", "~", "^[", "[^1]", "[^1]: ", "]",
          "!!! ", "??? ", "???+ ", "note", "|", "---", "**", "`", "#", "<b>", "[x](y.md)"]
MARKDOWN = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWN)
def test_any_text_renders_as_with_the_complete_parser(text):
    assert _parser(_syntax(text)).render(text) == _parser().render(text)
    assert _parser(_syntax(text)).renderInline(text) == _parser().renderInline(text)


# what a definition line is: after quote, list or indent prefixes, ": " or "~ " (or a tab)
DEFINITION_LINE = re.compile(r"^[ \t>*+\-0-9.)]*[:~][ \t]", re.MULTILINE)
LINE_PIECES = [" ", "\t", "\n", ">", "*", "+", "-", "0", "7", ".", ")", ":", "~", "a", "#", ": ", "~\t", "\r"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=12).map("".join))
def test_definition_lines_are_found_where_the_line_pattern_finds_them(text):
    assert ("deflist" in _syntax(text)) == (DEFINITION_LINE.search(text) is not None)
