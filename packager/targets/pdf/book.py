"""The PDF of one language: the book as one HTML document, laid out by WeasyPrint."""

from __future__ import annotations

import hashlib
from importlib import resources

from ... import __version__
from ...i18n import translator
from ...render import RenderedCourse
from ..handbook import book as handbook
from .. import one_file_per_language
from . import PAPERS, PdfOptions


def write(rendered: RenderedCourse, stage, options: PdfOptions) -> list[str]:
    """The target's writer (registered in the package): one PDF per built language."""
    return one_file_per_language(rendered, stage, "pdf", lambda lang: pdf(rendered, lang, options.paper))


def document(rendered: RenderedCourse, lang: str) -> str:
    """The whole book as one HTML document, links as anchors inside it."""
    root = rendered.course.root.resolve()
    book = handbook.book(rendered, lang, href=lambda _chapter, anchor: f"#{anchor}",
                         image=lambda path: (root / path).as_uri())
    template = handbook.environment().get_template("book.html")
    return template.render(book=book, t=translator(lang), generator=__version__)


def pdf(rendered: RenderedCourse, lang: str, paper: str = "a4") -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs time other targets need not spend

    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    course = rendered.course
    css = (resources.files("packager") / "templates" / "handbook" / "print.css").read_text(encoding="utf-8")
    stylesheets = [CSS(string=css), CSS(string=f"@page {{ size: {paper.upper()}; }}")]
    identifier = hashlib.md5(f"qser:{course.shortname}:{lang}".encode(), usedforsecurity=False).hexdigest()
    html = HTML(string=document(rendered, lang), base_url=course.root.resolve().as_uri() + "/")
    return html.write_pdf(
        stylesheets=stylesheets,
        pdf_variant="pdf/ua-1",
        pdf_identifier=identifier.encode("ascii"),
    )

