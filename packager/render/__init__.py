"""Course model to safe HTML, once per build: :mod:`.markdown` (Markdown and sanitising),
:mod:`.course` (every text of every language, into the values of :mod:`.types`; the build
cache keeps them as :mod:`.payload`) and :mod:`.site` (the HTML site pages that every
HTML-based target shares)."""

from .course import render_course, rerender_items
from .types import (
    RenderedChoice,
    RenderedCourse,
    RenderedField,
    RenderedItem,
    RenderedLanguage,
    RenderedQuestion,
    RenderedQuiz,
    RenderedScreener,
    RenderedScreenerQuestion,
    RenderedSection,
)

__all__ = [
    "RenderedChoice", "RenderedCourse", "RenderedField", "RenderedItem", "RenderedLanguage", "RenderedQuestion",
    "RenderedQuiz", "RenderedScreener", "RenderedScreenerQuestion", "RenderedSection", "render_course", "rerender_items",
]
