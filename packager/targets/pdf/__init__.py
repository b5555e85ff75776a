"""Tagged PDF (PDF/UA-1) handbook per language: ``<shortname>-<lang>.pdf``.

WeasyPrint lays out the book of :mod:`..handbook` with the print stylesheet: cover,
contents with page numbers, one chapter per section, running headers, bookmarks for every
chapter and item, SVG diagrams as vectors, fonts embedded (subsets). The PDF carries the
document language and title and a structure tree, and its dates and file identifier come
from the course, so two builds give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources

from ... import __version__
from ...i18n import translator
from ...render import RenderedCourse
from .. import Target, handbook, option, register

PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class PdfOptions:
    paper: str = field(default="a4", metadata=option("Paper size of the PDF handbook.", choices=PAPERS))


def write(rendered: RenderedCourse, stage, options: PdfOptions) -> list[str]:
    """Target entry point: one PDF per built language."""
    names = []
    for lang in rendered.languages:
        name = f"{rendered.course.shortname}-{lang}.pdf"
        stage.write(name, pdf(rendered, lang, options.paper))
        names.append(name)
    return names


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


register(Target("pdf", "tagged PDF (PDF/UA-1) handbook per language: <shortname>-<lang>.pdf", write, options=PdfOptions))
