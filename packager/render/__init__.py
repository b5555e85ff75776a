"""Course model to safe HTML, once per build: :mod:`.markdown` (Markdown and sanitising),
:mod:`.course` (every text of every language, see :class:`RenderedCourse`) and :mod:`.site`
(the HTML site pages that every HTML-based target shares)."""

from .course import (
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
    render_course,
    rerender_items,
)

__all__ = [
    "RenderedChoice", "RenderedCourse", "RenderedField", "RenderedItem", "RenderedLanguage", "RenderedQuestion",
    "RenderedQuiz", "RenderedScreener", "RenderedScreenerQuestion", "RenderedSection", "render_course", "rerender_items",
]
